#include "reports/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace longtail::reports::svg {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void Extent::add(double v) {
  if (!std::isfinite(v)) return;
  if (empty()) {
    lo = hi = v;
  } else {
    lo = std::min(lo, v), hi = std::max(hi, v);
  }
}

double Scale::fraction(double v) const {
  const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
  const double p = log ? std::log10(v) : v;
  return b > a ? (p - a) / (b - a) : 0.5;
}

std::string Scale::label(double t) const {
  if (log) {
    if (t >= 1e6) return fmt::format("{:g}M", t / 1e6);
    if (t >= 1e3) return fmt::format("{:g}k", t / 1e3);
    return fmt::format("{:g}", t);
  }
  std::string s = fmt::format("{:.{}f}", t, decimals);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // "-0.0"
  return s;
}

Scale linear_scale(double lo, double hi, int target) {
  if (!std::isfinite(lo) && !std::isfinite(hi)) lo = 0, hi = 1;
  if (!std::isfinite(lo)) lo = hi;
  if (!std::isfinite(hi)) hi = lo;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max({1.0, std::abs(lo), std::abs(hi)})) {  // one value: pad it
    const double pad = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
    lo -= pad, hi += pad;
  }
  const double rough = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(rough)));
  const double norm = rough / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  Scale s;
  const long first = std::lround(std::floor(lo / step + 1e-9)), last = std::lround(std::ceil(hi / step - 1e-9));
  for (long i = first; i <= last; ++i) s.ticks.push_back(double(i) * step);
  s.lo = s.ticks.front(), s.hi = s.ticks.back();
  s.decimals = std::clamp(int(-std::floor(std::log10(step) + 1e-9)), 0, 12);
  return s;
}

Scale log_scale(double lo, double hi) {
  if (!(lo > 0 && hi > 0 && std::isfinite(lo) && std::isfinite(hi))) return linear_scale(lo, hi);
  if (lo > hi) std::swap(lo, hi);
  if (hi / lo < 1 + 1e-9) lo /= 2, hi *= 2;
  const int d0 = int(std::floor(std::log10(lo))), d1 = int(std::ceil(std::log10(hi)));
  const double decades = std::log10(hi) - std::log10(lo);
  std::vector<double> mults = decades < 3 ? std::vector<double>{1, 2, 5} : std::vector<double>{1};
  const int every = decades < 3 ? 1 : std::max(1, int(std::ceil(decades / 6)));
  std::vector<double> candidates;
  for (int k = d0; k <= d1; ++k) {
    if ((k - d0) % every != 0 && k != d1) continue;
    for (double m : mults) candidates.push_back(m * std::pow(10.0, k));
  }
  Scale s;
  s.log = true;
  s.lo = candidates.front(), s.hi = candidates.back();
  for (double c : candidates) {
    if (c <= lo * (1 + 1e-9)) s.lo = c;
    if (c >= hi * (1 - 1e-9)) {
      s.hi = c;
      break;
    }
  }
  for (double c : candidates)
    if (c >= s.lo && c <= s.hi) s.ticks.push_back(c);
  return s;
}

namespace {

std::string num(double v) { return fmt::format("{:.1f}", v); }

// At most `n` characters (UTF-8 code points), the last an ellipsis when cut.
std::string shorten(const std::string& s, size_t n) {
  auto starts = [&](size_t i) { return (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80; };
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) points += starts(i);
  if (points <= n) return s;
  size_t kept = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (starts(i) && kept++ == n - 1) return s.substr(0, i) + "\u2026";
  return s;
}

}  // namespace

std::string render(const Plot& p) {
  const int height = std::max(p.height, 14 + 18 * int(p.legend.size()) + 20);
  const double left = 64, top = 14, bottom = height - 46;
  const double right = p.width - (p.legend.empty() ? 20.0 : 180.0);
  auto px = [&](double x) { return left + p.x.fraction(x) * (right - left); };
  auto py = [&](double y) { return bottom - p.y.fraction(y) * (bottom - top); };
  auto finite = [&](double x, double y) { return std::isfinite(px(x)) && std::isfinite(py(y)); };

  std::string o = fmt::format(
      "<svg class=\"plot\" data-plot=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\">\n<title>{}</title>\n",
      escape(p.kind), p.width, height, p.width, height, escape(p.title), escape(p.title));
  // Grid, ticks and axis labels.
  o += "<g class=\"axes\">\n";
  for (double t : p.x.ticks) {
    const double x = px(t);
    if (!std::isfinite(x)) continue;
    o += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", num(x), num(top), num(bottom));
    o += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(x),
                     num(bottom + 16), escape(p.x.label(t)));
  }
  for (double t : p.y.ticks) {
    const double y = py(t);
    if (!std::isfinite(y)) continue;
    o += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>", num(left), num(right), num(y));
    o += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", num(left - 6),
                     num(y + 4), escape(p.y.label(t)));
  }
  o += fmt::format("<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n", num(left), num(top),
                   num(right - left), num(bottom - top));
  o += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                   num((left + right) / 2), num(height - 8), escape(p.x_label));
  o += fmt::format(
      "<text class=\"axis-label\" transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
      num((top + bottom) / 2), escape(p.y_label));
  o += "</g>\n";

  for (const RefLine& r : p.refs) {
    const double y = py(r.y);
    if (!std::isfinite(y)) continue;
    o += fmt::format("<line class=\"ref\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\"{4}/>", num(left),
                     num(right), num(y), escape(r.colour), r.dashed ? " stroke-dasharray=\"6 4\"" : "");
    if (!r.label.empty())
      o += fmt::format("<text class=\"ref-label\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">{}</text>",
                       num(r.label_left ? left + 4 : right - 4), num(y - 4), r.label_left ? "start" : "end",
                       escape(r.label));
    o += "\n";
  }

  for (const Series& s : p.series) {
    const std::string colour = escape(s.colour);
    if (s.line) {
      std::string pts;
      for (const Point& q : s.points)
        if (finite(q.x, q.y)) pts += (pts.empty() ? "" : " ") + num(px(q.x)) + "," + num(py(q.y));
      if (!pts.empty()) {
        o += fmt::format("<polyline class=\"mark\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\">",
                         pts, colour);
        if (!s.line_title.empty()) o += "<title>" + escape(s.line_title) + "</title>";
        o += "</polyline>\n";
      }
    }
    for (const Point& q : s.points) {
      if (!finite(q.x, q.y)) continue;
      const double x = px(q.x) + s.dx, y = py(q.y);
      if (s.markers) {
        o += fmt::format("<circle class=\"mark\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"{}\" "
                         "stroke-width=\"1.5\">",
                         num(x), num(y), num(s.radius), q.filled ? colour : "#fff", colour);
        if (!q.tooltip.empty()) o += "<title>" + escape(q.tooltip) + "</title>";
        o += "</circle>\n";
      }
      if (!q.label.empty()) {
        const bool flip = x > right - 90;
        o += fmt::format("<text class=\"point-label\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">{}</text>\n",
                         num(flip ? x - 7 : x + 7), num(y - 6), flip ? "end" : "start", escape(shorten(q.label, 24)));
      }
    }
  }

  if (!p.legend.empty()) {
    o += "<g class=\"legend\">\n";
    const double x = right + 16;
    double y = top + 10;
    for (const LegendEntry& e : p.legend) {
      const std::string c = escape(e.colour);
      switch (e.shape) {
        case LegendEntry::Dot:
        case LegendEntry::Ring:
          o += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
                           num(x + 8), num(y), e.shape == LegendEntry::Dot ? c : "#fff", c);
          break;
        case LegendEntry::Line:
        case LegendEntry::Dash:
          o += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>",
                           num(x), num(x + 16), num(y), c, e.shape == LegendEntry::Dash ? " stroke-dasharray=\"4 3\"" : "");
          break;
      }
      o += fmt::format("<text x=\"{}\" y=\"{}\">{}<title>{}</title></text>\n", num(x + 22), num(y + 4),
                       escape(shorten(e.text, 24)), escape(e.text));
      y += 18;
    }
    o += "</g>\n";
  }
  o += "</svg>\n";
  return o;
}

}  // namespace longtail::reports::svg

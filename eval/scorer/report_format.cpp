// sacreBLEU's report formatting and the tabulate subset it uses; see report_format.h.
#include "eval/scorer/report_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "eval/scorer/python_number.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval {

// ---- Python scalars and JSON ----

std::string python_fixed(double x, int digits) {
  const int n = std::snprintf(nullptr, 0, "%.*f", digits, x);
  std::string out(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), "%.*f", digits, x);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string python_float_repr(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  // Shortest round-trip digits (what Python's repr uses), then Python's layout rules.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  std::size_t pos = 0;
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    pos = 1;
  }
  const std::size_t e = sci.find('e');
  std::string digits;
  for (std::size_t i = pos; i < e; ++i)
    if (sci[i] != '.') digits += sci[i];
  const int exponent = std::atoi(sci.c_str() + e + 1);
  const int decpt = exponent + 1;  // digits[0] is at 10^(decpt-1)
  std::string out = sign;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
    } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
      out += digits + std::string(static_cast<std::size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." + digits.substr(static_cast<std::size_t>(decpt));
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  const int shown = decpt - 1;
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", shown < 0 ? '-' : '+', shown < 0 ? -shown : shown);
  return out + exp_buf;
}

double parse_python_float(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

std::string json_quote(std::string_view utf8, bool ensure_ascii) {
  static const char* hex = "0123456789abcdef";
  const auto u_escape = [](std::string& out, unsigned v) {
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += hex[(v >> shift) & 15];
  };
  std::string out = "\"";
  for (const char32_t cp : decode_utf8(utf8)) {
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp < 0x20) {
      u_escape(out, cp);
    } else if (cp < 0x80 || !ensure_ascii) {
      append_utf8(cp, out);
    } else if (cp < 0x10000) {
      u_escape(out, cp);
    } else {
      const char32_t v = cp - 0x10000;
      u_escape(out, 0xD800 + (v >> 10));
      u_escape(out, 0xDC00 + (v & 0x3FF));
    }
  }
  return out + "\"";
}

// ---- one score ----

std::string format_score(const ScoreSummary& score, int width, bool score_only, const std::string& signature,
                         bool is_json) {
  // The JSON object, as the ordered dict `d` of Score.format (later keys update earlier ones in place).
  std::vector<std::pair<std::string, std::string>> d;  // key -> JSON value text
  const auto set = [&d](const std::string& key, std::string value) {
    for (auto& kv : d)
      if (kv.first == key) {
        kv.second = std::move(value);
        return;
      }
    d.emplace_back(key, std::move(value));
  };
  std::string sc = python_fixed(score.score, width);
  set("name", json_quote(score.name, false));
  set("score", python_float_repr(parse_python_float(sc)));
  set("signature", json_quote(signature, false));
  if (score.mean > 0) {
    const std::string mean = python_fixed(score.mean, width);
    const std::string var = python_fixed(score.ci, width);
    const std::string confidence = "\u03bc = " + mean + " \u00b1 " + var;
    sc += " (" + confidence + ")";
    set("confidence_mean", python_float_repr(parse_python_float(mean)));
    set("confidence_var", python_float_repr(parse_python_float(var)));
    set("confidence", json_quote(confidence, false));
  }
  std::string full = signature.empty() ? score.name : score.name + "|" + signature;
  full += " = " + sc;
  if (!score.verbose.empty()) {
    full += " " + score.verbose;
    set("verbose_score", json_quote(score.verbose, false));
  }
  if (score_only) return sc;
  if (!is_json) return full;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = signature.find('|', start);
    const std::string param = signature.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    const std::size_t colon = param.find(':');
    if (colon == std::string::npos || param.find(':', colon + 1) != std::string::npos)
      throw std::invalid_argument("signature field '" + param + "' is not key:value");
    set(param.substr(0, colon), json_quote(param.substr(colon + 1), false));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  std::string out = "{";
  for (std::size_t i = 0; i < d.size(); ++i)
    out += std::string(i ? ",\n " : "\n ") + json_quote(d[i].first, false) + ": " + d[i].second;
  return out + "\n}";
}

std::string format_single_results(const std::vector<std::string>& results, bool is_json) {
  std::string out;
  if (is_json) {
    if (results.size() > 1) {
      out = "[\n";
      for (std::size_t i = 0; i < results.size(); ++i) out += (i ? ",\n" : "") + results[i];
      return out + "\n]\n";
    }
    return results.at(0) + "\n";
  }
  if (results.size() == 1) return results[0] + "\n";
  // lens.append(line.index('=') - 1), in code points; lines without '=' are printed at once.
  std::vector<long> lens;
  for (const auto& line : results) {
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos)
      out += line + "\n";
    else
      lens.push_back(static_cast<long>(count_code_points(std::string_view(line).substr(0, eq))) - 1);
  }
  if (lens.empty()) return out;
  const long w = *std::max_element(lens.begin(), lens.end());
  for (std::size_t i = 0; i < lens.size(); ++i) {
    const std::u32string line = decode_utf8(results[i]);
    const long n = static_cast<long>(line.size());
    long cut = lens[i] < 0 ? std::max(0L, n + lens[i]) : std::min(lens[i], n);  // Python slicing
    const std::u32string left = line.substr(0, static_cast<std::size_t>(cut));
    const std::u32string right = line.substr(static_cast<std::size_t>(cut));
    const long pad = w - static_cast<long>(left.size());
    out += std::string(pad > 0 ? static_cast<std::size_t>(pad) : 0, ' ') + encode_utf8(left) + encode_utf8(right) + "\n";
  }
  return out;
}

// ---- tabulate ----

namespace {

using U32 = std::u32string;

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

U32 py_strip(const U32& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_python_space(s[b])) ++b;
  while (e > b && is_python_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

U32 ascii_lower(U32 s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
  return s;
}

// str.splitlines()
std::vector<U32> splitlines(const U32& s) {
  std::vector<U32> out;
  std::size_t start = 0, i = 0;
  while (i < s.size()) {
    const char32_t c = s[i];
    const bool boundary = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                          c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!boundary) {
      ++i;
      continue;
    }
    out.push_back(s.substr(start, i - start));
    i += (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ? 2 : 1;
    start = i;
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// re.split("[\r\n]", s)
std::vector<U32> split_cr_lf(const U32& s) {
  std::vector<U32> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\r' || s[i] == '\n') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  out.push_back(s.substr(start));
  return out;
}

bool has_cr_lf(const U32& s) { return s.find_first_of(U"\r\n") != U32::npos; }

// Python int(s) accepts it (ASCII digits; single underscores between digits).
bool python_int_ok(const U32& raw) {
  const U32 s = py_strip(raw);
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  return python_number::scan_digitpart(s, i) == s.size();
}

// Python float(s): the value, or nullopt if float() raises ValueError.
std::optional<double> python_float(const U32& raw) { return python_number::parse_float(py_strip(raw)); }

// tabulate's _isnumber on a str.
bool tab_isnumber(const U32& s) {
  const auto v = python_float(s);
  if (!v) return false;
  if (!std::isinf(*v) && !std::isnan(*v)) return true;
  const U32 lower = ascii_lower(s);  // only ASCII spellings can equal the three words
  return lower == U"inf" || lower == U"-inf" || lower == U"nan";
}

// re.match(r"^(([+-]?[0-9]{1,3})(?:,([0-9]{3}))*)?(?(1)\.[0-9]*|\.[0-9]+)?$", s); `$` also
// matches before a final "\n".
bool thousands_match_exact(const U32& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t d = 0;
  while (i + d < s.size() && is_digit(s[i + d])) ++d;
  if (d >= 1 && d <= 3) {
    std::size_t j = i + d;
    while (j + 3 < s.size() && s[j] == ',' && is_digit(s[j + 1]) && is_digit(s[j + 2]) && is_digit(s[j + 3])) j += 4;
    if (j == s.size()) return true;
    if (s[j] != '.') return false;
    for (++j; j < s.size(); ++j)
      if (!is_digit(s[j])) return false;
    return true;
  }
  // No group 1: nothing, or "." and at least one digit.
  if (s.empty()) return true;
  if (s[0] != '.' || s.size() < 2) return false;
  for (std::size_t k = 1; k < s.size(); ++k)
    if (!is_digit(s[k])) return false;
  return true;
}
bool thousands_match(const U32& s) {
  if (thousands_match_exact(s)) return true;
  return !s.empty() && s.back() == '\n' && thousands_match_exact(s.substr(0, s.size() - 1));
}

// tabulate's type ranks: NoneType 0, bool 1, int 2, float 3, str 5.
int tab_type(const U32& s) {
  if (s.empty()) return 0;
  if (s == U"True" || s == U"False") return 1;
  if (python_int_ok(s) || (thousands_match(s) && s.find('.') == U32::npos)) return 2;
  if (tab_isnumber(s) || thousands_match(s)) return 3;
  return 5;
}

U32 tab_format(const U32& val, int type, const TableOptions& o) {
  if (val.empty() || type != 3) return val;
  U32 raw = val;
  if (!o.has_invisible) raw.erase(std::remove(raw.begin(), raw.end(), U','), raw.end());
  const auto v = python_float(raw);
  if (!v) return val;
  const std::string f = python_fixed(*v, o.float_digits);
  return U32(f.begin(), f.end());
}

enum class Align { kRight, kCenter };

U32 pad(const U32& s, std::size_t width, Align a) {
  if (s.size() >= width) return s;
  const std::size_t total = width - s.size();
  if (a == Align::kRight) return U32(total, ' ') + s;
  const std::size_t left = total / 2;  // format's '^' puts the odd space on the right
  return U32(left, ' ') + s + U32(total - left, ' ');
}

std::size_t multiline_width(const U32& s) {
  std::size_t w = 0;
  for (const auto& piece : split_cr_lf(s)) w = std::max(w, piece.size());
  return w;
}

std::string join_lines(const std::vector<U32>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + encode_utf8(lines[i]);
  return out;
}

// _build_simple_row: begin + sep.join(cells) + end, rstripped.
U32 simple_row(const U32& begin, const U32& sep, const U32& end, const std::vector<U32>& cells) {
  U32 row = begin;
  for (std::size_t i = 0; i < cells.size(); ++i) row += (i ? sep : U"") + cells[i];
  row += end;
  std::size_t e = row.size();
  while (e > 0 && is_python_space(row[e - 1])) --e;
  return row.substr(0, e);
}

U32 latex_escape(const U32& s) {
  U32 out;
  for (const char32_t c : s) {
    switch (c) {
      case '&': out += U"\\&"; break;
      case '%': out += U"\\%"; break;
      case '$': out += U"\\$"; break;
      case '#': out += U"\\#"; break;
      case '_': out += U"\\_"; break;
      case '^': out += U"\\^{}"; break;
      case '{': out += U"\\{"; break;
      case '}': out += U"\\}"; break;
      case '~': out += U"\\textasciitilde{}"; break;
      case '\\': out += U"\\textbackslash{}"; break;
      case '<': out += U"\\ensuremath{<}"; break;
      case '>': out += U"\\ensuremath{>}"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string tabulate(const std::vector<std::string>& headers_utf8, const std::vector<std::vector<std::string>>& columns,
                     const TableOptions& o) {
  const bool fancy = o.style == TableStyle::kFancyGrid;
  std::vector<U32> headers;
  for (const auto& h : headers_utf8) headers.push_back(decode_utf8(h));
  // Rows are the columns transposed (izip_longest); with no rows there are no columns at all.
  std::size_t nrows = 0;
  for (const auto& c : columns) nrows = std::max(nrows, c.size());
  std::vector<std::vector<U32>> cols;
  if (nrows > 0)
    for (const auto& c : columns) {
      std::vector<U32> col;
      for (std::size_t r = 0; r < nrows; ++r) col.push_back(r < c.size() ? decode_utf8(c[r]) : U32());
      cols.push_back(std::move(col));
    }

  bool is_multiline = false;
  if (fancy) {
    for (const auto& h : headers) is_multiline = is_multiline || has_cr_lf(h);
    for (const auto& c : cols)
      for (const auto& v : c) is_multiline = is_multiline || has_cr_lf(v);
  }
  const auto width_fn = [is_multiline](const U32& s) { return is_multiline ? multiline_width(s) : s.size(); };

  // Types, formatting, alignment: colalign=('right',) for the first column, centre elsewhere.
  std::vector<Align> aligns;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    int type = 1;
    for (const auto& v : cols[c]) type = std::max(type, tab_type(v));
    for (auto& v : cols[c]) v = tab_format(v, type, o);
    aligns.push_back(c == 0 ? Align::kRight : Align::kCenter);
  }
  std::vector<std::size_t> widths;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    const std::size_t minwidth = c < headers.size() ? width_fn(headers[c]) + 2 : 0;
    std::size_t maxwidth = minwidth;
    for (auto& v : cols[c]) {
      v = py_strip(v);
      if (is_multiline)
        for (const auto& piece : split_cr_lf(v)) maxwidth = std::max(maxwidth, piece.size());
      else
        maxwidth = std::max(maxwidth, v.size());
    }
    for (auto& v : cols[c]) {
      if (!is_multiline) {
        v = pad(v, maxwidth, aligns[c]);
        continue;
      }
      std::vector<U32> lines = splitlines(v);
      if (o.has_invisible) lines.resize(std::min(lines.size(), split_cr_lf(v).size()));  // zip() truncates
      U32 joined;
      for (std::size_t i = 0; i < lines.size(); ++i) joined += (i ? U"\n" : U"") + pad(lines[i], maxwidth, aligns[c]);
      v = joined;
    }
    widths.push_back(maxwidth);
  }
  // Headers: with no columns, every header is centred over an empty cell.
  std::vector<Align> header_aligns = aligns;
  if (header_aligns.empty()) header_aligns.assign(headers.size(), Align::kCenter);
  std::vector<std::size_t> col_widths;
  for (std::size_t c = 0; c < headers.size(); ++c) {
    std::size_t w = width_fn(headers[c]) + 2;
    if (c < cols.size())
      for (const auto& v : cols[c]) w = std::max(w, width_fn(v));
    col_widths.push_back(w);
    if (is_multiline) {
      U32 joined;
      const auto pieces = split_cr_lf(headers[c]);
      for (std::size_t i = 0; i < pieces.size(); ++i) joined += (i ? U"\n" : U"") + pad(pieces[i], w, header_aligns[c]);
      headers[c] = joined;
    } else {
      headers[c] = pad(headers[c], w, header_aligns[c]);
    }
  }
  if (cols.size() > headers.size())  // not reached by sacreBLEU's tables (every column has a key)
    for (std::size_t c = headers.size(); c < cols.size(); ++c) col_widths.push_back(widths[c]);

  std::vector<U32> lines;
  const auto line = [&](const U32& begin, const U32& fill, const U32& sep, const U32& end) {
    std::vector<U32> cells;
    for (const std::size_t w : col_widths) {
      U32 cell;
      for (std::size_t i = 0; i < w + 2; ++i) cell += fill;
      cells.push_back(cell);
    }
    lines.push_back(simple_row(begin, sep, end, cells));
  };
  const auto row = [&](const std::vector<U32>& cells) {
    if (!fancy) {
      std::vector<U32> escaped;
      for (const auto& c : cells) escaped.push_back(latex_escape(U" " + c + U" "));
      lines.push_back(simple_row(U"", U"&", U"\\\\", escaped));
      return;
    }
    if (!is_multiline) {
      std::vector<U32> padded;
      for (const auto& c : cells) padded.push_back(U" " + c + U" ");
      lines.push_back(simple_row(U"│", U"│", U"│", padded));
      return;
    }
    std::vector<std::vector<U32>> cell_lines;
    std::size_t nlines = 0;
    for (const auto& c : cells) {
      cell_lines.push_back(splitlines(c));
      nlines = std::max(nlines, cell_lines.back().size());
    }
    for (std::size_t i = 0; i < cell_lines.size(); ++i)
      cell_lines[i].resize(nlines, U32(i < col_widths.size() ? col_widths[i] : 0, ' '));
    for (std::size_t l = 0; l < nlines; ++l) {
      std::vector<U32> padded;
      for (const auto& cl : cell_lines) padded.push_back(U" " + cl[l] + U" ");
      lines.push_back(simple_row(U"│", U"│", U"│", padded));
    }
  };

  std::vector<std::vector<U32>> rows(nrows);
  for (std::size_t r = 0; r < nrows; ++r)
    for (const auto& c : cols) rows[r].push_back(c[r]);

  if (fancy) {
    line(U"╒", U"═", U"╤", U"╕");
    row(headers);
    line(U"╞", U"═", U"╪", U"╡");
    for (std::size_t r = 0; r < rows.size(); ++r) {
      row(rows[r]);
      if (r + 1 < rows.size()) line(U"├", U"─", U"┼", U"┤");
    }
    line(U"╘", U"═", U"╧", U"╛");
  } else {
    U32 spec;
    for (const Align a : aligns) spec += a == Align::kRight ? U'r' : U'c';
    lines.push_back(U"\\begin{tabular}{" + spec + U"}\n\\toprule");
    row(headers);
    lines.push_back(U"\\midrule");
    for (const auto& r : rows) row(r);
    lines.push_back(U"\\bottomrule\n\\end{tabular}");
  }
  return join_lines(lines);
}

// ---- multi-system reports ----

namespace {

// utils._format_score_lines for one paired result (colours off: the red p-value has no '*').
std::string paired_cell(const PairedResult& r, int width, bool multiline) {
  std::string s = python_fixed(r.score, width);
  if (r.mean) s += " (" + python_fixed(*r.mean, width) + " \u00b1 " + python_fixed(r.ci.value_or(0.0), width) + ")";
  if (r.p_value) {
    s += multiline ? "\n" : " ";
    s += "(p = " + python_fixed(*r.p_value, 4) + ")";
    if (!(*r.p_value > 0.05)) s += "*";
  }
  return s;
}

std::string json_number_or_null(const std::optional<double>& v) { return v ? python_float_repr(*v) : "null"; }

}  // namespace

std::string format_results_table(const std::vector<std::string>& systems, const std::vector<MetricColumn>& metrics,
                                 const ResultsTableOptions& o) {
  const bool paired = o.paired.has_value();
  if (o.format == ReportFormat::kJson) {
    // json.dumps(proper_json, indent=4): ASCII-escaped, nested objects for paired results.
    if (systems.empty()) return "[]\n";
    std::string out = "[";
    for (std::size_t i = 0; i < systems.size(); ++i) {
      out += i ? ",\n    {" : "\n    {";
      out += "\n        \"system\": " + json_quote(systems[i], true);
      for (const auto& m : metrics) {
        out += ",\n        " + json_quote(m.name, true) + ": ";
        if (!paired) {
          out += json_quote(m.cells.at(i), true);
          continue;
        }
        const PairedResult& r = m.paired.at(i);
        out += "{\n            \"score\": " + python_float_repr(r.score) +
               ",\n            \"p_value\": " + json_number_or_null(r.p_value) +
               ",\n            \"mean\": " + json_number_or_null(r.mean) +
               ",\n            \"ci\": " + json_number_or_null(r.ci) + "\n        }";
      }
      out += "\n    }";
    }
    return out + "\n]\n";
  }

  const bool fancy = o.format == ReportFormat::kText;
  std::vector<std::string> headers{"System"};
  std::vector<std::vector<std::string>> columns{systems};
  bool is_bootstrap = false;  // sticky across metrics, as in _format_score_lines
  for (const auto& m : metrics) {
    std::vector<std::string> cells = m.cells;
    if (paired) {
      cells.clear();
      for (const auto& r : m.paired) {
        if (r.mean) is_bootstrap = true;
        cells.push_back(paired_cell(r, o.width, fancy));
      }
    }
    headers.push_back(is_bootstrap ? m.name + " (\u03bc \u00b1 95% CI)" : m.name);
    columns.push_back(std::move(cells));
  }
  TableOptions table;
  table.style = fancy ? TableStyle::kFancyGrid : TableStyle::kLatexBooktabs;
  table.float_digits = o.width;
  table.has_invisible = o.colors;
  std::string out = tabulate(headers, columns, table) + "\n\n";

  if (paired) {
    const bool bs = *o.paired == PairedTestType::kBootstrap;
    const std::string msg = std::string("Paired ") + (bs ? "bootstrap resampling" : "approximate randomization") +
                            " test with " + std::to_string(o.paired_n_as_given) + " " +
                            (bs ? "resampling trials" : "trials");
    const std::string rule(msg.size(), '-');
    out += rule + "\n" + msg + "\n" + rule + "\n";
    // baseline_name is the first cell of a column that starts with "Baseline:": the stdin
    // baseline is named just "Baseline", so sacreBLEU prints "compared to ." there.
    const bool named = !systems.empty() && systems[0].rfind("Baseline:", 0) == 0;
    out += " - Each system is pairwise compared to " + (named ? systems[0] : std::string()) + ".\n";
    out += bs ? "   Actual system score / bootstrap estimated true mean / 95% CI are provided for each metric.\n"
              : "   Actual system score is provided for each metric.\n";
    out +=
        "\n"
        " - Null hypothesis: the system and the baseline translations are essentially\n"
        "   generated by the same underlying process. For a given system and the baseline,\n"
        "   the p-value is roughly the probability of the absolute score difference (delta)\n"
        "   or higher occurring due to chance, under the assumption that the null hypothesis is correct.\n"
        "\n"
        " - Assuming a significance threshold of 0.05, the null hypothesis can be rejected\n"
        "   for p-values < 0.05 (marked with \"*\"). This means that the delta is unlikely to be attributed\n"
        "   to chance, hence the system is significantly \"different\" than the baseline.\n"
        "   Otherwise, the p-values are highlighted in red.\n"
        "\n"
        " - NOTE: Significance does not tell whether a system is \"better\" than the baseline but rather\n"
        "   emphasizes the \"difference\" of the systems in terms of the replicability of the delta.\n"
        "\n";
  }
  out += "-----------------\nMetric signatures\n-----------------\n";
  for (const auto& m : metrics) {
    const std::size_t len = count_code_points(m.name);
    out += " - " + m.name + std::string(len < 10 ? 10 - len : 0, ' ') + " " + m.signature + "\n";
  }
  return out;
}

}  // namespace longtail::eval

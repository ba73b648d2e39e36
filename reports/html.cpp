#include "reports/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

#include "harness/common/options.h"
#include "reports/report.h"
#include "reports/svg_plot.h"

namespace longtail::reports {

namespace json = boost::json;
using svg::escape;

std::vector<TradeOff> pareto_front(const std::vector<TradeOff>& methods) {
  std::vector<TradeOff> front;
  for (const TradeOff& a : methods) {
    const bool dominated = std::any_of(methods.begin(), methods.end(), [&](const TradeOff& b) {
      return b.high >= a.high && b.low >= a.low && (b.high > a.high || b.low > a.low);
    });
    if (!dominated) front.push_back(a);
  }
  std::stable_sort(front.begin(), front.end(), [](const TradeOff& a, const TradeOff& b) { return a.high < b.high; });
  return front;
}

namespace {

// ---- reading the report, with the JSON path of every value for the errors ----

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw ConfigError("report.json: " + path, what);
}

double number(const json::value& v, const std::string& path) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return double(v.get_int64());
  if (v.is_uint64()) return double(v.get_uint64());
  bad(path, "expected a number");
}

struct Node {
  const json::object& o;
  std::string path;

  bool has(std::string_view k) const { return o.contains(k); }
  std::string sub(std::string_view k) const { return path + "." + std::string(k); }
  const json::value& get(std::string_view k) const {
    const json::value* v = o.if_contains(k);
    if (!v) bad(path, fmt::format("missing key \"{}\"", k));
    return *v;
  }
  Node object(std::string_view k) const {
    const json::value& v = get(k);
    if (!v.is_object()) bad(sub(k), "expected an object");
    return {v.get_object(), sub(k)};
  }
  const json::array& array(std::string_view k) const {
    const json::value& v = get(k);
    if (!v.is_array()) bad(sub(k), "expected an array");
    return v.get_array();
  }
  std::string str(std::string_view k) const {
    const json::value& v = get(k);
    if (!v.is_string()) bad(sub(k), "expected a string");
    return std::string(v.get_string());
  }
  double num(std::string_view k) const { return number(get(k), sub(k)); }
  std::optional<double> num_or_null(std::string_view k) const {
    if (!has(k) || get(k).is_null()) return std::nullopt;
    return num(k);
  }
  int64_t integer(std::string_view k) const {
    const json::value& v = get(k);
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) return int64_t(v.get_uint64());
    bad(sub(k), "expected an integer");
  }
  bool boolean(std::string_view k) const {
    const json::value& v = get(k);
    if (!v.is_bool()) bad(sub(k), "expected true or false");
    return v.get_bool();
  }
  std::vector<std::string> strings(std::string_view k) const {
    std::vector<std::string> out;
    const json::array& a = array(k);
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) bad(fmt::format("{}[{}]", sub(k), i), "expected a string");
      out.emplace_back(a[i].get_string());
    }
    return out;
  }
};

Node element(const json::array& a, size_t i, const std::string& path) {
  const std::string p = fmt::format("{}[{}]", path, i);
  if (!a[i].is_object()) bad(p, "expected an object");
  return {a[i].get_object(), p};
}

// ---- what the page shows, per dataset × imbalance × stage ----

constexpr const char* kGroups[] = {"all", "high", "low"};
constexpr const char* kGroupNames[] = {"All", "High", "Low"};

struct GroupStats {
  double mean = 0;
  std::optional<double> std;
  int64_t languages = 0;
};
struct LangStats {
  std::string code, group;
  int64_t natural_pairs = 0;
};
struct Summary {
  std::string method;
  size_t seeds = 0;
  std::vector<LangStats> langs;
  GroupStats groups[3];
};
struct GroupDelta {
  double delta = 0;
  std::optional<double> p;
  bool significant = false;
  int64_t wins = 0, ties = 0, losses = 0;
};
struct LangDelta {
  std::string code;
  double delta = 0, p = 1;
  bool significant = false;
};
struct Comparison {
  std::string method, baseline;
  std::vector<LangDelta> langs;
  GroupDelta groups[3];
};
struct Curve {
  std::string method, baseline;
  std::vector<double> steps, values;
  std::optional<double> target, best, steps_to_target, speedup;
};
struct Cost {
  std::string method;
  int64_t seeds = 0;
  double steps = 0, tokens = 0, train_wall_s = 0, wall_time_s = 0, tokens_per_s = 0;
  std::optional<double> step_time_ratio;
};
struct Failed {
  std::string method, reason;
  int64_t seed = 0;
};
struct ExpertRow {
  std::string language;
  std::optional<std::vector<double>> shares;  // none: the language routed no token
  std::optional<double> specialisation;
};
struct ExpertLayer {
  std::string name;
  std::vector<ExpertRow> rows;
  std::vector<double> load;
  std::optional<double> mean_specialisation;
};
struct ExpertUsage {
  std::string method;
  size_t seeds = 0;
  std::vector<ExpertLayer> layers;
};

struct Section {
  std::string dataset, imbalance;
  int64_t stage = 0;
  std::vector<std::string> methods;  // baseline first, then in report order
  std::vector<Summary> summary;
  std::vector<Comparison> comparisons;
  std::vector<Curve> curves;        // against the report's baseline
  std::vector<Curve> extra_curves;  // against settings.extra_baselines: their speed-ups in the cost table
  std::vector<Cost> costs;
  std::vector<Failed> failed;
  std::vector<ExpertUsage> experts;

  void add_method(const std::string& m) {
    if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
  }
  template <class T>
  const T* find(const std::vector<T>& v, const std::string& method) const {
    for (const T& x : v)
      if (x.method == method) return &x;
    return nullptr;
  }
};

// A continual run's stage transitions (the report's `stages`), per dataset × imbalance and method.
struct StageLang {
  std::string code;
  double delta = 0;
  std::optional<double> p, before, after;
  bool significant = false;
  bool trained = false;  // false too in a report written before `stages` (no `trained`)
};
struct StageRow {
  int64_t from = 0, to = 0;
  std::vector<StageLang> langs;
  std::optional<int64_t> scored, improved, degraded;
  std::optional<double> gains, forgetting, bwt, gains_trained, forgetting_untrained;
};
struct StageMethod {
  std::string method;
  std::vector<StageRow> rows;  // by stage
};
struct StageSection {
  std::string dataset, imbalance;
  std::vector<StageMethod> methods;
};

struct Page {
  std::optional<std::string> baseline;
  std::vector<std::string> extra_baselines;
  double alpha = 0.05;
  std::vector<Section> sections;
  std::vector<StageSection> stages;
  std::map<std::tuple<std::string, std::string, int64_t>, size_t> index;
  std::map<std::string, std::string> colours;

  Section& section(const Node& n) {
    auto key = std::make_tuple(n.str("dataset"), n.str("imbalance"), n.integer("stage"));
    auto [it, added] = index.emplace(key, sections.size());
    if (added) {
      sections.emplace_back();
      std::tie(sections.back().dataset, sections.back().imbalance, sections.back().stage) = key;
    }
    return sections[it->second];
  }
  const std::string& colour(const std::string& method) const { return colours.at(method); }
};

// Okabe & Ito's colour-blind safe palette; black is the baseline's, yellow comes last (weak on white).
constexpr const char* kPalette[] = {"#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442"};

Page read_page(const Node& r) {
  Page page;
  const Node settings = r.object("settings");
  if (!settings.get("baseline").is_null()) page.baseline = settings.str("baseline");
  if (settings.has("extra_baselines")) {
    const json::array& extra = settings.array("extra_baselines");
    for (size_t i = 0; i < extra.size(); ++i) {
      if (!extra[i].is_string()) bad(fmt::format("{}.extra_baselines[{}]", settings.path, i), "expected a string");
      page.extra_baselines.emplace_back(extra[i].get_string());
    }
  }
  // Comparisons and curves against another baseline than the report's are there for claims (and
  // the cost table's extra speed-ups); the page compares with one baseline.
  auto primary = [&](const Node& n) { return !page.baseline || n.str("baseline") == *page.baseline; };
  page.alpha = settings.num("alpha");

  const json::array& summary = r.array("summary");
  for (size_t i = 0; i < summary.size(); ++i) {
    const Node n = element(summary, i, "$.summary");
    Summary s;
    s.method = n.str("method");
    s.seeds = n.array("seeds").size();
    const Node langs = n.object("languages");
    for (const auto& kv : langs.o) {
      const Node l = langs.object(kv.key());
      s.langs.push_back({std::string(kv.key()), l.str("group"), l.integer("natural_pairs")});
    }
    const Node groups = n.object("groups");
    for (int g = 0; g < 3; ++g) {
      const Node gs = groups.object(kGroups[g]);
      s.groups[g] = {gs.num("bleu_mean"), gs.num_or_null("bleu_std"), gs.integer("languages")};
    }
    page.section(n).summary.push_back(std::move(s));
  }

  const json::array& cells = r.array("cells");
  for (size_t i = 0; i < cells.size(); ++i) {
    const Node n = element(cells, i, "$.cells");
    Section& sec = page.section(n);
    if (n.str("status") == "failed")
      sec.failed.push_back({n.str("method"), n.has("reason") ? n.str("reason") : "(no reason recorded)", n.integer("seed")});
    sec.add_method(n.str("method"));
  }

  const json::array& comparisons = r.array("comparisons");
  for (size_t i = 0; i < comparisons.size(); ++i) {
    const Node n = element(comparisons, i, "$.comparisons");
    Comparison c;
    c.method = n.str("method");
    c.baseline = n.str("baseline");
    if (!primary(n)) continue;
    const Node langs = n.object("languages");
    for (const auto& kv : langs.o) {
      const Node l = langs.object(kv.key());
      c.langs.push_back({std::string(kv.key()), l.num("delta_bleu"), l.num("p_value"), l.boolean("significant")});
    }
    const Node groups = n.object("groups");
    for (int g = 0; g < 3; ++g) {
      const Node gd = groups.object(kGroups[g]);
      c.groups[g] = {gd.num("delta_bleu"), gd.num_or_null("p_value"), gd.boolean("significant"),
                     gd.integer("wins"), gd.integer("ties"), gd.integer("losses")};
    }
    page.section(n).comparisons.push_back(std::move(c));
  }

  const json::array& convergence = r.array("convergence");
  for (size_t i = 0; i < convergence.size(); ++i) {
    const Node n = element(convergence, i, "$.convergence");
    Curve c;
    c.method = n.str("method");
    c.baseline = n.str("baseline");
    c.target = n.num_or_null("target");
    c.best = n.num_or_null("best");
    c.steps_to_target = n.num_or_null("steps_to_target");
    c.speedup = n.num_or_null("speedup");
    const Node curve = n.object("curve");
    const json::array& steps = curve.array("steps");
    const json::array& values = curve.array("values");
    if (steps.size() != values.size())
      bad(curve.path, fmt::format("{} steps but {} values", steps.size(), values.size()));
    for (size_t k = 0; k < steps.size(); ++k) {
      c.steps.push_back(number(steps[k], fmt::format("{}.steps[{}]", curve.path, k)));
      c.values.push_back(number(values[k], fmt::format("{}.values[{}]", curve.path, k)));
    }
    (primary(n) ? page.section(n).curves : page.section(n).extra_curves).push_back(std::move(c));
  }

  if (r.has("experts")) {  // reports written before the section lack it
    const json::array& experts = r.array("experts");
    for (size_t i = 0; i < experts.size(); ++i) {
      const Node n = element(experts, i, "$.experts");
      ExpertUsage u;
      u.method = n.str("method");
      u.seeds = n.array("seeds").size();
      const Node layers = n.object("layers");
      for (const auto& kv : layers.o) {
        const Node l = layers.object(kv.key());
        ExpertLayer layer;
        layer.name = std::string(kv.key());
        const json::array& load = l.array("load_share");
        for (size_t k = 0; k < load.size(); ++k) layer.load.push_back(number(load[k], fmt::format("{}.load_share[{}]", l.path, k)));
        const Node usage = l.object("usage"), spec = l.object("specialisation");
        for (const auto& row : usage.o) {
          ExpertRow r;
          r.language = std::string(row.key());
          if (!row.value().is_null()) {
            const json::array& v = usage.array(row.key());
            if (v.size() != layer.load.size())
              bad(usage.sub(row.key()), fmt::format("{} shares for {} experts", v.size(), layer.load.size()));
            r.shares.emplace();
            for (size_t k = 0; k < v.size(); ++k) r.shares->push_back(number(v[k], fmt::format("{}[{}]", usage.sub(row.key()), k)));
          }
          r.specialisation = spec.num_or_null(row.key());
          layer.rows.push_back(std::move(r));
        }
        layer.mean_specialisation = l.num_or_null("mean_specialisation");
        u.layers.push_back(std::move(layer));
      }
      page.section(n).experts.push_back(std::move(u));
    }
  }

  const json::array& cost = r.array("cost");
  for (size_t i = 0; i < cost.size(); ++i) {
    const Node n = element(cost, i, "$.cost");
    page.section(n).costs.push_back({n.str("method"), n.integer("seeds"), n.num("steps"), n.num("tokens"),
                                     n.num("train_wall_s"), n.num("wall_time_s"), n.num("tokens_per_s"),
                                     n.num_or_null("step_time_ratio")});
  }

  std::string stages_path;
  if (const json::array* stages = stage_transitions(r.o, &stages_path)) {
    for (size_t i = 0; i < stages->size(); ++i) {
      const Node n = element(*stages, i, stages_path);
      auto opt_int = [&](std::string_view k) { return n.has(k) ? std::optional<int64_t>(n.integer(k)) : std::nullopt; };
      StageRow row;
      row.from = n.integer("from_stage");
      row.to = n.integer("to_stage");
      const Node langs = n.object("languages");
      for (const auto& kv : langs.o) {
        const Node l = langs.object(kv.key());
        row.langs.push_back({std::string(kv.key()), l.num("delta_bleu"), l.num_or_null("p_value"), l.num_or_null("bleu_before"),
                             l.num_or_null("bleu_after"), l.boolean("significant"), l.has("trained") && l.boolean("trained")});
      }
      row.scored = opt_int("languages_scored");
      row.improved = opt_int("improved");
      row.degraded = opt_int("degraded");
      row.gains = n.num_or_null("gains");
      row.forgetting = n.num_or_null("forgetting");
      row.bwt = n.num_or_null("backward_transfer");
      row.gains_trained = n.num_or_null("gains_trained");
      row.forgetting_untrained = n.num_or_null("forgetting_untrained");
      const std::string dataset = n.str("dataset"), imbalance = n.str("imbalance"), method = n.str("method");
      auto st = std::find_if(page.stages.begin(), page.stages.end(),
                             [&](const StageSection& x) { return x.dataset == dataset && x.imbalance == imbalance; });
      if (st == page.stages.end()) st = page.stages.insert(page.stages.end(), StageSection{dataset, imbalance, {}});
      auto m = std::find_if(st->methods.begin(), st->methods.end(), [&](const StageMethod& x) { return x.method == method; });
      if (m == st->methods.end()) m = st->methods.insert(st->methods.end(), StageMethod{method, {}});
      m->rows.push_back(std::move(row));
    }
    for (auto& st : page.stages)
      for (auto& m : st.methods)
        std::stable_sort(m.rows.begin(), m.rows.end(),
                         [](const StageRow& a, const StageRow& b) { return std::tie(a.from, a.to) < std::tie(b.from, b.to); });
  }

  // Method order: the baseline, then as the report lists them; one colour per method on every plot.
  std::vector<std::string> all;
  auto note = [&](const std::string& m) {
    if (std::find(all.begin(), all.end(), m) == all.end()) all.push_back(m);
  };
  for (Section& sec : page.sections) {
    std::vector<std::string> order;
    if (page.baseline) order.push_back(*page.baseline);
    for (const auto& s : sec.summary) order.push_back(s.method);
    for (const auto& m : sec.methods) order.push_back(m);
    for (const auto& c : sec.comparisons) order.push_back(c.method);
    for (const auto& c : sec.curves) order.push_back(c.method);
    for (const auto& c : sec.costs) order.push_back(c.method);
    for (const auto& u : sec.experts) order.push_back(u.method);
    sec.methods.clear();
    for (const auto& m : order) sec.add_method(m);
    if (page.baseline && !sec.find(sec.summary, *page.baseline) && !sec.find(sec.costs, *page.baseline) &&
        !sec.find(sec.curves, *page.baseline) &&
        std::none_of(sec.failed.begin(), sec.failed.end(), [&](const Failed& f) { return f.method == *page.baseline; }))
      sec.methods.erase(sec.methods.begin());  // the baseline is not part of this section
    for (const auto& m : sec.methods) note(m);
  }
  for (const StageSection& st : page.stages)
    for (const StageMethod& m : st.methods) note(m.method);
  size_t next = 0;
  for (const auto& m : all)
    page.colours[m] = page.baseline && m == *page.baseline ? "#000000" : kPalette[next++ % std::size(kPalette)];
  return page;
}

// ---- formatting ----

std::string f2(double v) { return fmt::format("{:.2f}", v); }
std::string signed2(double v) {
  std::string s = fmt::format("{:+.2f}", v);
  return s == "-0.00" ? "+0.00" : s;
}
std::string grouped(double v) {  // 845037 -> "845,037"
  std::string digits = fmt::format("{:.0f}", std::abs(v)), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}
std::string duration(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  const auto t = int64_t(std::llround(s));
  if (t < 3600) return fmt::format("{}m {:02}s", t / 60, t % 60);
  return fmt::format("{}h {:02}m", t / 3600, (t % 3600) / 60);
}
std::string p_text(double p) { return p < 0.001 ? "p < 0.001" : fmt::format("p = {:.3f}", p); }
const std::string kDash = "\u2014";

std::string swatch(const std::string& colour) {
  return fmt::format("<span class=\"swatch\" style=\"background:{}\"></span>", escape(colour));
}

// ---- the page ----

const char* const kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #222; margin: 0 auto; max-width: 1180px; padding: 1em 1.5em 3em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.4em; }
table.experts { margin-bottom: 0.8em; }
table.experts caption { text-align: left; font-weight: 600; padding-bottom: 0.2em; }
table.experts tr.load td { border-top: 1px solid #999; }
table.heatmap { margin-bottom: 0.8em; }
table.heatmap caption { text-align: left; font-weight: 600; padding-bottom: 0.2em; }
table.heatmap td.trained { box-shadow: inset 0 0 0 2px #222; }
table.heatmap th.agg, table.heatmap td.agg { border-left: 1px solid #ccc; }
table.heatmap th { white-space: normal; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; word-break: break-all; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e3e3e3; text-align: right; white-space: nowrap; }
th { background: #f5f5f5; } th.l, td.l { text-align: left; }
td.sig { font-weight: 700; } td.base { color: #888; }
tr.baseline td { background: #fafafa; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 50%; margin-right: 0.4em;
          vertical-align: -0.05em; }
.note { color: #555; font-size: 0.9em; max-width: 60em; }
.skipped { color: #8a5a00; font-size: 0.92em; }
.plots { display: flex; flex-wrap: wrap; gap: 1em 2em; }
figure { margin: 0; } figcaption { font-size: 0.88em; color: #444; max-width: 660px; }
svg.plot { max-width: 100%; height: auto; font-size: 11px; background: #fff; }
svg.plot .grid { stroke: #e8e8e8; } svg.plot .frame { fill: none; stroke: #999; }
svg.plot .tick { fill: #555; } svg.plot .axis-label { fill: #222; font-size: 12px; }
svg.plot .ref-label, svg.plot .point-label { fill: #333; font-size: 10.5px; }
svg.plot .legend text { fill: #222; }
ul.failed li { margin: 0.15em 0; }
)";

// After layout, every plot counts its drawn marks (those with a non-empty box) and those outside
// its frame, into data-marks and data-outside: a self-check a headless browser can read back.
const char* const kScript = R"(
(function () {
  var plots = document.querySelectorAll('svg.plot');
  plots.forEach(function (svg) {
    var vb = svg.viewBox.baseVal, marks = 0, outside = 0;
    svg.querySelectorAll('.mark').forEach(function (m) {
      var b = m.getBBox();
      if (!(b.width > 0 || b.height > 0)) return;
      marks++;
      if (b.x < vb.x - 1 || b.y < vb.y - 1 || b.x + b.width > vb.x + vb.width + 1 ||
          b.y + b.height > vb.y + vb.height + 1) outside++;
    });
    svg.setAttribute('data-marks', marks);
    svg.setAttribute('data-outside', outside);
  });
  document.body.setAttribute('data-plots', plots.length);
})();
)";

std::string short_hash(const std::string& h) { return h.size() > 12 ? h.substr(0, 12) : h; }

std::string joined(const std::vector<std::string>& v, const std::string& none = kDash) {
  if (v.empty()) return none;
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + escape(s);
  return out;
}

std::string header(const Node& r, const Page& page) {
  std::string suite;
  const json::value& sv = r.get("suite");
  if (sv.is_string()) {
    suite = std::string(sv.get_string());
  } else {
    for (const auto& s : r.strings("suite")) suite += (suite.empty() ? "" : ", ") + s;
  }
  std::string o = "<header>\n<h1>longtail report: " + escape(suite) + "</h1>\n<dl class=\"meta\">\n";
  auto row = [&](const std::string& name, const std::string& html) {
    o += "<dt>" + name + "</dt><dd>" + html + "</dd>\n";
  };
  row("Suite", escape(suite));
  row("Generated by", escape(r.str("generated_by")));
  row("Run directory", "<code>" + escape(r.str("run_dir")) + "</code>");
  row("Devices", joined(r.strings("devices")));
  row("LibTorch", joined(r.strings("torch_versions")));
  row("Commits", "<span class=\"mono\">" + joined(r.strings("git_commits")) + "</span>");
  std::string fps;
  for (const auto& f : r.strings("corpus_fingerprints"))
    fps += fmt::format("{}<span class=\"mono\" title=\"{}\">{}</span>", fps.empty() ? "" : ", ", escape(f),
                       escape(short_hash(f)));
  row("Corpus fingerprints", fps.empty() ? kDash : fps);
  const json::value& scorer = r.get("scorer");
  if (scorer.is_object()) {
    const Node sc{scorer.get_object(), "$.scorer"};
    row("BLEU signature", "<code>" + escape(sc.str("bleu")) + "</code>");
    row("chrF signature", "<code>" + escape(sc.str("chrf")) + "</code>");
  } else {
    row("Scorer", "not recorded");
  }
  const Node st = r.object("settings");
  row("Settings", fmt::format("baseline <b>{}</b>; α = {}; split <b>{}</b>; paired bootstrap with {} resamples (seed {})",
                              page.baseline ? escape(*page.baseline) : "none", fmt::format("{:g}", page.alpha),
                              escape(st.str("split")), st.integer("bootstrap_resamples"), st.integer("bootstrap_seed")));
  size_t ok = 0, failed = 0;
  for (const Section& s : page.sections) failed += s.failed.size();
  ok = r.array("cells").size() - failed;
  row("Cells", fmt::format("{} ok, {} failed; total wall time {}", ok, failed, duration(r.num("wall_time_s"))));
  o += "</dl>\n</header>\n";
  return o;
}

std::string results_table(const Section& sec, const Page& page) {
  if (sec.summary.empty()) return "<p class=\"skipped\">No results: no cell of this section finished.</p>\n";
  const Summary& any = sec.summary.front();
  std::string o = "<table class=\"results\">\n<thead><tr><th class=\"l\" rowspan=\"2\">method</th>";
  for (int g = 0; g < 3; ++g)
    o += fmt::format("<th colspan=\"3\">{} ({} lang.)</th>", kGroupNames[g], any.groups[g].languages);
  o += "<th rowspan=\"2\">seeds</th></tr>\n<tr>";
  for (int g = 0; g < 3; ++g) o += "<th>BLEU</th><th>Δ</th><th>W/T/L</th>";
  o += "</tr></thead>\n<tbody>\n";
  for (const std::string& m : sec.methods) {
    const Summary* s = sec.find(sec.summary, m);
    if (!s) continue;
    const bool is_baseline = page.baseline && m == *page.baseline;
    const Comparison* c = sec.find(sec.comparisons, m);
    o += fmt::format("<tr{}><td class=\"l\">{}{}</td>", is_baseline ? " class=\"baseline\"" : "",
                     swatch(page.colour(m)), escape(m));
    for (int g = 0; g < 3; ++g) {
      const GroupStats& gs = s->groups[g];
      if (gs.languages == 0) {
        o += "<td>" + kDash + "</td><td>" + kDash + "</td><td>" + kDash + "</td>";
        continue;
      }
      o += "<td>" + f2(gs.mean) + (gs.std ? " ± " + f2(*gs.std) : "") + "</td>";
      if (is_baseline) {
        o += "<td class=\"base\">baseline</td><td>" + kDash + "</td>";
      } else if (!c) {
        o += "<td>" + kDash + "</td><td>" + kDash + "</td>";
      } else {
        const GroupDelta& d = c->groups[g];
        const std::string p = d.p ? p_text(*d.p) : "no p-value";
        o += fmt::format("<td{} title=\"{}\">{}{}</td>", d.significant ? " class=\"sig\"" : "", p, signed2(d.delta),
                         d.significant ? "*" : "");
        o += fmt::format("<td>{}/{}/{}</td>", d.wins, d.ties, d.losses);
      }
    }
    o += fmt::format("<td>{}</td></tr>\n", s->seeds);
  }
  o += "</tbody></table>\n";
  o += fmt::format(
      "<p class=\"note\">BLEU: mean over seeds ± sample standard deviation (the mean alone with one seed), per "
      "language and then averaged over the group. Δ: the method minus the baseline{}; <b>*</b> marks a difference "
      "significant at α = {:g} (paired bootstrap). W/T/L: languages significantly better / not significantly "
      "different / significantly worse than the baseline.</p>\n",
      page.baseline ? " (" + escape(*page.baseline) + ")" : "", page.alpha);
  return o;
}

std::string figure(const svg::Plot& plot, const std::string& caption) {
  return "<figure>\n" + svg::render(plot) + "<figcaption>" + caption + "</figcaption>\n</figure>\n";
}
std::string skipped(const std::string& what, const std::string& why) {
  return "<p class=\"skipped\">" + what + " is not drawn: " + why + "</p>\n";
}

// Plot 1: Δ BLEU per language against its natural training size.
std::string delta_plot(const Section& sec, const Page& page, std::string& notes) {
  const std::string what = "Plot 1 (Δ BLEU per language)";
  if (sec.summary.size() < 2 && sec.comparisons.empty()) {
    notes += skipped(what, "this section has one method only, so there is nothing to compare with a baseline.");
    return "";
  }
  if (!page.baseline) {
    notes += skipped(what, "the report names no baseline (settings.baseline is null), so there is nothing to compare.");
    return "";
  }
  if (sec.comparisons.empty()) {
    notes += skipped(what, "no method was compared with the baseline " + escape(*page.baseline) +
                               " here (did its cells fail?).");
    return "";
  }
  std::map<std::string, const LangStats*> size;
  for (const Summary& s : sec.summary)
    for (const LangStats& l : s.langs) size.emplace(l.code, &l);
  svg::Plot plot;
  plot.kind = "delta";
  plot.title = "Δ BLEU vs " + *page.baseline + " per language, by training size";
  plot.x_label = "training pairs (natural size, log scale)";
  plot.y_label = "Δ BLEU vs " + *page.baseline;
  svg::Extent xs, ys;
  ys.add(0);
  std::vector<std::string> unsized;
  for (const std::string& m : sec.methods) {
    const Comparison* c = sec.find(sec.comparisons, m);
    if (!c) continue;
    svg::Series series;
    series.colour = page.colour(m);
    series.dx = (double(plot.series.size()) - double(sec.comparisons.size() - 1) / 2) * 4;
    for (const LangDelta& d : c->langs) {
      auto it = size.find(d.code);
      if (it == size.end() || it->second->natural_pairs <= 0) {
        if (std::find(unsized.begin(), unsized.end(), d.code) == unsized.end()) unsized.push_back(d.code);
        continue;
      }
      const LangStats& l = *it->second;
      series.points.push_back({double(l.natural_pairs), d.delta, d.significant,
                               fmt::format("{} · {} ({}-resource): Δ {} BLEU, {}, {} pairs", m, d.code, l.group,
                                           signed2(d.delta), p_text(d.p), grouped(double(l.natural_pairs))),
                               ""});
      xs.add(double(l.natural_pairs));
      ys.add(d.delta);
    }
    plot.series.push_back(std::move(series));
    plot.legend.push_back({m, page.colour(m), svg::LegendEntry::Dot});
  }
  if (xs.empty()) {
    notes += skipped(what, "no language has a known natural training size.");
    return "";
  }
  plot.legend.push_back({fmt::format("significant (α = {:g})", page.alpha), "#777", svg::LegendEntry::Dot});
  plot.legend.push_back({"not significant", "#777", svg::LegendEntry::Ring});
  plot.x = svg::log_scale(xs.lo, xs.hi);
  const double pad = (ys.hi - ys.lo) * 0.05;
  plot.y = svg::linear_scale(ys.lo - pad, ys.hi + pad);
  plot.refs.push_back({0, "= baseline", false, false, "#333"});
  if (!unsized.empty())
    notes += "<p class=\"note\">Left out of plot 1 (no natural training size): " + joined(unsized) + ".</p>\n";
  return figure(plot, fmt::format("<b>Δ BLEU per language.</b> Each point is one language for one method: how much "
                                  "better (above zero) or worse than the baseline {} it scores, against the "
                                  "language's natural training size. Filled: significant at α = {:g}; hollow: not. "
                                  "Hover a point for its language.",
                                  escape(*page.baseline), page.alpha));
}

// Plot 2: high- vs low-resource BLEU, with the Pareto front.
std::string tradeoff_plot(const Section& sec, const Page& page, std::string& notes) {
  const std::string what = "Plot 2 (high- vs low-resource trade-off)";
  if (sec.summary.empty()) return "";
  const Summary& any = sec.summary.front();
  for (int g : {1, 2})
    if (any.groups[g].languages == 0) {
      notes += skipped(what, fmt::format("the {}-resource group has no languages.", kGroups[g]));
      return "";
    }
  std::vector<TradeOff> points;
  for (const std::string& m : sec.methods)
    if (const Summary* s = sec.find(sec.summary, m)) points.push_back({m, s->groups[1].mean, s->groups[2].mean});
  const std::vector<TradeOff> front = pareto_front(points);

  svg::Plot plot;
  plot.kind = "pareto";
  plot.title = "High- vs low-resource BLEU per method";
  plot.x_label = "High-resource BLEU (mean)";
  plot.y_label = "Low-resource BLEU (mean)";
  svg::Extent xs, ys;
  svg::Series line;
  line.colour = "#999";
  line.markers = false;
  line.line = true;
  std::string names;
  for (const TradeOff& t : front) {
    line.points.push_back({t.high, t.low, true, "", ""});
    names += (names.empty() ? "" : ", ") + t.method;
  }
  line.line_title = "Pareto front: " + names;
  if (front.size() > 1) plot.series.push_back(line);
  for (const TradeOff& t : points) {
    svg::Series s;
    s.colour = page.colour(t.method);
    s.radius = 5;
    s.points.push_back({t.high, t.low, true, fmt::format("{}: high {} BLEU, low {} BLEU", t.method, f2(t.high), f2(t.low)),
                        t.method});
    plot.series.push_back(std::move(s));
    plot.legend.push_back({t.method, page.colour(t.method), svg::LegendEntry::Dot});
    xs.add(t.high);
    ys.add(t.low);
  }
  if (front.size() > 1) plot.legend.push_back({"Pareto front", "#999", svg::LegendEntry::Line});
  const double px = (xs.hi - xs.lo) * 0.08, py = (ys.hi - ys.lo) * 0.08;
  plot.x = svg::linear_scale(xs.lo - px, xs.hi + px);
  plot.y = svg::linear_scale(ys.lo - py, ys.hi + py);
  std::string front_html;
  for (const TradeOff& t : front)
    front_html += (front_html.empty() ? "" : ", ") + ("<span class=\"front-method\">" + escape(t.method) + "</span>");
  return figure(plot, "<b>High- vs low-resource trade-off.</b> Each point is a method: its mean BLEU on the "
                      "high-resource languages (x) and on the low-resource ones (y); up and right is better. The "
                      "line joins the Pareto front, the methods no other method beats on both groups: " +
                          front_html + ".");
}

// Plot 3: dev loss curves per method, with the baseline's best as the target.
std::string curves_plot(const Section& sec, const Page& page, std::string& notes) {
  const std::string what = "Plot 3 (dev curves)";
  svg::Plot plot;
  plot.kind = "curves";
  plot.title = "Mean dev loss by training step";
  plot.x_label = "training step";
  plot.y_label = "dev loss (mean over languages and seeds)";
  svg::Extent xs, ys;
  std::vector<std::string> empty;
  std::optional<double> target;
  for (const std::string& m : sec.methods) {
    const Curve* c = sec.find(sec.curves, m);
    if (!c) continue;
    if (!target) target = c->target;
    if (c->steps.empty()) {
      empty.push_back(m);
      continue;
    }
    svg::Series s;
    s.colour = page.colour(m);
    s.line = true;
    s.radius = 2.5;
    s.line_title = m;
    for (size_t i = 0; i < c->steps.size(); ++i) {
      s.points.push_back({c->steps[i], c->values[i], true,
                          fmt::format("{}: step {}, dev loss {:.3f}", m, grouped(c->steps[i]), c->values[i]), ""});
      xs.add(c->steps[i]);
      ys.add(c->values[i]);
    }
    plot.series.push_back(std::move(s));
    plot.legend.push_back({m, page.colour(m), svg::LegendEntry::Line});
  }
  if (!target && page.baseline)  // the baseline's best, when the entries carry no target
    if (const Curve* b = sec.find(sec.curves, *page.baseline)) target = b->best;
  if (!empty.empty()) notes += "<p class=\"note\">No dev curve for: " + joined(empty) + ".</p>\n";
  if (plot.series.empty()) {
    notes += skipped(what, "the report has no dev curve here (no dev loss was recorded).");
    return "";
  }
  if (target && std::isfinite(*target)) {
    ys.add(*target);
    plot.refs.push_back({*target, fmt::format("target {:.3f}", *target), true, true, "#333"});
    plot.legend.push_back({"target (baseline best)", "#333", svg::LegendEntry::Dash});
  }
  plot.x = svg::linear_scale(xs.lo, xs.hi);
  const double pad = (ys.hi - ys.lo) * 0.05;
  plot.y = svg::linear_scale(ys.lo - pad, ys.hi + pad);
  return figure(plot, "<b>Dev curves.</b> Mean dev loss over languages (averaged over seeds) at each evaluation "
                      "step; lower is better. The dashed line is the target: the best dev loss the baseline reached. "
                      "A curve that crosses it earlier converges faster.");
}

std::string cost_table(const Section& sec, const Page& page) {
  if (sec.costs.empty() && sec.curves.empty()) return "<p class=\"note\">No cost records.</p>\n";
  std::string o =
      "<table class=\"cost\">\n<thead><tr><th class=\"l\">method</th><th>seeds</th><th>steps</th><th>tokens</th>"
      "<th>train time</th><th>wall time</th><th>tokens/s</th><th>step-time ratio</th><th>steps to target</th>"
      "<th>speedup</th>";
  // One more speed-up column per further baseline (settings.extra_baselines) this section has.
  std::vector<std::string> extra;
  for (const std::string& b : page.extra_baselines)
    if (std::any_of(sec.extra_curves.begin(), sec.extra_curves.end(), [&](const Curve& c) { return c.baseline == b; })) {
      extra.push_back(b);
      o += "<th>speedup vs " + escape(b) + "</th>";
    }
  o += "</tr></thead>\n<tbody>\n";
  auto opt = [&](const std::optional<double>& v, const char* spec) {
    return v && std::isfinite(*v) ? fmt::format(fmt::runtime(spec), *v) : kDash;
  };
  for (const std::string& m : sec.methods) {
    const Cost* c = sec.find(sec.costs, m);
    const Curve* v = sec.find(sec.curves, m);
    if (!c && !v) continue;
    o += fmt::format("<tr><td class=\"l\">{}{}</td>", swatch(page.colour(m)), escape(m));
    if (c) {
      o += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>", c->seeds,
                       grouped(c->steps), grouped(c->tokens), duration(c->train_wall_s), duration(c->wall_time_s),
                       grouped(c->tokens_per_s), opt(c->step_time_ratio, "{:.2f}×"));
    } else {
      for (int i = 0; i < 7; ++i) o += "<td>" + kDash + "</td>";
    }
    if (v) {
      o += "<td>" + (v->steps_to_target ? grouped(*v->steps_to_target) : kDash) + "</td><td>" +
           opt(v->speedup, "{:.2f}×") + "</td>";
    } else {
      o += "<td>" + kDash + "</td><td>" + kDash + "</td>";
    }
    for (const std::string& b : extra) {
      const auto x = std::find_if(sec.extra_curves.begin(), sec.extra_curves.end(),
                                  [&](const Curve& c) { return c.method == m && c.baseline == b; });
      o += "<td>" + (x == sec.extra_curves.end() ? kDash : opt(x->speedup, "{:.2f}×")) + "</td>";
    }
    o += "</tr>\n";
  }
  o += "</tbody></table>\n<p class=\"note\">Per cell, averaged over seeds. Step-time ratio: seconds per step "
       "relative to the baseline's. Steps to target: first evaluation step at which the dev loss reaches the "
       "baseline's best; speedup: the baseline's steps to target over the method's" +
       std::string(extra.empty() ? "" : " (speedup vs X: the same with X as the baseline)") + ".</p>\n";
  return o;
}

// A shaded table cell's style: colour `rgb` ("r,g,b") at `fraction` (0..1) of the strongest shade,
// with white text on the darker ones (the experts table and the stage heatmap).
std::string shade_style(double fraction, const char* rgb) {
  return fmt::format("background:rgba({},{:.2f});color:{}", rgb, 0.85 * fraction, fraction > 0.55 ? "#fff" : "#222");
}
constexpr const char* kBlue = "0,114,178";       // Okabe–Ito blue: better
constexpr const char* kVermillion = "213,94,0";  // Okabe–Ito vermillion: worse

// Per system and BASE layer: languages × experts (the canonical order of docs/report-schema.md),
// each cell shaded by its share of the language's tokens relative to the table's largest share.
std::string experts_html(const Section& sec, const Page& page) {
  std::string o = "<h3>Expert usage</h3>\n";
  for (const ExpertUsage& u : sec.experts)
    for (const ExpertLayer& l : u.layers) {
      double top = 0;
      for (const ExpertRow& r : l.rows)
        if (r.shares)
          for (double x : *r.shares) top = std::max(top, x);
      o += fmt::format("<table class=\"experts\">\n<caption>{}{} · {} ({} seed{})</caption>\n<thead><tr><th class=\"l\">language</th>",
                       swatch(page.colour(u.method)), escape(u.method), escape(l.name), u.seeds, u.seeds == 1 ? "" : "s");
      for (size_t e = 0; e < l.load.size(); ++e) o += fmt::format("<th>{}</th>", e + 1);
      o += "<th>specialisation</th></tr></thead>\n<tbody>\n";
      auto shaded = [&](double x) {
        return fmt::format("<td style=\"{}\">{:.0f}%</td>", shade_style(top > 0 ? x / top : 0, kBlue), 100 * x);
      };
      for (const ExpertRow& r : l.rows) {
        o += "<tr><td class=\"l\">" + escape(r.language) + "</td>";
        if (r.shares)
          for (double x : *r.shares) o += shaded(x);
        else
          for (size_t e = 0; e < l.load.size(); ++e) o += "<td>" + kDash + "</td>";
        o += "<td>" + (r.specialisation ? fmt::format("{:.3f}", *r.specialisation) : kDash) + "</td></tr>\n";
      }
      o += "<tr class=\"load\"><td class=\"l\">load</td>";
      for (double x : l.load) o += fmt::format("<td>{:.0f}%</td>", 100 * x);
      o += "<td>" + (l.mean_specialisation ? fmt::format("{:.3f}", *l.mean_specialisation) : kDash) + "</td></tr>\n";
      o += "</tbody></table>\n";
    }
  o += "<p class=\"note\">Share of each language's routed training tokens per expert (rows sum to 100%), mean over "
       "seeds; experts in each seed's canonical order (by the language that sends them the largest share), since "
       "expert numbers mean nothing across seeds. Load: every expert's share of all tokens. Specialisation: total-"
       "variation distance of the language's row from the load (0: routed like every language; up to 1: experts of "
       "its own), mean over seeds.</p>\n";
  return o;
}

// Per dataset × imbalance of a continual run: for each method a stage × language heatmap of Δ BLEU
// (rows: the transitions, columns: the languages), then the transition's aggregate figures. One
// colour scale for the whole section (its largest |Δ|), so methods compare at a glance.
std::string stages_html(const StageSection& st, const Page& page, size_t id) {
  std::string o = fmt::format("<section id=\"t{}\">\n<h2>{} · {} · stages</h2>\n", id, escape(st.dataset), escape(st.imbalance));
  double top = 0;
  for (const StageMethod& m : st.methods)
    for (const StageRow& r : m.rows)
      for (const StageLang& l : r.langs) top = std::max(top, std::fabs(l.delta));
  auto opt = [&](const std::optional<double>& v, const char* spec) {
    return v && std::isfinite(*v) ? fmt::format(fmt::runtime(spec), *v) : kDash;
  };
  auto share = [&](const std::optional<double>& v) { return v && std::isfinite(*v) ? fmt::format("{:.0f}%", 100 * *v) : kDash; };
  for (const StageMethod& m : st.methods) {
    std::vector<std::string> langs;  // in the order the transitions list them
    for (const StageRow& r : m.rows)
      for (const StageLang& l : r.langs)
        if (std::find(langs.begin(), langs.end(), l.code) == langs.end()) langs.push_back(l.code);
    o += fmt::format("<table class=\"heatmap\">\n<caption>{}{}</caption>\n<thead><tr><th class=\"l\">stage</th>",
                     swatch(page.colour(m.method)), escape(m.method));
    for (const std::string& l : langs) o += "<th>" + escape(l) + "</th>";
    o += "<th class=\"agg\">improved</th><th>worse</th><th>gains</th><th>forgetting</th><th>BWT</th>"
         "<th>gains (trained)</th><th>forgetting (untrained)</th></tr></thead>\n<tbody>\n";
    for (const StageRow& r : m.rows) {
      o += fmt::format("<tr><td class=\"l\">{} → {}</td>", r.from, r.to);
      for (const std::string& code : langs) {
        const auto l = std::find_if(r.langs.begin(), r.langs.end(), [&](const StageLang& x) { return x.code == code; });
        if (l == r.langs.end()) {
          o += "<td>" + kDash + "</td>";
          continue;
        }
        std::string cls;
        if (l->significant) cls += "sig";
        if (l->trained) cls += cls.empty() ? "trained" : " trained";
        std::string title = fmt::format("{}, stage {} → {}: ", code, r.from, r.to);
        if (l->before && l->after) title += fmt::format("{} → {} BLEU, ", f2(*l->before), f2(*l->after));
        title += "Δ " + signed2(l->delta);
        if (l->p) title += ", " + p_text(*l->p);
        if (l->trained) title += fmt::format("; stage {} trained on it", r.to);
        const double fraction = top > 0 ? std::fabs(l->delta) / top : 0;
        o += fmt::format("<td{} style=\"{}\" title=\"{}\">{}{}</td>", cls.empty() ? "" : " class=\"" + cls + "\"",
                         shade_style(fraction, l->delta < 0 ? kVermillion : kBlue), escape(title), signed2(l->delta),
                         l->significant ? "*" : "");
      }
      o += "<td class=\"agg\">" + (r.improved ? std::to_string(*r.improved) + (r.scored ? fmt::format(" of {}", *r.scored) : "") : kDash) +
           "</td>";
      o += "<td>" + (r.degraded ? std::to_string(*r.degraded) : kDash) + "</td>";
      o += "<td>" + share(r.gains) + "</td><td>" + opt(r.forgetting, "{:.2f}") + "</td><td>" +
           (r.bwt && std::isfinite(*r.bwt) ? signed2(*r.bwt) : kDash) + "</td><td>" + share(r.gains_trained) + "</td><td>" +
           opt(r.forgetting_untrained, "{:.2f}") + "</td></tr>\n";
    }
    o += "</tbody></table>\n";
  }
  o += fmt::format(
      "<p class=\"note\">Δ BLEU of each language (columns) from one stage to the next (rows), means over seeds: "
      "blue better, vermillion worse, the deeper the larger (the darkest is the largest |Δ| of this section, {} "
      "BLEU). <b>*</b>: significant at α = {:g} (paired bootstrap); a framed cell: a language the later stage "
      "trained on. Hover a cell for the BLEU before and after and the p-value. Improved / worse: languages "
      "significantly better / worse, of those scored; gains: the share improved; forgetting: the mean BLEU lost by "
      "the languages that got worse; BWT: backward transfer, the mean over the languages of their BLEU after the "
      "stage minus their BLEU at the stage where they were first scored; (trained) / (untrained): over the "
      "languages the stage trained on / did not.</p>\n",
      f2(top), page.alpha);
  o += "</section>\n";
  return o;
}

std::string section_html(const Section& sec, const Page& page, size_t id) {
  std::string title = escape(sec.dataset) + " · " + escape(sec.imbalance);
  if (sec.stage > 0) title += fmt::format(" · stage {}", sec.stage);
  std::string o = fmt::format("<section id=\"s{}\">\n<h2>{}</h2>\n", id, title);
  o += "<h3>BLEU by resource group</h3>\n" + results_table(sec, page);
  std::string notes;
  std::string plots = delta_plot(sec, page, notes);
  plots += tradeoff_plot(sec, page, notes);
  plots += curves_plot(sec, page, notes);
  o += "<h3>Plots</h3>\n" + notes;
  if (!plots.empty()) o += "<div class=\"plots\">\n" + plots + "</div>\n";
  o += "<h3>Cost and convergence</h3>\n" + cost_table(sec, page);
  if (!sec.experts.empty()) o += experts_html(sec, page);
  if (!sec.failed.empty()) {
    o += "<h3>Failed cells</h3>\n<ul class=\"failed\">\n";
    for (const Failed& f : sec.failed)
      o += fmt::format("<li><b>{}</b>, seed {}: {}</li>\n", escape(f.method), f.seed, escape(f.reason));
    o += "</ul>\n";
  }
  o += "</section>\n";
  return o;
}

std::string claims_html(const Node& r) {
  if (!r.has("claims")) return "";
  const json::array& claims = r.array("claims");
  if (claims.empty()) return "";
  std::string o =
      "<section id=\"claims\">\n<h2>Claims</h2>\n<table>\n<thead><tr><th class=\"l\">claim</th><th class=\"l\">"
      "paper</th><th class=\"l\">statement</th><th class=\"l\">verdict</th><th>measured</th><th>95% CI</th>"
      "<th class=\"l\">why</th></tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < claims.size(); ++i) {
    const Node c = element(claims, i, "$.claims");
    const std::optional<double> measured = c.num_or_null("measured");
    std::string ci = kDash;
    if (c.has("ci95") && c.get("ci95").is_array()) {
      const json::array& a = c.array("ci95");
      if (a.size() == 2)
        ci = fmt::format("[{}, {}]", f2(number(a[0], c.sub("ci95[0]"))), f2(number(a[1], c.sub("ci95[1]"))));
    }
    o += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\" style=\"white-space:normal\">{}</td>"
        "<td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\" style=\"white-space:normal\">{}</td></tr>\n",
        escape(c.str("id")), escape(c.str("paper")), escape(c.str("statement")), escape(c.str("verdict")),
        measured ? f2(*measured) : kDash, ci, c.has("why") ? escape(c.str("why")) : "");
  }
  return o + "</tbody></table>\n</section>\n";
}

}  // namespace

std::string report_html(const json::object& report) {
  const Node r{report, "$"};
  const Page page = read_page(r);
  std::string suite;
  if (r.get("suite").is_string()) suite = r.str("suite");

  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>longtail report" +
      (suite.empty() ? "" : ": " + escape(suite)) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  o += header(r, page);
  if (page.sections.size() + page.stages.size() > 1 || r.has("claims")) {
    o += "<nav>\n<h3>Contents</h3>\n<ul>\n";
    for (size_t i = 0; i < page.sections.size(); ++i) {
      const Section& s = page.sections[i];
      o += fmt::format("<li><a href=\"#s{}\">{} · {}{}</a></li>\n", i, escape(s.dataset), escape(s.imbalance),
                       s.stage > 0 ? fmt::format(" · stage {}", s.stage) : "");
    }
    for (size_t i = 0; i < page.stages.size(); ++i)
      o += fmt::format("<li><a href=\"#t{}\">{} · {} · stages</a></li>\n", i, escape(page.stages[i].dataset),
                       escape(page.stages[i].imbalance));
    o += "</ul>\n</nav>\n";
  }
  for (size_t i = 0; i < page.sections.size(); ++i) o += section_html(page.sections[i], page, i);
  for (size_t i = 0; i < page.stages.size(); ++i) o += stages_html(page.stages[i], page, i);
  if (page.sections.empty()) o += "<p class=\"skipped\">The report has no cells.</p>\n";
  o += claims_html(r);
  o += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return o;
}

}  // namespace longtail::reports

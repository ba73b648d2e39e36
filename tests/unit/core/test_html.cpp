// report.html (reports/html.h) and its SVG plotter (reports/svg_plot.h): escaping, the Pareto front,
// nice ticks (never NaN), the cases that leave a plot out, errors naming the JSON path, no URL.
// tests/reports/check_html.py renders the page in headless Chromium.
#include <catch2/catch.hpp>

#include "example_report.h"

#include <cmath>
#include <regex>
#include <sstream>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/html.h"
#include "reports/svg_plot.h"

using namespace longtail;
namespace json = boost::json;
namespace svg = longtail::reports::svg;

namespace {

struct M {
  std::string name;
  double high, low;
  bool significant = false;
};

json::object stats(double mean, int64_t languages) {
  return {{"bleu_mean", mean}, {"bleu_std", nullptr}, {"bleu_ci95", nullptr}, {"bleu_se", 0.2},
          {"chrf_mean", mean * 2}, {"chrf_std", nullptr}, {"chrf_ci95", nullptr},
          {"languages", languages}, {"train_pairs", 1000 * languages}};
}

// A one-seed report of one dataset × imbalance: languages fr (high, 10,000 pairs) and gl (low, 1,000),
// or fr alone with `no_low`; methods[0] is the baseline; curves empty with `no_curves`.
json::object make_report(const std::vector<M>& methods, bool no_low = false, bool no_curves = false,
                         const std::string& dataset = "ds") {
  json::array summary, comparisons, convergence, cost, cells;
  const M& base = methods.front();
  for (const M& m : methods) {
    json::object key{{"dataset", dataset}, {"imbalance", "natural"}, {"method", m.name}, {"stage", 0}};
    json::object langs;
    json::object fr = stats(m.high, 1);
    fr["natural_pairs"] = 10000, fr["group"] = "high";
    langs["fr"] = fr;
    if (!no_low) {
      json::object gl = stats(m.low, 1);
      gl["natural_pairs"] = 1000, gl["group"] = "low";
      langs["gl"] = gl;
    }
    json::object s = key;
    s["seeds"] = json::array{1};
    s["languages"] = langs;
    s["groups"] = json::object{{"all", stats((m.high + (no_low ? m.high : m.low)) / 2, no_low ? 1 : 2)},
                               {"high", stats(m.high, 1)},
                               {"low", stats(no_low ? 0.0 : m.low, no_low ? 0 : 1)}};
    summary.push_back(s);
    json::object cell = key;
    cell["seed"] = 1, cell["status"] = "ok", cell["languages"] = json::object{}, cell["wall_time_s"] = 10.0;
    cell["corpus_fingerprint"] = "f", cell["git_commit"] = "c";
    cells.push_back(cell);
    if (&m != &base) {
      json::object c = key;
      c["baseline"] = base.name, c["seeds"] = json::array{1};
      auto delta = [&](double d) {
        return json::object{{"delta_bleu", d}, {"delta_chrf", 2 * d}, {"p_value", m.significant ? 0.001 : 0.5},
                            {"significant", m.significant}};
      };
      json::object ld{{"fr", delta(m.high - base.high)}};
      if (!no_low) ld["gl"] = delta(m.low - base.low);
      c["languages"] = ld;
      auto group = [&](double d) {
        json::object g = delta(d);
        g["wins"] = m.significant && d > 0 ? 1 : 0, g["ties"] = m.significant ? 0 : 1;
        g["losses"] = m.significant && d < 0 ? 1 : 0;
        return g;
      };
      c["groups"] = json::object{{"all", group(m.high - base.high)}, {"high", group(m.high - base.high)},
                                 {"low", group(m.low - base.low)}};
      c["wins"] = 0, c["ties"] = 2, c["losses"] = 0;
      comparisons.push_back(c);
    }
    json::object v = key;
    v["baseline"] = base.name, v["metric"] = "dev_loss", v["target"] = 4.0, v["steps_to_target"] = nullptr;
    v["tokens_to_target"] = nullptr, v["seconds_to_target"] = nullptr, v["baseline_steps_to_target"] = nullptr;
    v["speedup"] = nullptr, v["best"] = 4.0, v["area_under_curve"] = nullptr;
    v["curve"] = no_curves ? json::object{{"steps", json::array{}}, {"values", json::array{}}}
                           : json::object{{"steps", json::array{100, 200}}, {"values", json::array{5.0, 4.0}}};
    convergence.push_back(v);
    json::object k = key;
    k["seeds"] = 1, k["steps"] = 200, k["tokens"] = 50000, k["train_wall_s"] = 20.0, k["wall_time_s"] = 25.0;
    k["tokens_per_s"] = 2500.0, k["step_time_s"] = 0.1, k["step_time_ratio"] = 1.0, k["devices"] = json::array{"cpu"};
    cost.push_back(k);
  }
  return {{"schema", "longtail-report-v2"}, {"suite", "unit"}, {"run_dir", "/runs/unit"},
          {"generated_by", "longtail test"}, {"scorer", nullptr}, {"corpus_fingerprints", json::array{"ab12"}},
          {"git_commits", json::array{"c0ffee"}}, {"torch_versions", json::array{}}, {"devices", json::array{"cpu"}},
          {"wall_time_s", 100.0},
          {"settings", json::object{{"baseline", methods.size() > 1 ? json::value(base.name) : json::value(nullptr)},
                                    {"alpha", 0.05}, {"split", "test"}, {"bootstrap_resamples", 1000},
                                    {"bootstrap_seed", 1}}},
          {"cells", cells}, {"summary", summary}, {"comparisons", comparisons}, {"convergence", convergence},
          {"forgetting", json::object{{"within_run", json::array{}}}}, {"stages", json::array{}},
          {"cost", cost}};
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The method names the page lists as its Pareto front, in order.
std::vector<std::string> front_on_page(const std::string& html) {
  std::vector<std::string> names;
  const std::regex span("<span class=\"front-method\">([^<]*)</span>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), span); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[1]);
  return names;
}

void check_scale(const svg::Scale& s, double value) {
  INFO("scale [" << s.lo << ", " << s.hi << "], " << s.ticks.size() << " ticks");
  REQUIRE(std::isfinite(s.lo));
  REQUIRE(std::isfinite(s.hi));
  CHECK(s.lo < s.hi);
  CHECK(s.lo <= value);
  CHECK(s.hi >= value);
  REQUIRE(s.ticks.size() >= 2);
  for (double t : s.ticks) {
    CHECK(std::isfinite(t));
    CHECK(std::isfinite(s.fraction(t)));
    CHECK(s.label(t).find("nan") == std::string::npos);
  }
  CHECK(std::isfinite(s.fraction(value)));
}

}  // namespace

TEST_CASE("report_html escapes hostile labels everywhere", "[html]") {
  const std::string evil = "<script>alert(\"x\")</script>&'";
  json::object r = make_report({{"base", 10, 10}, {evil, 11, 9, true}}, false, false, "\"><img src=x>");
  r["suite"] = "<b>suite</b>";
  json::object failed{{"dataset", "\"><img src=x>"}, {"imbalance", "natural"}, {"method", evil}, {"seed", 2},
                      {"stage", 0}, {"status", "failed"}, {"reason", "died </li><li>"}, {"languages", json::object{}},
                      {"wall_time_s", 1.0}, {"corpus_fingerprint", "f"}, {"git_commit", "c"}};
  r["cells"].as_array().push_back(failed);
  const std::string html = reports::report_html(r);
  CHECK(html.find(evil) == std::string::npos);
  CHECK(html.find("alert(\"x\")") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;") != std::string::npos);
  CHECK(count(html, "<script") == 1);  // the page's own
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&quot;&gt;&lt;img src=x&gt;") != std::string::npos);
  CHECK(html.find("<b>suite</b>") == std::string::npos);
  CHECK(html.find("died &lt;/li&gt;&lt;li&gt;") != std::string::npos);
  // The hostile method is drawn (three plots) and legend, tooltip and label text are escaped.
  CHECK(count(html, "<svg class=\"plot\"") == 3);
  CHECK(svg::escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST_CASE("the Pareto front holds exactly the methods no other dominates", "[html]") {
  // base (10,10) is beaten by d on both groups; c by base and d; g by b (equal low, lower high);
  // b and its twin f, d and e are not dominated.
  const std::vector<M> methods = {{"base", 10, 10}, {"b", 12, 8}, {"c", 9, 9}, {"d", 11, 11},
                                  {"e", 8, 12},     {"f", 12, 8}, {"g", 11.5, 8}};
  std::vector<reports::TradeOff> points;
  for (const M& m : methods) points.push_back({m.name, m.high, m.low});
  std::vector<std::string> names;
  for (const auto& t : reports::pareto_front(points)) names.push_back(t.method);
  CHECK(names == std::vector<std::string>{"e", "d", "b", "f"});

  const std::string html = reports::report_html(make_report(methods));
  CHECK(front_on_page(html) == names);
  // The front's polyline joins the four points, by increasing high-resource BLEU (x).
  std::smatch m;
  const std::regex poly("<polyline class=\"mark\" points=\"([^\"]*)\" fill=\"none\" stroke=\"#999\"");
  REQUIRE(std::regex_search(html, m, poly));
  std::vector<double> xs;
  std::istringstream in(m[1].str());
  for (std::string pair; in >> pair;) xs.push_back(std::stod(pair.substr(0, pair.find(','))));
  REQUIRE(xs.size() == 4);
  CHECK(std::is_sorted(xs.begin(), xs.end()));
  CHECK(xs.front() < xs.back());

  // One method alone is its own front.
  CHECK(reports::pareto_front({{"only", 1, 2}}).size() == 1);
}

TEST_CASE("axis scales: nice ticks, and finite ones for equal values", "[html]") {
  svg::Scale s = svg::linear_scale(0.13, 9.7);
  CHECK(s.ticks == std::vector<double>{0, 2, 4, 6, 8, 10});
  CHECK(s.label(4) == "4");
  s = svg::linear_scale(-0.83, 1.32);
  CHECK(s.lo == Approx(-1));
  CHECK(s.hi == Approx(1.5));
  CHECK(s.label(s.ticks[1]) == "-0.5");
  s = svg::log_scale(2900, 25090);
  CHECK(s.ticks == std::vector<double>{2000, 5000, 10000, 20000, 50000});
  CHECK(s.label(20000) == "20k");
  CHECK(svg::log_scale(100, 2e6).ticks == std::vector<double>{100, 1000, 1e4, 1e5, 1e6, 1e7});
  CHECK(s.fraction(10000) == Approx((4 - std::log10(2000)) / (std::log10(50000) - std::log10(2000))));

  for (double v : {3.0, 0.0, -7.25, 1e-9, 45000.0}) {
    INFO("all values " << v);
    check_scale(svg::linear_scale(v, v), v);
  }
  check_scale(svg::log_scale(5000, 5000), 5000);
  check_scale(svg::linear_scale(NAN, NAN), 0.5);

  // A report where every method scores the same and every curve is flat draws all three plots, NaN-free.
  json::object r = make_report({{"base", 10, 10}, {"same", 10, 10}, {"again", 10, 10}});
  for (auto& v : r["convergence"].as_array()) v.as_object()["curve"].as_object()["values"] = json::array{4.0, 4.0};
  const std::string html = reports::report_html(r);
  CHECK(count(html, "<svg class=\"plot\"") == 3);
  CHECK_FALSE(std::regex_search(html, std::regex("\\b(nan|inf)\\b", std::regex::icase)));
  CHECK(front_on_page(html) == std::vector<std::string>{"base", "same", "again"});
}

TEST_CASE("report_html of the example report: self-contained, six plots, the table", "[html]") {
  const json::object r = test::example_report();
  const std::string html = reports::report_html(r);
  CHECK(html.find("http") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count(html, "<svg class=\"plot\" data-plot=\"delta\"") == 2);
  CHECK(count(html, "<svg class=\"plot\" data-plot=\"pareto\"") == 2);
  CHECK(count(html, "<svg class=\"plot\" data-plot=\"curves\"") == 2);
  // A circle per (method, language) in each Δ plot: 2 methods × 6 languages, 2 sections.
  const std::string delta_start = "data-plot=\"delta\"";
  const size_t at = html.find(delta_start);
  const std::string first = html.substr(at, html.find("</svg>", at) - at);
  CHECK(count(first, "<circle class=\"mark\"") == 12);
  // Hollow circles: the languages whose difference is not significant.
  size_t not_significant = 0;
  for (const auto& c : r.at("comparisons").as_array())
    if (c.at("imbalance") == "natural")
      for (const auto& l : c.at("languages").as_object()) not_significant += !l.value().at("significant").as_bool();
  const std::regex hollow("<circle class=\"mark\"[^>]*fill=\"#fff\"");
  CHECK(size_t(std::distance(std::sregex_iterator(first.begin(), first.end(), hollow), std::sregex_iterator())) ==
        not_significant);
  CHECK(not_significant > 0);
  CHECK(not_significant < 12);
  // The header: the short fingerprint, the scorer signature, the failed cell and its reason.
  CHECK(html.find(">abababababab<") != std::string::npos);
  CHECK(html.find("tok:13a") != std::string::npos);
  CHECK(html.find("<b>uniform</b>, seed 4: loss is NaN at step 812") != std::string::npos);
  CHECK(html.find("18 ok, 1 failed") != std::string::npos);
  // The continual stages: one heatmap per method of the natural profile, a framed cell per trained language.
  CHECK(count(html, "<table class=\"heatmap\">") == 3);
  size_t trained = 0, significant = 0;
  for (const auto& v : r.at("stages").as_array())
    for (const auto& l : v.at("languages").as_object()) {
      trained += l.value().at("trained").as_bool();
      significant += l.value().at("significant").as_bool();
    }
  CHECK(trained > 0);
  CHECK(count(html, "trained\" style=") == trained);
  const size_t stages_at = html.find("· stages</h2>");
  REQUIRE(stages_at != std::string::npos);
  CHECK(count(html.substr(stages_at), "*</td>") == significant);
}

TEST_CASE("report_html leaves out what it cannot draw and says why", "[html]") {
  SECTION("one method: no comparison, no Δ plot") {
    const std::string html = reports::report_html(make_report({{"solo", 12, 7}}));
    CHECK(html.find("data-plot=\"delta\"") == std::string::npos);
    CHECK(html.find("Plot 1 (Δ BLEU per language) is not drawn: this section has one method only") !=
          std::string::npos);
    CHECK(html.find("data-plot=\"pareto\"") != std::string::npos);
    CHECK(html.find("data-plot=\"curves\"") != std::string::npos);
    CHECK(html.find("12.00</td>") != std::string::npos);  // one seed: the mean alone, no ±
    CHECK(html.find("12.00 ±") == std::string::npos);
  }
  SECTION("a group with no languages: no trade-off plot, dashes in the table") {
    const std::string html = reports::report_html(make_report({{"base", 12, 0}, {"other", 13, 0, true}}, true));
    CHECK(html.find("data-plot=\"pareto\"") == std::string::npos);
    CHECK(html.find("the low-resource group has no languages") != std::string::npos);
    CHECK(html.find("Low (0 lang.)") != std::string::npos);
    CHECK(html.find("data-plot=\"delta\"") != std::string::npos);
    CHECK(html.find("<td class=\"sig\" title=\"p = 0.001\">+1.00*</td>") != std::string::npos);
  }
  SECTION("empty dev curves: no curve plot") {
    const std::string html = reports::report_html(make_report({{"base", 12, 7}, {"other", 11, 8}}, false, true));
    CHECK(html.find("data-plot=\"curves\"") == std::string::npos);
    CHECK(html.find("No dev curve for: base, other.") != std::string::npos);
    CHECK(html.find("Plot 3 (dev curves) is not drawn") != std::string::npos);
    CHECK(html.find("<td title=\"p = 0.500\">-1.00</td>") != std::string::npos);  // not significant: no *
  }
  SECTION("a later stage is named in the heading") {
    json::object r = make_report({{"base", 12, 7}});
    for (const char* k : {"summary", "cells", "convergence", "cost"})
      for (auto& e : r[k].as_array()) e.as_object()["stage"] = 2;
    CHECK(reports::report_html(r).find("<h2>ds · natural · stage 2</h2>") != std::string::npos);
  }
}

namespace {

// One language of a stages entry.
json::object stage_lang(double before, double after, bool significant, bool trained) {
  return {{"bleu_before", before}, {"bleu_after", after}, {"delta_bleu", after - before},
          {"p_value", significant ? 0.001 : 0.4}, {"significant", significant}, {"trained", trained}};
}

json::object stage(const std::string& method, int64_t from, json::object langs) {
  return {{"dataset", "ds"}, {"imbalance", "natural"}, {"method", method}, {"from_stage", from}, {"to_stage", from + 1},
          {"languages", std::move(langs)}, {"languages_scored", 2}, {"improved", 1}, {"degraded", 1}, {"gains", 0.5},
          {"forgetting", 1.5}, {"backward_transfer", -0.25}, {"gains_trained", 1.0}, {"gains_untrained", 0.0},
          {"forgetting_trained", 0.0}, {"forgetting_untrained", 1.5}};
}

}  // namespace

TEST_CASE("report_html: a stage × language heatmap of Δ BLEU per method, with the transitions' figures", "[html][stages]") {
  json::object r = make_report({{"base", 12, 7}, {"lora", 12, 7}});
  // base: stage 1 trains gl (+2, significant), fr loses 1.5 (significant); stage 2 trains fr
  // (+0.5, not significant), gl is unchanged. lora: one stage, fr +3 (the section's largest |Δ|).
  r["stages"] = json::array{stage("base", 1, {{"fr", stage_lang(12.5, 13.0, false, true)}, {"gl", stage_lang(9, 9, false, false)}}),
                            stage("base", 0, {{"fr", stage_lang(14, 12.5, true, false)}, {"gl", stage_lang(7, 9, true, true)}}),
                            stage("lora", 0, {{"fr", stage_lang(14, 17, true, true)}, {"gl", stage_lang(7, 6.5, false, false)}})};
  const std::string html = reports::report_html(r);
  INFO(html);
  const size_t at = html.find("<h2>ds · natural · stages</h2>");
  REQUIRE(at != std::string::npos);
  CHECK(html.find("<a href=\"#t0\">ds · natural · stages</a>") != std::string::npos);  // in the contents
  const std::string sec = html.substr(at, html.find("</section>", at) - at);
  CHECK(count(sec, "<table class=\"heatmap\">") == 2);
  // Rows in stage order, whatever the report's order.
  CHECK(sec.find("<td class=\"l\">0 → 1</td>") < sec.find("<td class=\"l\">1 → 2</td>"));
  // Shading by sign, scaled to the largest |Δ| (3): +2 at 2/3 of the full blue, −1.5 at half vermillion.
  CHECK(sec.find("<td class=\"sig trained\" style=\"background:rgba(0,114,178,0.57);color:#fff\" "
                 "title=\"gl, stage 0 → 1: 7.00 → 9.00 BLEU, Δ +2.00, p = 0.001; stage 1 trained on it\">+2.00*</td>") !=
        std::string::npos);
  CHECK(sec.find("<td class=\"sig\" style=\"background:rgba(213,94,0,0.42);color:#222\" "
                 "title=\"fr, stage 0 → 1: 14.00 → 12.50 BLEU, Δ -1.50, p = 0.001\">-1.50*</td>") != std::string::npos);
  CHECK(sec.find("style=\"background:rgba(0,114,178,0.85);color:#fff\"") != std::string::npos);  // lora's fr, the largest
  CHECK(sec.find("<td style=\"background:rgba(0,114,178,0.00);color:#222\" title=\"gl, stage 1 → 2: 9.00 → 9.00 BLEU, "
                 "Δ +0.00, p = 0.400\">+0.00</td>") != std::string::npos);
  // Significant cells: 3 with a *, trained ones framed: 3.
  CHECK(count(sec, "*</td>") == 3);
  CHECK(count(sec, "trained\" style=") == 3);
  // The figures of each transition.
  CHECK(sec.find("<td class=\"agg\">1 of 2</td><td>1</td><td>50%</td><td>1.50</td><td>-0.25</td><td>100%</td><td>1.50</td>") !=
        std::string::npos);
  CHECK(sec.find("the darkest is the largest |Δ| of this section, 3.00 BLEU") != std::string::npos);

  // A report written before `stages`: forgetting.across_stages, without before/after, trained or the counts.
  json::object old = r;
  json::array legacy;
  for (const auto& v : r.at("stages").as_array()) {
    json::object e;
    for (const char* k : {"dataset", "imbalance", "method", "from_stage", "to_stage", "gains", "forgetting", "backward_transfer"})
      e[k] = v.at(k);
    json::object langs;
    for (const auto& [code, l] : v.at("languages").as_object())
      langs[code] = json::object{{"delta_bleu", l.at("delta_bleu")}, {"p_value", l.at("p_value")}, {"significant", l.at("significant")}};
    e["languages"] = std::move(langs);
    legacy.push_back(std::move(e));
  }
  old.erase("stages");
  old["forgetting"].as_object()["across_stages"] = std::move(legacy);
  const std::string old_html = reports::report_html(old);
  CHECK(count(old_html, "<table class=\"heatmap\">") == 2);
  CHECK(old_html.find("trained\"") == std::string::npos);
  CHECK(old_html.find("title=\"gl, stage 0 → 1: Δ +2.00, p = 0.001\">+2.00*</td>") != std::string::npos);
  CHECK(old_html.find("<td class=\"agg\">—</td><td>—</td><td>50%</td><td>1.50</td><td>-0.25</td><td>—</td><td>—</td>") !=
        std::string::npos);

  // No transitions (a plain run): no stages section.
  CHECK(reports::report_html(make_report({{"base", 12, 7}})).find("· stages</h2>") == std::string::npos);
  // Errors name the JSON path.
  r["stages"].as_array()[2].as_object()["languages"].as_object()["fr"].as_object().erase("significant");
  CHECK_THROWS_WITH(reports::report_html(r), Catch::Contains("$.stages[2].languages.fr") && Catch::Contains("significant"));
  old["forgetting"].as_object()["across_stages"].as_array()[0].as_object()["to_stage"] = "two";
  CHECK_THROWS_WITH(reports::report_html(old), Catch::Contains("$.forgetting.across_stages[0].to_stage"));
}

TEST_CASE("report_html names the JSON path of what is missing or mistyped", "[html]") {
  json::object r = make_report({{"base", 12, 7}, {"other", 11, 8}});
  SECTION("missing groups") {
    r["summary"].as_array()[1].as_object().erase("groups");
    CHECK_THROWS_WITH(reports::report_html(r), Catch::Contains("report.json: $.summary[1]") &&
                                                   Catch::Contains("missing key \"groups\""));
  }
  SECTION("a string for a number") {
    r["comparisons"].as_array()[0].as_object()["languages"].as_object()["gl"].as_object()["delta_bleu"] = "big";
    CHECK_THROWS_AS(reports::report_html(r), ConfigError);
    CHECK_THROWS_WITH(reports::report_html(r), Catch::Contains("$.comparisons[0].languages.gl.delta_bleu") &&
                                                   Catch::Contains("expected a number"));
  }
  SECTION("a curve with more steps than values") {
    r["convergence"].as_array()[0].as_object()["curve"].as_object()["steps"].as_array().push_back(300);
    CHECK_THROWS_WITH(reports::report_html(r), Catch::Contains("$.convergence[0].curve") &&
                                                   Catch::Contains("3 steps but 2 values"));
  }
}

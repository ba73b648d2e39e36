// Published claims (claims/*.json, reports/claims.h): every claim file parses and names suites,
// datasets, methods and languages that exist; verdicts on the example report and on hand-edited
// copies (tolerance, significance, less_than, averaging over cells, not testable and why); the
// entries against the schema's $defs/claim; malformed claim files name the file and JSON path.
#include <catch2/catch.hpp>

#include "example_report.h"
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "eval/scorer/bleu.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/grid/suite.h"
#include "reports/claims.h"
#include "reports/report.h"
#include "suite_test_util.h"

using namespace longtail;
using namespace longtail::reports;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string kSource = LONGTAIL_SOURCE_DIR;

json::object example() {
  return test::example_report();
}

// A claim written as JSON, read through the loader (so the tests use the file format).
ClaimSpec claim(const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / "longtail-test-claims-one";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "c.json") << "[" << text << "]";
  auto claims = load_claims(dir.string());
  REQUIRE(claims.size() == 1);
  return claims.front();
}

json::object evaluate(const json::object& report, const ClaimSpec& c) {
  auto out = evaluate_claims(report, {c});
  REQUIRE(out.size() == 1);
  return out.front().as_object();
}

std::string verdict(const json::object& e) { return std::string(e.at("verdict").as_string()); }
std::string why(const json::object& e) { return std::string(e.at("why").as_string()); }

json::object& find(json::object& report, const char* section, const std::string& imbalance, const std::string& method) {
  for (auto& v : report.at(section).as_array())
    if (v.at("imbalance") == imbalance.c_str() && v.at("method") == method.c_str()) return v.as_object();
  FAIL("no " << section << " entry " << imbalance << "/" << method);
  throw;
}

// Every claim entry must satisfy docs/report.schema.json's $defs/claim: its required keys, only
// keys it lists, a verdict of its enum, and the types of measured and ci95.
void check_schema(const json::array& entries) {
  static const json::object def =
      read_json_file(kSource + "/docs/report.schema.json").at("$defs").at("claim").as_object();
  const auto& props = def.at("properties").as_object();
  for (const auto& v : entries) {
    INFO(json::serialize(v));
    const auto& e = v.as_object();
    for (const auto& k : def.at("required").as_array()) CHECK(e.contains(k.as_string()));
    for (const auto& kv : e) CHECK(props.contains(kv.key()));
    const auto& verdicts = props.at("verdict").at("enum").as_array();
    CHECK(std::find(verdicts.begin(), verdicts.end(), e.at("verdict")) != verdicts.end());
    for (const char* k : {"id", "paper", "statement", "suite", "why"})
      if (e.contains(k)) CHECK(e.at(k).is_string());
    if (e.contains("measured")) CHECK((e.at("measured").is_number() || e.at("measured").is_null()));
    if (e.contains("ci95") && !e.at("ci95").is_null()) {
      REQUIRE(e.at("ci95").is_array());
      CHECK(e.at("ci95").as_array().size() == 2);
    }
    // What a verdict carries: a number for a tested claim, a reason for an untested one.
    if (e.at("verdict") == "not testable") CHECK_FALSE(e.contains("measured"));
    else CHECK(e.at("measured").is_number());
    CHECK_FALSE(e.at("why").as_string().empty());
  }
}

// The selections of a claim, left and right.
std::vector<const ClaimSelection*> selections(const ClaimSpec& c) {
  std::vector<const ClaimSelection*> out = {&c.select};
  if (c.kind == ClaimKind::LessThan) out.push_back(&c.right);
  return out;
}

std::string match(const ClaimSelection& s, const std::string& key) {
  for (const auto& [k, v] : s.match)
    if (k == key) return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
  return {};
}

}  // namespace

TEST_CASE("every claim file parses and names a suite, datasets, methods and languages it has", "[claims]") {
  const auto claims = load_claims(kSource + "/claims");
  REQUIRE(claims.size() >= 10);
  const longtail::test::SuiteDataVars data_vars;  // set only for this test case
  std::set<std::string> papers;
  for (const auto& c : claims) {
    INFO(c.file << ": " << c.json_path << " (" << c.id << ")");
    papers.insert(fs::path(c.file).filename().string().substr(0, 3));
    // ids say which paper they belong to
    CHECK(c.id.substr(0, 4) == fs::path(c.file).filename().string().substr(0, 4));
    if (!c.pending.empty()) continue;
    const std::string suite_file = kSource + "/suites/" + c.suite + ".json";
    REQUIRE(fs::exists(suite_file));
    const grid::Suite suite = grid::load_suite(suite_file);
    for (const ClaimSelection* s : selections(c)) {
      const std::string dataset = match(*s, "dataset"), imbalance = match(*s, "imbalance"),
                        method = match(*s, "method"), baseline = match(*s, "baseline");
      const grid::DatasetSpec* ds = nullptr;
      for (const auto& d : suite.datasets)
        if (d.label == dataset) ds = &d;
      CHECK(ds);
      // The run's method labels: the suite's methods, or its model × method systems.
      std::vector<std::string> systems;
      for (const auto& m : suite.models)
        for (const auto& me : suite.methods) systems.push_back(m.label.empty() ? me.label : m.label + "/" + me.label);
      auto has_system = [&](const std::string& label) {
        return std::find(systems.begin(), systems.end(), label) != systems.end();
      };
      bool has_imbalance = false;
      for (const auto& i : suite.imbalances) has_imbalance |= i.label == imbalance;
      CHECK(has_imbalance);
      CHECK(has_system(method));
      // The report compares with the suite's first system, and with every other one a claim names.
      if (!baseline.empty()) CHECK(has_system(baseline));
      if (!baseline.empty()) CHECK(baseline != method);
      if (ds && !s->language.empty())
        CHECK(std::find(ds->languages.begin(), ds->languages.end(), s->language) != ds->languages.end());
    }
  }
  CHECK(papers == std::set<std::string>{"000", "001", "002", "003", "004"});

  // The figures the issue asks for, as published.
  auto published = [&](const std::string& id) {
    for (const auto& c : claims)
      if (c.id == id) return c.published;
    FAIL("no claim " << id);
    throw;
  };
  CHECK(published("002-table3-tau1-hrl") == 28.3);
  CHECK(published("002-table3-tau1-lrl") == 30.4);
  CHECK(published("002-table3-tau5-hrl") == 26.6);
  CHECK(published("002-table3-tau5-lrl") == 32.4);
  CHECK(published("002-table3-cooldown-hrl") == 28.1);
  CHECK(published("002-table3-cooldown-lrl") == 32.4);

  // On a run of another suite nothing is testable, and each one says where it can be tested.
  const auto entries = evaluate_claims(example(), claims);
  REQUIRE(entries.size() == claims.size());
  check_schema(entries);
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const auto& e = entries[i].as_object();
    INFO(json::serialize(e));
    CHECK(e.at("id") == claims[i].id.c_str());
    CHECK(verdict(e) == "not testable");
    if (claims[i].pending.empty()) CHECK(why(e).find("suites/" + claims[i].suite + ".json") != std::string::npos);
    else CHECK(why(e).rfind("pending: ", 0) == 0);
  }
}

TEST_CASE("published_value: inside the tolerance or the 95% CI is supported, outside is not", "[claims]") {
  json::object report = example();
  const auto& low = find(report, "summary", "natural", "temperature").at("groups").at("low").as_object();
  const double m = low.at("bleu_mean").to_number<double>();
  const double lo = low.at("bleu_ci95").at(0).to_number<double>(), hi = low.at("bleu_ci95").at(1).to_number<double>();
  REQUIRE(hi - m > 0.1);
  auto spec = [&](double published, double tolerance) {
    return claim(fmt::format(R"({{"id": "t", "paper": "p", "statement": "s", "suite": "example", "kind": "published_value",
        "published": {}, "tolerance": {},
        "select": {{"section": "summary", "dataset": "gettext", "imbalance": "natural", "method": "temperature",
                    "group": "low", "field": "bleu_mean"}}}})", published, tolerance));
  };
  auto near = evaluate(report, spec(m + 0.9, 1.0));
  CHECK(verdict(near) == "supported");
  CHECK(near.at("measured").to_number<double>() == m);
  CHECK(near.at("ci95").at(0).to_number<double>() == lo);
  CHECK(near.at("ci95").at(1).to_number<double>() == hi);
  CHECK(near.at("published").to_number<double>() == m + 0.9);
  CHECK(verdict(evaluate(report, spec(m + 1.1, 1.0))) == (m + 1.1 <= hi ? "supported" : "not supported"));
  const auto far = evaluate(report, spec(hi + 0.01, 0.0));
  CHECK(verdict(far) == "not supported");
  CHECK(why(far).find("not within ±0 nor inside the 95% CI") != std::string::npos);
  // Inside the CI though outside the tolerance.
  const auto in_ci = evaluate(report, spec((m + hi) / 2, 0.0));
  CHECK(verdict(in_ci) == "supported");
  CHECK(why(in_ci).find("inside the 95% CI") != std::string::npos);
  CHECK(verdict(evaluate(report, spec(lo - 0.01, 0.0))) == "not supported");
  // Without a CI (one seed) only the tolerance counts.
  json::object one_seed = report;
  find(one_seed, "summary", "natural", "temperature").at("groups").at("low").as_object()["bleu_ci95"] = nullptr;
  const auto no_ci = evaluate(one_seed, spec((m + hi) / 2, 0.0));
  CHECK(verdict(no_ci) == "not supported");
  CHECK_FALSE(no_ci.contains("ci95"));
  check_schema({near, far, in_ci, no_ci});
}

TEST_CASE("at_least / at_most with and without significance", "[claims]") {
  json::object report = example();
  auto& low = find(report, "comparisons", "natural", "temperature").at("groups").at("low").as_object();
  auto& high = find(report, "comparisons", "natural", "temperature").at("groups").at("high").as_object();
  const double dlow = low.at("delta_bleu").to_number<double>(), dhigh = high.at("delta_bleu").to_number<double>();
  REQUIRE(dlow > 0.8);
  REQUIRE(dhigh < 0);
  REQUIRE(low.at("significant").as_bool());
  REQUIRE(high.at("significant").as_bool());
  auto spec = [&](const char* kind, double threshold, const char* group, const char* significance) {
    return claim(fmt::format(R"({{"id": "t", "paper": "p", "statement": "s", "suite": "example", "kind": "{}",
        "threshold": {}{},
        "select": {{"section": "comparisons", "dataset": "gettext", "imbalance": "natural", "method": "temperature",
                    "baseline": "proportional", "group": "{}", "field": "delta_bleu"}}}})",
                             kind, threshold, significance[0] ? fmt::format(", \"significance\": \"{}\"", significance) : "",
                             group));
  };
  const auto gain = evaluate(report, spec("at_least", 0.8, "low", "required"));
  CHECK(verdict(gain) == "supported");
  CHECK(gain.at("measured").to_number<double>() == dlow);
  CHECK_FALSE(gain.contains("ci95"));  // comparisons have p-values, not intervals
  CHECK(verdict(evaluate(report, spec("at_least", dlow + 0.01, "low", "required"))) == "not supported");
  CHECK(verdict(evaluate(report, spec("at_most", dlow + 0.01, "low", ""))) == "supported");
  CHECK(verdict(evaluate(report, spec("at_most", dlow - 0.01, "low", ""))) == "not supported");
  // "not significantly worse": a significant loss refutes it ...
  const auto hurt = evaluate(report, spec("at_least", 0, "high", "to_refute"));
  CHECK(verdict(hurt) == "not supported");
  CHECK(why(hurt).find("significant") != std::string::npos);
  CHECK(verdict(evaluate(report, spec("at_least", 0, "high", ""))) == "not supported");

  // ... an insignificant one does not; a required significance is then missing.
  low["significant"] = false;
  high["significant"] = false;
  CHECK(verdict(evaluate(report, spec("at_least", 0, "high", "to_refute"))) == "supported");
  CHECK(verdict(evaluate(report, spec("at_least", 0.8, "low", "required"))) == "not supported");
  CHECK(verdict(evaluate(report, spec("at_least", 0.8, "low", ""))) == "supported");
  check_schema({gain, hurt});
}

TEST_CASE("less_than between two selections; cells average over their ok seeds", "[claims]") {
  json::object report = example();
  // Diagnostics as the cells of a real run carry them: temperature's gradient norm varies less.
  double temperature_sum = 0;
  for (auto& v : report.at("cells").as_array()) {
    auto& c = v.as_object();
    if (c.at("imbalance") != "natural") continue;
    const double seed = c.at("seed").to_number<double>();
    double var = c.at("method") == "temperature" ? 0.6 + 0.01 * seed : 2.2 + 0.02 * seed;
    if (c.at("status") != "ok") var = 1000;  // the failed cell must not count
    if (c.at("method") == "temperature") temperature_sum += var;
    c["diagnostics"] = json::object{{"grad_norm_var_window_mean", var}};
  }
  auto spec = [&](const char* left, const char* right, const char* extra) {
    return claim(fmt::format(R"({{"id": "t", "paper": "p", "statement": "s", "suite": "example", "kind": "less_than"{},
        "left": {{"section": "cells", "dataset": "gettext", "imbalance": "natural", "method": "{}",
                  "field": "diagnostics.grad_norm_var_window_mean"}},
        "right": {{"section": "cells", "dataset": "gettext", "imbalance": "natural", "method": "{}",
                   "field": "diagnostics.grad_norm_var_window_mean"}}}})", extra, left, right));
  };
  const auto ok = evaluate(report, spec("temperature", "proportional", ""));
  CHECK(verdict(ok) == "supported");
  CHECK(ok.at("measured").to_number<double>() == Approx(temperature_sum / 3));
  REQUIRE(ok.contains("ci95"));  // three seeds
  CHECK(ok.at("ci95").at(0).to_number<double>() < temperature_sum / 3);
  CHECK(why(ok).find("mean of 3 cells") != std::string::npos);
  CHECK(verdict(evaluate(report, spec("proportional", "temperature", ""))) == "not supported");
  // factor and margin: 0.62 < 0.2 × 2.24 fails, 0.62 < 2.24 − 1 holds, 0.62 < 2.24 − 2 fails.
  CHECK(verdict(evaluate(report, spec("temperature", "proportional", R"(, "factor": 0.2)"))) == "not supported");
  CHECK(verdict(evaluate(report, spec("temperature", "proportional", R"(, "margin": 1)"))) == "supported");
  CHECK(verdict(evaluate(report, spec("temperature", "proportional", R"(, "margin": 2)"))) == "not supported");
  // uniform's three ok cells, not the failed one (whose value is 1000): 2.2 + 0.02·seed averaged.
  const auto uni = evaluate(report, spec("uniform", "temperature", ""));
  CHECK(uni.at("measured").to_number<double>() == Approx(2.24));
  // A side the run lacks makes the claim not testable.
  const auto none = evaluate(example(), spec("temperature", "proportional", ""));
  CHECK(verdict(none) == "not testable");
  CHECK(why(none).find("no field \"diagnostics\"") != std::string::npos);
  check_schema({ok, uni, none});
}

TEST_CASE("not testable: what the run lacks, ambiguous selections, pending claims", "[claims]") {
  const json::object report = example();
  auto spec = [&](const std::string& select, const std::string& extra = "") {
    return claim(R"({"id": "t", "paper": "p", "statement": "s", "suite": "other", "kind": "at_least", "threshold": 0)" +
                 extra + R"(, "select": )" + select + "}");
  };
  const auto no_dataset = evaluate(report, spec(R"({"section": "summary", "dataset": "opus100", "imbalance": "natural",
      "method": "cooldown", "group": "high", "field": "bleu_mean"})"));
  CHECK(verdict(no_dataset) == "not testable");
  CHECK(why(no_dataset).find("no summary for dataset opus100 (it has: gettext)") != std::string::npos);
  CHECK(why(no_dataset).find("suites/other.json") != std::string::npos);
  const auto no_method = evaluate(report, spec(R"({"section": "summary", "dataset": "gettext", "imbalance": "natural",
      "method": "cooldown", "group": "high", "field": "bleu_mean"})"));
  CHECK(why(no_method).find("method cooldown with dataset gettext, imbalance natural (it has: proportional, temperature, uniform)") !=
        std::string::npos);
  const auto no_language = evaluate(report, spec(R"({"section": "summary", "dataset": "gettext", "imbalance": "natural",
      "method": "uniform", "language": "xx", "field": "bleu_mean"})"));
  CHECK(why(no_language).find("no language \"xx\"") != std::string::npos);
  const auto ambiguous = evaluate(report, spec(R"({"section": "summary", "dataset": "gettext", "method": "uniform",
      "group": "high", "field": "bleu_mean"})"));
  CHECK(why(ambiguous).find("matches 2 summary entries") != std::string::npos);
  json::object edited = report;
  find(edited, "convergence", "natural", "uniform")["speedup"] = nullptr;
  const auto null_field = evaluate(edited, spec(R"({"section": "convergence", "dataset": "gettext", "imbalance": "natural",
      "method": "uniform", "field": "speedup"})"));
  CHECK(why(null_field).find("speedup = null") != std::string::npos);
  json::object plain = report;  // a run without continual stages
  plain["stages"] = json::array{};
  const auto no_stages = evaluate(plain, spec(R"({"section": "stages", "method": "uniform", "field": "gains"})"));
  CHECK(why(no_stages).find("the report's stages is empty") != std::string::npos);
  // Pending: not testable whatever the run holds.
  const auto pending = evaluate(report, spec(R"({"section": "summary", "dataset": "gettext", "imbalance": "natural",
      "method": "uniform", "group": "high", "field": "bleu_mean"})", R"(, "pending": "the method does not exist yet")"));
  CHECK(verdict(pending) == "not testable");
  CHECK(why(pending) == "pending: the method does not exist yet");
  // The same selection without pending is tested.
  CHECK(verdict(evaluate(report, spec(R"({"section": "summary", "dataset": "gettext", "imbalance": "natural",
      "method": "uniform", "group": "high", "field": "bleu_mean"})"))) == "supported");
  for (const auto* e : {&no_dataset, &no_method, &no_language, &ambiguous, &null_field, &no_stages, &pending})
    CHECK(verdict(*e) == "not testable");
  check_schema({no_dataset, no_method, no_language, ambiguous, null_field, no_stages, pending});

  // The terminal table: tested claims in rows, untested ones grouped under their shared reason.
  auto named = [&](const std::string& id, const std::string& select) {
    ClaimSpec c = spec(select);
    c.id = id;
    return c;
  };
  const std::string tested = R"({"section": "summary", "dataset": "gettext", "imbalance": "natural", "method": "uniform",
      "group": "high", "field": "bleu_mean"})";
  const std::string absent = R"({"section": "summary", "dataset": "opus100", "field": "bleu_mean"})";
  const std::string table = format_claims(evaluate_claims(
      report, {named("t-tested", tested), named("t-absent-1", absent), named("t-absent-2", absent)}));
  INFO(table);
  CHECK(table.find("1 supported, 0 not supported, 2 not testable") != std::string::npos);
  CHECK(table.find("\nsupported  t-tested ") != std::string::npos);
  CHECK(table.find("the run has no summary for dataset opus100 (it has: gettext); the claim is tested by "
                   "suites/other.json\n    t-absent-1, t-absent-2\n") != std::string::npos);
}

TEST_CASE("stages: transitions by from_stage and to_stage, languages with significance, the old section name and "
          "the old report layout", "[claims][stages]") {
  const json::object report = example();
  const json::object* entry = nullptr;
  for (const auto& v : report.at("stages").as_array())
    if (v.at("method") == "temperature" && v.at("from_stage") == 0) entry = &v.as_object();
  REQUIRE(entry);
  auto spec = [&](const std::string& kind, const std::string& select, const std::string& extra = "") {
    return claim(R"({"id": "t", "paper": "p", "statement": "s", "suite": "example", "kind": ")" + kind + "\"" + extra +
                 R"(, "select": )" + select + "}");
  };
  // An aggregate of one transition, and the "languages not in the update" split.
  const std::string untrained = R"({"section": "stages", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "from_stage": 0, "to_stage": 1, "field": "forgetting_untrained"})";
  const auto forgetting = evaluate(report, spec("at_most", untrained, R"(, "threshold": 100)"));
  CHECK(verdict(forgetting) == "supported");
  CHECK(forgetting.at("measured").to_number<double>() == entry->at("forgetting_untrained").to_number<double>());
  CHECK(why(forgetting).find("gettext/natural/temperature stage 0→1") != std::string::npos);
  // A language's Δ with its significance: gl was trained and improved significantly.
  REQUIRE(entry->at("languages").at("gl").at("significant").as_bool());
  const auto gl = evaluate(report, spec("at_least", R"({"section": "stages", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "from_stage": 0, "to_stage": 1, "language": "gl", "field": "delta_bleu"})",
                                         R"(, "threshold": 0, "significance": "required")"));
  CHECK(verdict(gl) == "supported");
  CHECK(gl.at("measured").to_number<double>() == entry->at("languages").at("gl").at("delta_bleu").to_number<double>());
  // Without to_stage the selection matches both transitions of the method.
  const auto both = evaluate(report, spec("at_least", R"({"section": "stages", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "field": "gains"})", R"(, "threshold": 0)"));
  CHECK(verdict(both) == "not testable");
  CHECK(why(both).find("matches 2 stages entries") != std::string::npos);

  // Claim files written before `stages` existed call the section across_stages: the same reading.
  std::string old_name = untrained;
  old_name.replace(old_name.find("\"stages\""), 8, "\"across_stages\"");
  const ClaimSpec aliased = spec("at_most", old_name, R"(, "threshold": 100)");
  CHECK(aliased.select.section == "stages");
  CHECK(evaluate(report, aliased) == forgetting);

  // A report written before `stages` existed holds the transitions as forgetting.across_stages,
  // without the newer fields: the claims read them there.
  json::object old = report;
  json::array legacy;
  for (const auto& v : report.at("stages").as_array()) {
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
  const std::string gains = R"({"section": "stages", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "from_stage": 0, "to_stage": 1, "field": "gains"})";
  const auto old_gains = evaluate(old, spec("at_least", gains, R"(, "threshold": 0)"));
  CHECK(verdict(old_gains) == "supported");
  CHECK(old_gains.at("measured").to_number<double>() == entry->at("gains").to_number<double>());
  CHECK(evaluate(old, spec("at_least", R"({"section": "stages", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "from_stage": 0, "to_stage": 1, "language": "gl", "field": "delta_bleu"})",
                           R"(, "threshold": 0, "significance": "required")")) == gl);
  // What the old layout lacks is named.
  const auto missing = evaluate(old, spec("at_most", untrained, R"(, "threshold": 100)"));
  CHECK(verdict(missing) == "not testable");
  CHECK(why(missing).find("no field \"forgetting_untrained\"") != std::string::npos);
  check_schema({forgetting, gl, both, old_gains, missing});

  // The shipped claims of paper 004 read the new section.
  for (const auto& c : load_claims_file(kSource + "/claims/004-laft-uriel.json")) {
    CHECK(c.select.section == "stages");
    CHECK(c.right.section == "stages");
  }
}

TEST_CASE("a claim may name another baseline than the report's; without one it reads the report's", "[claims][baselines]") {
  // A report that also compares with uniform (settings.extra_baselines): its entries follow the
  // report's baseline's, with their own `baseline` and numbers.
  json::object report = example();
  report["settings"].as_object()["extra_baselines"] = json::array{"uniform"};
  json::object vs_uniform = find(report, "convergence", "natural", "temperature");
  vs_uniform["baseline"] = "uniform";
  vs_uniform["speedup"] = 2.5;
  report.at("convergence").as_array().push_back(vs_uniform);
  json::object cmp_uniform = find(report, "comparisons", "natural", "temperature");
  cmp_uniform["baseline"] = "uniform";
  cmp_uniform["groups"].as_object()["all"].as_object()["delta_bleu"] = -0.5;
  report.at("comparisons").as_array().push_back(cmp_uniform);

  auto spec = [&](const std::string& select) {
    return claim(R"({"id": "t", "paper": "p", "statement": "s", "suite": "example", "kind": "at_least", "threshold": 2, "select": )" +
                 select + "}");
  };
  const auto named = evaluate(report, spec(R"({"section": "convergence", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "baseline": "uniform", "field": "speedup"})"));
  CHECK(verdict(named) == "supported");
  CHECK(named.at("measured").to_number<double>() == 2.5);
  // Without `baseline` the selection reads the entry against settings.baseline (proportional),
  // rather than matching two entries.
  const auto plain = evaluate(report, spec(R"({"section": "convergence", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "field": "speedup"})"));
  CHECK(verdict(plain) == "not supported");
  CHECK(plain.at("measured").to_number<double>() == Approx(5.0 / 3));
  const auto cmp = evaluate(report, spec(R"({"section": "comparisons", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "group": "all", "field": "delta_bleu"})"));
  CHECK(cmp.at("measured").to_number<double>() ==
        find(report, "comparisons", "natural", "temperature").at("groups").at("all").at("delta_bleu").to_number<double>());
  // A baseline the run does not compare with is not testable, naming those it has.
  const auto absent = evaluate(report, spec(R"({"section": "convergence", "dataset": "gettext", "imbalance": "natural",
      "method": "temperature", "baseline": "cats", "field": "speedup"})"));
  CHECK(verdict(absent) == "not testable");
  CHECK(why(absent).find("baseline cats") != std::string::npos);
  CHECK(why(absent).find("(it has: proportional, uniform)") != std::string::npos);
  check_schema({named, plain, cmp, absent});

  // The baselines the claims name, each once, for the report to compare with.
  std::vector<ClaimSpec> claims{
      spec(R"({"section": "convergence", "method": "a", "baseline": "b/x", "field": "speedup"})"),
      spec(R"({"section": "comparisons", "method": "a", "baseline": "c", "group": "all", "field": "delta_bleu"})"),
      spec(R"({"section": "convergence", "method": "c", "baseline": "b/x", "field": "speedup"})"),
      spec(R"({"section": "summary", "method": "a", "group": "all", "field": "bleu_mean"})")};
  CHECK(claim_baselines(claims) == std::vector<std::string>{"b/x", "c"});
  claims[1].pending = "later";
  CHECK(claim_baselines(claims) == std::vector<std::string>{"b/x"});
  // The shipped sparse claims compare with plain BASE layers and with dense scaling.
  const auto shipped = claim_baselines(load_claims_file(kSource + "/claims/001-sparse-tricks.json"));
  CHECK(shipped == std::vector<std::string>{"base/temperature", "dense/temperature", "dense-wide/temperature"});
}

TEST_CASE("malformed claim files are errors naming the file and the JSON path", "[claims][errors]") {
  const fs::path dir = fs::temp_directory_path() / "longtail-test-claims-bad";
  const std::string good = R"({"id": "a", "paper": "p", "statement": "s", "suite": "x", "kind": "at_least", "threshold": 1,
      "select": {"section": "summary", "method": "m", "group": "low", "field": "bleu_mean"}})";
  auto error_of = [&](const std::string& text) -> std::string {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "bad.json") << text;
    try {
      load_claims(dir.string());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    REQUIRE(t.find(from) != std::string::npos);
    return "[" + good + ", " + t.replace(t.find(from), from.size(), to) + "]";
  };
  CHECK(error_of("[" + good + "]") == "no error");
  const std::string file = (dir / "bad.json").string();
  struct Case {
    std::string text, path, what;
  };
  const std::vector<Case> cases = {
      {R"({"claims": []})", "$", "expected an array of claims"},
      {"[]", "$", "at least one claim"},
      {replaced(R"("id": "a")", R"("id": "b", "colour": 1)"), "$[1].colour", "unknown key for kind at_least"},
      {replaced(R"("id": "a")", R"("id": "b", "tolerance": 1)"), "$[1].tolerance", "unknown key for kind at_least"},
      {replaced(R"("group": "low")", R"("group": "low", "seed": 1)"), "$[1].select.seed", "unknown key for section summary"},
      {replaced(R"("section": "summary")", R"("section": "leaderboard")"), "$[1].select.section", "unknown section \"leaderboard\""},
      {replaced(R"("group": "low")", R"("group": "middle")"), "$[1].select.group", "expected \"all\", \"high\" or \"low\""},
      {replaced(R"("group": "low")", R"("group": "low", "language": "fr")"), "$[1].select", "not both"},
      {replaced(R"("field": "bleu_mean")", R"("field": "a..b")"), "$[1].select.field", "empty part"},
      {replaced(R"("method": "m")", R"("method": "m", "stage": -1)"), "$[1].select.stage", "non-negative integer"},
      {replaced(R"("method": "m")", R"("method": 3)"), "$[1].select.method", "non-empty string"},
      {replaced(R"("threshold": 1)", R"("threshold": "high")"), "$[1].threshold", "expected a number"},
      {replaced(R"("threshold": 1)", R"("threshold": 1, "significance": "required")"), "$[1].significance",
       "needs a selection whose object has \"significant\""},
      {replaced(R"("threshold": 1)", R"("threshold": 1, "significance": "always")"), "$[1].significance", "\"required\" or \"to_refute\""},
      {replaced(R"("kind": "at_least")", R"("kind": "roughly")"), "$[1].kind", "unknown kind \"roughly\""},
      {replaced(R"("kind": "at_least", "threshold": 1)", R"("kind": "published_value", "tolerance": 1)"), "$[1].published",
       "expected the published number, got nothing"},
      {replaced(R"("kind": "at_least", "threshold": 1)", R"("kind": "published_value", "published": 2, "tolerance": -1)"),
       "$[1].tolerance", "≥ 0"},
      {R"([{"id": "a", "paper": "p", "statement": "s", "suite": "x", "kind": "less_than",
          "left": {"section": "cost", "field": "steps"}}])", "$[0]", "missing key \"right\""},
      {R"([{"id": "a", "paper": "p", "statement": "s", "suite": "x", "kind": "less_than", "factor": 0,
          "left": {"section": "cost", "field": "steps"}, "right": {"section": "cost", "field": "steps"}}])", "$[0].factor", "> 0"},
      {replaced(R"("paper": "p", )", ""), "$[1]", "missing key \"paper\""},
      {replaced(R"("statement": "s")", R"("statement": "")"), "$[1].statement", "non-empty string"},
      {replaced(R"("id": "a")", R"("id": "a b")"), "$[1].id", "use letters"},
      {"[" + good + ", " + good + "]", "$[1].id", "\"a\" appears twice"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string e = error_of(c.text);
    CHECK(e.find(file + ": " + c.path + ": ") != std::string::npos);
    CHECK(e.find(c.what) != std::string::npos);
  }
  // JSON syntax errors name the file; so do a missing or empty directory and an id used in two files.
  CHECK(error_of("[{\"id\": }]").find(file) != std::string::npos);
  fs::remove_all(dir);
  CHECK_THROWS_WITH(load_claims(dir.string()), Catch::Contains(dir.string()) && Catch::Contains("no such directory"));
  fs::create_directories(dir);
  CHECK_THROWS_WITH(load_claims(dir.string()), Catch::Contains("no claim files"));
  std::ofstream(dir / "1.json") << "[" << good << "]";
  std::ofstream(dir / "2.json") << "[" << good << "]";
  CHECK_THROWS_WITH(load_claims(dir.string()),
                    Catch::Contains((dir / "2.json").string() + ": $[0].id") && Catch::Contains((dir / "1.json").string()));
}

TEST_CASE("report cells carry their diagnostics, and a claim reads them from a built report", "[claims][report]") {
  // Cells as the analysis gets them: BLEU from real segment statistics, diagnostics of the run.
  auto cell = [](const std::string& method, int seed, double var) {
    CellData c;
    c.dataset = "gettext", c.imbalance = "natural", c.method = method, c.seed = seed, c.ok = true;
    c.result.dataset = c.dataset, c.result.imbalance = c.imbalance, c.result.method = method, c.result.seed = seed;
    c.result.ok = true;
    c.result.training = records::TrainingFigures{};
    c.result.training->device = "cpu";
    if (var >= 0) c.result.training->diagnostics = {{"grad_norm_var_window_mean", var}, {"grad_norm_mean", 1.5}};
    const eval::Bleu bleu;
    std::vector<std::string> refs, hyps;
    for (int i = 0; i < 20; ++i) {
      refs.push_back(fmt::format("the cat number {} sat on the mat", i));
      hyps.push_back(i % 3 == seed % 3 ? "a dog ran" : refs.back());
    }
    for (const char* code : {"fr", "kk"}) {
      LanguageData l;
      l.code = code;
      l.high = std::string(code) == "fr";
      l.train_pairs = l.natural_pairs = l.high ? 1000 : 100;
      l.bleu = bleu.corpus_score(hyps, {refs}).score;
      l.chrf = l.bleu;
      l.bleu_segments = eval::segment_stats_table(bleu.segment_stats(hyps, {refs}));
      c.languages.push_back(std::move(l));
    }
    return c;
  };
  const std::vector<CellData> cells = {cell("temperature5", 1, 0.5), cell("temperature5", 2, 0.7),
                                       cell("scalarization5", 1, 2.0), cell("scalarization5", 2, -1)};
  AnalysisOptions options;
  options.resamples = 20;
  const json::object report = build_report("/tmp/longtail-test-claims-run", cells, options);
  const auto& entries = report.at("cells").as_array();
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].at("diagnostics").at("grad_norm_var_window_mean") == 0.5);
  CHECK(entries[2].at("diagnostics").at("grad_norm_mean") == 1.5);
  CHECK_FALSE(entries[3].as_object().contains("diagnostics"));  // none logged

  // 002's variance claim, as stored in claims/: temperature 0.6 (mean of 2) < scalarization 2.0 (its one cell with them).
  ClaimSpec variance;
  for (const auto& c : load_claims(kSource + "/claims"))
    if (c.id == "002-gradnorm-variance") variance = c;
  REQUIRE(variance.id == "002-gradnorm-variance");
  const auto e = evaluate(report, variance);
  CHECK(verdict(e) == "supported");
  CHECK(e.at("measured").to_number<double>() == Approx(0.6));
  CHECK(why(e).find("scalarization5 diagnostics.grad_norm_var_window_mean (1 cell) = 2") != std::string::npos);
  check_schema({e});
}

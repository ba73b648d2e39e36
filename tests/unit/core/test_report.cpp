// Reports: a run directory read back (cells, groups, failures, bad input), and the analysis on
// hand-made cells — seed statistics, wins/ties/losses, convergence, forgetting, continual stages, cost.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "eval/scorer/bleu.h"
#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/records/cell_result.h"
#include "harness/records/run_layout.h"
#include "harness/train/train_options.h"
#include "reports/analysis.h"
#include "reports/html.h"
#include "reports/leaderboard.h"
#include "reports/report.h"
#include "reports/seed_stats.h"

using namespace longtail;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kLangs = {"fr", "de", "gl", "kk"};

// Reference sentences, and a system output that gets `correct` of every 4 segments right.
std::vector<std::string> references(int n) {
  std::vector<std::string> r;
  for (int i = 0; i < n; ++i)
    r.push_back("the cat number " + std::to_string(i) + " sat on the mat near house " + std::to_string(i % 7));
  return r;
}
std::vector<std::string> output(int n, int correct, int salt) {
  std::vector<std::string> h = references(n);
  for (int i = 0; i < n; ++i)
    if ((i + salt) % 4 >= correct) h[i] = "a dog " + std::to_string(i) + " ran far away";
  return h;
}

void write_lines(const fs::path& p, const std::vector<std::string>& lines) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p);
  for (const auto& l : lines) f << l << "\n";
}

records::CellConfig config(const std::string& method, int seed) {
  records::CellConfig c;
  // Suite order puts uniform first although "temperature" sorts first by path.
  c.cell = {"t", "gettext", "natural", "", method, seed, "gettext/natural/" + method + "/seed" + std::to_string(seed),
            method == "uniform" ? seed - 1 : 10};
  c.method = method;
  c.model = model::resolve_model(json::object{{"config", "tiny"}}, "$.model");
  c.train = Options(resolve_options(train::train_options(), {}, "$.train"));
  c.eval = Options(resolve_options(train::eval_options(), {}, "$.eval"));
  c.data.languages = kLangs;
  c.data.natural_pairs = {{"fr", 9000}, {"de", 8000}, {"gl", 700}, {"kk", 300}};
  c.data.train_pairs = c.data.natural_pairs;
  c.data.shards = "/shards";
  c.data.vocab = "/vocab.json";
  return c;
}

// A cell as the grid leaves it: result.json, hyps/ and the run's refs/.
void write_result(const fs::path& root, const std::string& method, int seed, double base, bool ok = true) {
  fs::path dir = root / "gettext" / "natural" / method / ("seed" + std::to_string(seed));
  records::CellResult r;
  r.dataset = "gettext", r.imbalance = "natural", r.method = method, r.seed = seed;
  r.ok = ok;
  r.config = config(method, seed);
  r.corpus_fingerprint = "abc", r.git_commit = "123";
  r.scorer = {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"}};
  if (ok) {
    int i = 0;
    for (const auto& l : kLangs) {
      double b = base - 5 * i++;
      records::LanguageResult lr;
      lr.bleu = b, lr.chrf = b + 10, lr.dev_loss = 3.0, lr.train_pairs = 100, lr.natural_pairs = 100;
      lr.splits.emplace_back("test", records::SplitScores{b, b + 10, 40});
      r.languages.emplace_back(l, lr);
      write_lines(records::hyps_file(dir.string(), l, "test"), output(40, 2, seed));
      write_lines(records::refs_file(root.string(), "gettext", l, "test"), references(40));
    }
    r.training = records::TrainingFigures{};
    r.training->device = "cpu";
  } else {
    r.reason = "loss is NaN at step 3";
  }
  fs::create_directories(dir);
  records::write_cell_result((dir / "result.json").string(), r);
}

fs::path fresh_dir(const std::string& name) {
  fs::path root = fs::temp_directory_path() / name;
  fs::remove_all(root);
  return root;
}

// A hand-made cell: BLEU per language from real segment statistics of `output(n, correct[l], seed)`.
reports::CellData cell(const std::string& method, int seed, const std::vector<int>& correct, int64_t stage = 0,
                       std::vector<reports::DevPoint> curve = {}) {
  reports::CellData c;
  c.dataset = "d", c.imbalance = "natural", c.method = method, c.seed = seed, c.stage = stage, c.ok = true;
  c.result.ok = true;
  c.result.training = records::TrainingFigures{};
  c.result.training->steps = 400;
  c.result.training->device = "cpu";
  c.dev_curve = std::move(curve);
  const eval::Bleu bleu;
  for (std::size_t i = 0; i < correct.size(); ++i) {
    reports::LanguageData l;
    l.code = kLangs[i];
    l.high = i < 2;
    l.train_pairs = l.natural_pairs = 1000 >> i;
    const auto hyps = output(80, correct[i], seed), refs = references(80);
    l.bleu = bleu.corpus_score(hyps, {refs}).score;
    l.chrf = l.bleu / 2;
    l.bleu_segments = eval::segment_stats_table(bleu.segment_stats(hyps, {refs}));
    c.languages.push_back(std::move(l));
  }
  return c;
}

std::vector<reports::DevPoint> curve(const std::vector<double>& mean_loss, double tokens_per_step = 1000) {
  std::vector<reports::DevPoint> out;
  for (std::size_t i = 0; i < mean_loss.size(); ++i) {
    reports::DevPoint p;
    p.step = int64_t(i + 1) * 100;
    p.tokens = double(p.step) * tokens_per_step;
    p.seconds = double(p.step) / 10;
    // Two languages around the mean: the mean over languages is mean_loss[i].
    p.lang_loss = {{"fr", mean_loss[i] - 0.5}, {"de", mean_loss[i] + 0.5}};
    out.push_back(p);
  }
  return out;
}

reports::AnalysisOptions options(const std::string& baseline, double alpha = 0.05) {
  reports::AnalysisOptions o;
  o.baseline = baseline;
  o.alpha = alpha;
  return o;
}

const json::object& entry(const json::array& a, const std::string& method, int64_t stage = 0) {
  for (const auto& v : a)
    if (v.at("method") == method.c_str() && v.at("stage").to_number<int64_t>() == stage) return v.as_object();
  FAIL("no entry for " << method);
  throw;
}

}  // namespace

TEST_CASE("report reads a run: cells, groups, failures, the table", "[report]") {
  fs::path root = fresh_dir("longtail-test-report");
  write_result(root, "uniform", 1, 30);
  write_result(root, "uniform", 2, 32);
  write_result(root, "temperature", 1, 40, false);
  auto report = reports::build_report(root.string());
  CHECK(report.at("schema") == "longtail-report-v2");
  const auto& cells = report.at("cells").as_array();
  REQUIRE(cells.size() == 3);
  CHECK(cells[0].at("method") == "uniform");  // suite order, not path order
  CHECK(cells[2].at("method") == "temperature");
  const json::object* ok = nullptr;
  for (const auto& c : cells)
    if (c.at("method") == "uniform" && c.at("seed") == 1) ok = &c.as_object();
  REQUIRE(ok);
  CHECK(ok->at("status") == "ok");
  // The larger half (fr, de) is high-resource by default.
  CHECK(ok->at("languages").at("fr").at("group") == "high");
  CHECK(ok->at("languages").at("kk").at("group") == "low");
  CHECK(ok->at("high_bleu").as_double() == Approx((30 + 25) / 2.0));
  CHECK(ok->at("low_bleu").as_double() == Approx((20 + 15) / 2.0));
  CHECK(report.at("scorer").at("bleu").as_string().starts_with("nrefs:1"));
  // Only uniform has ok cells: it is the baseline, with a summary over its two seeds.
  CHECK(report.at("settings").at("baseline") == "uniform");
  const auto& s = entry(report.at("summary").as_array(), "uniform");
  CHECK(s.at("seeds").as_array().size() == 2);
  CHECK(s.at("languages").at("fr").at("bleu_mean").as_double() == Approx(31));
  CHECK(s.at("languages").at("fr").at("bleu_std").as_double() == Approx(std::sqrt(2.0)));
  CHECK(report.at("comparisons").as_array().empty());

  std::string table = reports::format_table(report);
  CHECK_THAT(table, Catch::Contains("gettext/natural"));
  // fr: the mean over seeds ± 1.96 standard errors (the seed spread and the bootstrap variance).
  CHECK_THAT(table, Catch::Contains(fmt::format("31.00±{:.2f}", 1.96 * s.at("languages").at("fr").at("bleu_se").as_double())));
  CHECK(s.at("languages").at("fr").at("bleu_se").as_double() >= std::sqrt(2.0) / std::sqrt(2.0));
  CHECK_THAT(table, Catch::Contains("failed cells"));
  CHECK_THAT(table, Catch::Contains("loss is NaN"));
  CHECK(table.find("\nfr ") < table.find("\nkk "));  // rows follow training size
}

TEST_CASE("report refuses bad runs, naming the file and what was expected", "[report][trust]") {
  fs::path root = fresh_dir("longtail-test-report-bad");
  CHECK_THROWS_WITH(reports::build_report((root / "none").string()), Catch::Contains("no such directory"));
  fs::create_directories(root / "empty");
  CHECK_THROWS_WITH(reports::build_report((root / "empty").string()), Catch::Contains("no result.json"));

  write_result(root / "run", "uniform", 1, 30);
  write_result(root / "run", "temperature", 1, 30);
  CHECK_THROWS_WITH(reports::build_report((root / "run").string(), options("cooldown")),
                    Catch::Contains("no method labelled \"cooldown\"") && Catch::Contains("temperature, uniform"));

  // The references are gone: the report names the file it needs.
  fs::remove(records::refs_file((root / "run").string(), "gettext", "gl", "test"));
  CHECK_THROWS_WITH(reports::build_report((root / "run").string()), Catch::Contains("refs/gl.test.txt"));
  write_lines(records::refs_file((root / "run").string(), "gettext", "gl", "test"), references(39));
  CHECK_THROWS_WITH(reports::build_report((root / "run").string()), Catch::Contains("expected one line per reference"));
  write_lines(records::refs_file((root / "run").string(), "gettext", "gl", "test"), references(40));

  // A truncated result.json: named, and nothing is written.
  const fs::path result = root / "run/gettext/natural/temperature/seed1/result.json";
  std::string text = read_file(result.string());
  write_lines(result, {text.substr(0, text.size() / 2)});
  CHECK_THROWS_WITH(reports::build_report((root / "run").string()), Catch::Contains(result.string()));
  CHECK_FALSE(fs::exists(root / "run/report.json"));
}

TEST_CASE("comparisons: wins, ties and losses on hand-made systems", "[report][compare]") {
  // Baseline: 2 of 4 segments right everywhere. New: fr all right (win), de the same outputs (tie),
  // gl none right (loss), kk 3 of 4 (a smaller gain).
  std::vector<reports::CellData> cells{cell("base", 1, {2, 2, 2, 2}), cell("new", 1, {4, 2, 0, 3})};
  const auto a = reports::analyze(cells);
  CHECK(a.baseline == "base");
  REQUIRE(a.comparisons.size() == 1);
  const auto& c = a.comparisons[0].as_object();
  CHECK(c.at("baseline") == "base");
  const auto& l = c.at("languages").as_object();
  CHECK(l.at("fr").at("delta_bleu").as_double() > 0);
  CHECK(l.at("fr").at("significant").as_bool());
  CHECK(l.at("de").at("delta_bleu").as_double() == 0);
  CHECK_FALSE(l.at("de").at("significant").as_bool());
  CHECK(l.at("gl").at("delta_bleu").as_double() < 0);
  CHECK(l.at("gl").at("significant").as_bool());
  CHECK(l.at("fr").at("p_value").as_double() < 0.01);
  CHECK(c.at("wins").as_int64() + c.at("ties").as_int64() + c.at("losses").as_int64() == 4);
  CHECK(c.at("wins").as_int64() >= 1);
  CHECK(c.at("losses").as_int64() == 1);
  // Groups: high = fr, de (one win, one tie); low = gl, kk.
  CHECK(c.at("groups").at("high").at("wins").as_int64() == 1);
  CHECK(c.at("groups").at("high").at("ties").as_int64() == 1);
  CHECK(c.at("groups").at("low").at("losses").as_int64() == 1);
  CHECK(c.at("groups").at("high").at("delta_bleu").as_double() ==
        Approx((l.at("fr").at("delta_bleu").as_double() + l.at("de").at("delta_bleu").as_double()) / 2));

  // A stricter alpha turns the smaller gain into a tie; the baseline can be named.
  const auto strict = reports::analyze(cells, options("new", 1e-9));
  const auto& sc = strict.comparisons[0].as_object();
  CHECK(sc.at("method") == "base");
  CHECK(sc.at("wins").as_int64() == 0);
  CHECK(sc.at("losses").as_int64() == 0);
  CHECK(sc.at("ties").as_int64() == 4);
}

TEST_CASE("summary over seeds: standard error adds the bootstrap variance", "[report][stats]") {
  std::vector<reports::CellData> cells{cell("base", 1, {2, 2, 2, 2}), cell("base", 2, {3, 3, 1, 1})};
  const auto a = reports::analyze(cells);
  const auto& fr = a.summary[0].at("languages").at("fr").as_object();
  const double b1 = cells[0].languages[0].bleu, b2 = cells[1].languages[0].bleu;
  CHECK(fr.at("bleu_mean").as_double() == Approx((b1 + b2) / 2));
  CHECK(fr.at("bleu_std").as_double() == Approx(std::fabs(b1 - b2) / std::sqrt(2.0)));
  const double seed_part = std::pow(fr.at("bleu_std").as_double(), 2) / 2;
  CHECK(std::pow(fr.at("bleu_se").as_double(), 2) > seed_part);  // plus the test set's sampling variance
  CHECK(fr.at("bleu_ci95").as_array().size() == 2);
  CHECK(a.summary[0].at("groups").at("low").at("languages").as_int64() == 2);
}

TEST_CASE("convergence: steps to the baseline's best dev loss, never reached, speed-up", "[report][convergence]") {
  std::vector<reports::CellData> cells{
      cell("base", 1, {2, 2}, 0, curve({5, 4, 3, 2.5})),
      cell("fast", 1, {2, 2}, 0, curve({4, 2.8, 2.4, 2.2}, 2000)),
      cell("slow", 1, {2, 2}, 0, curve({6, 5, 4, 3})),
  };
  const auto a = reports::analyze(cells);
  const auto& base = entry(a.convergence, "base");
  CHECK(base.at("target").as_double() == 2.5);
  CHECK(base.at("baseline_steps_to_target").as_int64() == 400);
  CHECK(base.at("speedup").as_double() == 1.0);
  const auto& fast = entry(a.convergence, "fast");
  CHECK(fast.at("steps_to_target").as_int64() == 300);
  CHECK(fast.at("tokens_to_target").as_double() == 600000);
  CHECK(fast.at("seconds_to_target").as_double() == 30);
  CHECK(fast.at("speedup").as_double() == Approx(400.0 / 300.0));
  CHECK(fast.at("best").as_double() == Approx(2.2));
  const auto& slow = entry(a.convergence, "slow");
  CHECK(slow.at("steps_to_target").is_null());
  CHECK(slow.at("speedup").is_null());
  // The mean under the curve: trapezoids over steps 100..400.
  CHECK(slow.at("area_under_curve").as_double() == Approx(((6 + 5) / 2.0 + (5 + 4) / 2.0 + (4 + 3) / 2.0) / 3));
  CHECK(reports::mean_under_curve({}, {}) == std::nullopt);
  CHECK(reports::first_reaching({3, 2, 1}, 0.5) == std::nullopt);
}

TEST_CASE("convergence and comparisons against further baselines, for claims that name them", "[report][convergence][baselines]") {
  std::vector<reports::CellData> cells{
      cell("base", 1, {2, 2}, 0, curve({5, 4, 3, 2.5})),
      cell("fast", 1, {3, 2}, 0, curve({4, 2.8, 2.4, 2.2})),
      cell("slow", 1, {1, 2}, 0, curve({6, 5, 4, 3})),
  };
  auto o = options("base");
  o.extra_baselines = {"slow", "base", "slow"};  // the report's own baseline and repeats count once
  const auto a = reports::analyze(cells, o);
  CHECK(a.extra_baselines == std::vector<std::string>{"slow"});
  auto against = [](const json::array& section, const std::string& method, const std::string& baseline) -> const json::object* {
    for (const auto& v : section)
      if (v.at("method") == method.c_str() && v.at("baseline") == baseline.c_str()) return &v.as_object();
    return nullptr;
  };
  // The report's baseline's entries come first, unchanged.
  REQUIRE(a.convergence.size() == 6);
  REQUIRE(a.comparisons.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) CHECK(a.convergence[i].at("baseline") == "base");
  for (std::size_t i = 0; i < 2; ++i) CHECK(a.comparisons[i].at("baseline") == "base");
  CHECK(against(a.convergence, "fast", "base")->at("speedup").as_double() == Approx(400.0 / 300.0));
  // Against slow: its best, 3.0, is the target; slow reaches it at 400, fast at 200, base at 300.
  const json::object* fast = against(a.convergence, "fast", "slow");
  REQUIRE(fast);
  CHECK(fast->at("target").as_double() == 3.0);
  CHECK(fast->at("steps_to_target").as_int64() == 200);
  CHECK(fast->at("speedup").as_double() == 2.0);
  CHECK(against(a.convergence, "base", "slow")->at("speedup").as_double() == Approx(400.0 / 300.0));
  CHECK(against(a.convergence, "slow", "slow")->at("speedup").as_double() == 1.0);
  // Comparisons against slow for the other two, with its own Δ (fr: 3 vs 1 correct of 4, de equal).
  CHECK(against(a.comparisons, "slow", "slow") == nullptr);
  const json::object* cmp = against(a.comparisons, "fast", "slow");
  REQUIRE(cmp);
  CHECK(cmp->at("languages").at("fr").at("delta_bleu").as_double() ==
        Approx(cells[1].languages[0].bleu - cells[2].languages[0].bleu));
  CHECK(cmp->at("languages").at("de").at("delta_bleu").as_double() == 0.0);
  CHECK(against(a.comparisons, "base", "slow") != nullptr);
  // An unknown label is an error naming it, as --baseline's is.
  o.extra_baselines = {"nope"};
  CHECK_THROWS_WITH(reports::analyze(cells, o), Catch::Contains("no method labelled \"nope\""));
}

TEST_CASE("the table, the leaderboards and the HTML compare with the report's baseline; the HTML adds the others' speed-ups", "[report][baselines][html]") {
  std::vector<reports::CellData> cells{
      cell("base", 1, {2, 2}, 0, curve({5, 4, 3, 2.5})),
      cell("fast", 1, {3, 2}, 0, curve({4, 2.8, 2.4, 2.2})),
      cell("slow", 1, {1, 2}, 0, curve({6, 5, 4, 3})),
  };
  for (auto& c : cells) c.result.scorer = {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"}, {"chrf", "chrF2"}};
  auto o = options("base");
  o.extra_baselines = {"slow"};
  const json::object report = reports::build_report(fresh_dir("longtail-test-report-baselines").string(), cells, o);
  CHECK(report.at("settings").at("extra_baselines") == json::array{"slow"});
  const json::object plain = reports::build_report(fresh_dir("longtail-test-report-baselines").string(), cells, options("base"));
  CHECK(plain.at("settings").at("extra_baselines").as_array().empty());
  // What compares with "base" reads as it did without the further baseline.
  CHECK(reports::format_table(report) == reports::format_table(plain));
  CHECK(reports::leaderboard_markdown(report) == reports::leaderboard_markdown(plain));
  const std::string html = reports::report_html(report);
  CHECK(html.find("<th>speedup vs slow</th>") != std::string::npos);
  CHECK(reports::report_html(plain).find("<th>speedup vs") == std::string::npos);
  CHECK(html.find("<td>2.00×</td>") != std::string::npos);  // fast against slow
  // Everything else on the page is the same: the cost table (and its note) is the only difference.
  auto without_cost = [](std::string page) {
    const auto from = page.find("<table class=\"cost\">"), to = page.find("</p>", from);
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    return page.erase(from, to - from);
  };
  CHECK(without_cost(html) == without_cost(reports::report_html(plain)));
}

namespace {

// diagnostics of a cell with one BASE layer of 3 experts, as the cell writes them.
json::object routing(const json::array& fr, const json::array& de, const json::array& load, double entropy, double rounds) {
  return {{"expert_load", {{"decoder_base.0", load}}},
          {"expert_usage", {{"decoder_base.0", {{"fr", fr}, {"de", de}}}}},
          {"routing_entropy", {{"decoder_base.0", entropy}}},
          {"auction_iterations", {{"decoder_base.0", rounds}}}};
}

}  // namespace

TEST_CASE("experts: per layer the language × expert shares, load and specialisation, over seeds", "[report][experts]") {
  std::vector<reports::CellData> cells{cell("dense", 1, {2, 2}), cell("base", 1, {2, 2}), cell("base", 2, {2, 2})};
  for (auto& c : cells) c.result.scorer = {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"}, {"chrf", "chrF2"}};
  cells[1].file = "runs/x/base/seed1/result.json";
  cells[2].file = "runs/x/base/seed2/result.json";
  cells[1].result.training->diagnostics = routing({60, 30, 10}, {0, 10, 30}, {60, 40, 40}, 0.5, 10);
  // Seed 2 routes the same way through differently numbered experts: its 0, 1, 2 are seed 1's 1, 2, 0.
  cells[2].result.training->diagnostics = routing({30, 10, 60}, {10, 30, 0}, {40, 40, 60}, 0.7, 12);
  const auto a = reports::analyze(cells);
  REQUIRE(a.experts.size() == 1);  // the dense cells have no BASE layers
  const auto& e = a.experts[0].as_object();
  CHECK(e.at("method") == "base");
  CHECK(e.at("seeds") == json::array{1, 2});
  const auto& l = e.at("layers").at("decoder_base.0").as_object();
  CHECK(l.at("experts").as_int64() == 3);
  // Experts in the canonical order: fr's largest share first, then fr's next, then de's.
  CHECK(l.at("expert_order") == json::array{json::array{0, 1, 2}, json::array{2, 0, 1}});
  auto near = [](const json::value& v, std::vector<double> want) {
    REQUIRE(v.as_array().size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(v.as_array()[i].to_number<double>() == Approx(want[i]));
  };
  // Aligned, the two seeds agree; averaged by raw index they would blur to fr [0.45, 0.2, 0.35].
  near(l.at("usage").at("fr"), {0.6, 0.3, 0.1});
  near(l.at("usage").at("de"), {0.0, 0.25, 0.75});
  near(l.at("load_share"), {60.0 / 140, 40.0 / 140, 40.0 / 140});
  CHECK(l.at("tokens").at("fr").as_double() == 100);
  CHECK(l.at("tokens").at("de").as_double() == 40);
  // Total-variation distance of each language's row from the overall load.
  const double tv_fr = 0.5 * (std::fabs(0.6 - 3.0 / 7) + std::fabs(0.3 - 2.0 / 7) + std::fabs(0.1 - 2.0 / 7));
  const double tv_de = 0.5 * (3.0 / 7 + std::fabs(0.25 - 2.0 / 7) + std::fabs(0.75 - 2.0 / 7));
  CHECK(l.at("specialisation").at("fr").as_double() == Approx(tv_fr));
  CHECK(l.at("specialisation").at("de").as_double() == Approx(tv_de));
  CHECK(l.at("mean_specialisation").as_double() == Approx((tv_fr + tv_de) / 2));
  CHECK(l.at("routing_entropy").as_double() == Approx(0.6));
  CHECK(l.at("auction_iterations").as_double() == Approx(11));

  // report.json carries the section; the HTML draws one shaded table per system and layer.
  const json::object report = reports::build_report(fresh_dir("longtail-test-report-experts").string(), cells, {});
  REQUIRE(report.at("experts").as_array().size() == 1);
  CHECK(report.at("experts").as_array()[0] == a.experts[0]);
  const std::string html = reports::report_html(report);
  CHECK(html.find("<h3>Expert usage</h3>") != std::string::npos);
  CHECK(html.find("base · decoder_base.0 (2 seeds)</caption>") != std::string::npos);
  CHECK(html.find("color:#fff\">60%</td>") != std::string::npos);  // fr's largest share, the darkest cell
  CHECK(html.find(fmt::format("<td>{:.3f}</td>", tv_de)) != std::string::npos);
  json::object dense_only = report;
  dense_only["experts"] = json::array{};
  CHECK(reports::report_html(dense_only).find("Expert usage") == std::string::npos);
  dense_only.erase("experts");  // a report written before the section
  CHECK(reports::report_html(dense_only).find("Expert usage") == std::string::npos);

  // A language routed like every other has specialisation 0.
  cells[1].result.training->diagnostics = routing({30, 20, 20}, {30, 20, 20}, {60, 40, 40}, 0.5, 10);
  cells.pop_back();
  const auto flat = reports::analyze(cells).experts[0].at("layers").at("decoder_base.0");
  CHECK(flat.at("specialisation").at("fr").as_double() == Approx(0).margin(1e-12));

  // Malformed diagnostics name the result.json and the JSON path.
  cells[1].result.training->diagnostics = routing({30, 20}, {30, 20, 20}, {60, 40, 40}, 0.5, 10);
  CHECK_THROWS_WITH(reports::analyze(cells), Catch::Contains("runs/x/base/seed1/result.json") &&
                                                 Catch::Contains("$.diagnostics.expert_usage.decoder_base.0.de"));
  cells[1].result.training->diagnostics = routing({30, 20, 20}, {30, 20, 20}, {60, 40}, 0.5, 10);
  CHECK_THROWS_WITH(reports::analyze(cells), Catch::Contains("$.diagnostics.expert_load.decoder_base.0"));
}

TEST_CASE("forgetting within a run", "[report][forgetting]") {
  // fr's dev loss dips at step 200 then rises: it forgets 0.5; de only improves.
  auto c = cell("m", 1, {2, 2, 2, 2}, 0, curve({3, 2, 2.5}));
  c.dev_curve[2].lang_loss = {{"fr", 2.5 - 0.5 + 0.5}, {"de", 2.5}};
  c.dev_curve[1].lang_loss = {{"fr", 1.5}, {"de", 2.5}};
  c.dev_curve[0].lang_loss = {{"fr", 2.5}, {"de", 3.5}};
  const auto a = reports::analyze({c});
  const auto& within = a.forgetting.at("within_run").as_array();
  const auto& w = entry(within, "m", 0);
  CHECK(w.at("languages").at("fr").at("best").as_double() == 1.5);
  CHECK(w.at("languages").at("fr").at("best_step").as_int64() == 200);
  CHECK(w.at("languages").at("fr").at("forgetting").as_double() == Approx(1.0));
  CHECK(w.at("languages").at("de").at("forgetting").as_double() == 0);
  CHECK(w.at("mean_forgetting").as_double() == Approx(0.5));
  CHECK_FALSE(a.forgetting.contains("across_stages"));  // the transitions are `stages` now
  CHECK(a.stages.empty());                              // one stage: nothing to compare
}

namespace {

// A continual stage cell: `correct` as cell() takes it, trained on the languages of `trained`.
reports::CellData stage_cell(const std::string& method, int seed, const std::vector<int>& correct, int64_t stage,
                             const std::set<std::string>& trained) {
  auto c = cell(method, seed, correct, stage);
  for (auto& l : c.languages) l.trained = trained.count(l.code) > 0;
  return c;
}

const json::object& transition(const json::array& stages, const std::string& method, int64_t from) {
  for (const auto& v : stages)
    if (v.at("method") == method.c_str() && v.at("from_stage").to_number<int64_t>() == from) return v.as_object();
  FAIL("no stages entry " << method << " from stage " << from);
  throw;
}

}  // namespace

TEST_CASE("stages: per language Δ, before/after and trained; gains, forgetting, backward transfer and their split",
          "[report][stages]") {
  // Stage 0 (the base) trains every language. Stage 1 trains fr: fr better, gl (not trained)
  // worse. Stage 2 trains gl: it recovers, the others stay.
  std::vector<reports::CellData> cells{stage_cell("m", 1, {2, 2, 2, 2}, 0, {"fr", "de", "gl", "kk"}),
                                       stage_cell("m", 1, {4, 2, 0, 2}, 1, {"fr"}),
                                       stage_cell("m", 1, {4, 2, 2, 2}, 2, {"gl"}),
                                       // Another method whose one update trains every language.
                                       stage_cell("all", 1, {2, 2, 2, 2}, 0, {"fr", "de", "gl", "kk"}),
                                       stage_cell("all", 1, {3, 1, 2, 2}, 1, {"fr", "de", "gl", "kk"})};
  const auto a = reports::analyze(cells);
  REQUIRE(a.stages.size() == 3);
  const double bleu0_fr = cells[0].languages[0].bleu, bleu1_fr = cells[1].languages[0].bleu;
  const double d_fr = bleu1_fr - bleu0_fr;
  const double d_gl = cells[1].languages[2].bleu - cells[0].languages[2].bleu;
  const double d_gl2 = cells[2].languages[2].bleu - cells[1].languages[2].bleu;
  REQUIRE(d_fr > 0);
  REQUIRE(d_gl < 0);
  REQUIRE(d_gl2 > 0);

  const auto& s01 = transition(a.stages, "m", 0);
  CHECK(s01.at("dataset") == "d");
  CHECK(s01.at("imbalance") == "natural");
  CHECK(s01.at("to_stage").as_int64() == 1);
  const auto& fr = s01.at("languages").at("fr").as_object();
  CHECK(fr.at("bleu_before").as_double() == Approx(bleu0_fr));
  CHECK(fr.at("bleu_after").as_double() == Approx(bleu1_fr));
  CHECK(fr.at("delta_bleu").as_double() == Approx(d_fr));
  CHECK(fr.at("significant").as_bool());
  CHECK(fr.at("p_value").as_double() <= 0.05);
  CHECK(fr.at("trained").as_bool());
  CHECK_FALSE(s01.at("languages").at("gl").at("trained").as_bool());
  CHECK(s01.at("languages").at("gl").at("significant").as_bool());
  // de and kk decode the same in both stages: Δ 0, not significant.
  CHECK(s01.at("languages").at("de").at("delta_bleu").as_double() == 0);
  CHECK_FALSE(s01.at("languages").at("de").at("significant").as_bool());
  CHECK(s01.at("languages_scored").as_int64() == 4);
  CHECK(s01.at("improved").as_int64() == 1);                      // fr
  CHECK(s01.at("degraded").as_int64() == 1);                      // gl
  CHECK(s01.at("gains").as_double() == 0.25);                     // fr of 4 languages
  CHECK(s01.at("forgetting").as_double() == Approx(-d_gl));        // mean |Δ| over those that got worse
  CHECK(s01.at("backward_transfer").as_double() == Approx((d_fr + d_gl) / 4));
  // The split: the trained fr improved and lost nothing; of the three others none improved, gl lost.
  CHECK(s01.at("gains_trained").as_double() == 1.0);
  CHECK(s01.at("gains_untrained").as_double() == 0.0);
  CHECK(s01.at("forgetting_trained").as_double() == 0.0);
  CHECK(s01.at("forgetting_untrained").as_double() == Approx(-d_gl));

  const auto& s12 = transition(a.stages, "m", 1);
  CHECK(s12.at("to_stage").as_int64() == 2);
  CHECK(s12.at("languages").at("gl").at("bleu_before").as_double() == Approx(cells[1].languages[2].bleu));
  CHECK(s12.at("languages").at("gl").at("delta_bleu").as_double() == Approx(d_gl2));
  CHECK(s12.at("languages").at("gl").at("trained").as_bool());
  CHECK_FALSE(s12.at("languages").at("fr").at("trained").as_bool());
  CHECK(s12.at("improved").as_int64() == 1);
  CHECK(s12.at("degraded").as_int64() == 0);
  CHECK(s12.at("gains").as_double() == 0.25);
  CHECK(s12.at("forgetting").as_double() == 0.0);  // nothing got worse
  CHECK(s12.at("gains_trained").as_double() == 1.0);
  CHECK(s12.at("forgetting_untrained").as_double() == 0.0);
  // Stage 2 against where each language was first scored (stage 0): gl is back, fr kept its gain.
  CHECK(s12.at("backward_transfer").as_double() == Approx(d_fr / 4));

  // Every language trained: nothing to split off, so the untrained figures are null.
  const auto& all = transition(a.stages, "all", 0);
  CHECK(all.at("gains_untrained").is_null());
  CHECK(all.at("forgetting_untrained").is_null());
  CHECK(all.at("gains_trained") == all.at("gains"));
  CHECK(all.at("forgetting_trained") == all.at("forgetting"));
  CHECK(all.at("forgetting").as_double() == Approx(cells[3].languages[1].bleu - cells[4].languages[1].bleu));
}

TEST_CASE("stages of a continual run read from disk: the shared base, the languages each stage trained",
          "[report][stages]") {
  const fs::path root = fresh_dir("longtail-test-report-stages");
  // Stage 0 of `proportional` (the base method) is stage 0 of the update method `full`.
  auto write_stage = [&](const std::string& label, int64_t stage, const std::vector<std::string>& trained) {
    const std::string id = "gettext/natural/" + label + "/seed1/stage" + std::to_string(stage);
    const fs::path dir = root / id;
    records::CellResult r;
    r.dataset = "gettext", r.imbalance = "natural", r.method = label, r.seed = 1, r.ok = true;
    r.config = config(label, 1);
    r.config->cell.id = id;
    r.config->cell.stage = stage;
    r.config->cell.grid_index = stage;
    r.config->stage.enabled = true;
    for (const auto& l : trained) r.config->stage.train[l] = {{0, 10}};
    if (stage == 0) r.config->stage.update_methods = {"full"};
    else r.config->stage.init_from = "gettext/natural/proportional/seed1/stage0";
    r.corpus_fingerprint = "abc", r.git_commit = "123";
    r.scorer = {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"}, {"chrf", "nrefs:1"}};
    int i = 0;
    for (const auto& l : kLangs) {
      const double b = 30 - 5 * i++ + (stage > 0 && l == "gl" ? 2 : 0);
      records::LanguageResult lr;
      lr.bleu = b, lr.chrf = b + 10, lr.dev_loss = 3.0, lr.train_pairs = 100, lr.natural_pairs = 100;
      lr.splits.emplace_back("test", records::SplitScores{b, b + 10, 40});
      r.languages.emplace_back(l, lr);
      write_lines(records::hyps_file(dir.string(), l, "test"), output(40, stage > 0 && l == "gl" ? 3 : 2, 1));
      write_lines(records::refs_file(root.string(), "gettext", l, "test"), references(40));
    }
    r.training = records::TrainingFigures{};
    r.training->device = "cpu";
    fs::create_directories(dir);
    records::write_cell_result((dir / "result.json").string(), r);
  };
  write_stage("proportional", 0, kLangs);
  write_stage("full", 1, {"gl"});
  const auto cells = reports::load_run(root.string());
  REQUIRE(cells.size() == 2);
  CHECK(cells[0].method == "full");  // the base, labelled as the update method that starts from it
  CHECK(cells[0].stage == 0);
  for (const auto& l : cells[0].languages) CHECK(l.trained);
  for (const auto& l : cells[1].languages) CHECK(l.trained == (l.code == "gl"));

  const auto report = reports::build_report(root.string(), cells, {});
  CHECK_FALSE(report.at("forgetting").as_object().contains("across_stages"));
  const auto& stages = report.at("stages").as_array();
  REQUIRE(stages.size() == 1);
  const auto& s = stages[0].as_object();
  CHECK(s.at("method") == "full");
  CHECK(s.at("from_stage").as_int64() == 0);
  CHECK(s.at("to_stage").as_int64() == 1);
  CHECK(s.at("languages").at("gl").at("trained").as_bool());
  CHECK(s.at("languages").at("gl").at("delta_bleu").as_double() == Approx(2.0));
  CHECK(s.at("languages").at("gl").at("bleu_before").as_double() == Approx(20.0));
  CHECK_FALSE(s.at("languages").at("fr").at("trained").as_bool());
  CHECK(s.at("languages").at("fr").at("delta_bleu").as_double() == 0);
  CHECK(s.at("gains_trained") == s.at("improved").to_number<double>());  // gl alone: 0 or 1
  CHECK(s.at("forgetting_untrained").as_double() == 0.0);
  // The report's other renderers show it: the leaderboards' stage table, the HTML heatmap.
  CHECK(reports::leaderboard_markdown(report).find("## gettext, imbalance natural: continual stages") != std::string::npos);
  CHECK(reports::report_html(report).find("<h2>gettext · natural · stages</h2>") != std::string::npos);
}

TEST_CASE("cost: tokens, time and the step-time ratio against the baseline", "[report][cost]") {
  auto base = cell("base", 1, {2}, 0, curve({3, 2}));
  auto slow = cell("slow", 1, {2}, 0, curve({3, 2}));
  for (auto& p : slow.dev_curve) p.seconds *= 3;  // three times the training seconds per step
  base.tokens = 1000, slow.tokens = 2000;
  const auto a = reports::analyze({base, slow});
  const auto& s = entry(a.cost, "slow");
  CHECK(s.at("tokens").as_double() == 2000);
  CHECK(s.at("step_time_ratio").as_double() == Approx(3.0));
  CHECK(entry(a.cost, "base").at("step_time_ratio").as_double() == 1.0);
  CHECK(s.at("devices").as_array().size() == 1);
}

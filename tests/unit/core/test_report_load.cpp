// Reading a run for the report (reports/run_data.cpp) the fast way gives what the plain way gives:
// per-segment statistics scored many cells at a time equal the scorer's on each file alone,
// metrics.jsonl train lines scanned without a JSON value give the same curve and errors, the
// first error in cell order is the one reported, and the analysis does not depend on the number
// of threads (reports/parallel.h).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "eval/scorer/bleu.h"
#include "harness/common/fs_util.h"
#include "harness/common/options.h"
#include "harness/records/cell_result.h"
#include "harness/records/run_layout.h"
#include "harness/train/train_options.h"
#include "reports/report.h"
#include "reports/run_data.h"

using namespace longtail;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kLangs = {"fr", "gl", "kk"};
constexpr int kSegments = 20;

std::string reference(const std::string& lang, int i) {
  return "the " + lang + " cat number " + std::to_string(i) + " sat on the mat near house " + std::to_string(i % 7) + ".";
}

// A system output of cell `salt`: some segments right, some partly, some empty or very short.
std::string hypothesis(const std::string& lang, int i, int salt) {
  switch ((i + salt) % 5) {
    case 0: return reference(lang, i);
    case 1: return "the " + lang + " dog number " + std::to_string(i) + " sat near the house";
    case 2: return "";
    case 3: return "cat";
    default: return "a mat , near house " + std::to_string((i + salt) % 7) + " the cat sat";
  }
}

void write_lines(const fs::path& p, const std::vector<std::string>& lines) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  for (const auto& l : lines) f << l << "\n";
}

fs::path cell_dir(const fs::path& root, const std::string& method, int seed) {
  return root / "gettext" / "natural" / method / ("seed" + std::to_string(seed));
}

// A cell as the grid leaves it: result.json (its languages scored on `splits`), hyps/, the run's refs/.
void write_cell(const fs::path& root, const std::string& method, int seed, int64_t grid_index,
                const std::vector<std::string>& splits = {"test"}) {
  const fs::path dir = cell_dir(root, method, seed);
  records::CellConfig c;
  c.cell = {"t", "gettext", "natural", "", method, seed, "gettext/natural/" + method + "/seed" + std::to_string(seed), grid_index};
  c.method = method;
  c.model = model::resolve_model(json::object{{"config", "tiny"}}, "$.model");
  c.train = Options(resolve_options(train::train_options(), {}, "$.train"));
  c.eval = Options(resolve_options(train::eval_options(), {}, "$.eval"));
  c.data.languages = kLangs;
  c.data.natural_pairs = {{"fr", 9000}, {"gl", 700}, {"kk", 300}};
  c.data.train_pairs = c.data.natural_pairs;
  records::CellResult r;
  r.dataset = "gettext", r.imbalance = "natural", r.method = method, r.seed = seed;
  r.ok = true;
  r.config = c;
  r.training = records::TrainingFigures{};
  for (const auto& l : kLangs) {
    records::LanguageResult lr;
    lr.bleu = 20, lr.chrf = 40, lr.train_pairs = lr.natural_pairs = c.data.natural_pairs.at(l);
    for (const auto& s : splits) lr.splits.emplace_back(s, records::SplitScores{20, 40, kSegments});
    r.languages.emplace_back(l, lr);
    std::vector<std::string> hyps, refs;
    for (int i = 0; i < kSegments; ++i) hyps.push_back(hypothesis(l, i, int(grid_index))), refs.push_back(reference(l, i));
    write_lines(records::hyps_file(dir.string(), l, "test"), hyps);
    write_lines(records::refs_file(root.string(), "gettext", l, "test"), refs);
  }
  fs::create_directories(dir);
  records::write_cell_result((dir / "result.json").string(), r);
}

// 7 methods × 10 seeds: more cells than one scorer call takes (64).
fs::path seventy_cells(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / name;
  fs::remove_all(root);
  int64_t index = 0;
  for (const std::string m : {"proportional", "temperature", "uniform", "unimax", "cooldown", "pcgrad", "gradvac"})
    for (int seed = 1; seed <= 10; ++seed) write_cell(root, m, seed, index++);
  return root;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("load_run: segment statistics of many cells at once equal the scorer's on each file", "[report][load]") {
  const fs::path root = seventy_cells("longtail-test-report-load");
  const auto cells = reports::load_run(root.string());
  REQUIRE(cells.size() == 70);
  const eval::Bleu bleu;
  std::size_t compared = 0;
  for (const auto& c : cells) {
    REQUIRE(c.languages.size() == kLangs.size());
    for (const auto& l : c.languages) {
      const auto hyps = read_lines(records::hyps_file(fs::path(c.file).parent_path().string(), l.code, "test"));
      const auto refs = read_lines(records::refs_file(root.string(), "gettext", l.code, "test"));
      const eval::SegmentStats alone = eval::segment_stats_table(bleu.segment_stats(hyps, {refs}));
      CHECK(l.bleu_segments.num_stats == alone.num_stats);
      CHECK(l.bleu_segments.values == alone.values);
      ++compared;
    }
  }
  CHECK(compared == 210);

  // Invalid UTF-8 in one output: the error the scorer gives that file alone.
  const fs::path bad = records::hyps_file(cell_dir(root, "uniform", 4).string(), "gl", "test");
  auto lines = read_lines(bad.string());
  lines[3] = "caf\xC3";
  write_lines(bad, lines);
  const std::string alone = error_of([&] {
    bleu.segment_stats(lines, {read_lines(records::refs_file(root.string(), "gettext", "gl", "test"))});
  });
  CHECK(alone != "(no error)");
  CHECK(error_of([&] { reports::load_run(root.string()); }) == alone);
}

TEST_CASE("load_run: metrics.jsonl train lines give the dev curve and tokens a full parse gives", "[report][load]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-report-metrics";
  fs::remove_all(root);
  write_cell(root, "uniform", 1, 0);
  const fs::path metrics = cell_dir(root, "uniform", 1) / "metrics.jsonl";
  // Compact lines as the trainer writes them; numbers that a plain double parse can get one unit
  // in the last place wrong; keys in another order; nested objects; a dev line between.
  write_lines(metrics, {
      R"({"step":10,"kind":"train","loss":7.1,"lang_loss":{"fr":7.0,"gl":null},"tokens":25000,"elapsed_s":0.30000000000000004})",
      R"({"step":20,"kind":"train","lang_frac":{"fr":0.5},"epochs":{"fr":[1,2]},"tokens":50000,"elapsed_s":8.589973e-06})",
      R"({"step":20,"kind":"dev","lang_loss":{"fr":6.5,"gl":7.25,"kk":null}})",
      "",
      R"({"elapsed_s":2.2250738585072014e-308,"tokens":75000.5,"kind":"train","step":30})",
      R"({"kind":"train","step":40,"method":{"kind":"dev","tokens":"not these"}})",
      R"({"step":40,"kind":"dev","lang_loss":{"fr":6.0}})",
  });
  const auto curve = reports::read_dev_curve(metrics.string());
  REQUIRE(curve.size() == 2);
  CHECK(curve[0].step == 20);
  CHECK(curve[0].tokens == 50000);
  CHECK(curve[0].seconds == std::strtod("8.589973e-06", nullptr));
  CHECK(curve[0].lang_loss.size() == 2);
  CHECK(curve[0].lang_loss.at("gl") == 7.25);
  CHECK(curve[1].tokens == 75000.5);  // step 40 has no tokens of its own: step 30's carry over
  CHECK(curve[1].seconds == std::strtod("2.2250738585072014e-308", nullptr));
  // Tokens trained: the last train line's "tokens", or none when it has none (then tokens/s × wall).
  auto cells = reports::load_run(root.string());
  CHECK(cells[0].tokens == 0.0);
  write_lines(metrics, {R"({"step":10,"kind":"train","tokens":1234567,"elapsed_s":1.5})"});
  cells = reports::load_run(root.string());
  CHECK(cells[0].tokens == 1234567.0);

  // What the scan does not vouch for goes through the full parse, with its errors.
  write_lines(metrics, {R"({"step":10,"kind":"train","tokens":"many"})"});
  CHECK_THROWS_WITH(reports::read_dev_curve(metrics.string()), Catch::Contains("tokens") && Catch::Contains("expected a number"));
  write_lines(metrics, {R"({"step":10,"kind":"train","tokens":1})", R"({"step":20,"kind":"train","tokens":)"});
  CHECK_THROWS_WITH(reports::read_dev_curve(metrics.string()),
                    Catch::Contains("metrics.jsonl:2") && Catch::Contains("not a JSON object"));
  write_lines(metrics, {R"(["kind","train"])"});
  CHECK_THROWS_WITH(reports::read_dev_curve(metrics.string()), Catch::Contains("expected a JSON object"));
  write_lines(metrics, {R"({"step":10,"kind":"train","tokens":1} x)"});
  CHECK_THROWS_WITH(reports::read_dev_curve(metrics.string()), Catch::Contains("not a JSON object"));
}

TEST_CASE("load_run: the error reported is the first a loop over the cells in path order meets", "[report][load]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-report-first-error";
  fs::remove_all(root);
  write_cell(root, "cooldown", 1, 0);                       // paths sort: cooldown, temperature, uniform
  write_cell(root, "temperature", 1, 1, {"dev", "test"});
  write_cell(root, "uniform", 1, 2);
  // uniform (last): a corrupt metrics.jsonl; temperature: kk's outputs missing.
  write_lines(cell_dir(root, "uniform", 1) / "metrics.jsonl", {"{"});
  fs::remove(records::hyps_file(cell_dir(root, "temperature", 1).string(), "kk", "test"));
  CHECK_THROWS_WITH(reports::load_run(root.string()), Catch::Contains("temperature/seed1/hyps/kk.test.txt"));
  // Within a cell, language order: gl's outputs (second) before kk's missing test scores (third).
  write_cell(root, "temperature", 1, 1, {"dev", "test"});
  fs::remove(records::hyps_file(cell_dir(root, "temperature", 1).string(), "gl", "test"));
  {
    auto r = records::read_cell_result((cell_dir(root, "temperature", 1) / "result.json").string());
    r.languages[2].second.splits.resize(1);  // kk: dev only
    records::write_cell_result((cell_dir(root, "temperature", 1) / "result.json").string(), r);
  }
  CHECK_THROWS_WITH(reports::load_run(root.string()), Catch::Contains("hyps/gl.test.txt"));
  write_cell(root, "temperature", 1, 1);
  CHECK_THROWS_WITH(reports::load_run(root.string()), Catch::Contains("uniform/seed1/metrics.jsonl:1"));
  // The references gone: every cell needs them; the first cell's (cooldown) language names them.
  write_lines(cell_dir(root, "uniform", 1) / "metrics.jsonl", {});
  fs::remove(records::refs_file(root.string(), "gettext", "fr", "test"));
  CHECK_THROWS_WITH(reports::load_run(root.string()), Catch::Contains("refs/fr.test.txt"));
}

TEST_CASE("report: the same numbers on one thread and on several", "[report][load]") {
  const fs::path root = seventy_cells("longtail-test-report-threads");
  auto report_on = [&](const char* threads) {
    setenv("LONGTAIL_REPORT_THREADS", threads, 1);
    auto r = reports::build_report(root.string());
    unsetenv("LONGTAIL_REPORT_THREADS");
    r.erase("generated_at");
    return json::serialize(r);
  };
  const std::string one = report_on("1"), three = report_on("3");
  CHECK(one.size() > 10000);
  CHECK(one == three);
}

// The regression check (reports/check.h) on the example report: against itself, against doctored
// leaderboards (a raised mean regresses, a tolerance or a stricter alpha forgives it), per
// language, against a store export, and the errors (nothing in common, other splits).
#include <catch2/catch.hpp>

#include "example_report.h"
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/check.h"
#include "reports/store.h"

using namespace longtail;
using namespace longtail::reports;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

json::object example() { return test::example_report(); }

CheckOptions opts(double tolerance = 0, double alpha = 0.05, bool per_language = false) {
  CheckOptions o;
  o.tolerance = tolerance;
  o.alpha = alpha;
  o.per_language = per_language;
  o.report_path = "runs/new/report.json";
  o.leaderboard_path = "boards/old.json";
  return o;
}

// summary[i]'s group (or language) bleu_mean raised by `by`: the new run looks that much worse.
json::object raised(const std::string& what, size_t i, double by, bool group = true) {
  json::object b = example();
  json::object& e = b.at("summary").as_array()[i].as_object();
  json::object& m = e.at(group ? "groups" : "languages").as_object().at(what).as_object();
  m["bleu_mean"] = m.at("bleu_mean").as_double() + by;
  return b;
}

std::vector<const CheckRow*> regressed_rows(const CheckResult& r) {
  std::vector<const CheckRow*> out;
  for (const CheckRow& row : r.rows)
    if (row.regressed) out.push_back(&row);
  return out;
}

}  // namespace

TEST_CASE("check: a run against itself regresses nothing", "[check]") {
  const json::object r = example();
  const CheckResult res = check_against(r, r, opts());
  CHECK(res.rows.size() == 6 * 3);  // 6 entries × groups all/high/low
  CHECK(res.regressed == 0);
  for (const CheckRow& row : res.rows) {
    CHECK(row.delta == 0.0);
    CHECK(row.p == Approx(0.5));  // z = 0
    CHECK(row.old_se == 0.3);
  }
  CHECK(res.only_in_run.empty());
  CHECK(res.only_in_leaderboard.empty());
  CHECK_THAT(format_check_table(res), Catch::Contains("0 of 18 means regressed"));
  CHECK_THAT(format_check_table(res), !Catch::Contains("REGRESSED"));
}

TEST_CASE("check: a clearly better leaderboard mean is a regression of exactly that row", "[check]") {
  const json::object r = example();
  const json::object board = raised("low", 2, 5.0);  // natural/uniform, low group, 5 BLEU better
  const CheckResult res = check_against(r, board, opts());
  const auto bad = regressed_rows(res);
  REQUIRE(bad.size() == 1);
  CHECK(res.regressed == 1);
  CHECK(bad[0]->key() == "gettext/natural/uniform/stage0");
  CHECK(bad[0]->what == "low");
  CHECK(bad[0]->delta == Approx(-5.0));
  REQUIRE(bad[0]->z);
  CHECK(*bad[0]->z == Approx(5.0 / std::sqrt(0.09 + 0.09)));
  CHECK(bad[0]->p < 1e-10);
  // The table marks that row and only it; the JSON says the same.
  const std::string table = format_check_table(res);
  size_t marked = 0;
  for (size_t pos = table.find("REGRESSED"); pos != std::string::npos; pos = table.find("REGRESSED", pos + 1)) ++marked;
  CHECK(marked == 1);
  const size_t line_start = table.rfind('\n', table.find("REGRESSED")) + 1;
  CHECK(table.substr(line_start, 30).find("gettext/natural/uniform/stage0") == 0);
  const json::object j = check_to_json(res);
  CHECK(j.at("regressed").as_int64() == 1);
  CHECK(j.at("compared").as_int64() == 18);
  int flagged = 0;
  for (const auto& row : j.at("rows").as_array())
    if (row.at("regressed").as_bool()) {
      ++flagged;
      CHECK(row.at("method") == "uniform");
      CHECK(row.at("what") == "low");
    }
  CHECK(flagged == 1);
  // The other way round (the run is better than the leaderboard) is no regression.
  CHECK(check_against(board, r, opts()).regressed == 0);
}

TEST_CASE("check: tolerance and alpha forgive a small drop", "[check]") {
  const json::object r = example();
  // 1 BLEU worse with se 0.3 on both sides: z = 1/0.424 = 2.36, p = 0.009.
  const json::object board = raised("all", 4, 1.0);
  const CheckResult strict = check_against(r, board, opts());
  REQUIRE(strict.regressed == 1);
  CHECK(regressed_rows(strict)[0]->p == Approx(0.00921).epsilon(0.01));
  // Tolerance 0.5: the drop beyond it is 0.5 BLEU, z = 1.18, not significant.
  const CheckResult tol = check_against(r, board, opts(0.5));
  CHECK(tol.regressed == 0);
  for (const CheckRow& row : tol.rows)
    if (row.what == "all" && row.method == "temperature" && row.imbalance == "exponential") {
      CHECK(*row.z == Approx(0.5 / std::sqrt(0.18)));
    }
  // Tolerance 2: no drop beyond it at all.
  CHECK(check_against(r, board, opts(2.0)).regressed == 0);
  // alpha 0.001: p = 0.009 is not enough.
  CHECK(check_against(r, board, opts(0, 0.001)).regressed == 0);
  CHECK_THROWS_AS(check_against(r, board, opts(0, 1.5)), ConfigError);
  CHECK_THROWS_AS(check_against(r, board, opts(-1)), ConfigError);
}

TEST_CASE("check: --per-language adds a row per common language", "[check]") {
  const json::object r = example();
  const json::object board = raised("kk", 1, 4.0, /*group=*/false);
  const CheckResult groups_only = check_against(r, board, opts());
  CHECK(groups_only.rows.size() == 18);
  CHECK(groups_only.regressed == 0);
  const CheckResult langs = check_against(r, board, opts(0, 0.05, true));
  CHECK(langs.rows.size() == 18 + 6 * 6);
  const auto bad = regressed_rows(langs);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0]->what == "kk");
  CHECK_FALSE(bad[0]->is_group);
  CHECK(bad[0]->key() == "gettext/natural/temperature/stage0");
  CHECK(*bad[0]->z == Approx(4.0 / std::sqrt(0.5)));  // language se 0.5 on both sides
}

TEST_CASE("check: a leaderboard with nothing in common is an error naming it", "[check]") {
  const json::object r = example();
  json::object board = example();
  for (auto& e : board.at("summary").as_array()) e.as_object()["dataset"] = "flores";
  try {
    check_against(r, board, opts());
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::StartsWith("boards/old.json"));
    CHECK_THAT(msg, Catch::Contains("gettext/natural/proportional/stage0"));
    CHECK_THAT(msg, Catch::Contains("flores/exponential/uniform/stage0"));
  }
  // Partly in common: compared where possible, the rest listed.
  json::object part = example();
  part.at("summary").as_array()[0].as_object()["dataset"] = "flores";
  const CheckResult res = check_against(r, part, opts());
  CHECK(res.rows.size() == 5 * 3);
  CHECK(res.only_in_run == std::vector<std::string>{"gettext/natural/proportional/stage0"});
  CHECK(res.only_in_leaderboard == std::vector<std::string>{"flores/natural/proportional/stage0"});
}

TEST_CASE("check: other splits, other schemas and missing standard errors are errors", "[check]") {
  const json::object r = example();
  json::object dev = example();
  dev.at("settings").as_object()["split"] = "dev";
  CHECK_THROWS_WITH(check_against(r, dev, opts()), Catch::Contains("boards/old.json") && Catch::Contains("dev split"));
  json::object v1 = example();
  v1["schema"] = "longtail-report-v1";
  CHECK_THROWS_WITH(check_against(r, v1, opts()), Catch::Contains("boards/old.json: $.schema"));
  json::object no_se = example();
  no_se.at("summary").as_array()[1].at("groups").at("high").as_object().erase("bleu_se");
  CHECK_THROWS_WITH(check_against(r, no_se, opts()), Catch::Contains("boards/old.json: $.summary[1].groups.high.bleu_se"));
}

TEST_CASE("check: without noise any drop beyond the tolerance regresses", "[check]") {
  json::object r = example(), board = example();
  for (json::object* doc : {&r, &board})
    for (auto& e : doc->at("summary").as_array())
      for (auto& g : e.at("groups").as_object()) g.value().as_object()["bleu_se"] = 0.0;
  json::object& m = board.at("summary").as_array()[0].at("groups").at("high").as_object();
  m["bleu_mean"] = m.at("bleu_mean").as_double() + 0.01;
  const CheckResult res = check_against(r, board, opts());
  REQUIRE(res.regressed == 1);
  CHECK_FALSE(regressed_rows(res)[0]->z);
  CHECK(regressed_rows(res)[0]->p == 0.0);
  CHECK(check_to_json(res).at("rows").as_array()[1].at("z").is_null());
  CHECK(check_against(r, board, opts(0.02)).regressed == 0);
}

TEST_CASE("check: against a store export of the same run nothing regresses", "[check]") {
  const fs::path dir = fs::temp_directory_path() / ("longtail-test-check-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string db = (dir / "s.sqlite").string();
  const json::object r = example();
  store_report(db, r);
  const json::object board = export_leaderboard(db);
  const CheckResult res = check_against(r, board, opts(0, 0.05, true));
  CHECK(res.rows.size() == 54);
  CHECK(res.regressed == 0);
  for (const CheckRow& row : res.rows) {
    CHECK(std::abs(row.delta) < 1e-9);
    CHECK(row.old_se == Approx(row.new_se).epsilon(1e-12));
  }
  fs::remove_all(dir);
}

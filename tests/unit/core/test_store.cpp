// The results store (reports/store.h): a report stored and exported gives the report's summary
// back; re-storing replaces; a failed store changes nothing; schema versions; the latest row per
// seed when runs overlap; filters; concurrent writers.
#include <catch2/catch.hpp>

#include "example_report.h"
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/seed_stats.h"
#include "reports/store.h"

using namespace longtail;
using namespace longtail::reports;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

json::object example() { return test::example_report(); }

// A fresh directory per test (tests run in random order, maybe in parallel processes).
fs::path temp_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  fs::path d = fs::temp_directory_path() /
               ("longtail-test-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// One value of an SQL query (text), through the C API as a user's sqlite3 would see it.
std::string sql_value(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::string out = "<no row>";
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(s, 0);
    out = t ? reinterpret_cast<const char*>(t) : "<null>";
  }
  REQUIRE((rc == SQLITE_ROW || rc == SQLITE_DONE));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return out;
}

const json::object* find_entry(const json::object& doc, const json::object& key) {
  for (const auto& v : doc.at("summary").as_array()) {
    const json::object& e = v.as_object();
    if (e.at("dataset") == key.at("dataset") && e.at("imbalance") == key.at("imbalance") &&
        e.at("method") == key.at("method") && e.at("stage") == key.at("stage"))
      return &e;
  }
  return nullptr;
}

void check_close(const json::value& got, const json::value& want, const std::string& what) {
  INFO(what);
  if (want.is_null()) {
    CHECK(got.is_null());
  } else if (want.is_array()) {
    REQUIRE(got.is_array());
    REQUIRE(got.as_array().size() == want.as_array().size());
    for (size_t i = 0; i < want.as_array().size(); ++i)
      CHECK(std::abs(got.as_array()[i].to_number<double>() - want.as_array()[i].to_number<double>()) <= 1e-9);
  } else if (want.is_number()) {
    REQUIRE(got.is_number());
    CHECK(std::abs(got.to_number<double>() - want.to_number<double>()) <= 1e-9);
  } else {
    CHECK(got == want);
  }
}

// Every statistic of every language and group of `want`'s summary entry `key` equals `got`'s.
void check_entry(const json::object& got, const json::object& want) {
  const std::string where = json::serialize(want.at("dataset")) + "/" + json::serialize(want.at("imbalance")) + "/" +
                            json::serialize(want.at("method"));
  check_close(got.at("seeds"), want.at("seeds"), where + " seeds");
  REQUIRE(got.at("languages").as_object().size() == want.at("languages").as_object().size());
  for (const auto& lv : want.at("languages").as_object()) {
    const json::object& g = got.at("languages").at(lv.key()).as_object();
    for (const auto& f : lv.value().as_object()) check_close(g.at(f.key()), f.value(), where + " " + std::string(lv.key()) + "." + std::string(f.key()));
  }
  for (const char* grp : {"all", "high", "low"}) {
    const json::object& g = got.at("groups").at(grp).as_object();
    for (const auto& f : want.at("groups").at(grp).as_object())
      check_close(g.at(f.key()), f.value(), where + " groups." + grp + "." + std::string(f.key()));
  }
}

}  // namespace

TEST_CASE("store: a stored report exports its own summary", "[store]") {
  const fs::path dir = temp_dir("roundtrip");
  const std::string db = (dir / "nested" / "deeper" / "longtail.sqlite").string();  // parents created
  const json::object r = example();
  const StoreCounts n = store_report(db, r);
  CHECK(n.cells == 19);
  CHECK(n.failed_cells == 1);
  CHECK(n.result_rows == 18 * 6);
  CHECK(store_row_count(db, "results") == 18 * 6);
  CHECK(store_row_count(db, "runs") == 1);
  CHECK(store_row_count(db, "group_summaries") == 6 * 3);
  CHECK(sql_value(db, "select value from meta where key = 'schema_version'") == "1");
  // The failed cell: no result rows, but kept in the run's report JSON.
  CHECK(sql_value(db, "select count(*) from results where seed = 4") == "0");
  CHECK(sql_value(db, "select instr(report, 'loss is NaN at step 812') > 0 from runs") == "1");
  CHECK(sql_value(db, "select failed_cells || '/' || cells from runs") == "1/19");
  // Provenance and per-row standard error columns.
  CHECK(sql_value(db, "select count(distinct config_sha256) from results") == "1");
  std::string cd;
  for (int i = 0; i < 32; ++i) cd += "cd";
  CHECK(sql_value(db, "select config_sha256 from results limit 1") == cd);
  CHECK(sql_value(db, "select git_commit || ' ' || device || ' ' || torch_version || ' ' || steps || ' ' || tokens "
                      "from results limit 1") == "dea5794063cb cpu 1.13.0 500 845037");
  CHECK(sql_value(db, "select count(*) from results where grp = 'low'") == "54");
  CHECK(sql_value(db, "select count(*) from results where bleu_se = 0.5 and bleu_se_seeds = 3") == "108");
  CHECK(sql_value(db, "select distinct split from results") == "test");
  CHECK(sql_value(db, "select substr(stored_at, 11, 1) || substr(stored_at, -1) from results limit 1") == "TZ");

  const json::object board = export_leaderboard(db);
  CHECK(board.at("schema") == "longtail-leaderboard-v1");
  CHECK(board.at("settings").at("split") == "test");
  CHECK(board.at("source").at("db").as_string() == db);
  REQUIRE(board.at("summary").as_array().size() == r.at("summary").as_array().size());
  // Same order as the report.
  for (size_t i = 0; i < r.at("summary").as_array().size(); ++i) {
    const json::object& want = r.at("summary").as_array()[i].as_object();
    const json::object& got = board.at("summary").as_array()[i].as_object();
    CHECK(got.at("method") == want.at("method"));
    CHECK(got.at("imbalance") == want.at("imbalance"));
    check_entry(got, want);
    CHECK(got.at("run_dirs") == json::array{"/runs/example"});
  }
}

TEST_CASE("store: the export gives the report's bleu_se even below what its seeds allow", "[store]") {
  // A report whose standard error is smaller than std/√k (n·se² < std²: no test-set variance fits):
  // recombining would give std/√k; the export of that one run must still give the report's value.
  const fs::path dir = temp_dir("small-se");
  const std::string db = (dir / "s.sqlite").string();
  json::object r = example();
  json::object& e = r.at("summary").as_array()[3].as_object();
  e.at("languages").at("fr").as_object()["bleu_se"] = 0.01;
  e.at("groups").at("low").as_object()["bleu_se"] = 0.001;
  REQUIRE(e.at("languages").at("fr").at("bleu_std").as_double() / std::sqrt(3.0) > 0.01);
  store_report(db, r);
  CHECK(sql_value(db, "select count(*) from results where bleu_se = 0.01 and bleu_test_var = 0") == "3");
  const json::object board = export_leaderboard(db);
  const json::object& got = board.at("summary").as_array()[3].as_object();
  CHECK(got.at("languages").at("fr").at("bleu_se").as_double() == 0.01);
  CHECK(got.at("groups").at("low").at("bleu_se").as_double() == 0.001);
  CHECK(got.at("groups").at("high").at("bleu_se").as_double() == 0.3);
}

TEST_CASE("store: re-storing a run replaces its rows", "[store]") {
  const fs::path dir = temp_dir("restore");
  const std::string db = (dir / "s.sqlite").string();
  json::object r = example();
  store_report(db, r);
  store_report(db, r);
  CHECK(store_row_count(db, "results") == 108);
  CHECK(store_row_count(db, "runs") == 1);
  CHECK(store_row_count(db, "group_summaries") == 18);
  // A changed report under the same run_dir: the new numbers, not the old ones and not both.
  json::object& fr = r.at("cells").as_array()[0].as_object().at("languages").as_object().at("fr").as_object();
  fr["bleu"] = 99.0;
  store_report(db, r);
  CHECK(store_row_count(db, "results") == 108);
  CHECK(sql_value(db, "select count(*) from results where bleu = 99.0") == "1");
  // Another run_dir adds.
  r["run_dir"] = "/runs/example-2";
  store_report(db, r);
  CHECK(store_row_count(db, "results") == 216);
  CHECK(store_row_count(db, "runs") == 2);
}

TEST_CASE("store: a malformed cell in the middle leaves the database as it was", "[store]") {
  const fs::path dir = temp_dir("rollback");
  const std::string db = (dir / "s.sqlite").string();
  const json::object good = example();
  store_report(db, good);
  const json::object before = export_leaderboard(db);
  const std::string stored_at = sql_value(db, "select stored_at from runs");

  json::object bad = good;  // same run_dir: the store deletes the old rows first, then fails on cells[9]
  bad.at("cells").as_array()[9].as_object().at("languages").as_object().at("gl").as_object()["bleu"] = "high";
  try {
    store_report(db, bad, "runs/example/report.json");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("runs/example/report.json: $.cells[9].languages.gl.bleu"));
    CHECK_THAT(e.what(), Catch::Contains("expected a number"));
  }
  CHECK(store_row_count(db, "results") == 108);
  CHECK(store_row_count(db, "runs") == 1);
  CHECK(store_row_count(db, "group_summaries") == 18);
  CHECK(sql_value(db, "select stored_at from runs") == stored_at);
  json::object after = export_leaderboard(db);
  CHECK(after.at("summary") == before.at("summary"));

  // A duplicate ok cell is refused the same way.
  json::object dup = good;
  dup["run_dir"] = "/runs/dup";
  dup.at("cells").as_array().push_back(dup.at("cells").as_array()[3]);
  CHECK_THROWS_WITH(store_report(db, dup), Catch::Contains("$.cells[19]") && Catch::Contains("a second ok cell"));
  CHECK(store_row_count(db, "runs") == 1);

  // The first store into a new file failing leaves no results store behind to speak of.
  const std::string fresh = (dir / "fresh.sqlite").string();
  CHECK_THROWS_AS(store_report(fresh, bad), ConfigError);
  CHECK_THROWS_AS(store_row_count(fresh, "results"), ConfigError);
}

TEST_CASE("store: another schema_version is an error naming the file", "[store]") {
  const fs::path dir = temp_dir("version");
  const std::string db = (dir / "old.sqlite").string();
  store_report(db, example());
  sql_value(db, "update meta set value = '7' where key = 'schema_version'");
  CHECK_THROWS_WITH(store_report(db, example()), Catch::Contains(db) && Catch::Contains("schema_version 7"));
  CHECK_THROWS_WITH(export_leaderboard(db), Catch::Contains(db) && Catch::Contains("schema_version 7"));
  // Not an SQLite file at all, and a database of something else.
  const std::string text = (dir / "notes.sqlite").string();
  { std::ofstream(text) << "these are not the results you are looking for\n"; }
  CHECK_THROWS_WITH(store_report(text, example()), Catch::Contains(text));
  const std::string other = (dir / "other.sqlite").string();
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(other.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, "create table t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
  CHECK_THROWS_WITH(store_report(other, example()), Catch::Contains(other) && Catch::Contains("not a longtail results store"));
}

TEST_CASE("store: the leaderboard takes the latest row per seed and recombines standard errors", "[store]") {
  const fs::path dir = temp_dir("latest");
  const std::string db = (dir / "s.sqlite").string();
  const json::object a = example();
  store_report(db, a);
  // A later run re-does natural/proportional seed 1 only, 1 BLEU better everywhere, with its own
  // one-seed summary (bleu_se 0.7: test-set variance 0.49).
  json::object b = a;
  b["run_dir"] = "/runs/redo";
  json::array cells;
  for (const auto& c : a.at("cells").as_array())
    if (c.at("imbalance") == "natural" && c.at("method") == "proportional" && c.at("seed") == 1) cells.push_back(c);
  REQUIRE(cells.size() == 1);
  for (auto& l : cells[0].as_object().at("languages").as_object())
    l.value().as_object()["bleu"] = l.value().at("bleu").to_number<double>() + 1.0;
  b["cells"] = cells;
  json::object entry = a.at("summary").as_array()[0].as_object();  // natural/proportional
  REQUIRE(entry.at("method") == "proportional");
  entry["seeds"] = json::array{1};
  for (auto& l : entry.at("languages").as_object()) {
    l.value().as_object()["bleu_se"] = 0.7;
    l.value().as_object()["bleu_std"] = nullptr;
  }
  for (auto& g : entry.at("groups").as_object()) {
    g.value().as_object()["bleu_se"] = 0.7;
    g.value().as_object()["bleu_std"] = nullptr;
  }
  b["summary"] = json::array{entry};
  store_report(db, b);

  const json::object board = export_leaderboard(db);
  REQUIRE(board.at("summary").as_array().size() == 6);
  const json::object& mixed = board.at("summary").as_array()[0].as_object();
  CHECK(mixed.at("run_dirs") == json::array{"/runs/example", "/runs/redo"});
  const json::object& fr_a = a.at("summary").as_array()[0].at("languages").at("fr").as_object();
  std::vector<double> v;
  for (const auto& c : a.at("cells").as_array())
    if (c.at("imbalance") == "natural" && c.at("method") == "proportional")
      v.push_back(c.at("languages").at("fr").at("bleu").to_number<double>() + (c.at("seed") == 1 ? 1.0 : 0.0));
  const SeedStats s = seed_stats(v);
  const json::object& fr = mixed.at("languages").at("fr").as_object();
  CHECK(fr.at("bleu_mean").as_double() == Approx(s.mean).epsilon(1e-12));
  CHECK(fr.at("bleu_mean").as_double() == Approx(fr_a.at("bleu_mean").as_double() + 1.0 / 3).epsilon(1e-12));
  CHECK(fr.at("bleu_std").as_double() == Approx(*s.std).epsilon(1e-12));
  // se² = (std² + mean test-set variance) / 3; report a's variance is 3·0.5² − std_a², b's 0.7².
  const double var_a = 3 * 0.25 - std::pow(fr_a.at("bleu_std").as_double(), 2);
  const double want_se = std::sqrt((*s.std * *s.std + (2 * var_a + 0.49) / 3) / 3);
  CHECK(fr.at("bleu_se").as_double() == Approx(want_se).epsilon(1e-12));
  // Entries no later run touched are the report's own.
  for (size_t i = 1; i < 6; ++i) check_entry(board.at("summary").as_array()[i].as_object(), a.at("summary").as_array()[i].as_object());

  // Filters.
  StoreQuery only_redo;
  only_redo.run_dir = "/runs/redo";
  const json::object redo = export_leaderboard(db, only_redo);
  REQUIRE(redo.at("summary").as_array().size() == 1);
  CHECK(redo.at("summary").as_array()[0].at("seeds") == json::array{1});
  CHECK(redo.at("summary").as_array()[0].at("languages").at("fr").at("bleu_se").as_double() == 0.7);
  CHECK(redo.at("summary").as_array()[0].at("languages").at("fr").at("bleu_std").is_null());
  StoreQuery uniform;
  uniform.method = "uniform";
  uniform.suite = "example";
  CHECK(export_leaderboard(db, uniform).at("summary").as_array().size() == 2);
  StoreQuery none;
  none.suite = "no-such-suite";
  CHECK_THROWS_WITH(export_leaderboard(db, none), Catch::Contains(db) && Catch::Contains("no stored results match"));
  StoreQuery dev;
  dev.split = "dev";
  CHECK_THROWS_AS(export_leaderboard(db, dev), ConfigError);
}

TEST_CASE("store: runs of two splits need a choice; stale results are left out", "[store]") {
  const fs::path dir = temp_dir("split");
  const std::string db = (dir / "s.sqlite").string();
  json::object a = example();
  a.at("cells").as_array()[0].as_object()["stale"] = json::array{"git_commit"};
  store_report(db, a);
  json::object d = example();
  d["run_dir"] = "/runs/dev";
  d.at("settings").as_object()["split"] = "dev";
  store_report(db, d);
  CHECK_THROWS_WITH(export_leaderboard(db), Catch::Contains("dev, test") && Catch::Contains("--split"));
  StoreQuery test;
  test.split = "test";
  const json::object board = export_leaderboard(db, test);
  CHECK(board.at("settings").at("split") == "test");
  // cells[0] (natural/proportional seed 1) is stale: two seeds left there.
  CHECK(board.at("summary").as_array()[0].at("seeds") == json::array{2, 3});
  test.include_stale = true;
  CHECK(export_leaderboard(db, test).at("summary").as_array()[0].at("seeds") == json::array{1, 2, 3});
}

TEST_CASE("store: a missing store and a report of another schema are errors", "[store]") {
  const fs::path dir = temp_dir("missing");
  const std::string db = (dir / "none.sqlite").string();
  CHECK_THROWS_WITH(export_leaderboard(db), Catch::Contains(db) && Catch::Contains("no such results store"));
  CHECK_FALSE(fs::exists(db));
  json::object r = example();
  r["schema"] = "longtail-report-v1";
  CHECK_THROWS_WITH(store_report(db, r, "x/report.json"), Catch::Contains("x/report.json: $.schema"));
}

TEST_CASE("store: concurrent writers all get stored", "[store]") {
  const fs::path dir = temp_dir("concurrent");
  const std::string db = (dir / "s.sqlite").string();
  const json::object r = example();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      json::object mine = r;
      mine["run_dir"] = "/runs/writer-" + std::to_string(t);
      for (int k = 0; k < 3; ++k) {
        try {
          store_report(db, mine);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(store_row_count(db, "runs") == 4);
  CHECK(store_row_count(db, "results") == 4 * 108);
}

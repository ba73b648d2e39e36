#include "reports/store.h"

#include "reports/aggregate_key.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "harness/common/fs_util.h"
#include "harness/common/json_fields.h"
#include "harness/common/options.h"
#include "harness/common/version.h"
#include "reports/seed_stats.h"

namespace longtail::reports {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Several drivers may store at once; a writer waits this long for another's transaction.
constexpr int kBusyTimeoutMs = 60000;

const char* const kCreateTables = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_dir TEXT NOT NULL UNIQUE,
  suite TEXT NOT NULL,
  generated_by TEXT,
  split TEXT NOT NULL,
  settings TEXT NOT NULL,
  cells INTEGER NOT NULL,
  failed_cells INTEGER NOT NULL,
  result_rows INTEGER NOT NULL,
  stored_at TEXT NOT NULL,
  report TEXT NOT NULL);
CREATE TABLE results (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  run_dir TEXT NOT NULL,
  suite TEXT NOT NULL,
  dataset TEXT NOT NULL,
  imbalance TEXT NOT NULL,
  method TEXT NOT NULL,
  stage INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  language TEXT NOT NULL,
  grp TEXT NOT NULL CHECK (grp IN ('high', 'low')),
  split TEXT NOT NULL,
  bleu REAL NOT NULL,
  chrf REAL NOT NULL,
  dev_loss REAL,
  train_pairs INTEGER NOT NULL,
  natural_pairs INTEGER NOT NULL,
  bleu_se REAL,
  bleu_se_seeds INTEGER,
  bleu_test_var REAL,
  stale INTEGER NOT NULL DEFAULT 0,
  git_commit TEXT,
  corpus_fingerprint TEXT,
  config_sha256 TEXT,
  device TEXT,
  torch_version TEXT,
  steps INTEGER,
  tokens INTEGER,
  wall_time_s REAL,
  stored_at TEXT NOT NULL,
  UNIQUE (run_id, dataset, imbalance, method, stage, seed, language, split));
CREATE INDEX results_key ON results (dataset, imbalance, method, stage, seed, language);
CREATE INDEX results_run_dir ON results (run_dir);
CREATE TABLE group_summaries (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  run_dir TEXT NOT NULL,
  dataset TEXT NOT NULL,
  imbalance TEXT NOT NULL,
  method TEXT NOT NULL,
  stage INTEGER NOT NULL,
  split TEXT NOT NULL,
  grp TEXT NOT NULL CHECK (grp IN ('all', 'high', 'low')),
  seeds TEXT NOT NULL,
  languages INTEGER NOT NULL,
  bleu_mean REAL,
  bleu_std REAL,
  bleu_se REAL,
  bleu_test_var REAL,
  UNIQUE (run_id, dataset, imbalance, method, stage, grp));
CREATE INDEX group_summaries_run_dir ON group_summaries (run_dir);
)sql";

// ---- a thin RAII layer over the C API; every error names the database file ----

class Db {
 public:
  Db(const std::string& path, bool writable) : path_(path) {
    const int flags = writable ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READONLY;
    const int rc = sqlite3_open_v2(path.c_str(), &h_, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = h_ ? sqlite3_errmsg(h_) : sqlite3_errstr(rc);
      sqlite3_close_v2(h_);
      h_ = nullptr;
      throw ConfigError(path, "cannot open the results store: " + msg);
    }
    sqlite3_busy_timeout(h_, kBusyTimeoutMs);
  }
  ~Db() { sqlite3_close_v2(h_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return h_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& doing) const {
    throw ConfigError(path_, fmt::format("SQLite error while {}: {}", doing, sqlite3_errmsg(h_)));
  }
  void exec(const char* sql, const std::string& doing) {
    char* err = nullptr;
    if (sqlite3_exec(h_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : sqlite3_errmsg(h_);
      sqlite3_free(err);
      throw ConfigError(path_, fmt::format("SQLite error while {}: {}", doing, msg));
    }
  }

 private:
  std::string path_;
  sqlite3* h_ = nullptr;
};

class Stmt {
 public:
  Stmt(Db& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &s_, nullptr) != SQLITE_OK) db.fail("preparing a statement");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)), *this; }
  Stmt& bind(int i, int64_t v) { return check(sqlite3_bind_int64(s_, i, v)), *this; }
  Stmt& bind_null(int i) { return check(sqlite3_bind_null(s_, i)), *this; }
  template <class T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }

  // true while there is a row; false when done.
  bool step(const std::string& doing) {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(doing);
  }
  void run(const std::string& doing) {
    while (step(doing)) {
    }
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  double real(int c) const { return sqlite3_column_double(s_, c); }
  std::optional<double> opt_real(int c) const { return is_null(c) ? std::nullopt : std::optional<double>(real(c)); }
  std::optional<int64_t> opt_i64(int c) const { return is_null(c) ? std::nullopt : std::optional<int64_t>(i64(c)); }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) db_.fail("binding a value");
  }
  Db& db_;
  sqlite3_stmt* s_ = nullptr;
};

bool has_table(Db& db, const char* name) {
  Stmt s(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
  s.bind(1, std::string(name));
  s.step("reading the tables");
  return s.i64(0) > 0;
}

// Checks meta.schema_version; on a new (empty) database with `create`, creates the tables.
void check_or_create_schema(Db& db, bool create) {
  if (has_table(db, "meta")) {
    Stmt s(db, "SELECT value FROM meta WHERE key = 'schema_version'");
    const std::string v = s.step("reading meta.schema_version") ? s.text(0) : std::string("(none)");
    if (v != std::to_string(kStoreSchemaVersion))
      throw ConfigError(db.path(), fmt::format("results store schema_version {}; this longtail reads and writes "
                                               "schema_version {} (store into a new file, or convert this one)",
                                               v, kStoreSchemaVersion));
    return;
  }
  Stmt n(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  n.step("reading the tables");
  if (n.i64(0) > 0)
    throw ConfigError(db.path(), "an SQLite database with tables but no meta table: not a longtail results store");
  if (!create) throw ConfigError(db.path(), "an empty database, not a longtail results store; `longtail store add` fills one");
  db.exec(kCreateTables, "creating the tables");
  Stmt m(db, "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)");
  m.bind(1, std::to_string(kStoreSchemaVersion)).run("writing meta.schema_version");
}

std::string utc_now_iso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, int(ms));
}

// ---- reading the report ----

std::optional<std::string> opt_string(const json::object& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) throw ConfigError(where + "." + key, "expected a string");
  return std::string(it->value().get_string());
}

std::optional<double> opt_number(const json::object& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_number()) throw ConfigError(where + "." + key, "expected a number or null");
  return it->value().to_number<double>();
}

std::optional<int64_t> opt_int(const json::object& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  return json_fields::need_int(o, key, where);
}

using json_fields::as_object;
using json_fields::need_array;

// The suite of a report: a name, or the names of several suites joined with ",".
std::string suite_text(const json::object& report, const std::string& where) {
  const json::value& v = json_fields::need(report, "suite", where);
  if (v.is_string()) return std::string(v.get_string());
  std::string out;
  if (v.is_array()) {
    for (const auto& x : v.get_array()) {
      if (!x.is_string()) throw ConfigError(where + ".suite", "expected a string or an array of strings");
      out += (out.empty() ? "" : ",") + std::string(x.get_string());
    }
    return out;
  }
  throw ConfigError(where + ".suite", "expected a string or an array of strings");
}

using Key = AggregateKey;


// The standard error the report gives one aggregate, with what it takes to recombine it.
struct SeInfo {
  std::set<int64_t> seeds;
  std::optional<double> se, std, test_var;
};

SeInfo se_info(const json::object& stats, const std::set<int64_t>& seeds, const std::string& where) {
  SeInfo info;
  info.seeds = seeds;
  info.se = opt_number(stats, "bleu_se", where);
  info.std = opt_number(stats, "bleu_std", where);
  if (info.se) {
    if (*info.se < 0) throw ConfigError(where + ".bleu_se", "expected a number >= 0");
    SeedStats s;
    s.n = seeds.size();
    s.std = info.std;
    info.test_var = measurement_variance_from_se(s, *info.se);
  }
  return info;
}

struct GroupInfo {
  SeInfo se;
  int64_t languages = 0;
  std::optional<double> bleu_mean;
};

struct SummaryEntry {
  std::set<int64_t> seeds;
  std::map<std::string, SeInfo> languages;
  std::map<std::string, GroupInfo> groups;  // all, high, low
};

std::map<Key, SummaryEntry> read_summary(const json::object& report, const std::string& where) {
  std::map<Key, SummaryEntry> out;
  auto it = report.find("summary");
  if (it == report.end()) return out;
  if (!it->value().is_array()) throw ConfigError(where + ".summary", "expected an array");
  const json::array& summary = it->value().get_array();
  for (size_t i = 0; i < summary.size(); ++i) {
    const std::string w = fmt::format("{}.summary[{}]", where, i);
    const json::object& e = as_object(summary[i], w);
    SummaryEntry entry;
    const json::array& seeds = need_array(e, "seeds", w);
    for (size_t j = 0; j < seeds.size(); ++j) {
      if (!seeds[j].is_int64() && !seeds[j].is_uint64()) throw ConfigError(fmt::format("{}.seeds[{}]", w, j), "expected an integer");
      entry.seeds.insert(seeds[j].to_number<int64_t>());
    }
    if (entry.seeds.empty()) throw ConfigError(w + ".seeds", "expected at least one seed");
    for (const auto& kv : json_fields::need_object(e, "languages", w)) {
      const std::string lw = w + ".languages." + std::string(kv.key());
      entry.languages[std::string(kv.key())] = se_info(as_object(kv.value(), lw), entry.seeds, lw);
    }
    if (auto g = e.find("groups"); g != e.end()) {
      for (const auto& kv : as_object(g->value(), w + ".groups")) {
        const std::string gw = w + ".groups." + std::string(kv.key());
        const std::string name(kv.key());
        if (name != "all" && name != "high" && name != "low") throw ConfigError(gw, "expected a group all, high or low");
        const json::object& gs = as_object(kv.value(), gw);
        entry.groups[name] = {se_info(gs, entry.seeds, gw), opt_int(gs, "languages", gw).value_or(0),
                              opt_number(gs, "bleu_mean", gw)};
      }
    }
    const Key k = read_aggregate_key(e, w);
    if (!out.emplace(k, std::move(entry)).second) throw ConfigError(w, "a second summary entry for " + key_text(k));
  }
  return out;
}

}  // namespace

StoreCounts store_report(const std::string& db_path, const json::object& report, const std::string& source_in) {
  std::string source = source_in;
  if (source.empty()) {
    auto it = report.find("run_dir");
    source = (it != report.end() && it->value().is_string()) ? std::string(it->value().get_string()) + "/report.json"
                                                              : std::string("report.json");
  }
  const std::string where = source + ": $";
  const std::string schema = json_fields::need_string(report, "schema", where);
  if (schema != "longtail-report-v2")
    throw ConfigError(where + ".schema", fmt::format("expected \"longtail-report-v2\", got \"{}\"; run `longtail report "
                                                     "RUN_DIR` with this longtail to rewrite the report", schema));
  const std::string run_dir = json_fields::need_string(report, "run_dir", where);
  const std::string suite = suite_text(report, where);
  const std::optional<std::string> generated_by = opt_string(report, "generated_by", where);
  const json::object& settings = json_fields::need_object(report, "settings", where);
  const std::string split = json_fields::need_string(settings, "split", where + ".settings");
  const json::array& cells = need_array(report, "cells", where);
  const std::map<Key, SummaryEntry> summary = read_summary(report, where);

  const fs::path parent = fs::path(db_path).parent_path();
  if (!parent.empty()) make_dirs(parent.string());
  Db db(db_path, /*writable=*/true);
  const std::string stored_at = utc_now_iso();
  db.exec("BEGIN IMMEDIATE", "starting the transaction");
  try {
    check_or_create_schema(db, /*create=*/true);
    for (const char* table : {"results", "group_summaries", "runs"}) {
      const std::string sql = fmt::format("DELETE FROM {} WHERE run_dir = ?1", table);
      Stmt del(db, sql.c_str());
      del.bind(1, run_dir).run("removing the run's earlier rows");
    }
    Stmt run(db,
             "INSERT INTO runs (run_dir, suite, generated_by, split, settings, cells, failed_cells, result_rows, "
             "stored_at, report) VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 0, ?6, ?7)");
    run.bind(1, run_dir).bind(2, suite).bind(3, generated_by).bind(4, split).bind(5, json::serialize(settings));
    run.bind(6, stored_at).bind(7, json::serialize(report)).run("inserting the run");
    const int64_t run_id = sqlite3_last_insert_rowid(db.handle());

    Stmt row(db,
             "INSERT INTO results (run_id, run_dir, suite, dataset, imbalance, method, stage, seed, language, grp, "
             "split, bleu, chrf, dev_loss, train_pairs, natural_pairs, bleu_se, bleu_se_seeds, bleu_test_var, stale, "
             "git_commit, corpus_fingerprint, config_sha256, device, torch_version, steps, tokens, wall_time_s, "
             "stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
             "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)");
    StoreCounts counts;
    std::set<std::tuple<Key, int64_t>> seen;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string w = fmt::format("{}.cells[{}]", where, i);
      const json::object& cell = as_object(cells[i], w);
      const Key key = read_aggregate_key(cell, w);
      const int64_t seed = json_fields::need_int(cell, "seed", w);
      const std::string status = json_fields::need_string(cell, "status", w);
      if (status != "ok" && status != "failed") throw ConfigError(w + ".status", "expected \"ok\" or \"failed\", got \"" + status + "\"");
      ++counts.cells;
      if (status == "failed") {
        ++counts.failed_cells;
        continue;
      }
      if (!seen.emplace(key, seed).second)
        throw ConfigError(w, fmt::format("a second ok cell {} seed {}", key_text(key), seed));
      bool stale = false;
      if (auto s = cell.find("stale"); s != cell.end()) stale = !s->value().is_array() || !s->value().get_array().empty();
      const auto git_commit = opt_string(cell, "git_commit", w);
      const auto fingerprint = opt_string(cell, "corpus_fingerprint", w);
      const auto config_sha = opt_string(cell, "config_sha256", w);
      const auto device = opt_string(cell, "device", w);
      const auto torch_version = opt_string(cell, "torch_version", w);
      const auto steps = opt_int(cell, "steps", w);
      const auto tokens = opt_int(cell, "tokens", w);
      const auto wall = opt_number(cell, "wall_time_s", w);
      const auto se_entry = summary.find(key);
      const json::object& langs = json_fields::need_object(cell, "languages", w);
      for (const auto& kv : langs) {
        const std::string lang(kv.key());
        const std::string lw = w + ".languages." + lang;
        const json::object& l = as_object(kv.value(), lw);
        const std::string grp = json_fields::need_string(l, "group", lw);
        if (grp != "high" && grp != "low") throw ConfigError(lw + ".group", "expected \"high\" or \"low\", got \"" + grp + "\"");
        if (l.find("dev_loss") == l.end()) throw ConfigError(lw, "missing key \"dev_loss\"");
        std::optional<SeInfo> se;
        if (se_entry != summary.end() && se_entry->second.seeds.count(seed)) {
          auto it = se_entry->second.languages.find(lang);
          if (it != se_entry->second.languages.end() && it->second.se) se = it->second;
        }
        row.bind(1, run_id).bind(2, run_dir).bind(3, suite).bind(4, std::get<0>(key)).bind(5, std::get<1>(key));
        row.bind(6, std::get<2>(key)).bind(7, std::get<3>(key)).bind(8, seed).bind(9, lang).bind(10, grp).bind(11, split);
        row.bind(12, json_fields::need_number(l, "bleu", lw)).bind(13, json_fields::need_number(l, "chrf", lw));
        row.bind(14, opt_number(l, "dev_loss", lw));
        row.bind(15, json_fields::need_int(l, "train_pairs", lw)).bind(16, json_fields::need_int(l, "natural_pairs", lw));
        if (se) {
          row.bind(17, *se->se).bind(18, int64_t(se->seeds.size())).bind(19, *se->test_var);
        } else {
          row.bind_null(17).bind_null(18).bind_null(19);
        }
        row.bind(20, int64_t(stale)).bind(21, git_commit).bind(22, fingerprint).bind(23, config_sha);
        row.bind(24, device).bind(25, torch_version).bind(26, steps).bind(27, tokens).bind(28, wall);
        row.bind(29, stored_at);
        row.run("inserting a result row");
        ++counts.result_rows;
      }
    }

    Stmt group(db,
               "INSERT INTO group_summaries (run_id, run_dir, dataset, imbalance, method, stage, split, grp, seeds, "
               "languages, bleu_mean, bleu_std, bleu_se, bleu_test_var) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
               "?11, ?12, ?13, ?14)");
    for (const auto& [key, entry] : summary) {
      for (const auto& [grp, g] : entry.groups) {
        const SeInfo& se = g.se;
        group.bind(1, run_id).bind(2, run_dir).bind(3, std::get<0>(key)).bind(4, std::get<1>(key));
        group.bind(5, std::get<2>(key)).bind(6, std::get<3>(key)).bind(7, split).bind(8, grp);
        group.bind(9, json::serialize(json::value_from(std::vector<int64_t>(se.seeds.begin(), se.seeds.end()))));
        group.bind(10, g.languages).bind(11, g.bleu_mean).bind(12, se.std).bind(13, se.se).bind(14, se.test_var);
        group.run("inserting a group summary");
      }
    }
    Stmt upd(db, "UPDATE runs SET cells = ?1, failed_cells = ?2, result_rows = ?3 WHERE id = ?4");
    upd.bind(1, counts.cells).bind(2, counts.failed_cells).bind(3, counts.result_rows).bind(4, run_id).run("counting the run");
    db.exec("COMMIT", "committing");
    return counts;
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

namespace {

struct Row {
  int64_t run_id = 0, rowid = 0, seed = 0, train_pairs = 0, natural_pairs = 0;
  std::string language, grp, split;
  double bleu = 0, chrf = 0;
  std::optional<double> bleu_se, test_var;
  std::optional<int64_t> se_seeds;
};

struct GroupSe {
  std::set<int64_t> seeds;
  std::optional<double> se, test_var;
};

struct RunInfo {
  std::string run_dir, suite, stored_at, generated_by;
};

Db open_existing(const std::string& db_path) {
  if (!fs::exists(db_path))
    throw ConfigError(db_path, "no such results store; `longtail store add RUN_DIR --db " + db_path + "` creates it");
  return Db(db_path, /*writable=*/false);
}

// The standard error of a mean over seeds. `exact`: one run supplied exactly the seeds its report
// aggregated, so the report's own value holds. Otherwise recombined from each seed's test-set
// variance (every seed must have one), else the plain std/√n.
double combined_se(const SeedStats& s, std::optional<double> exact, const std::vector<std::optional<double>>& test_vars) {
  if (exact) return *exact;
  double sum = 0;
  for (const auto& v : test_vars) {
    if (!v) return seed_standard_error(s, 0);
    sum += *v;
  }
  return seed_standard_error(s, test_vars.empty() ? 0 : sum / double(test_vars.size()));
}

json::object query_json(const StoreQuery& q) {
  return {{"suite", q.suite},   {"dataset", q.dataset}, {"imbalance", q.imbalance}, {"method", q.method},
          {"run_dir", q.run_dir}, {"split", q.split},   {"include_stale", q.include_stale}};
}

}  // namespace

json::object export_leaderboard(const std::string& db_path, const StoreQuery& q) {
  Db db = open_existing(db_path);
  db.exec("BEGIN", "starting a read transaction");  // one consistent snapshot
  check_or_create_schema(db, /*create=*/false);

  Stmt sel(db,
           "SELECT run_id, rowid, dataset, imbalance, method, stage, seed, language, grp, split, bleu, chrf, "
           "train_pairs, natural_pairs, bleu_se, bleu_se_seeds, bleu_test_var FROM results "
           "WHERE (?1 = '' OR instr(',' || suite || ',', ',' || ?1 || ',') > 0) AND (?2 = '' OR dataset = ?2) "
           "AND (?3 = '' OR imbalance = ?3) AND (?4 = '' OR method = ?4) AND (?5 = '' OR run_dir = ?5) "
           "AND (?6 = '' OR split = ?6) AND (?7 OR stale = 0) ORDER BY run_id, rowid");
  sel.bind(1, q.suite).bind(2, q.dataset).bind(3, q.imbalance).bind(4, q.method).bind(5, q.run_dir).bind(6, q.split);
  sel.bind(7, int64_t(q.include_stale));
  // Latest per key × seed × language: rows come in store order, so a later one replaces an earlier one.
  std::map<std::tuple<Key, int64_t, std::string>, Row> latest;
  std::set<std::string> splits;
  while (sel.step("reading results")) {
    Row r;
    r.run_id = sel.i64(0);
    r.rowid = sel.i64(1);
    const Key key{sel.text(2), sel.text(3), sel.text(4), sel.i64(5)};
    r.seed = sel.i64(6);
    r.language = sel.text(7);
    r.grp = sel.text(8);
    r.split = sel.text(9);
    r.bleu = sel.real(10);
    r.chrf = sel.real(11);
    r.train_pairs = sel.i64(12);
    r.natural_pairs = sel.i64(13);
    r.bleu_se = sel.opt_real(14);
    r.se_seeds = sel.opt_i64(15);
    r.test_var = sel.opt_real(16);
    splits.insert(r.split);
    latest[{key, r.seed, r.language}] = r;
  }
  if (latest.empty()) {
    Stmt n(db, "SELECT count(*) FROM results");
    n.step("counting results");
    throw ConfigError(db_path, fmt::format("no stored results match the query {} (the store holds {} result rows)",
                                           json::serialize(query_json(q)), n.i64(0)));
  }
  if (splits.size() > 1)
    throw ConfigError(db_path, fmt::format("results of several splits ({}) match; choose one with --split",
                                           fmt::join(splits, ", ")));

  // Entries in order of first appearance in the store.
  struct Entry {
    std::pair<int64_t, int64_t> first{INT64_MAX, INT64_MAX};
    std::map<int64_t, std::vector<const Row*>> by_seed;  // seed -> rows in store order
    std::vector<std::string> languages;                  // in order of first appearance
  };
  std::map<Key, Entry> entries;
  {
    std::vector<const Row*> rows;
    std::map<const Row*, Key> key_of;
    for (const auto& [k, r] : latest) {
      rows.push_back(&r);
      key_of[&r] = std::get<0>(k);
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row* a, const Row* b) { return std::tie(a->run_id, a->rowid) < std::tie(b->run_id, b->rowid); });
    for (const Row* r : rows) {
      Entry& e = entries[key_of[r]];
      e.first = std::min(e.first, std::make_pair(r->run_id, r->rowid));
      e.by_seed[r->seed].push_back(r);
      if (std::find(e.languages.begin(), e.languages.end(), r->language) == e.languages.end())
        e.languages.push_back(r->language);
    }
  }
  std::vector<std::pair<Key, const Entry*>> order;
  for (const auto& [k, e] : entries) order.emplace_back(k, &e);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second->first < b.second->first; });

  // The runs involved, and their group standard errors.
  std::set<int64_t> run_ids;
  for (const auto& [k, r] : latest) run_ids.insert(r.run_id);
  std::map<int64_t, RunInfo> runs;
  std::map<std::tuple<int64_t, Key, std::string>, GroupSe> group_se;
  {
    Stmt rs(db, "SELECT run_dir, suite, stored_at, generated_by FROM runs WHERE id = ?1");
    Stmt gs(db, "SELECT dataset, imbalance, method, stage, grp, seeds, bleu_se, bleu_test_var FROM group_summaries "
                "WHERE run_id = ?1");
    for (int64_t id : run_ids) {
      rs.bind(1, id);
      if (rs.step("reading runs")) runs[id] = {rs.text(0), rs.text(1), rs.text(2), rs.text(3)};
      rs.run("reading runs");
      gs.bind(1, id);
      while (gs.step("reading group summaries")) {
        GroupSe g;
        const json::value seeds = json::parse(gs.text(5));
        for (const auto& s : seeds.as_array()) g.seeds.insert(s.to_number<int64_t>());
        g.se = gs.opt_real(6);
        g.test_var = gs.opt_real(7);
        group_se[{id, Key{gs.text(0), gs.text(1), gs.text(2), gs.i64(3)}, gs.text(4)}] = g;
      }
      gs.run("reading group summaries");
    }
  }
  db.exec("COMMIT", "ending the read transaction");

  json::array summary;
  for (const auto& [key, e] : order) {
    json::object out{{"dataset", std::get<0>(key)}, {"imbalance", std::get<1>(key)}, {"method", std::get<2>(key)},
                     {"stage", std::get<3>(key)}};
    json::array seeds;
    std::set<int64_t> entry_runs;
    for (const auto& [seed, rows] : e->by_seed) {
      seeds.push_back(seed);
      for (const Row* r : rows) entry_runs.insert(r->run_id);
    }
    out["seeds"] = seeds;

    json::object languages;
    std::map<std::string, std::pair<std::string, int64_t>> lang_group;  // language -> (group, train_pairs)
    for (const std::string& lang : e->languages) {
      std::vector<double> bleu, chrf;
      std::vector<const Row*> rows;
      for (const auto& [seed, seed_rows] : e->by_seed)
        for (const Row* r : seed_rows)
          if (r->language == lang) rows.push_back(r), bleu.push_back(r->bleu), chrf.push_back(r->chrf);
      const SeedStats b = seed_stats(bleu), c = seed_stats(chrf);
      std::optional<double> exact;
      const bool one_run = std::all_of(rows.begin(), rows.end(), [&](const Row* r) { return r->run_id == rows[0]->run_id; });
      if (one_run && rows[0]->bleu_se && rows[0]->se_seeds == int64_t(rows.size())) exact = rows[0]->bleu_se;
      std::vector<std::optional<double>> vars;
      for (const Row* r : rows) vars.push_back(r->test_var);
      json::object l;
      put_seed_stats(l, "bleu", b);
      l["bleu_se"] = combined_se(b, exact, vars);
      put_seed_stats(l, "chrf", c);
      l["train_pairs"] = rows[0]->train_pairs;  // the first seed's (methods may resample per seed)
      l["natural_pairs"] = rows[0]->natural_pairs;
      l["group"] = rows[0]->grp;
      lang_group[lang] = {rows[0]->grp, rows[0]->train_pairs};
      languages[lang] = std::move(l);
    }
    out["languages"] = std::move(languages);

    json::object groups;
    for (const std::string grp : {"all", "high", "low"}) {
      auto in_group = [&](const std::string& lang) { return grp == "all" || lang_group[lang].first == grp; };
      std::vector<double> bleu, chrf;
      std::set<int64_t> group_seeds;
      std::vector<std::optional<double>> vars;
      std::set<int64_t> group_runs;
      for (const auto& [seed, rows] : e->by_seed) {
        double sb = 0, sc = 0, tv = 0;
        int n = 0;
        std::set<int64_t> seed_runs;
        for (const Row* r : rows)
          if (in_group(r->language)) sb += r->bleu, sc += r->chrf, ++n, seed_runs.insert(r->run_id);
        if (n == 0) continue;
        bleu.push_back(sb / n);
        chrf.push_back(sc / n);
        group_seeds.insert(seed);
        group_runs.insert(seed_runs.begin(), seed_runs.end());
        bool known = true;
        for (int64_t id : seed_runs) {
          auto it = group_se.find({id, key, grp});
          if (it == group_se.end() || !it->second.test_var) known = false;
          else tv += *it->second.test_var;
        }
        vars.push_back(known ? std::optional<double>(tv / double(seed_runs.size())) : std::nullopt);
      }
      int64_t n_langs = 0, train_pairs = 0;
      for (const auto& [lang, gt] : lang_group)
        if (in_group(lang)) ++n_langs, train_pairs += gt.second;
      json::object g;
      if (bleu.empty()) {  // an empty group (no low-resource language): zeros, as report.json
        g = {{"bleu_mean", 0.0}, {"bleu_std", nullptr}, {"bleu_ci95", nullptr}, {"bleu_se", 0.0},
             {"chrf_mean", 0.0}, {"chrf_std", nullptr}, {"chrf_ci95", nullptr}};
      } else {
        const SeedStats b = seed_stats(bleu), c = seed_stats(chrf);
        std::optional<double> exact;
        if (group_runs.size() == 1) {
          auto it = group_se.find({*group_runs.begin(), key, grp});
          if (it != group_se.end() && it->second.se && it->second.seeds == group_seeds) exact = it->second.se;
        }
        put_seed_stats(g, "bleu", b);
        g["bleu_se"] = combined_se(b, exact, vars);
        put_seed_stats(g, "chrf", c);
      }
      g["languages"] = n_langs;
      g["train_pairs"] = train_pairs;
      groups[grp] = std::move(g);
    }
    out["groups"] = std::move(groups);
    json::array run_dirs;
    for (int64_t id : entry_runs) run_dirs.push_back(json::value(runs[id].run_dir));
    out["run_dirs"] = std::move(run_dirs);
    summary.push_back(std::move(out));
  }

  json::array run_list;
  for (const auto& [id, r] : runs)
    run_list.push_back(json::object{{"run_dir", r.run_dir}, {"suite", r.suite}, {"stored_at", r.stored_at},
                                    {"generated_by", r.generated_by}});
  return json::object{
      {"schema", "longtail-leaderboard-v1"},
      {"generated_by", fmt::format("longtail {} ({})", longtail_version(), git_commit())},
      {"source", json::object{{"db", db_path}, {"query", query_json(q)}}},
      {"settings", json::object{{"split", *splits.begin()},
                                {"selection", "the latest stored row per dataset, imbalance, method, stage, seed and language"},
                                {"include_stale", q.include_stale}}},
      {"runs", std::move(run_list)},
      {"summary", std::move(summary)}};
}

int64_t store_row_count(const std::string& db_path, const std::string& table) {
  static const std::set<std::string> tables{"runs", "results", "group_summaries", "meta"};
  if (!tables.count(table)) throw std::invalid_argument("store_row_count: no table " + table);
  Db db = open_existing(db_path);
  check_or_create_schema(db, /*create=*/false);
  const std::string sql = "SELECT count(*) FROM " + table;
  Stmt s(db, sql.c_str());
  s.step("counting rows");
  return s.i64(0);
}

}  // namespace longtail::reports

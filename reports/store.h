// The results store: every stored report.json in one SQLite database (runs/longtail.sqlite by
// default), so results accumulate across runs and can be queried with ordinary tools
// (`sqlite3 runs/longtail.sqlite 'select ...'`). docs/results-store.md describes the tables.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace longtail::reports {

inline constexpr int kStoreSchemaVersion = 1;
inline constexpr const char* kDefaultStorePath = "runs/longtail.sqlite";

struct StoreCounts {
  int64_t cells = 0;         // cells of the report
  int64_t failed_cells = 0;  // kept in runs.report only
  int64_t result_rows = 0;   // rows written to `results`
};

// Stores a report (schema longtail-report-v2): one row per ok cell × language in `results`, the
// report's group standard errors in `group_summaries`, and one row in `runs` with the whole report.
// Re-storing the same run_dir replaces that run's rows; everything happens in one transaction, so a
// malformed report (ConfigError naming `source` and the JSON path) leaves the database as it was.
// Creates the database, its parent directories and its tables when missing. `source` names the
// report in messages (default "<report run_dir>/report.json").
StoreCounts store_report(const std::string& db_path, const boost::json::object& report,
                         const std::string& source = {});

struct StoreQuery {
  // Filters; an empty string matches everything. `suite` also matches a report of several suites.
  std::string suite, dataset, imbalance, method, run_dir;
  // The split the rows score; empty takes the only one stored (several: a ConfigError asks for one).
  std::string split;
  // Results the report marked stale (they do not answer their suite any more) are left out unless set.
  bool include_stale = false;
};

// The leaderboard: for each dataset × imbalance × method × stage × seed × language the most recently
// stored row, aggregated over seeds exactly as report.json's summary is (reports/seed_stats.h).
// Returns {"schema": "longtail-leaderboard-v1", "generated_by", "source": {"db", "query"},
// "settings": {"split"}, "runs": [...], "summary": [...]} where every summary entry has the shape
// of report v2's summary entries (plus "run_dirs": where its rows came from). bleu_se is the
// report's own value when one run supplies exactly the seeds its summary aggregated, and otherwise
// recombined from the per-run test-set variance (docs/results-store.md). Throws ConfigError naming
// the file when the database does not exist, has another schema_version, or nothing matches.
boost::json::object export_leaderboard(const std::string& db_path, const StoreQuery& q = {});

// How many rows `table` holds (tests, `longtail store` messages).
int64_t store_row_count(const std::string& db_path, const std::string& table);

}  // namespace longtail::reports

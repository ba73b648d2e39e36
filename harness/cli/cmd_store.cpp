#include "harness/cli/cmd_store.h"

#include <fmt/format.h>

#include <memory>

#include "harness/cli/cmd_check.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/store.h"

namespace longtail::cli {

namespace json = boost::json;

namespace {

void add_store_add(CLI::App* store) {
  auto run_dir = std::make_shared<std::string>();
  auto db = std::make_shared<std::string>(reports::kDefaultStorePath);
  auto* cmd = store->add_subcommand("add", "store a run's report.json (re-storing a run replaces its rows)");
  cmd->add_option("run_dir", *run_dir, "run directory holding report.json (or the report file itself)")->required();
  cmd->add_option("--db", *db, "results store (SQLite)")->capture_default_str();
  cmd->callback([run_dir, db] {
    const std::string path = report_path_of(*run_dir);
    const json::value report = read_json_file(path);
    if (!report.is_object()) throw ConfigError(path + ": $", "expected an object");
    const reports::StoreCounts n = reports::store_report(*db, report.get_object(), path);
    fmt::print("stored {}: {} result rows from {} cells ({} failed) into {}\n", path, n.result_rows, n.cells,
               n.failed_cells, *db);
  });
}

void add_store_export(CLI::App* store) {
  auto q = std::make_shared<reports::StoreQuery>();
  auto db = std::make_shared<std::string>(reports::kDefaultStorePath);
  auto out = std::make_shared<std::string>();
  auto* cmd = store->add_subcommand("export", "the leaderboard: the latest stored result per cell, seed and language, "
                                              "aggregated over seeds as report.json's summary");
  cmd->add_option("--db", *db, "results store (SQLite)")->capture_default_str();
  cmd->add_option("--suite", q->suite, "only runs of this suite");
  cmd->add_option("--dataset", q->dataset, "only this dataset");
  cmd->add_option("--imbalance", q->imbalance, "only this imbalance profile");
  cmd->add_option("--method", q->method, "only this method");
  cmd->add_option("--run-dir", q->run_dir, "only the run stored from this run directory");
  cmd->add_option("--split", q->split, "the split (needed only when the store holds several)");
  cmd->add_flag("--include-stale", q->include_stale, "count results their report marked stale");
  cmd->add_option("--out", *out, "write the leaderboard JSON here (default: stdout)");
  cmd->callback([q, db, out] {
    const json::object board = reports::export_leaderboard(*db, *q);
    if (out->empty()) {
      fmt::print("{}", pretty_json(board));
    } else {
      write_json_file(*out, board);
      fmt::print(stderr, "leaderboard: {} ({} entries)\n", *out, board.at("summary").as_array().size());
    }
  });
}

}  // namespace

void add_store_command(CLI::App& app) {
  auto* store = app.add_subcommand("store", "the results store: results of every run in one SQLite database");
  store->require_subcommand(1);
  add_store_add(store);
  add_store_export(store);
}

}  // namespace longtail::cli

#include "harness/grid/executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "harness/common/progress.h"
#include "harness/grid/collect.h"
#include "harness/grid/datasets.h"
#include "harness/grid/launcher.h"
#include "harness/grid/planner.h"

namespace longtail::grid {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

bool result_ok(const std::string& cell_dir) {
  const std::string path = cell_dir + "/result.json";
  if (!file_exists(path)) return false;
  try {
    return records::read_cell_result(path).ok;
  } catch (const std::exception&) {
    return false;
  }
}

// A changed configuration invalidates a partial run: the cell starts over instead of resuming.
void write_config(const records::CellConfig& config, const std::string& dir) {
  const std::string path = dir + "/config.json";
  const boost::json::value now = to_json(config);
  bool changed = false;
  if (file_exists(path)) {
    try {
      changed = to_json(records::read_cell_config(path)) != now;
    } catch (const std::exception&) {
      changed = true;  // unreadable: start over too
    }
  }
  if (changed) {
    spdlog::warn("{}: configuration changed since the last attempt; starting the cell over", config.cell.id);
    for (const char* stale : {"ckpt", "metrics.jsonl", "hyp_ids", "hyps", "cell.json", "result.json"}) fs::remove_all(dir + "/" + stale);
  }
  write_json_file(path, now);
}

// Plans, launches and collects one cell; returns true when it succeeded.
bool run_one(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& dir, bool echo,
             Launcher& launcher) {
  const auto t0 = Clock::now();
  make_dirs(dir);
  const records::CellConfig config = cell_config(suite, c, p);
  write_config(config, dir);
  const ProcessResult launched = launcher.run({dir, file_exists(dir + "/ckpt/checkpoint.bin"), dir + "/log.txt", echo});
  records::CellResult result = collect_result(config, p, dir, launched, echo);
  result.wall_time_s = std::chrono::duration<double>(Clock::now() - t0).count();
  records::write_cell_result(dir + "/result.json", result);
  return result.ok;
}

}  // namespace

std::string run_dir(const Suite& suite, const SuiteRunOptions& opt) {
  return opt.out_dir.empty() ? default_run_dir(suite) : opt.out_dir;
}

int run_suite(const Suite& suite, const SuiteRunOptions& opt, Launcher* launcher) {
  const std::string out = run_dir(suite, opt);
  auto cells = filter_cells(plan_cells(suite), opt.only);
  if (cells.empty()) throw ConfigError("--only", "no cell of the suite matches the filters");

  if (opt.dry_run) {
    fmt::print("suite {} ({}): {} cells -> {}\n", suite.name, suite.file, cells.size(), out);
    for (const auto& c : cells)
      fmt::print("  {:<60} {}\n", c.id(), result_ok(out + "/" + c.id()) ? "complete" : "pending");
    return 0;
  }

  make_dirs(out);
  std::map<std::string, PreparedData> prepared;  // by dataset label
  for (const auto& c : cells)
    if (!prepared.count(c.dataset->label)) prepared.emplace(c.dataset->label, prepare_data(suite, *c.dataset, out));

  LocalLauncher local;
  Launcher& run_with = launcher ? *launcher : local;
  int64_t done = 0, failed = 0, skipped = 0;
  Progress progress("grid " + suite.name, static_cast<int64_t>(cells.size()), "cells");
  for (const auto& c : cells) {
    const std::string dir = out + "/" + c.id();
    if (result_ok(dir)) {
      ++skipped;
      progress.update(++done, c.id() + " (complete)");
      continue;
    }
    spdlog::info("cell {} -> {}", c.id(), dir);
    if (!run_one(suite, c, prepared.at(c.dataset->label), dir, opt.echo, run_with)) ++failed;
    progress.update(++done, c.id());
  }
  progress.finish(fmt::format("{} run, {} already complete, {} failed", cells.size() - skipped, skipped, failed));
  return failed ? 1 : 0;
}

}  // namespace longtail::grid

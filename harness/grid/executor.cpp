#include "harness/grid/executor.h"
#include "harness/grid/process.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "harness/common/file_lock.h"
#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/common/progress.h"
#include "harness/common/version.h"
#include "harness/grid/completeness.h"
#include "harness/grid/collect.h"
#include "harness/grid/datasets.h"
#include "harness/grid/launcher.h"
#include "harness/grid/planner.h"

namespace longtail::grid {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// The cell's result when it finished well; none when there is none, it failed or is unreadable.
std::optional<records::CellResult> ok_result(const std::string& cell_dir) {
  const std::string path = cell_dir + "/result.json";
  if (!file_exists(path)) return std::nullopt;
  try {
    records::CellResult r = records::read_cell_result(path);
    if (r.ok) return r;
  } catch (const std::exception& e) {
    spdlog::warn("{}: {}; the cell runs again", path, e.what());
  }
  return std::nullopt;
}

// The data a recorded configuration was made with, standing in for preparing it (a dry run
// builds nothing): what differs then comes from the suite alone.
PreparedData recorded_data(const records::CellConfig& c) {
  PreparedData p;
  p.data.languages = c.data.languages;
  p.data.natural = c.data.natural_pairs;
  p.data.corpus.dir = c.data.corpus;
  p.data.corpus.fingerprint = c.data.corpus_fingerprint;
  p.sizes[c.cell.imbalance] = c.data.train_pairs;
  p.shard_dir = c.data.shards;
  p.vocab_dir = fs::path(c.data.vocab).parent_path().string();
  return p;
}

// "complete", "pending", "failed" or "stale: <what changed>", for --dry-run.
std::string dry_status(const Suite& suite, const PlannedCell& c, const std::string& dir, bool allow_other_version) {
  if (auto r = ok_result(dir)) {
    if (!r->config) return "stale: no recorded configuration";
    const auto reasons = stale_reasons(*r, cell_config(suite, c, recorded_data(*r->config)),
                                       Provenance{longtail_version(), git_commit(), "", "", ""}, allow_other_version);
    return reasons.empty() ? "complete" : "stale: " + fmt::format("{}", fmt::join(reasons, "; "));
  }
  return file_exists(dir + "/result.json") ? "failed" : "pending";
}

// A run directory holds one suite's cells: the first run records which (run.json); another suite
// into it is an error naming both.
void claim_run_dir(const std::string& out, const Suite& suite, bool write) {
  const std::string path = out + "/run.json";
  const std::string file = fs::absolute(suite.file).lexically_normal().string();
  if (file_exists(path)) {
    const auto v = read_json_file(path);
    const auto* o = v.if_object();
    const std::string owner = o && o->contains("suite") && o->at("suite").is_string() ? std::string(o->at("suite").as_string()) : "";
    if (owner != suite.name) {
      const std::string owner_file = o && o->contains("suite_file") && o->at("suite_file").is_string()
                                         ? std::string(o->at("suite_file").as_string()) : "?";
      throw ConfigError(out, fmt::format("this run directory belongs to suite \"{}\" ({}), not to suite \"{}\" ({}); "
                                         "give this suite its own --out", owner, owner_file, suite.name, file));
    }
    return;
  }
  if (write) write_json_file(path, boost::json::object{{"schema", "longtail-run-v1"}, {"suite", suite.name}, {"suite_file", file}});
}

// Clears what a cell's earlier attempt left, so it runs from scratch.
void clear_cell(const std::string& dir) {
  for (const char* stale : {"ckpt", "metrics.jsonl", "hyp_ids", "hyps", "cell.json", "result.json", "model.bin"})
    fs::remove_all(dir + "/" + stale);
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
    clear_cell(dir);
  }
  write_json_file(path, now);
}

// A stage's configuration names the model it starts from by content, so that a stage whose
// previous stage was trained again is stale (its result came from another starting point).
records::CellConfig planned_config(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out) {
  records::CellConfig config = cell_config(suite, c, p);
  if (!config.stage.init_from.empty()) {
    const std::string model = out + "/" + config.stage.init_from + "/model.bin";
    config.stage.init_sha256 = file_exists(model) ? sha256_file_hex(model) : "";
  }
  return config;
}

// Plans, launches and collects one cell; returns true when it succeeded. A stage whose previous
// stage has no successful result is recorded as failed without being launched.
bool run_one(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out, bool echo,
             Launcher& launcher) {
  const auto t0 = Clock::now();
  const std::string dir = out + "/" + c.id();
  make_dirs(dir);
  const records::CellConfig config = planned_config(suite, c, p, out);
  write_config(config, dir);
  if (!config.stage.init_from.empty() && (!ok_result(out + "/" + config.stage.init_from) || config.stage.init_sha256.empty())) {
    records::CellResult failed = collect_result(config, p, dir, ProcessResult{}, false);
    failed.ok = false;
    failed.reason = fmt::format("its previous stage {} did not finish successfully (no result or no model.bin)", config.stage.init_from);
    failed.languages.clear();
    failed.wall_time_s = std::chrono::duration<double>(Clock::now() - t0).count();
    records::write_cell_result(dir + "/result.json", failed);
    spdlog::error("{}: {}", c.id(), failed.reason);
    return false;
  }
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
  self_dir();  // where longtail-text and longtail-cell are, before anything can replace this executable
  const std::string out = run_dir(suite, opt);
  auto cells = filter_cells(plan_cells(suite), opt.only);
  if (cells.empty()) throw ConfigError("--only", "no cell of the suite matches the filters");

  if (opt.dry_run) {
    if (fs::is_directory(out)) claim_run_dir(out, suite, false);
    fmt::print("suite {} ({}): {} cells -> {}\n", suite.name, suite.file, cells.size(), out);
    // The languages against each corpus that is already built (a dry run builds nothing).
    for (const auto& ds : suite.datasets) {
      if (const auto d = check_built_dataset(ds, suite.file)) {
        check_groups(data::group_spec_from_json(suite.groups), d->languages, suite.file);
        fmt::print("dataset {}: {} languages checked against corpus {}\n", ds.label, d->languages.size(), d->corpus.dir);
      } else {
        fmt::print("dataset {}: corpus not built yet; its languages are checked when the run builds it\n", ds.label);
      }
    }
    for (const auto& c : cells) fmt::print("  {:<60} {}\n", c.id(), dry_status(suite, c, out + "/" + c.id(), opt.allow_other_version));
    fmt::print("(a dry run compares the suite with each result's recorded configuration and code; the data is checked when the run prepares it)\n");
    return 0;
  }

  make_dirs(out);
  // One driver per run directory, held until the run ends (a second one fails at once, naming this one).
  const FileLock lock(out + "/.lock", "longtail run " + suite.file);
  claim_run_dir(out, suite, true);
  // What killed runs left: everything temporary in this directory (ours while we hold its lock),
  // and in the shared cache what belongs to processes that are gone.
  if (const int64_t n = remove_stale_temporaries(out, true) + remove_stale_temporaries(cache_dir(), false))
    spdlog::info("removed {} temporary files of interrupted runs", n);
  std::map<std::string, PreparedData> prepared;  // by dataset label
  for (const auto& c : cells)
    if (!prepared.count(c.dataset->label)) {
      PreparedData p = prepare_data(suite, *c.dataset, out);
      check_groups(data::group_spec_from_json(suite.groups), p.data.languages, suite.file);
      prepared.emplace(c.dataset->label, std::move(p));
    }

  LocalLauncher local;
  Launcher& run_with = launcher ? *launcher : local;
  int64_t done = 0, failed = 0, skipped = 0, kept_stale = 0;
  Progress progress("grid " + suite.name, static_cast<int64_t>(cells.size()), "cells");
  for (const auto& c : cells) {
    const std::string dir = out + "/" + c.id();
    if (auto r = ok_result(dir)) {
      const PreparedData& p = prepared.at(c.dataset->label);
      const auto reasons = stale_reasons(*r, planned_config(suite, c, p, out), current_provenance(p), opt.allow_other_version);
      if (reasons.empty() || opt.keep_stale) {
        if (r->stale != reasons) {  // mark (or unmark) what no longer answers the suite
          r->stale = reasons;
          records::write_cell_result(dir + "/result.json", *r);
        }
        if (!reasons.empty()) {
          ++kept_stale;
          spdlog::warn("{}: kept although stale (--keep-stale): {}", c.id(), fmt::join(reasons, "; "));
        }
        ++skipped;
        progress.update(++done, c.id() + (reasons.empty() ? " (complete)" : " (stale, kept)"));
        continue;
      }
      spdlog::warn("{}: its result no longer answers the suite ({}); running it again", c.id(), fmt::join(reasons, "; "));
      clear_cell(dir);
    }
    spdlog::info("cell {} -> {}", c.id(), dir);
    if (!run_one(suite, c, prepared.at(c.dataset->label), out, opt.echo, run_with)) ++failed;
    progress.update(++done, c.id());
  }
  progress.finish(kept_stale ? fmt::format("{} run, {} already complete ({} of them stale, kept), {} failed", cells.size() - skipped,
                                           skipped, kept_stale, failed)
                             : fmt::format("{} run, {} already complete, {} failed", cells.size() - skipped, skipped, failed));
  return failed ? 1 : 0;
}

}  // namespace longtail::grid

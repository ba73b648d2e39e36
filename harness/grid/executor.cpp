#include "harness/grid/executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "harness/common/file_lock.h"
#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "harness/common/progress.h"
#include "harness/common/version.h"
#include "harness/grid/cells.h"
#include "harness/grid/collect.h"
#include "harness/grid/completeness.h"
#include "harness/grid/datasets.h"
#include "harness/grid/launcher.h"
#include "harness/grid/planner.h"
#include "harness/grid/process.h"

namespace longtail::grid {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

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

// "complete", "pending", "failed", "stale: <what changed>" or "in Slurm (task …)", for --dry-run.
std::string dry_status(const Suite& suite, const PlannedCell& c, const std::string& dir, bool allow_other_version,
                       const std::map<std::string, std::string>& in_slurm) {
  if (const auto it = in_slurm.find(c.id()); it != in_slurm.end()) return "submitted to Slurm (task " + it->second + ")";
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

// The slot's environment for this cell. A cell that fixes train.threads keeps the thread
// variables it would have with --jobs 1: OpenBLAS reads OMP_NUM_THREADS, and its thread count
// changes the last bits of the matrix products (the results would no longer equal --jobs 1's).
Environment cell_environment(const Environment& slot, const records::CellConfig& config) {
  if (config.train.get_int("threads") <= 0) return slot;
  Environment env;
  for (const auto& kv : slot)
    if (kv.first != "OMP_NUM_THREADS" && kv.first != "MKL_NUM_THREADS") env.push_back(kv);
  return env;
}

// Plans, launches and collects one cell; returns true when it succeeded. A stage whose previous
// stage has no successful result is recorded as failed without being launched. Runs in a worker
// thread when cells run at once: it touches only its own cell directory (and the shared
// references, which collect.cpp writes under a lock).
bool run_one(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out, bool echo,
             const Environment& env, const std::string& echo_prefix, Launcher& launcher) {
  const auto t0 = Clock::now();
  const std::string dir = out + "/" + c.id();
  make_dirs(dir);
  const records::CellConfig config = planned_config(suite, c, p, out);
  write_config(config, dir);
  if (const std::string missing = previous_stage_missing(config, out); !missing.empty()) {
    const auto failed = not_launched(config, p, dir, missing, std::chrono::duration<double>(Clock::now() - t0).count());
    records::write_cell_result(dir + "/result.json", failed);
    spdlog::error("{}: {}", c.id(), failed.reason);
    return false;
  }
  const ProcessResult launched = launcher.run(
      {dir, file_exists(dir + "/ckpt/checkpoint.bin"), dir + "/log.txt", echo, cell_environment(env, config), echo_prefix});
  records::CellResult result = collect_result(config, p, dir, launched, echo, echo_prefix);
  result.wall_time_s = std::chrono::duration<double>(Clock::now() - t0).count();
  records::write_cell_result(dir + "/result.json", result);
  return result.ok;
}

// Whether the cells may use GPUs: not when the suite pins training to the CPU.
bool cells_may_use_gpus(const Suite& suite) {
  const auto* device = suite.train.if_contains("device");
  return !(device && device->is_string() && device->as_string() == "cpu");
}

// Runs the pending cells on this machine, up to one per slot at once (local_slots). A cell is
// ready when the cell it depends on (its previous stage) has finished; only then is it checked for
// completeness and planned, so a stage's init_sha256 is that of the model its previous stage just
// wrote, as when the cells run one by one. Cells start in plan order as slots free up.
int run_local(const Suite& suite, const SuiteRunOptions& opt, const std::vector<PlannedCell>& cells,
              const std::map<std::string, PreparedData>& prepared, const std::string& out, Launcher& run_with) {
  const std::vector<std::string> gpus = visible_gpus();
  const bool use_gpus = cells_may_use_gpus(suite);
  const std::vector<Environment> slot_env = local_slots(opt.jobs, usable_cores(), gpus, use_gpus, std::getenv("OMP_NUM_THREADS") != nullptr);
  if (opt.jobs > 1 && use_gpus && !gpus.empty() && static_cast<int64_t>(gpus.size()) < opt.jobs)
    spdlog::info("--jobs {}: {} GPU(s), one cell per GPU, so {} at once", opt.jobs, gpus.size(), slot_env.size());
  const bool several = slot_env.size() > 1;

  enum class State { waiting, running, done };
  std::vector<State> state(cells.size(), State::waiting);
  std::map<int64_t, size_t> position;  // grid index → position in `cells`
  for (size_t i = 0; i < cells.size(); ++i) position[cells[i].index] = i;
  std::vector<bool> slot_busy(slot_env.size(), false);

  struct Finished {
    size_t cell, slot;
    bool ok;
    std::exception_ptr error;
  };
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<Finished> finished;
  std::map<size_t, std::thread> workers;

  int64_t done = 0, failed = 0, skipped = 0, kept_stale = 0;
  std::exception_ptr error;
  Progress progress("grid " + suite.name, static_cast<int64_t>(cells.size()), "cells");
  auto ready = [&](size_t i) {
    const int64_t dep = cells[i].depends_on;
    return dep < 0 || !position.count(dep) || state[position.at(dep)] == State::done;
  };
  for (;;) {
    // Start what is ready while slots are free (none after an error: the running cells finish).
    for (size_t i = 0; i < cells.size() && !error; ++i) {
      if (state[i] != State::waiting || !ready(i)) continue;
      const PlannedCell& c = cells[i];
      const PreparedData& p = prepared.at(c.dataset->label);
      const std::string dir = out + "/" + c.id();
      try {
        if (auto r = ok_result(dir)) {
          const Reuse reuse = reuse_result(suite, c, p, out, opt, *r);
          if (reuse != Reuse::run_again) {
            state[i] = State::done;
            ++skipped;
            if (reuse == Reuse::kept_stale) ++kept_stale;
            progress.update(++done, c.id() + (reuse == Reuse::complete ? " (complete)" : " (stale, kept)"));
            continue;
          }
        }
      } catch (...) {  // the running cells finish first (a joinable thread must not be left behind)
        error = std::current_exception();
        break;
      }
      size_t slot = 0;
      while (slot < slot_busy.size() && slot_busy[slot]) ++slot;
      if (slot == slot_busy.size()) break;  // all busy: the rest waits, in plan order
      slot_busy[slot] = true;
      state[i] = State::running;
      spdlog::info("cell {} -> {}", c.id(), dir);
      workers[i] = std::thread([&, i, slot, &c = cells[i], &data = p] {
        Finished f{i, slot, false, nullptr};
        try {
          f.ok = run_one(suite, c, data, out, opt.echo, slot_env[slot], several ? "[" + c.id() + "] " : "", run_with);
        } catch (...) {
          f.error = std::current_exception();
        }
        const std::lock_guard<std::mutex> lock(mutex);
        finished.push_back(std::move(f));
        cv.notify_one();
      });
    }
    if (workers.empty()) break;  // nothing running, nothing startable: every cell is done (or an error)
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return !finished.empty(); });
    Finished f = std::move(finished.front());
    finished.pop_front();
    lock.unlock();
    workers.at(f.cell).join();
    workers.erase(f.cell);
    slot_busy[f.slot] = false;
    state[f.cell] = State::done;
    if (f.error) {
      if (!error) error = f.error;
      continue;
    }
    if (!f.ok) ++failed;
    progress.update(++done, cells[f.cell].id());
  }
  if (error) std::rethrow_exception(error);
  progress.finish(kept_stale ? fmt::format("{} run, {} already complete ({} of them stale, kept), {} failed", cells.size() - skipped,
                                           skipped, kept_stale, failed)
                             : fmt::format("{} run, {} already complete, {} failed", cells.size() - skipped, skipped, failed));
  return failed ? 1 : 0;
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
  if (opt.executor != "local" && opt.executor != "slurm")
    throw ConfigError("--executor", fmt::format("unknown executor \"{}\"; expected local or slurm", opt.executor));
  if (opt.jobs < 1) throw ConfigError("--jobs", "expected at least 1 cell at once");
  const auto in_slurm = submitted_cells(out);

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
    for (const auto& c : cells)
      fmt::print("  {:<60} {}\n", c.id(), dry_status(suite, c, out + "/" + c.id(), opt.allow_other_version, in_slurm));
    fmt::print("(a dry run compares the suite with each result's recorded configuration and code; the data is checked when the run prepares it)\n");
    return 0;
  }
  if (opt.executor == "local" && !in_slurm.empty())
    throw ConfigError(out + "/slurm.json",
                      fmt::format("{} cells of this run were submitted to Slurm and are not collected yet (e.g. {}, task {}); "
                                  "follow them with --executor slurm, or cancel the jobs and delete slurm.json to run them here",
                                  in_slurm.size(), in_slurm.begin()->first, in_slurm.begin()->second));

  make_dirs(out);
  // One driver per run directory, held until the run ends (a second one fails at once, naming this one).
  const FileLock lock(out + "/.lock", "longtail run " + suite.file);
  claim_run_dir(out, suite, true);
  // What killed runs left: everything temporary in this directory (ours while we hold its lock,
  // unless Slurm tasks of an earlier submission may still be writing there), and in the shared
  // cache what belongs to processes that are gone.
  const int64_t removed = (in_slurm.empty() ? remove_stale_temporaries(out, true) : 0) + remove_stale_temporaries(cache_dir(), false);
  if (removed) spdlog::info("removed {} temporary files of interrupted runs", removed);
  std::map<std::string, PreparedData> prepared;  // by dataset label
  for (const auto& c : cells)
    if (!prepared.count(c.dataset->label)) {
      PreparedData p = prepare_data(suite, *c.dataset, out);
      check_groups(data::group_spec_from_json(suite.groups), p.data.languages, suite.file);
      prepared.emplace(c.dataset->label, std::move(p));
    }

  if (opt.executor == "slurm") return run_on_slurm(suite, opt, cells, prepared, out);
  LocalLauncher local;
  return run_local(suite, opt, cells, prepared, out, launcher ? *launcher : local);
}

}  // namespace longtail::grid

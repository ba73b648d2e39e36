// Running a suite: prepare each dataset (corpus, vocabulary, shards; cached), then for every
// pending cell: plan its configuration (config.json), launch it (launcher.h), collect its result
// (collect.h, result.json). A cell with a result is complete only while that result answers what
// the suite asks now (completeness.h); a run directory belongs to one suite (<out>/run.json).
// Locally up to --jobs cells run at once, a stage once the stage it starts from has finished;
// with --executor slurm the cells go to a Slurm cluster as job arrays (slurm.h).
#pragma once

#include <string>
#include <vector>

#include "harness/grid/slurm.h"
#include "harness/grid/suite.h"

namespace longtail::grid {

class Launcher;

struct SuiteRunOptions {
  std::string out_dir;               // default: runs/<suite name>
  std::vector<std::string> only;     // cell filters (planner.h)
  bool dry_run = false;
  bool echo = true;                  // copy the cells' logs to stderr
  bool rerun_failed = true;          // failed cells are retried on a re-run
  bool allow_other_version = false;  // a result from other code still counts as complete
  bool keep_stale = false;           // keep results that no longer answer the suite (marked stale) instead of re-running
  int64_t jobs = 1;                  // local executor: cells at once (one per GPU when there are GPUs)
  std::string executor = "local";    // "local" or "slurm"
  SlurmOptions slurm;                // --executor slurm
};

// Returns the process exit code: 0 when every selected cell is complete, 1 when some failed.
// `launcher` runs the cells (null: a LocalLauncher).
int run_suite(const Suite& suite, const SuiteRunOptions& opt, Launcher* launcher = nullptr);

// The run directory run_suite writes to.
std::string run_dir(const Suite& suite, const SuiteRunOptions& opt);

}  // namespace longtail::grid

// Running a suite: prepare data (corpus, vocabulary, shards; cached), then run every pending
// cell as its own process, score it and write result.json; finally aggregate the report.
#pragma once

#include <string>
#include <vector>

#include "harness/grid/suite.h"

namespace longtail::grid {

struct RunOptions {
  std::string out_dir;               // default: runs/<suite name>
  std::vector<std::string> only;     // cell filters (planner.h)
  bool dry_run = false;
  bool echo = true;                  // copy the cells' logs to stderr
  bool rerun_failed = true;          // failed cells are retried on a re-run
};

// Returns the process exit code: 0 when every selected cell is complete, 1 when some failed.
int run_suite(const Suite& suite, const RunOptions& opt);

}  // namespace longtail::grid

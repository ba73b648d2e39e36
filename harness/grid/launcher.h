// Launching a planned cell: the seam between planning and collecting. The cell directory holds
// config.json; a launcher runs longtail-cell on it somewhere and says how that process ended. The
// local launcher runs it as a child process of the driver; a cluster launcher (a Slurm job, say)
// is another implementation of this interface in a file of its own.
#pragma once

#include <string>

#include "harness/grid/process.h"

namespace longtail::grid {

struct LaunchRequest {
  std::string cell_dir;  // holds config.json
  bool resume = false;   // a checkpoint is there: continue from it
  std::string log_path;  // where the cell's stdout and stderr go
  bool echo = true;      // also copy them to the driver's stderr
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Runs the cell to its end (success or failure) and returns how its process ended.
  virtual ProcessResult run(const LaunchRequest& request) = 0;
};

// longtail-cell as a child process on this machine (the executable beside the driver's).
class LocalLauncher : public Launcher {
 public:
  ProcessResult run(const LaunchRequest& request) override;
};

}  // namespace longtail::grid

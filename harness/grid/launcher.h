// Launching a planned cell: the seam between planning and collecting. The cell directory holds
// config.json; a launcher runs longtail-cell on it somewhere and says how that process ended. The
// local launcher runs it as a child process of the driver; the Slurm executor (slurm.h) submits
// whole arrays of cells instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/grid/process.h"

namespace longtail::grid {

struct LaunchRequest {
  std::string cell_dir;  // holds config.json
  bool resume = false;   // a checkpoint is there: continue from it
  std::string log_path;  // where the cell's stdout and stderr go
  bool echo = true;      // also copy them to the driver's stderr
  Environment env = {};  // set in the cell's environment (its GPU, its threads)
  std::string echo_prefix = {};  // before each echoed line ("[cell id] " when several cells run at once)
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Runs the cell to its end (success or failure) and returns how its process ended. With --jobs N
  // up to N calls run at once, each in its own thread.
  virtual ProcessResult run(const LaunchRequest& request) = 0;
};

// longtail-cell as a child process on this machine (the executable beside the driver's).
class LocalLauncher : public Launcher {
 public:
  ProcessResult run(const LaunchRequest& request) override;
};

// The GPUs cells may use: CUDA_VISIBLE_DEVICES when set (its entries), else one per line of
// `nvidia-smi -L` when that program is there, else none.
std::vector<std::string> visible_gpus();

// CPUs this process may run on (its affinity mask).
int64_t usable_cores();

// The environment of each of the slots in which cells run at once locally. With GPUs (and cells
// that may use them) a slot per GPU, at most `jobs`, each seeing only its GPU
// (CUDA_VISIBLE_DEVICES); else `jobs` slots. With several slots the cores are split: each cell's
// LibTorch gets max(1, cores / slots) threads (OMP_NUM_THREADS and MKL_NUM_THREADS, which decide
// its default when train.threads is 0; an explicit train.threads wins), unless the user set
// OMP_NUM_THREADS (`user_threads`).
std::vector<Environment> local_slots(int64_t jobs, int64_t cores, const std::vector<std::string>& gpus, bool use_gpus,
                                     bool user_threads);

}  // namespace longtail::grid

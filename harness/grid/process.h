// Child processes: every grid cell and every SentencePiece step runs as its own process, so a
// crash, NaN or out-of-memory fails that step alone.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace longtail::grid {

struct ProcessResult {
  int exit_code = -1;  // valid when !signaled
  int signal = 0;      // the terminating signal, when signaled
  bool signaled = false;
  // How it ended in the words of whoever ran it elsewhere (a Slurm task killed at its time limit):
  // when set, the process counts as failed and describe() says this.
  std::string ended;
  bool ok() const { return ended.empty() && !signaled && exit_code == 0; }
  std::string describe() const;  // "exit code 3" / "killed by signal 11 (Segmentation fault)"
};

// Variables set (or replaced) in a child's environment, e.g. {"OMP_NUM_THREADS", "2"}.
using Environment = std::vector<std::pair<std::string, std::string>>;

// Runs argv[0] with argv, appending its stdout and stderr to log_path; also copies them to our
// stderr when echo is set, each line prefixed with echo_prefix (several children at once stay
// readable). The child is killed when the thread that started it dies (PR_SET_PDEATHSIG): callers
// wait for it in that thread.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& log_path, bool echo,
                          const Environment& env = {}, const std::string& echo_prefix = {});

// A short command's answer (squeue, sbatch): its exit status and what it printed.
struct Captured {
  int exit_code = -1;  // -1 when killed by a signal; 127 when it could not be executed
  std::string out, err;
};

// Runs argv (looked up in PATH) to its end and returns what it printed.
Captured capture(const std::vector<std::string>& argv);

// Directory holding the running executable (the sibling tools live there).
std::string self_dir();

}  // namespace longtail::grid

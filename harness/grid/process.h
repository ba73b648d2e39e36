// Child processes: every grid cell and every SentencePiece step runs as its own process, so a
// crash, NaN or out-of-memory fails that step alone.
#pragma once

#include <string>
#include <vector>

namespace longtail::grid {

struct ProcessResult {
  int exit_code = -1;  // valid when !signaled
  int signal = 0;      // the terminating signal, when signaled
  bool signaled = false;
  bool ok() const { return !signaled && exit_code == 0; }
  std::string describe() const;  // "exit code 3" / "killed by signal 11 (Segmentation fault)"
};

// Runs argv[0] with argv, appending its stdout and stderr to log_path; also copies them to our
// stderr when echo is set. The child is killed when this process dies (PR_SET_PDEATHSIG).
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& log_path, bool echo);

// Directory holding the running executable (the sibling tools live there).
std::string self_dir();

}  // namespace longtail::grid

#include "harness/grid/launcher.h"

#include <vector>

namespace longtail::grid {

ProcessResult LocalLauncher::run(const LaunchRequest& request) {
  std::vector<std::string> argv = {self_dir() + "/longtail-cell", request.cell_dir};
  if (request.resume) argv.push_back("--resume");
  return run_process(argv, request.log_path, request.echo);
}

}  // namespace longtail::grid

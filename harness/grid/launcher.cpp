#include "harness/grid/launcher.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace longtail::grid {

ProcessResult LocalLauncher::run(const LaunchRequest& request) {
  std::vector<std::string> argv = {self_dir() + "/longtail-cell", request.cell_dir};
  if (request.resume) argv.push_back("--resume");
  return run_process(argv, request.log_path, request.echo, request.env, request.echo_prefix);
}

std::vector<std::string> visible_gpus() {
  std::vector<std::string> gpus;
  if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES")) {
    std::stringstream ss(v);
    std::string id;
    while (std::getline(ss, id, ','))
      if (!id.empty() && id[0] != '-') gpus.push_back(id);  // "-1" hides every GPU
    return gpus;
  }
  Captured smi;
  try {
    smi = capture({"nvidia-smi", "-L"});
  } catch (const std::exception&) {
    return gpus;
  }
  if (smi.exit_code != 0) return gpus;
  std::stringstream ss(smi.out);
  std::string line;
  while (std::getline(ss, line))
    if (line.rfind("GPU ", 0) == 0) gpus.push_back(std::to_string(gpus.size()));
  return gpus;
}

int64_t usable_cores() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

std::vector<Environment> local_slots(int64_t jobs, int64_t cores, const std::vector<std::string>& gpus, bool use_gpus,
                                     bool user_threads) {
  jobs = std::max<int64_t>(1, jobs);
  const bool per_gpu = use_gpus && !gpus.empty();
  const int64_t n = per_gpu ? std::min<int64_t>(jobs, static_cast<int64_t>(gpus.size())) : jobs;
  std::vector<Environment> slots(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    auto& env = slots[static_cast<size_t>(i)];
    if (per_gpu) env.emplace_back("CUDA_VISIBLE_DEVICES", gpus[static_cast<size_t>(i)]);
    if (n > 1 && !user_threads) {
      const std::string threads = std::to_string(std::max<int64_t>(1, cores / n));
      env.emplace_back("OMP_NUM_THREADS", threads);
      env.emplace_back("MKL_NUM_THREADS", threads);
    }
  }
  return slots;
}

}  // namespace longtail::grid

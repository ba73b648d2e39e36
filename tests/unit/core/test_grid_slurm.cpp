// The parts of parallel and Slurm execution that need no cluster: the slots of --jobs (GPUs,
// threads), child environments, sbatch's command line, what squeue/scontrol answer, and the array
// task script run by a shell against a stand-in longtail-cell.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "harness/common/fs_util.h"
#include "harness/grid/launcher.h"
#include "harness/grid/process.h"
#include "harness/grid/slurm.h"

using namespace longtail;
namespace fs = std::filesystem;

namespace {

std::string value_of(const grid::Environment& env, const std::string& key) {
  for (const auto& [k, v] : env)
    if (k == key) return v;
  return "(unset)";
}

}  // namespace

TEST_CASE("--jobs slots: one cell per GPU, else the cores split between the cells", "[grid][jobs]") {
  SECTION("one job changes nothing") {
    const auto slots = grid::local_slots(1, 8, {}, true, false);
    REQUIRE(slots.size() == 1);
    CHECK(slots[0].empty());
  }
  SECTION("CPU only: N slots, max(1, cores / N) threads each") {
    auto slots = grid::local_slots(3, 8, {}, true, false);
    REQUIRE(slots.size() == 3);
    for (const auto& s : slots) {
      CHECK(value_of(s, "OMP_NUM_THREADS") == "2");
      CHECK(value_of(s, "MKL_NUM_THREADS") == "2");
      CHECK(value_of(s, "CUDA_VISIBLE_DEVICES") == "(unset)");
    }
    slots = grid::local_slots(4, 2, {}, true, false);
    REQUIRE(slots.size() == 4);
    CHECK(value_of(slots[3], "OMP_NUM_THREADS") == "1");
  }
  SECTION("GPUs: a slot per GPU, at most --jobs, each seeing its own") {
    auto slots = grid::local_slots(4, 16, {"3", "5"}, true, false);
    REQUIRE(slots.size() == 2);
    CHECK(value_of(slots[0], "CUDA_VISIBLE_DEVICES") == "3");
    CHECK(value_of(slots[1], "CUDA_VISIBLE_DEVICES") == "5");
    CHECK(value_of(slots[1], "OMP_NUM_THREADS") == "8");
    slots = grid::local_slots(1, 16, {"0", "1"}, true, false);
    REQUIRE(slots.size() == 1);
    CHECK(value_of(slots[0], "CUDA_VISIBLE_DEVICES") == "0");
  }
  SECTION("cells pinned to the CPU ignore the GPUs; the user's OMP_NUM_THREADS wins") {
    auto slots = grid::local_slots(3, 6, {"0"}, false, false);
    REQUIRE(slots.size() == 3);
    CHECK(value_of(slots[0], "CUDA_VISIBLE_DEVICES") == "(unset)");
    slots = grid::local_slots(2, 6, {}, true, true);
    CHECK(value_of(slots[0], "OMP_NUM_THREADS") == "(unset)");
  }
}

TEST_CASE("visible GPUs come from CUDA_VISIBLE_DEVICES first", "[grid][jobs]") {
  const char* before = std::getenv("CUDA_VISIBLE_DEVICES");
  const std::string saved = before ? before : "";
  ::setenv("CUDA_VISIBLE_DEVICES", "2,7", 1);
  CHECK(grid::visible_gpus() == std::vector<std::string>{"2", "7"});
  ::setenv("CUDA_VISIBLE_DEVICES", "", 1);
  CHECK(grid::visible_gpus().empty());
  ::setenv("CUDA_VISIBLE_DEVICES", "-1", 1);
  CHECK(grid::visible_gpus().empty());
  if (before) ::setenv("CUDA_VISIBLE_DEVICES", saved.c_str(), 1);
  else ::unsetenv("CUDA_VISIBLE_DEVICES");
}

TEST_CASE("a child gets the variables it is given; capture returns what a command printed", "[grid][jobs]") {
  const fs::path dir = fs::temp_directory_path() / "longtail-test-process-env";
  fs::remove_all(dir);
  const std::string log = (dir / "log.txt").string();
  const auto r = grid::run_process({"/bin/sh", "-c", "echo \"$LT_A $LT_B\"; printf tail"}, log, false,
                                   {{"LT_A", "one"}, {"LT_B", "two"}}, "[x] ");
  CHECK(r.ok());
  CHECK(read_file(log) == "one two\ntail");

  const auto c = grid::capture({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(c.exit_code == 3);
  CHECK(c.out == "out\n");
  CHECK(c.err == "err\n");
  CHECK(grid::capture({"longtail-no-such-program"}).exit_code == 127);

  grid::ProcessResult ended;
  ended.exit_code = 0;
  ended.ended = "Slurm task 5_1 ended TIMEOUT";
  CHECK_FALSE(ended.ok());
  CHECK(ended.describe() == "Slurm task 5_1 ended TIMEOUT");
}

TEST_CASE("sbatch's command line for a job array", "[grid][slurm]") {
  grid::ArrayRequest a{"longtail-s-level1", "/run/slurm/task.sh", "/run/slurm/a.cells", "/run/slurm/logs", 5, {"17", "18"}};
  grid::SlurmOptions opt;
  CHECK(grid::sbatch_argv(opt, a) ==
        std::vector<std::string>{"sbatch", "--parsable", "--requeue", "--job-name=longtail-s-level1", "--output=/run/slurm/logs/%A_%a.out",
                                 "--array=0-4", "--dependency=afterany:17:18", "/run/slurm/task.sh", "/run/slurm/a.cells"});
  opt.partition = "gpu";
  opt.gpus_per_cell = 1;
  opt.cpus_per_cell = 4;
  opt.mem = "8G";
  opt.time = "1:00:00";
  opt.max_parallel = 2;
  opt.sbatch_args = {"--qos=long", "--account=nmt"};
  a.after.clear();
  CHECK(grid::sbatch_argv(opt, a) ==
        std::vector<std::string>{"sbatch", "--parsable", "--requeue", "--job-name=longtail-s-level1", "--output=/run/slurm/logs/%A_%a.out",
                                 "--array=0-4%2", "--partition=gpu", "--gres=gpu:1", "--cpus-per-task=4", "--mem=8G", "--time=1:00:00",
                                 "--qos=long", "--account=nmt", "/run/slurm/task.sh", "/run/slurm/a.cells"});
}

TEST_CASE("what sbatch, squeue and scontrol answer", "[grid][slurm]") {
  CHECK(grid::parse_sbatch_job_id("123\n") == "123");
  CHECK(grid::parse_sbatch_job_id("4567;cluster\n") == "4567");
  CHECK(grid::parse_sbatch_job_id("sbatch: warning: something\n89\n") == "89");
  CHECK_THROWS_WITH(grid::parse_sbatch_job_id("sbatch: error: nope\n"), Catch::Contains("not a job id"));

  const auto tasks = grid::parse_squeue("12_0|RUNNING|None\n12_[2-4,7%2]|PENDING|JobArrayTaskLimit\n13_1|PENDING|Dependency\n\n");
  REQUIRE(tasks.size() == 6);
  CHECK(tasks.at("12_0").state == "RUNNING");
  CHECK(tasks.at("12_3").reason == "JobArrayTaskLimit");
  CHECK(tasks.at("12_7").state == "PENDING");
  CHECK_FALSE(tasks.count("12_5"));
  CHECK(tasks.at("13_1").reason == "Dependency");

  // A real line of Slurm 22.05's scontrol show job -o for a task killed at its time limit.
  const auto end = grid::parse_scontrol_job(
      "JobId=10 ArrayJobId=7 ArrayTaskId=2 JobName=job.sh UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) "
      "Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15 RunTime=00:01:04 TimeLimit=00:01:00 Command=/tmp/job.sh 3\n");
  REQUIRE(end);
  CHECK(end->state == "TIMEOUT");
  CHECK(grid::describe_task_end("7_2", end) == "Slurm task 7_2 ended TIMEOUT (TimeLimit; exit code 0:15)");
  CHECK(grid::describe_task_end("7_0", grid::JobEnd{"CANCELLED", "None", "0:15"}) == "Slurm task 7_0 ended CANCELLED (exit code 0:15)");
  CHECK_FALSE(grid::parse_scontrol_job("slurm_load_jobs error: Invalid job id specified"));
  CHECK_THAT(grid::describe_task_end("7_1", std::nullopt), Catch::Contains("no longer knows"));
  // A pending task that scancel removed leaves no record at all: it never started.
  CHECK_THAT(grid::describe_task_end("7_3", std::nullopt, false), Catch::Contains("7_3 left the queue before it started: cancelled"));
}

TEST_CASE("the array task script runs the cell of its line, resuming from a checkpoint", "[grid][slurm]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-slurm-task";
  fs::remove_all(root);
  fs::create_directories(root / "cells" / "a");
  fs::create_directories(root / "cells" / "b it's" / "ckpt");
  write_file_atomic((root / "cells" / "b it's" / "ckpt" / "checkpoint.bin").string(), "x");
  // A stand-in longtail-cell (its path has a quote too) that records its arguments and threads.
  const std::string cell = (root / "bin's" / "longtail-cell").string();
  write_file_atomic(cell, "#!/bin/sh\necho \"args: $* threads: $OMP_NUM_THREADS\"\n");
  ::chmod(cell.c_str(), 0755);
  const std::string script = (root / "task.sh").string();
  write_file_atomic(script, grid::task_script(cell));
  const std::string list = (root / "a.cells").string();
  write_file_atomic(list, (root / "cells" / "a").string() + "\n" + (root / "cells" / "b it's").string() + "\n");
  auto task = [&](int index, const std::string& cpus) {
    const std::string env = "SLURM_ARRAY_JOB_ID=9 SLURM_ARRAY_TASK_ID=" + std::to_string(index) + (cpus.empty() ? "" : " SLURM_CPUS_PER_TASK=" + cpus);
    return grid::capture({"sh", "-c", "env -u SLURM_CPUS_PER_TASK -u OMP_NUM_THREADS " + env + " sh \"$0\" \"$1\"", script, list});
  };
  CHECK(task(0, "").exit_code == 0);
  CHECK_THAT(read_file((root / "cells" / "a" / "log.txt").string()),
             Catch::Contains("slurm task 9_0") && Catch::Contains("args: " + (root / "cells" / "a").string() + " threads: \n"));  // none asked for: the cell's defaults
  CHECK(task(1, "4").exit_code == 0);
  CHECK_THAT(read_file((root / "cells" / "b it's" / "log.txt").string()),
             Catch::Contains("resuming") && Catch::Contains("args: " + (root / "cells" / "b it's").string() + " --resume threads: 4"));
  const auto missing = task(2, "");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("no cell directory"));
}

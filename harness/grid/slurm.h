// Running a suite's cells on a Slurm cluster (docs/grid.md): the pending cells go out as job
// arrays (sbatch --array), one array per stage level, each level after the one before
// (--dependency=afterany); every array task runs longtail-cell on one cell directory, the same
// cell protocol as the local executor. The driver follows the tasks (squeue, scontrol) and
// collects each cell as its task ends (result.json). <out>/slurm.json records what was submitted
// and not yet collected, so a later run or report picks the results up and never submits a cell
// twice.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace longtail::grid {

struct Suite;
struct SuiteRunOptions;
struct PlannedCell;
struct PreparedData;

struct SlurmOptions {
  std::string partition;                // --partition; "" = the cluster's default
  int64_t gpus_per_cell = 0;            // --gres=gpu:N per task
  int64_t cpus_per_cell = 0;            // --cpus-per-task; 0 = the cluster's default (one)
  std::string mem;                      // --mem per task ("8G")
  std::string time;                     // --time per task ("2:00:00")
  int64_t max_parallel = 0;             // the array's %K: at most K tasks of an array at once; 0 = no limit
  std::vector<std::string> sbatch_args; // more sbatch arguments, as given
  bool no_wait = false;                 // return once submitted
  double poll_s = 1.0;                  // how often the driver asks squeue
};

// One job array to submit: `tasks` cells listed one per line in `list_file`.
struct ArrayRequest {
  std::string job_name, script, list_file, log_dir;
  int64_t tasks = 0;
  std::vector<std::string> after;  // job ids it waits for (afterany)
};

// The sbatch command line of an array.
std::vector<std::string> sbatch_argv(const SlurmOptions& opt, const ArrayRequest& array);

// The job id in sbatch --parsable's answer ("123" or "123;cluster"); throws when there is none.
std::string parse_sbatch_job_id(const std::string& out);

// squeue -h -r -o "%i|%T|%r" lines: task ("123_4") → its state and reason ("PENDING", "Dependency").
struct TaskState {
  std::string state, reason;
};
std::map<std::string, TaskState> parse_squeue(const std::string& out);

// How a job ended, from `scontrol show job -o` ("JobState=TIMEOUT Reason=TimeLimit ... ExitCode=0:15").
struct JobEnd {
  std::string state, reason, exit_code;
};
std::optional<JobEnd> parse_scontrol_job(const std::string& out);

// The failure reason of a task that ended without the cell saying why: "Slurm task 123_4 ended
// TIMEOUT (TimeLimit; exit code 0:15)". Without Slurm's record (`end` none), whether the task had
// started (`started`: its line in the cell's log) tells a task cancelled while pending (Slurm
// keeps no record of those) from one Slurm has forgotten since (MinJobAge).
std::string describe_task_end(const std::string& task, const std::optional<JobEnd>& end, bool started = true);

// The shell script every array task runs (task.sh): line SLURM_ARRAY_TASK_ID + 1 of its list file
// names the cell directory; longtail-cell runs there, with --resume when a checkpoint exists.
std::string task_script(const std::string& cell_program);

// Submits the cells of `cells` that are not complete, follows them (unless --no-wait) and collects
// them; cells recorded in slurm.json by an earlier run are followed, not submitted again. Returns
// the exit code of `longtail run`. The caller holds the run directory's lock and prepared the data.
int run_on_slurm(const Suite& suite, const SuiteRunOptions& opt, const std::vector<PlannedCell>& cells,
                 const std::map<std::string, PreparedData>& prepared, const std::string& out);

// The cells of the run directory that slurm.json records as submitted and not yet collected
// (cell id → Slurm task "123_4"); empty without slurm.json.
std::map<std::string, std::string> submitted_cells(const std::string& out);

// Collects the cells whose Slurm tasks have ended (for `longtail report` on a run submitted with
// --no-wait); returns how many are still queued or running. Does nothing when another driver
// holds the run directory (it collects them itself).
int64_t collect_slurm_cells(const std::string& out);

}  // namespace longtail::grid

#include "harness/grid/slurm.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "harness/common/file_lock.h"
#include "harness/common/fs_util.h"
#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/progress.h"
#include "harness/data/corpus.h"
#include "harness/grid/cells.h"
#include "harness/grid/collect.h"
#include "harness/grid/executor.h"
#include "harness/grid/process.h"

namespace longtail::grid {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace json_fields;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kSchema = "longtail-slurm-v1";
// Slurm's default MaxArraySize is 1001 (indices 0..1000): larger levels go out as several arrays.
constexpr size_t kMaxArrayTasks = 1000;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// ---- slurm.json: what was submitted and is not collected yet ----

// What a dataset's cells were made with besides their config.json: collecting needs it.
struct DatasetRecord {
  std::string vocab_dir, vocab_sha256, shards_fingerprint;
};

struct SubmittedCell {
  std::string id;
  int64_t task = 0;  // its array index
};

struct SubmittedArray {
  std::string job_id, list;
  int64_t level = 0;
  std::vector<std::string> after;
  std::vector<SubmittedCell> cells;              // those not collected yet
  std::map<std::string, DatasetRecord> datasets;  // by dataset label
  std::string task(const SubmittedCell& c) const { return job_id + "_" + std::to_string(c.task); }
};

struct Record {
  std::vector<SubmittedArray> arrays;
  bool empty() const { return arrays.empty(); }
  size_t outstanding() const {
    size_t n = 0;
    for (const auto& a : arrays) n += a.cells.size();
    return n;
  }
};

std::string record_path(const std::string& out) { return out + "/slurm.json"; }

Record read_record(const std::string& out) {
  Record rec;
  const std::string path = record_path(out);
  if (!file_exists(path)) return rec;
  const json::value v = read_json_file(path);
  const std::string where = path + ": $";
  const json::object& o = as_object(v, where);
  check_schema(o, kSchema, where);
  const json::array& arrays = need_array(o, "arrays", where);
  for (size_t i = 0; i < arrays.size(); ++i) {
    const std::string aw = fmt::format("{}.arrays[{}]", where, i);
    const json::object& ao = as_object(arrays[i], aw);
    SubmittedArray a;
    a.job_id = need_string(ao, "job_id", aw);
    a.list = need_string(ao, "list", aw);
    a.level = need_int(ao, "level", aw);
    a.after = need_strings(ao, "after", aw);
    const json::array& cells = need_array(ao, "cells", aw);
    for (size_t k = 0; k < cells.size(); ++k) {
      const std::string cw = fmt::format("{}.cells[{}]", aw, k);
      const json::object& co = as_object(cells[k], cw);
      a.cells.push_back({need_string(co, "id", cw), need_int(co, "task", cw)});
    }
    const json::object& ds = need_object(ao, "datasets", aw);
    for (const auto& [label, d] : ds) {
      const std::string dw = fmt::format("{}.datasets.{}", aw, std::string(label));
      const json::object& dobj = as_object(d, dw);
      a.datasets[std::string(label)] = {need_string(dobj, "vocab_dir", dw), need_string(dobj, "vocab_sha256", dw),
                                        get_string(dobj, "shards_fingerprint", dw)};
    }
    rec.arrays.push_back(std::move(a));
  }
  return rec;
}

// Rewrites slurm.json; removes it once everything submitted has been collected.
void write_record(const std::string& out, const Record& rec) {
  json::array arrays;
  for (const auto& a : rec.arrays) {
    if (a.cells.empty()) continue;
    json::array cells, after(a.after.begin(), a.after.end());
    for (const auto& c : a.cells) cells.push_back(json::object{{"id", c.id}, {"task", c.task}});
    json::object ds;
    for (const auto& [label, d] : a.datasets)
      ds[label] = json::object{{"vocab_dir", d.vocab_dir}, {"vocab_sha256", d.vocab_sha256}, {"shards_fingerprint", d.shards_fingerprint}};
    arrays.push_back(json::object{{"job_id", a.job_id}, {"level", a.level}, {"after", after}, {"list", a.list}, {"cells", cells},
                                  {"datasets", ds}});
  }
  if (arrays.empty()) {
    fs::remove(record_path(out));
    return;
  }
  write_json_file(record_path(out), json::object{{"schema", kSchema}, {"arrays", arrays}});
}

// ---- asking Slurm ----

// The tasks of the recorded jobs that Slurm still has queued or running; none when squeue failed.
std::optional<std::map<std::string, TaskState>> query_tasks(const Record& rec) {
  std::set<std::string> jobs;
  for (const auto& a : rec.arrays)
    if (!a.cells.empty()) jobs.insert(a.job_id);
  if (jobs.empty()) return std::map<std::string, TaskState>{};
  std::string list;
  for (const auto& j : jobs) list += (list.empty() ? "" : ",") + j;
  const Captured c = capture({"squeue", "-h", "-r", "-j", list, "-o", "%i|%T|%r"});
  if (c.exit_code == 0) return parse_squeue(c.out);
  // Jobs that have all ended and left squeue's memory are an error to squeue, not to us.
  if (c.err.find("Invalid job id") != std::string::npos) return std::map<std::string, TaskState>{};
  spdlog::warn("squeue failed ({}): {}", c.exit_code == 127 ? "not found" : fmt::format("exit code {}", c.exit_code), trim(c.err));
  return std::nullopt;
}

std::optional<JobEnd> task_end(const std::string& task) {
  const Captured c = capture({"scontrol", "show", "job", "-o", task});
  if (c.exit_code != 0) return std::nullopt;
  return parse_scontrol_job(c.out);
}

// ---- collecting ----

// The prepared data a submitted cell was made with: its config.json and the array's record.
PreparedData recorded_prepared(const records::CellConfig& config, const DatasetRecord& d) {
  PreparedData p;
  p.data.corpus = data::load_corpus(config.data.corpus);  // the references it is scored against
  p.data.corpus.fingerprint = config.data.corpus_fingerprint;
  p.data.languages = config.data.languages;
  p.data.natural = config.data.natural_pairs;
  p.vocab_dir = d.vocab_dir;
  p.vocab_sha256 = d.vocab_sha256;
  p.shards_fingerprint = d.shards_fingerprint;
  p.shard_dir = config.data.shards;
  return p;
}

// The status the cell wrote ("ok", "failed"), or "" when it wrote no cell.json.
std::string cell_status(const std::string& dir) {
  try {
    const json::value v = read_json_file(dir + "/cell.json");
    if (const auto* o = v.if_object())
      if (const auto* s = o->if_contains("status"); s && s->is_string()) return std::string(s->as_string());
  } catch (const std::exception&) {
  }
  return "";
}

// Whether the task began: task.sh's first line in the cell's log ("slurm task 123_4 on ...").
bool task_started(const std::string& dir, const std::string& task) {
  try {
    return read_file(dir + "/log.txt").find("slurm task " + task + " on ") != std::string::npos;
  } catch (const std::exception&) {
    return false;  // no log: it never ran
  }
}

// Collects the cell of an ended task into result.json; returns whether it succeeded.
bool collect_task(const std::string& out, const SubmittedArray& a, const SubmittedCell& sc) {
  const auto t0 = Clock::now();
  const std::string dir = out + "/" + sc.id, task = a.task(sc);
  const records::CellConfig config = records::read_cell_config(dir + "/config.json");
  const auto d = a.datasets.find(config.cell.dataset);
  if (d == a.datasets.end())
    throw ConfigError(record_path(out), fmt::format("the array of job {} has no dataset \"{}\" for cell {}", a.job_id, config.cell.dataset, sc.id));
  const PreparedData p = recorded_prepared(config, d->second);
  records::CellResult r;
  if (!config.stage.init_from.empty() && !ok_result(out + "/" + config.stage.init_from)) {
    r = not_launched(config, p, dir,
                     fmt::format("its previous stage {} did not finish successfully (no result or no model.bin)", config.stage.init_from), 0);
  } else {
    ProcessResult launched;
    const std::string status = cell_status(dir);
    if (status == "ok") {
      launched.exit_code = 0;
    } else if (!status.empty()) {
      launched.exit_code = 1;  // the cell says why in cell.json
    } else {
      const bool started = task_started(dir, task);
      launched.ended = describe_task_end(task, task_end(task), started) + (started ? "; its log: " + dir + "/log.txt" : "");
    }
    r = collect_result(config, p, dir, launched, false);
  }
  r.wall_time_s = (r.training ? r.training->train_wall_s : 0) + std::chrono::duration<double>(Clock::now() - t0).count();
  records::write_cell_result(dir + "/result.json", r);
  if (!r.ok) spdlog::error("{}: {}", sc.id, r.reason);
  return r.ok;
}

// Collects every recorded cell whose task is no longer in `active`, in submission order (a stage
// after the stage it starts from), and drops it from the record; calls done(id, ok) for each.
template <class Done>
void collect_ended(const std::string& out, Record& rec, const std::map<std::string, TaskState>& active, Done done) {
  for (auto& a : rec.arrays) {
    size_t i = 0;
    while (i < a.cells.size()) {
      const SubmittedCell c = a.cells[i];
      if (active.count(a.task(c))) {
        ++i;
        continue;
      }
      const bool ok = collect_task(out, a, c);
      a.cells.erase(a.cells.begin() + static_cast<std::ptrdiff_t>(i));
      write_record(out, rec);
      done(c.id, ok);
    }
  }
}

}  // namespace

// ---- pure parts ----

std::vector<std::string> sbatch_argv(const SlurmOptions& opt, const ArrayRequest& a) {
  std::vector<std::string> argv = {"sbatch", "--parsable", "--requeue", "--job-name=" + a.job_name,
                                   "--output=" + a.log_dir + "/%A_%a.out"};
  std::string array = fmt::format("--array=0-{}", a.tasks - 1);
  if (opt.max_parallel > 0) array += fmt::format("%{}", opt.max_parallel);
  argv.push_back(array);
  if (!opt.partition.empty()) argv.push_back("--partition=" + opt.partition);
  if (opt.gpus_per_cell > 0) argv.push_back(fmt::format("--gres=gpu:{}", opt.gpus_per_cell));
  if (opt.cpus_per_cell > 0) argv.push_back(fmt::format("--cpus-per-task={}", opt.cpus_per_cell));
  if (!opt.mem.empty()) argv.push_back("--mem=" + opt.mem);
  if (!opt.time.empty()) argv.push_back("--time=" + opt.time);
  if (!a.after.empty()) argv.push_back(fmt::format("--dependency=afterany:{}", fmt::join(a.after, ":")));
  argv.insert(argv.end(), opt.sbatch_args.begin(), opt.sbatch_args.end());
  argv.push_back(a.script);
  argv.push_back(a.list_file);
  return argv;
}

std::string parse_sbatch_job_id(const std::string& out) {
  std::string line = trim(out);
  if (const auto nl = line.rfind('\n'); nl != std::string::npos) line = line.substr(nl + 1);  // after any warnings
  line = line.substr(0, line.find(';'));
  if (line.empty() || line.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error(fmt::format("sbatch answered \"{}\", not a job id", trim(out)));
  return line;
}

std::map<std::string, TaskState> parse_squeue(const std::string& out) {
  std::map<std::string, TaskState> tasks;
  std::stringstream ss(out);
  std::string line;
  while (std::getline(ss, line)) {
    line = trim(line);
    if (line.empty()) continue;
    const auto bar1 = line.find('|'), bar2 = line.find('|', bar1 == std::string::npos ? bar1 : bar1 + 1);
    if (bar1 == std::string::npos || bar2 == std::string::npos) continue;
    const std::string id = line.substr(0, bar1);
    const TaskState st{line.substr(bar1 + 1, bar2 - bar1 - 1), line.substr(bar2 + 1)};
    // A pending array's tasks may still be folded into one line: "123_[4-6,9%2]".
    const auto us = id.find('_');
    const auto open = id.find('[');
    if (us == std::string::npos || open == std::string::npos) {
      tasks[id] = st;
      continue;
    }
    const std::string job = id.substr(0, us);
    std::string ranges = id.substr(open + 1, id.find(']') - open - 1);
    ranges = ranges.substr(0, ranges.find('%'));
    std::stringstream rs(ranges);
    std::string range;
    while (std::getline(rs, range, ',')) {
      const auto dash = range.find('-');
      try {
        const int64_t a = std::stoll(range.substr(0, dash));
        const int64_t b = dash == std::string::npos ? a : std::stoll(range.substr(dash + 1));
        for (int64_t t = a; t <= b; ++t) tasks[job + "_" + std::to_string(t)] = st;
      } catch (const std::exception&) {
      }
    }
  }
  return tasks;
}

std::optional<JobEnd> parse_scontrol_job(const std::string& out) {
  JobEnd e;
  bool found = false;
  std::stringstream ss(out);
  std::string field;
  while (ss >> field) {
    const auto eq = field.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "JobState") e.state = value, found = true;
    else if (key == "Reason") e.reason = value;
    else if (key == "ExitCode") e.exit_code = value;
  }
  if (!found) return std::nullopt;
  return e;
}

std::string describe_task_end(const std::string& task, const std::optional<JobEnd>& end, bool started) {
  if (!end && !started)
    return fmt::format("Slurm task {} left the queue before it started: cancelled while pending (scancel; Slurm keeps no record of that)", task);
  if (!end) return fmt::format("Slurm task {} ended without a result, and Slurm no longer knows how", task);
  std::vector<std::string> why;
  if (!end->reason.empty() && end->reason != "None") why.push_back(end->reason);
  if (!end->exit_code.empty()) why.push_back("exit code " + end->exit_code);
  return fmt::format("Slurm task {} ended {}{}", task, end->state, why.empty() ? "" : fmt::format(" ({})", fmt::join(why, "; ")));
}

std::string task_script(const std::string& cell_program) {
  std::string quoted = "'";
  for (char ch : cell_program) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  quoted += "'";
  return "#!/bin/sh\n"
         "# A longtail Slurm array task (docs/grid.md): runs the cell on line SLURM_ARRAY_TASK_ID + 1 of the\n"
         "# list file $1 through longtail-cell; a requeued or preempted task resumes from its checkpoint.\n"
         "dir=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$1\")\n"
         "if [ -z \"$dir\" ] || [ ! -d \"$dir\" ]; then echo \"task $SLURM_ARRAY_TASK_ID: no cell directory on that line of $1\" >&2; exit 2; fi\n"
         "# LibTorch's and OpenBLAS's default threads: the CPUs --cpus-per-cell asked for (train.threads\n"
         "# still fixes LibTorch's). Without it the cell starts as a local one would: OpenBLAS's thread\n"
         "# count changes the last bits of its results.\n"
         "if [ -n \"${SLURM_CPUS_PER_TASK:-}\" ]; then\n"
         "  export OMP_NUM_THREADS=\"$SLURM_CPUS_PER_TASK\" MKL_NUM_THREADS=\"$SLURM_CPUS_PER_TASK\"\n"
         "fi\n"
         "resume=\n"
         "[ -f \"$dir/ckpt/checkpoint.bin\" ] && resume=--resume\n"
         "echo \"slurm task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(uname -n), restart ${SLURM_RESTART_COUNT:-0}${resume:+, resuming}\" >> \"$dir/log.txt\"\n"
         "exec " + quoted + " \"$dir\" $resume >> \"$dir/log.txt\" 2>&1\n";
}

std::map<std::string, std::string> submitted_cells(const std::string& out) {
  std::map<std::string, std::string> cells;
  for (const auto& a : read_record(out).arrays)
    for (const auto& c : a.cells) cells[c.id] = a.task(c);
  return cells;
}

int64_t collect_slurm_cells(const std::string& out) {
  if (!file_exists(record_path(out))) return 0;
  std::optional<FileLock> lock;
  try {
    lock.emplace(out + "/.lock", "longtail report (collecting Slurm tasks)");
  } catch (const LockBusy&) {
    spdlog::info("{}: a driver is following this run's Slurm tasks; reporting what it has collected", out);
    return static_cast<int64_t>(read_record(out).outstanding());
  }
  Record rec = read_record(out);
  const auto active = query_tasks(rec);
  if (!active) return static_cast<int64_t>(rec.outstanding());
  int64_t collected = 0;
  collect_ended(out, rec, *active, [&](const std::string&, bool) { ++collected; });
  if (collected) spdlog::info("collected {} cells whose Slurm tasks ended", collected);
  return static_cast<int64_t>(rec.outstanding());
}


int run_on_slurm(const Suite& suite, const SuiteRunOptions& opt, const std::vector<PlannedCell>& cells,
                 const std::map<std::string, PreparedData>& prepared, const std::string& out) {
  if (opt.slurm.poll_s <= 0) throw ConfigError("--poll", "expected a positive number of seconds");
  std::set<std::string> selected;
  for (const auto& c : cells) selected.insert(c.id());
  int64_t done = 0, failed = 0, skipped = 0, kept_stale = 0, submitted = 0, followed = 0;
  Progress progress("grid " + suite.name, static_cast<int64_t>(cells.size()), "cells");
  auto finished = [&](const std::string& id, bool ok) {
    if (!selected.count(id)) return;  // submitted by a run with other filters: collected, not counted
    if (!ok) ++failed;
    progress.update(++done, id + (ok ? "" : " (failed)"));
  };

  // 1. What earlier submissions left: collect the cells whose tasks ended (this run's outcome for
  //    them: a cell that failed there is retried by the next run, as locally); the rest run on.
  Record rec = read_record(out);
  std::set<std::string> collected;
  if (!rec.empty()) {
    const auto active = query_tasks(rec);
    if (!active) throw std::runtime_error(record_path(out) + ": cannot ask Slurm (squeue) about the jobs submitted earlier");
    collect_ended(out, rec, *active, [&](const std::string& id, bool ok) {
      collected.insert(id);
      finished(id, ok);
    });
  }
  std::map<std::string, std::string> in_flight;  // cell id → job id
  for (const auto& a : rec.arrays)
    for (const auto& c : a.cells) in_flight[c.id] = a.job_id;

  // 2. The cells to submit, by level: a stage whose previous stage is submitted now goes one level
  //    after it; one whose previous stage is still running from an earlier submission waits for
  //    that job. A stage's model is unknown until its previous stage has run, so a stage after one
  //    that runs now runs again too, and its init_sha256 is what the cell records when it starts.
  std::map<int64_t, size_t> position;
  for (size_t i = 0; i < cells.size(); ++i) position[cells[i].index] = i;
  std::map<std::string, int64_t> level_of;  // submitted now: cell id → level
  struct Pending {
    std::string id, dataset;
    std::set<std::string> after_jobs;
  };
  std::map<int64_t, std::vector<Pending>> levels;
  for (const auto& c : cells) {
    const std::string id = c.id(), dir = out + "/" + id;
    if (collected.count(id)) continue;
    if (in_flight.count(id)) {
      ++followed;
      continue;
    }
    const PlannedCell* pred = c.depends_on >= 0 && position.count(c.depends_on) ? &cells[position.at(c.depends_on)] : nullptr;
    const bool pred_new = pred && level_of.count(pred->id());
    const bool pred_running = pred && in_flight.count(pred->id());
    const PreparedData& p = prepared.at(c.dataset->label);
    if (auto r = ok_result(dir)) {
      if (!pred_new && !pred_running) {
        const Reuse reuse = reuse_result(suite, c, p, out, opt, *r);
        if (reuse != Reuse::run_again) {
          ++skipped;
          if (reuse == Reuse::kept_stale) ++kept_stale;
          progress.update(++done, id + (reuse == Reuse::complete ? " (complete)" : " (stale, kept)"));
          continue;
        }
      } else {
        spdlog::warn("{}: runs again, after its previous stage {}", id, pred->id());
        clear_cell(dir);
      }
    }
    make_dirs(dir);
    records::CellConfig config = planned_config(suite, c, p, out);
    if (pred_new || pred_running) config.stage.init_sha256 = "";  // the model its previous stage is about to write
    write_config(config, dir);
    if (!pred_new && !pred_running) {
      if (const std::string missing = previous_stage_missing(config, out); !missing.empty()) {
        records::write_cell_result(dir + "/result.json", not_launched(config, p, dir, missing, 0));
        spdlog::error("{}: {}", id, missing);
        finished(id, false);
        continue;
      }
    }
    // The outcome of this attempt is what the cell writes now (a checkpoint stays: a failed cell resumes).
    fs::remove(dir + "/cell.json");
    fs::remove(dir + "/result.json");
    const int64_t level = pred_new ? level_of.at(pred->id()) + 1 : 0;
    level_of[id] = level;
    Pending pending{id, c.dataset->label, {}};
    if (pred_running) pending.after_jobs.insert(in_flight.at(pred->id()));
    levels[level].push_back(std::move(pending));
  }

  // 3. Submit: one array (or several of at most kMaxArrayTasks) per level, each level after the
  //    arrays of the level before. slurm.json is written after every sbatch.
  if (!levels.empty()) {
    const std::string slurm_dir = fs::absolute(out + "/slurm").lexically_normal().string();
    const std::string abs_out = fs::absolute(out).lexically_normal().string();
    make_dirs(slurm_dir + "/logs");
    const std::string script = slurm_dir + "/task.sh";
    write_file_atomic(script, task_script(self_dir() + "/longtail-cell"));
    ::chmod(script.c_str(), 0755);
    const auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::vector<std::string> previous_level;
    for (const auto& [level, pending] : levels) {
      std::vector<std::string> this_level;
      for (size_t from = 0; from < pending.size(); from += kMaxArrayTasks) {
        const size_t to = std::min(pending.size(), from + kMaxArrayTasks);
        SubmittedArray a;
        a.level = level;
        a.list = fmt::format("{}/submit-{}-level{}-{}.cells", slurm_dir, stamp, level, from / kMaxArrayTasks);
        std::set<std::string> after(previous_level.begin(), previous_level.end());
        std::string lines;
        for (size_t i = from; i < to; ++i) {
          a.cells.push_back({pending[i].id, static_cast<int64_t>(i - from)});
          after.insert(pending[i].after_jobs.begin(), pending[i].after_jobs.end());
          lines += abs_out + "/" + pending[i].id + "\n";
          const PreparedData& p = prepared.at(pending[i].dataset);
          a.datasets[pending[i].dataset] = {fs::absolute(p.vocab_dir).string(), p.vocab_sha256, p.shards_fingerprint};
        }
        a.after.assign(after.begin(), after.end());
        write_file_atomic(a.list, lines);
        const ArrayRequest request{fmt::format("longtail-{}-level{}", suite.name, level), script, a.list, slurm_dir + "/logs",
                                   static_cast<int64_t>(a.cells.size()), a.after};
        const Captured c = capture(sbatch_argv(opt.slurm, request));
        if (c.exit_code != 0)
          throw std::runtime_error(fmt::format("sbatch failed ({}): {}", c.exit_code == 127 ? "not found" : fmt::format("exit code {}", c.exit_code),
                                               trim(c.err.empty() ? c.out : c.err)));
        a.job_id = parse_sbatch_job_id(c.out);
        spdlog::info("submitted {} cells as Slurm job array {} (level {}{})", a.cells.size(), a.job_id, level,
                     a.after.empty() ? "" : fmt::format(", after {}", fmt::join(a.after, ", ")));
        submitted += static_cast<int64_t>(a.cells.size());
        this_level.push_back(a.job_id);
        rec.arrays.push_back(std::move(a));
        write_record(out, rec);
      }
      previous_level = this_level;
    }
  }

  if (opt.slurm.no_wait) {
    fmt::print("submitted {} cells to Slurm ({} still running from earlier), {} already complete; `longtail run` follows them "
               "and `longtail report` collects those that have finished ({})\n",
               submitted, followed, skipped, record_path(out));
    return 0;
  }

  // 4. Follow: ask squeue every poll interval; collect each cell as its task ends.
  std::map<std::string, std::string> last_state;  // task → state, to log changes
  auto failing_since = Clock::time_point{};
  while (rec.outstanding() > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.slurm.poll_s));
    const auto active = query_tasks(rec);
    if (!active) {
      if (failing_since == Clock::time_point{}) failing_since = Clock::now();
      if (Clock::now() - failing_since > std::chrono::minutes(5))
        throw std::runtime_error("squeue has failed for 5 minutes; the submitted cells stay in " + record_path(out) +
                                 "; `longtail run` follows them later");
      continue;
    }
    failing_since = Clock::time_point{};
    for (const auto& a : rec.arrays)
      for (const auto& c : a.cells) {
        const auto it = active->find(a.task(c));
        if (it == active->end()) continue;
        std::string& last = last_state[a.task(c)];
        if (last != it->second.state) {
          spdlog::info("{}: {} (Slurm task {}{})", c.id, it->second.state, a.task(c),
                       it->second.reason == "None" ? "" : ", " + it->second.reason);
          last = it->second.state;
        }
      }
    collect_ended(out, rec, *active, finished);
  }
  const int64_t ran = static_cast<int64_t>(cells.size()) - skipped;
  progress.finish(kept_stale ? fmt::format("{} run, {} already complete ({} of them stale, kept), {} failed", ran, skipped, kept_stale, failed)
                             : fmt::format("{} run, {} already complete, {} failed", ran, skipped, failed));
  return failed ? 1 : 0;
}

}  // namespace longtail::grid

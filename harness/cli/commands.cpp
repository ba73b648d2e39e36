#include "harness/cli/commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "eval/cli/cmd_score.h"
#include "harness/common/json_util.h"
#include "harness/grid/executor.h"
#include "harness/grid/planner.h"
#include "harness/grid/process.h"
#include "harness/grid/slurm.h"
#include "harness/grid/suite.h"
#include "methods/method.h"
#include "reports/claims.h"
#include "reports/outputs.h"
#include "reports/report.h"
#include "reports/store.h"

namespace longtail::cli {

namespace json = boost::json;

namespace {

// What `longtail report` (and the end of `longtail run`) does with a run directory.
struct ReportRequest {
  reports::AnalysisOptions analysis;
  std::string formats = "all";  // --format
  std::string db;               // --db: the results store; empty: longtail.sqlite beside the run directory
  bool no_store = false;        // --no-store
  std::string claims_dir;       // --claims DIR; empty: claims/ of the source tree the executable was built in
  const CLI::Option* claims = nullptr;  // --claims (given when its count is > 0)
  bool with_claims() const { return claims && claims->count() > 0; }
};

// claims/ beside the build directory (build/longtail -> <source>/claims).
std::string default_claims_dir() {
  const auto dir = std::filesystem::path(grid::self_dir()).parent_path() / "claims";
  if (!std::filesystem::is_directory(dir))
    throw ConfigError("--claims", "no claims directory at " + dir.string() + "; pass one: --claims DIR");
  return dir.string();
}

// Builds the report (everything in memory first: a bad run writes nothing), writes its files,
// and prints the table.
void print_report(const std::string& dir, const ReportRequest& request) {
  const auto formats = reports::parse_formats(request.formats, "--format " + request.formats);
  reports::LoadOptions load;
  load.split = request.analysis.split;
  const auto cells = reports::load_run(dir, load);
  reports::AnalysisOptions analysis = request.analysis;
  std::vector<reports::ClaimSpec> claims;
  if (request.with_claims()) {
    claims = reports::load_claims(request.claims_dir.empty() ? default_claims_dir() : request.claims_dir);
    // A claim may compare with another system than the report's baseline (001: heating + dense
    // pre-training against plain BASE layers): compare with those the run has too.
    for (const auto& b : reports::claim_baselines(claims))
      if (std::any_of(cells.begin(), cells.end(), [&](const auto& c) { return c.method == b; }))
        analysis.extra_baselines.push_back(b);
  }
  json::object report = reports::build_report(dir, cells, analysis);
  if (request.with_claims()) report["claims"] = reports::evaluate_claims(report, claims);
  const auto written = reports::write_report_files(dir, report, formats);
  fmt::print("{}", reports::format_table(report));
  if (request.with_claims()) fmt::print("\n{}", reports::format_claims(report.at("claims").as_array()));
  for (const auto& path : written) fmt::print("wrote {}\n", path);
  if (!request.no_store) {
    const std::string db = request.db.empty()
                               ? (std::filesystem::absolute(dir).lexically_normal().parent_path() / "longtail.sqlite").string()
                               : request.db;
    const reports::StoreCounts n = reports::store_report(db, report, dir + "/report.json");
    fmt::print("stored {} result rows in {}\n", n.result_rows, db);
  }
}

// The report's options, shared by `run` and `report`.
void add_report_options(CLI::App* app, ReportRequest& r) {
  app->add_option("--baseline", r.analysis.baseline, "method label every other method is compared with (default: the first method)");
  app->add_option("--extra-baseline", r.analysis.extra_baselines,
                  "also compare every method with this one (comparisons and convergence entries in report.json, a "
                  "speed-up column in report.html); repeatable; --claims adds the baselines the claims name")
      ->allow_extra_args(false);
  app->add_option("--alpha", r.analysis.alpha, "significance level of the paired bootstrap tests")
      ->check(CLI::Range(1e-9, 0.5))
      ->capture_default_str();
  app->add_option("--split", r.analysis.split, "split the summary and comparisons score")
      ->check(CLI::IsMember({"test", "dev"}))
      ->capture_default_str();
  app->add_option("--format", r.formats,
                  "files to write besides report.json: a comma-separated list of md (leaderboard.md), latex "
                  "(leaderboard.tex), csv (results.csv), html (report.html), or all")
      ->capture_default_str();
  app->add_option("--db", r.db,
                  "results store (SQLite) the report is added to (default: longtail.sqlite beside the run directory, "
                  "i.e. runs/longtail.sqlite for runs/<suite>)");
  app->add_flag("--no-store", r.no_store, "do not add the report to the results store");
  r.claims = app->add_option("--claims", r.claims_dir,
                  "evaluate the published claims (claims/*.json, docs/claims.md) on this run: whether it supports each, "
                  "with the measured figure; DIR defaults to the source tree's claims/")
      ->expected(0, 1);
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto opt = std::make_shared<grid::SuiteRunOptions>();
  auto suite_path = std::make_shared<std::string>();
  auto* run = app.add_subcommand("run", "run a suite's grid: prepare data, train and score every pending cell, report");
  run->add_option("suite", *suite_path, "suite file (JSON), e.g. suites/quickstart.json")->required();
  run->add_flag("--dry-run", opt->dry_run, "list the grid cells and whether they are complete; run nothing");
  run->add_option("--out", opt->out_dir, "run directory (default: runs/<suite name>)");
  run->add_option("--only", opt->only,
                  "run only matching cells: a glob over the cell id (\"*/exponential/*\") or "
                  "key=value[,key=value] with key dataset|imbalance|method|seed; repeatable");
  run->add_flag("--allow-other-version", opt->allow_other_version,
                "count results made by another longtail version or commit as complete (the configuration and data "
                "must still match)");
  run->add_flag("--keep-stale", opt->keep_stale,
                "keep results that no longer answer the suite instead of re-running them; the report marks them stale");
  auto quiet = std::make_shared<bool>(false);
  run->add_flag("--quiet", *quiet, "do not copy the cells' logs to the terminal");
  run->add_option("-j,--jobs", opt->jobs,
                  "run N cells at once on this machine: one per GPU when there are GPUs (CUDA_VISIBLE_DEVICES or "
                  "nvidia-smi -L), else each with max(1, cores / N) LibTorch threads; a stage starts once the stage "
                  "it continues has finished")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  run->add_option("--executor", opt->executor,
                  "where the cells run: local (child processes of this driver) or slurm (job arrays on a Slurm "
                  "cluster; docs/grid.md)")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  auto* slurm = &opt->slurm;
  const std::string group = "Slurm (--executor slurm)";
  run->add_option("--partition", slurm->partition, "Slurm partition (default: the cluster's)")->group(group);
  run->add_option("--gpus-per-cell", slurm->gpus_per_cell, "GPUs per array task (--gres=gpu:N)")
      ->check(CLI::NonNegativeNumber)->group(group);
  run->add_option("--cpus-per-cell", slurm->cpus_per_cell,
                  "CPUs per array task (--cpus-per-task); the cell's LibTorch gets that many threads")
      ->check(CLI::NonNegativeNumber)->group(group);
  run->add_option("--mem", slurm->mem, "memory per array task (sbatch --mem, e.g. 8G)")->group(group);
  run->add_option("--time", slurm->time, "time limit per array task (sbatch --time, e.g. 2:00:00)")->group(group);
  run->add_option("--max-parallel", slurm->max_parallel, "at most K tasks of an array at once (--array=0-N%K)")
      ->check(CLI::NonNegativeNumber)->group(group);
  run->add_option("--sbatch-arg", slurm->sbatch_args, "one more sbatch argument (--sbatch-arg=--qos=long); repeatable")
      ->allow_extra_args(false)->group(group);
  run->add_flag("--no-wait", slurm->no_wait,
                "return once the cells are submitted (recorded in <out>/slurm.json); a later `longtail run` follows "
                "them and `longtail report` collects those that have finished")
      ->group(group);
  run->add_option("--poll", slurm->poll_s, "seconds between the driver's squeue queries")
      ->check(CLI::PositiveNumber)->capture_default_str()->group(group);
  auto request = std::make_shared<ReportRequest>();
  add_report_options(run, *request);
  run->footer("\nSuite file reference (every key, type, default):\n\n" + grid::suite_reference());
  run->callback([opt, suite_path, quiet, request] {
    opt->echo = !*quiet;
    grid::Suite suite = grid::load_suite(*suite_path);
    const int code = grid::run_suite(suite, *opt);
    if (!opt->dry_run && !(opt->executor == "slurm" && opt->slurm.no_wait)) print_report(grid::run_dir(suite, *opt), *request);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

void add_report_command(CLI::App& app) {
  auto target = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* rep = app.add_subcommand("report", "aggregate a run's result.json files into report.json (summary over seeds, gains with significance, convergence, forgetting, cost), the leaderboards, results.csv and report.html; print the table");
  rep->add_option("target", *target, "a suite file (its default run directory is used) or a run directory")->required();
  rep->add_option("--out", *out, "run directory, when the target is a suite run with --out");
  auto request = std::make_shared<ReportRequest>();
  add_report_options(rep, *request);
  rep->callback([target, out, request] {
    std::string dir = *out;
    if (dir.empty()) {
      if (!std::filesystem::exists(*target))
        throw ConfigError(*target, "no such file or directory; expected a run directory or a suite file");
      dir = std::filesystem::is_directory(*target) ? *target : grid::default_run_dir(grid::load_suite(*target));
    }
    // A run submitted to Slurm with --no-wait: first collect the cells whose tasks have ended.
    if (const int64_t running = grid::collect_slurm_cells(dir))
      fmt::print("{} cells are still queued or running in Slurm ({}/slurm.json); this report leaves them out\n", running, dir);
    print_report(dir, *request);
  });
}

void add_methods_command(CLI::App& app) {
  auto as_json = std::make_shared<bool>(false);
  auto* m = app.add_subcommand("methods", "list the balancing methods, their papers and hyper-parameters");
  m->add_flag("--json", *as_json, "print [{\"name\", \"paper\", \"summary\", \"params\": [...]}, ...]");
  m->callback([as_json] {
    if (*as_json) {
      json::array all;
      for (const auto& s : methods::all_methods())
        all.push_back(json::object{{"name", s.name}, {"paper", s.paper}, {"summary", s.summary},
                                   {"params", table_to_json(s.params)}});
      std::cout << pretty_json(all);
      return;
    }
    for (const auto& s : methods::all_methods()) {
      fmt::print("{}\n  {}\n  {}\n", s.name, s.summary, s.paper);
      if (!s.params.empty()) fmt::print("{}", table_to_text(s.params, "    "));
      fmt::print("\n");
    }
  });
}

void add_score_command(CLI::App& app) {
  // sacreBLEU's flags (-tok, -nr, -pbsn, prefixes, greedy lists) are argparse's, not CLI11's: the
  // arguments after `score` go untouched to run_score.
  auto* score = app.add_subcommand("score", "sacreBLEU 2.6.0's command line: BLEU/chrF/TER of system outputs "
                                            "against references (longtail score -h)");
  score->prefix_command();
  score->set_help_flag();
  score->callback([score] {
    const int code = eval::cli::run_score(score->remaining(), std::cin, std::cout, std::cerr, eval::cli::ScoreEnvironment::from_process());
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace longtail::cli

#include "harness/cli/cmd_check.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/check.h"

namespace longtail::cli {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string report_path_of(const std::string& run_dir) {
  if (fs::is_regular_file(run_dir)) return run_dir;
  const std::string path = (fs::path(run_dir) / "report.json").string();
  if (!fs::exists(path))
    throw ConfigError(path, fmt::format("no such file; run `longtail report {}` first", run_dir));
  return path;
}

namespace {

json::object read_object(const std::string& path) {
  const json::value v = read_json_file(path);
  if (!v.is_object()) throw ConfigError(path + ": $", "expected an object");
  return v.get_object();
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto opt = std::make_shared<reports::CheckOptions>();
  auto as_json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("check", "compare a run's report with a leaderboard; exit 1 when a mean regressed");
  cmd->add_option("run_dir", *run_dir, "run directory holding report.json (or the report file itself)")->required();
  cmd->add_option("--against", opt->leaderboard_path,
                  "leaderboard: a report.json or the output of `longtail store export`")->required();
  cmd->add_option("--tolerance", opt->tolerance, "BLEU points a mean may drop before it counts")->capture_default_str();
  cmd->add_option("--alpha", opt->alpha, "one-sided significance level of a drop")->capture_default_str();
  cmd->add_flag("--per-language", opt->per_language, "compare every language too, not only the groups all/high/low");
  cmd->add_flag("--json", *as_json, "print the comparison as JSON instead of the table");
  cmd->footer("\nExit status: 0 nothing regressed, 1 something regressed, 2 an error (e.g. nothing in common).");
  cmd->callback([run_dir, opt, as_json] {
    opt->report_path = report_path_of(*run_dir);
    if (!fs::exists(opt->leaderboard_path)) throw ConfigError(opt->leaderboard_path, "no such file");
    const reports::CheckResult res =
        reports::check_against(read_object(opt->report_path), read_object(opt->leaderboard_path), *opt);
    if (*as_json)
      fmt::print("{}", pretty_json(reports::check_to_json(res)));
    else
      fmt::print("{}", reports::format_check_table(res));
    if (res.regressed > 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace longtail::cli

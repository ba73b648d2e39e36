// The subcommands of the `longtail` driver.
#pragma once

#include <CLI/CLI.hpp>

namespace longtail::cli {

void add_run_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_methods_command(CLI::App& app);
// `longtail score`: sacreBLEU's command line (eval/cli/cmd_score.h).
void add_score_command(CLI::App& app);

}  // namespace longtail::cli

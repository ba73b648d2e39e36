// `longtail check RUN_DIR --against LEADERBOARD.json`: the regression check (reports/check.h).
#pragma once

#include <CLI/CLI.hpp>

namespace longtail::cli {

// Registers `longtail check`; it exits 1 when a mean regressed, 0 otherwise (2 on errors).
void add_check_command(CLI::App& app);

// RUN_DIR/report.json, or RUN_DIR itself when it is a file; a ConfigError naming it when missing.
std::string report_path_of(const std::string& run_dir_or_file);

}  // namespace longtail::cli

// `longtail store ...`: the SQLite results store (reports/store.h).
#pragma once

#include <CLI/CLI.hpp>

namespace longtail::cli {

// Registers `longtail store` with its subcommands: add (a run's report.json into the store) and
// export (the leaderboard JSON).
void add_store_command(CLI::App& app);

}  // namespace longtail::cli

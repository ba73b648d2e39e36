// `longtail data ...`: build, import, inspect corpora (harness/data).
#pragma once

#include <CLI/CLI.hpp>

namespace longtail::data {

// Registers `longtail data` with its subcommands: build-gettext, import, from-catalogs, stats, show.
void add_data_command(CLI::App& app);

}  // namespace longtail::data

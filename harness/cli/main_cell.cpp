// longtail-cell: trains and evaluates one grid cell (docs/cell-protocol.md). The driver runs it as
// a separate process so that a crash, NaN or out-of-memory fails only this cell. No fmt/spdlog in
// LibTorch programs: LibTorch 2.x wheels bring their own {fmt} (see harness/common/strcat.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "harness/cell/cell.h"

int main(int argc, char** argv) {
  CLI::App app{
      "longtail-cell: train one grid cell from CELL_DIR/config.json and decode its dev/test sets.\n"
      "Writes metrics.jsonl, ckpt/checkpoint.bin, hyp_ids/<lang>.<split>.txt and cell.json into CELL_DIR.\n"
      "Exit code 0 on success, 1 when the cell failed (cell.json has status \"failed\" and the reason), 75 when\n"
      "another process holds CELL_DIR (nothing is touched then)."};
  longtail::cell::CellOptions opts;
  app.add_option("CELL_DIR", opts.cell_dir, "cell directory holding config.json")->required()->check(CLI::ExistingDirectory);
  app.add_flag("--resume", opts.resume, "continue from CELL_DIR/ckpt/checkpoint.bin (from scratch when there is none)");
  app.add_option("--steps-limit", opts.steps_limit,
                 "stop after N steps with a checkpoint and without cell.json (simulates an interruption)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    return longtail::cell::run_cell(opts);
  } catch (const std::exception& e) {  // run_cell reports its own failures; this is a last resort
    std::fprintf(stderr, "longtail-cell: %s\n", e.what());
    return 2;
  }
}

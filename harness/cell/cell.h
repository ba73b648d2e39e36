// One grid cell in its own process (longtail-cell; docs/cell-protocol.md): read CELL_DIR/config.json
// and the shards, train with the cell's method, log metrics.jsonl, checkpoint and resume, decode
// dev/test into hyp_ids/ and write cell.json.
#pragma once

#include <cstdint>
#include <string>

namespace longtail::cell {

struct CellOptions {
  std::string cell_dir;
  bool resume = false;      // continue from cell_dir/ckpt/checkpoint.bin when it exists
  int64_t steps_limit = 0;  // > 0: stop with a checkpoint once this many steps are done (no cell.json)
};

// Exit code of a cell whose directory another process holds (nothing was touched).
constexpr int kCellBusy = 75;

// Runs the cell and returns the process exit code: 0 when it finished (or stopped at
// steps_limit), 1 when it failed (cell.json has status "failed" and the reason), kCellBusy when
// another process holds the cell directory.
int run_cell(const CellOptions& opts);

}  // namespace longtail::cell

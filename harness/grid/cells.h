// The steps of one cell that every executor (local, Slurm) takes the same way: whether a finished
// cell still counts, its planned configuration written to config.json, clearing an attempt, and
// the result of a stage whose previous stage failed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/grid/datasets.h"
#include "harness/grid/planner.h"
#include "harness/records/cell_result.h"

namespace longtail::grid {

struct SuiteRunOptions;

// The cell's result when it finished well; none when there is none, it failed or is unreadable.
std::optional<records::CellResult> ok_result(const std::string& cell_dir);

// A stage's configuration names the model it starts from by content (stage.init_sha256, "" while
// that model.bin does not exist), so that a stage whose previous stage was trained again is stale.
records::CellConfig planned_config(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out);

// Writes config.json; a changed configuration clears the cell's earlier attempt (it starts over
// instead of resuming).
void write_config(const records::CellConfig& config, const std::string& dir);

// Clears what a cell's earlier attempt left, so it runs from scratch.
void clear_cell(const std::string& dir);

// What to do with a cell that has a successful result: keep it (complete, or stale but kept with
// --keep-stale; the result's stale marks are brought up to date) or run it again (cleared).
enum class Reuse { complete, kept_stale, run_again };
Reuse reuse_result(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out,
                   const SuiteRunOptions& opt, records::CellResult& result);

// The reason a stage cannot start: its previous stage has no successful result or no model.bin
// (`config.stage.init_sha256` empty); "" when it can (or the cell is no stage).
std::string previous_stage_missing(const records::CellConfig& config, const std::string& out);

// The failed result of a cell that was not launched, with `reason` (a stage whose previous stage
// failed).
records::CellResult not_launched(const records::CellConfig& config, const PreparedData& p, const std::string& dir,
                                 const std::string& reason, double wall_s);

}  // namespace longtail::grid

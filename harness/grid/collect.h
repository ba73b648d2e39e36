// Collecting a launched cell: from its directory (cell.json, hyp_ids/) to its records::CellResult.
// The hypotheses are detokenised (longtail-text decode-dir), scored against the corpus's raw
// references (eval/scorer) and joined with the cell's own figures from cell.json and the
// provenance of the data. A cell that failed (its process, its decoding or its scoring) gives a
// failed result with the reason. A stage's recorded configuration names the model.bin it started
// from as the cell saw it (cell.json "init_sha256"), which the driver may not have known when it
// planned the cell (a Slurm stage submitted before its previous stage ran).
#pragma once

#include <string>

#include "harness/grid/datasets.h"
#include "harness/grid/process.h"
#include "harness/records/cell_result.h"

namespace longtail::grid {

records::CellResult collect_result(const records::CellConfig& config, const PreparedData& data, const std::string& cell_dir,
                                   const ProcessResult& launched, bool echo, const std::string& echo_prefix = {});

}  // namespace longtail::grid

// Grid planning: the cells of a suite (datasets × imbalance × [models ×] methods × seeds), their directories,
// the --only filter, and each cell's resolved configuration (records::CellConfig, config.json).
#pragma once

#include <string>
#include <vector>

#include "harness/grid/datasets.h"
#include "harness/grid/suite.h"
#include "harness/records/cell_config.h"

namespace longtail::grid {

struct PlannedCell {
  const DatasetSpec* dataset;
  const ImbalanceSpec* imbalance;
  const ModelEntry* model;
  const MethodEntry* method;
  int64_t seed;
  int64_t index;  // position in the full grid (suite order); reports list cells in this order
  // Continual suites: the stage (0 = the shared base model, whose `method` is continual.base_method)
  // and the index of the cell it starts from (the previous stage; −1 for none).
  int64_t stage = 0;
  int64_t depends_on = -1;
  bool staged = false;

  // "gettext/natural/temperature/seed1" ("gettext/natural/<model>/temperature/seed1" with a
  // `models` list): also the cell's path below the run directory.
  std::string id() const;
};

// Cartesian product in suite order (datasets, then imbalance, then models, then methods, then seeds).
// A continual suite has, per dataset × imbalance × model, the stage-0 cells (one per seed) first,
// then per update method and seed its stages 1..U, each depending on the one before; ids end in
// "/stage<u>". A cell always comes after the cell it depends on.
std::vector<PlannedCell> plan_cells(const Suite& suite);

// Keeps the cells matching any filter. A filter is either a glob over the cell id
// ("*/exponential/*") or key=value with key dataset|imbalance|model|method|seed|stage ("method=uniform");
// several key=value pairs joined by ',' must all hold. No filters keep everything. The cells a kept
// cell depends on (its earlier stages) are kept too. `cells` is the full plan.
std::vector<PlannedCell> filter_cells(const std::vector<PlannedCell>& cells, const std::vector<std::string>& filters);

// The cell's resolved configuration over its prepared dataset: what config.json holds.
records::CellConfig cell_config(const Suite& suite, const PlannedCell& cell, const PreparedData& data);

// Default output directory of a suite: runs/<suite name>.
std::string default_run_dir(const Suite& suite);

}  // namespace longtail::grid

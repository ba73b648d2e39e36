// Grid planning: the cells of a suite (datasets × imbalance × methods × seeds), their directories
// and the --only filter.
#pragma once

#include <string>
#include <vector>

#include "harness/grid/suite.h"

namespace longtail::grid {

struct Cell {
  const DatasetSpec* dataset;
  const ImbalanceSpec* imbalance;
  const MethodEntry* method;
  int64_t seed;
  int64_t index;  // position in the full grid (suite order); reports list cells in this order

  // "gettext/natural/temperature/seed1": also the cell's path below the run directory.
  std::string id() const;
};

// Cartesian product in suite order (datasets, then imbalance, then methods, then seeds).
std::vector<Cell> plan_cells(const Suite& suite);

// Keeps the cells matching any filter. A filter is either a glob over the cell id
// ("*/exponential/*") or key=value with key dataset|imbalance|method|seed ("method=uniform");
// several key=value pairs joined by ',' must all hold. No filters keep everything.
std::vector<Cell> filter_cells(const std::vector<Cell>& cells, const std::vector<std::string>& filters);

// Default output directory of a suite: runs/<suite name>.
std::string default_run_dir(const Suite& suite);

}  // namespace longtail::grid

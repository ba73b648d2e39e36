#include "harness/grid/planner.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <sstream>

#include "harness/common/options.h"

namespace longtail::grid {

std::string Cell::id() const {
  return fmt::format("{}/{}/{}/seed{}", dataset->label, imbalance->label, method->label, seed);
}

std::vector<Cell> plan_cells(const Suite& suite) {
  std::vector<Cell> cells;
  for (const auto& d : suite.datasets)
    for (const auto& im : suite.imbalances)
      for (const auto& m : suite.methods)
        for (int64_t seed : suite.seeds)
          cells.push_back(Cell{&d, &im, &m, seed, static_cast<int64_t>(cells.size())});
  return cells;
}

namespace {

bool matches(const Cell& c, const std::string& filter) {
  if (filter.find('=') == std::string::npos) return ::fnmatch(filter.c_str(), c.id().c_str(), 0) == 0;
  std::stringstream ss(filter);
  std::string clause;
  while (std::getline(ss, clause, ',')) {
    auto eq = clause.find('=');
    if (eq == std::string::npos) throw ConfigError("--only", fmt::format("expected key=value in \"{}\"", clause));
    std::string key = clause.substr(0, eq), value = clause.substr(eq + 1), actual;
    if (key == "dataset") actual = c.dataset->label;
    else if (key == "imbalance") actual = c.imbalance->label;
    else if (key == "method") actual = c.method->label;
    else if (key == "seed") actual = std::to_string(c.seed);
    else throw ConfigError("--only", fmt::format("unknown key \"{}\"; expected dataset, imbalance, method or seed", key));
    if (::fnmatch(value.c_str(), actual.c_str(), 0) != 0) return false;
  }
  return true;
}

}  // namespace

std::vector<Cell> filter_cells(const std::vector<Cell>& cells, const std::vector<std::string>& filters) {
  if (filters.empty()) return cells;
  std::vector<Cell> kept;
  for (const auto& c : cells)
    for (const auto& f : filters)
      if (matches(c, f)) {
        kept.push_back(c);
        break;
      }
  return kept;
}

std::string default_run_dir(const Suite& suite) { return "runs/" + suite.name; }

}  // namespace longtail::grid

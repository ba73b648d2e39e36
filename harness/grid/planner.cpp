#include "harness/grid/planner.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <filesystem>
#include <sstream>

#include "harness/common/options.h"

namespace longtail::grid {

std::string PlannedCell::id() const {
  if (model->label.empty()) return fmt::format("{}/{}/{}/seed{}", dataset->label, imbalance->label, method->label, seed);
  return fmt::format("{}/{}/{}/{}/seed{}", dataset->label, imbalance->label, model->label, method->label, seed);
}

std::vector<PlannedCell> plan_cells(const Suite& suite) {
  std::vector<PlannedCell> cells;
  for (const auto& d : suite.datasets)
    for (const auto& im : suite.imbalances)
      for (const auto& mo : suite.models)
        for (const auto& m : suite.methods)
          for (int64_t seed : suite.seeds)
            cells.push_back(PlannedCell{&d, &im, &mo, &m, seed, static_cast<int64_t>(cells.size())});
  return cells;
}

namespace {

bool matches(const PlannedCell& c, const std::string& filter) {
  if (filter.find('=') == std::string::npos) return ::fnmatch(filter.c_str(), c.id().c_str(), 0) == 0;
  std::stringstream ss(filter);
  std::string clause;
  while (std::getline(ss, clause, ',')) {
    auto eq = clause.find('=');
    if (eq == std::string::npos) throw ConfigError("--only", fmt::format("expected key=value in \"{}\"", clause));
    std::string key = clause.substr(0, eq), value = clause.substr(eq + 1), actual;
    if (key == "dataset") actual = c.dataset->label;
    else if (key == "imbalance") actual = c.imbalance->label;
    else if (key == "model") actual = c.model->label;
    else if (key == "method") actual = c.method->label;
    else if (key == "seed") actual = std::to_string(c.seed);
    else throw ConfigError("--only", fmt::format("unknown key \"{}\"; expected dataset, imbalance, model, method or seed", key));
    if (::fnmatch(value.c_str(), actual.c_str(), 0) != 0) return false;
  }
  return true;
}

}  // namespace

std::vector<PlannedCell> filter_cells(const std::vector<PlannedCell>& cells, const std::vector<std::string>& filters) {
  if (filters.empty()) return cells;
  std::vector<PlannedCell> kept;
  for (const auto& c : cells)
    for (const auto& f : filters)
      if (matches(c, f)) {
        kept.push_back(c);
        break;
      }
  return kept;
}

records::CellConfig cell_config(const Suite& suite, const PlannedCell& c, const PreparedData& p) {
  records::CellConfig cfg;
  cfg.cell = {suite.name, c.dataset->label, c.imbalance->label, c.model->label, c.method->label, c.seed, c.id(), c.index};
  cfg.method = c.method->name;
  cfg.method_params = c.method->params;
  cfg.imbalance = c.imbalance->params;
  cfg.model = c.model->config;
  cfg.train = Options(suite.train, "$.train");
  cfg.eval = Options(suite.eval, "$.eval");
  cfg.groups = data::group_spec_from_json(suite.groups);
  cfg.data.source = c.dataset->source;
  cfg.data.direction = c.dataset->direction;
  cfg.data.languages = p.data.languages;
  for (const auto& l : p.data.languages) {
    cfg.data.train_pairs[l] = p.sizes.at(c.imbalance->label).at(l);
    cfg.data.natural_pairs[l] = p.data.natural.at(l);
  }
  cfg.data.subsample_seed = c.seed;
  cfg.data.corpus = p.data.corpus.dir;
  cfg.data.shards = std::filesystem::absolute(p.shard_dir).string();
  cfg.data.vocab = std::filesystem::absolute(p.vocab_dir + "/vocab.json").string();
  cfg.data.corpus_fingerprint = p.data.corpus.fingerprint;
  return cfg;
}

std::string default_run_dir(const Suite& suite) { return "runs/" + suite.name; }

}  // namespace longtail::grid

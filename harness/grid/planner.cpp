#include "harness/grid/planner.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "harness/common/options.h"
#include "methods/method.h"

namespace longtail::grid {

namespace json = boost::json;

std::string PlannedCell::id() const {
  std::string id = model->label.empty() ? fmt::format("{}/{}/{}/seed{}", dataset->label, imbalance->label, method->label, seed)
                                        : fmt::format("{}/{}/{}/{}/seed{}", dataset->label, imbalance->label, model->label, method->label, seed);
  if (staged) id += fmt::format("/stage{}", stage);
  return id;
}

std::vector<PlannedCell> plan_cells(const Suite& suite) {
  std::vector<PlannedCell> cells;
  auto add = [&](PlannedCell c) {
    c.index = static_cast<int64_t>(cells.size());
    cells.push_back(c);
    return c.index;
  };
  for (const auto& d : suite.datasets)
    for (const auto& im : suite.imbalances)
      for (const auto& mo : suite.models) {
        if (!suite.continual.enabled) {
          for (const auto& m : suite.methods)
            for (int64_t seed : suite.seeds) add(PlannedCell{&d, &im, &mo, &m, seed, 0});
          continue;
        }
        std::map<int64_t, int64_t> base;  // seed → its stage-0 cell
        for (int64_t seed : suite.seeds) {
          PlannedCell c{&d, &im, &mo, &suite.continual.base_method, seed, 0};
          c.staged = true;
          base[seed] = add(c);
        }
        for (const auto& m : suite.methods)
          for (int64_t seed : suite.seeds) {
            int64_t previous = base.at(seed);
            for (size_t u = 1; u <= suite.continual.stages.size(); ++u) {
              PlannedCell c{&d, &im, &mo, &m, seed, 0};
              c.staged = true;
              c.stage = static_cast<int64_t>(u);
              c.depends_on = previous;
              previous = add(c);
            }
          }
      }
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
    else if (key == "stage") actual = std::to_string(c.stage);
    else throw ConfigError("--only", fmt::format("unknown key \"{}\"; expected dataset, imbalance, model, method, seed or stage", key));
    if (::fnmatch(value.c_str(), actual.c_str(), 0) != 0) return false;
  }
  return true;
}

}  // namespace

std::vector<PlannedCell> filter_cells(const std::vector<PlannedCell>& cells, const std::vector<std::string>& filters) {
  if (filters.empty()) return cells;
  std::vector<bool> keep(cells.size(), false);
  for (const auto& c : cells)
    for (const auto& f : filters)
      if (matches(c, f)) {
        keep[static_cast<size_t>(c.index)] = true;
        break;
      }
  // A stage needs the stages before it: walk back from the last cell (dependencies come first).
  for (size_t i = cells.size(); i-- > 0;)
    if (keep[i] && cells[i].depends_on >= 0) keep[static_cast<size_t>(cells[i].depends_on)] = true;
  std::vector<PlannedCell> kept;
  for (const auto& c : cells)
    if (keep[static_cast<size_t>(c.index)]) kept.push_back(c);
  return kept;
}

namespace {

// The stage's share of each language's training subset, as ranges of its partition order: stage
// 0 takes the first ⌊base_fraction·m⌋ positions; of the H held back, update stage u takes the next
// ⌊fraction_u·H⌋ after the stages before it that train the language.
void stage_config(const Suite& suite, const PlannedCell& c, records::CellConfig& cfg) {
  const ContinualSpec& spec = suite.continual;
  records::CellConfig::Stage& st = cfg.stage;
  st.enabled = true;
  cfg.cell.stage = c.stage;
  st.partition_seed = static_cast<uint64_t>(c.seed);
  std::vector<records::CellConfig::Ranges> by_stage(spec.stages.size() + 1);
  for (const auto& l : cfg.data.languages) {
    const int64_t m = cfg.data.train_pairs.at(l);
    const auto base = static_cast<int64_t>(std::floor(spec.base_fraction * static_cast<double>(m)));
    if (base == 0) throw ConfigError(suite.file, fmt::format("$.continual.base_fraction: gives {} no pairs of its {} in stage 0", l, m));
    by_stage[0][l] = {{0, base}};
    int64_t offset = base;
    for (size_t u = 0; u < spec.stages.size(); ++u) {
      const StageSpec& s = spec.stages[u];
      if (std::find(s.languages.begin(), s.languages.end(), l) == s.languages.end()) continue;
      const auto n = static_cast<int64_t>(std::floor(s.fraction * static_cast<double>(m - base)));
      if (n == 0)
        throw ConfigError(suite.file, fmt::format("{}.fraction: gives {} no pairs (it holds back {} of its {})", s.json_path, l, m - base, m));
      by_stage[u + 1][l] = {{offset, offset + n}};
      offset += n;
    }
  }
  // Stage languages the corpus does not have (a dataset without a language list).
  for (size_t u = 0; u < spec.stages.size(); ++u)
    for (const auto& l : spec.stages[u].languages)
      if (!by_stage[u + 1].count(l))
        throw ConfigError(suite.file, fmt::format("{}.languages: \"{}\" is not a language of dataset {} ({})", spec.stages[u].json_path, l,
                                                  c.dataset->label, fmt::join(cfg.data.languages, ", ")));
  const auto u = static_cast<size_t>(c.stage);
  st.train = by_stage[u];
  if (u > 0) {
    st.previous = by_stage[u - 1];
    for (size_t v = 0; v < u; ++v)
      for (const auto& [l, r] : by_stage[v]) st.earlier[l].insert(st.earlier[l].end(), r.begin(), r.end());
    const StageSpec& s = spec.stages[u - 1];
    json::object train = spec.update_train;
    train["steps"] = s.steps;
    cfg.train = Options(std::move(train), "$.train");
    if (const auto* spec = methods::find_method(c.method->name); spec && spec->adapt_model)
      spec->adapt_model(Options(c.method->params, c.method->json_path + ".params"), cfg.model);  // LoRA, adapters
    PlannedCell previous = c;
    previous.stage = c.stage - 1;
    if (previous.stage == 0) previous.method = &spec.base_method;
    st.init_from = previous.id();
  } else {
    for (const auto& m : suite.methods) st.update_methods.push_back(m.label);
  }
}

}  // namespace

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
  if (c.staged) stage_config(suite, c, cfg);
  return cfg;
}

std::string default_run_dir(const Suite& suite) { return "runs/" + suite.name; }

}  // namespace longtail::grid

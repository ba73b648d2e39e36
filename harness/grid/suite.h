// Suite files: declarative grids of datasets × imbalance profiles × [models ×] methods × seeds,
// with one budget and evaluation setting and one model (or a `models` list: a grid dimension). Everything that can be checked without data is checked
// at load time; errors name the file and the JSON path.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness/common/options.h"
#include "harness/data/resource_groups.h"
#include "harness/model/model_config.h"

namespace longtail::grid {

struct DatasetSpec {
  std::string label;      // directory name in the run tree
  std::string source;     // gettext | catalogs | ted | opus100 | plain
  std::string path;       // data location for non-built-in sources ("" for gettext)
  std::string direction;  // en-x | x-en
  std::vector<std::string> languages;  // empty = all the corpus has (after max_languages)
  int64_t max_languages = 0;           // keep the N largest languages (0 = all)
  boost::json::object corpus;          // resolved corpus options (split sizes, minimum pairs)
  std::string json_path;
};

struct ImbalanceSpec {
  std::string label;
  boost::json::object params;  // resolved; "profile" plus that profile's parameters
  std::string json_path;
};

struct MethodEntry {
  std::string label;
  std::string name;
  boost::json::object params;  // resolved against the method's table
  std::string json_path;
};

// One model of the grid. `label` is "" for the suite's single `model` (cells keep the path
// <dataset>/<imbalance>/<method>/seed<k>); with a `models` list every entry has a label, which
// becomes a level of the run tree and part of the system label "<model>/<method>" in reports.
struct ModelEntry {
  std::string label;
  model::ModelConfig config;
  std::string json_path;
};

// Continual learning (docs/continual.md): stage 0 trains a base model on `base_fraction` of every
// language's training pairs with `base_method`; each later stage fine-tunes the previous stage's
// model on new pairs of its languages only, held back from stage 0, with one of the suite's update
// methods. Stage 0 is trained once per dataset × imbalance × model × seed and shared by them all.
struct StageSpec {
  std::vector<std::string> languages;
  int64_t steps = 0;
  double fraction = 1.0;  // share of each of its languages' held-back pairs
  std::string json_path;
};
struct ContinualSpec {
  bool enabled = false;
  double base_fraction = 0.5;
  MethodEntry base_method;         // label: the directory of the stage-0 cells
  boost::json::object update_train;  // train options of the update stages (the suite's, overridden), resolved
  std::vector<StageSpec> stages;   // stages 1..U
};

struct Suite {
  std::string file;
  std::string name;
  std::string description;
  std::vector<DatasetSpec> datasets;
  std::vector<ImbalanceSpec> imbalances;
  std::vector<MethodEntry> methods;
  std::vector<int64_t> seeds;
  std::vector<ModelEntry> models;  // one entry (label "") for `model`; the `models` list otherwise
  boost::json::object train, eval, vocab, groups;
  ContinualSpec continual;  // enabled: a continual suite (its methods are update methods)
};

// The option tables of the suite file (top level, dataset entries, vocabulary; the groups table is
// data::group_options).
const OptionTable& suite_options();
const OptionTable& dataset_options();
const OptionTable& vocab_options();
const OptionTable& continual_options();
const OptionTable& stage_options();


// Parses and validates a suite file. Throws ConfigError("<file>: $.path: what was expected").
Suite load_suite(const std::string& path);

// The resource groups against the training languages (empty: not known yet): a language in both
// groups, or one that is not trained, is a ConfigError naming the file and $.groups path.
void check_groups(const data::GroupSpec& groups, const std::vector<std::string>& trained, const std::string& file);

// Every option table a suite file uses, as text (for `longtail run --help`).
std::string suite_reference();

}  // namespace longtail::grid

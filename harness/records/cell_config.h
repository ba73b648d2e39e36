// CellConfig: the resolved configuration of one grid cell — what `config.json` holds
// (docs/cell-protocol.md). The planner (harness/grid) builds it and writes it; the cell
// (harness/cell) reads it; result.json carries a copy. to_json/from_json are the only code that
// knows its JSON form.
//
// Versions: config.json starts with "schema": "longtail-cell-config-v1". A config.json without one
// was written before the key existed and is read as v1, so existing run directories keep resuming;
// any other schema is an error naming it.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/common/options.h"
#include "harness/data/resource_groups.h"
#include "harness/model/model_config.h"

namespace longtail::records {

inline constexpr const char* kCellConfigSchema = "longtail-cell-config-v1";

struct CellConfig {
  // "cell": where the cell sits in its suite's grid.
  struct Identity {
    std::string suite, dataset, imbalance;  // labels (directory names)
    std::string model;   // the model's label with a `models` list; "" for a suite's single model
    std::string method;
    int64_t seed = 0;
    std::string id;          // "<dataset>/<imbalance>/[<model>/]<method>/seed<k>": the cell's path in the run directory
    int64_t grid_index = 0;  // position in the full grid (suite order)
    int64_t stage = 0;       // continual suites: 0 = the base model, 1.. = update stages
    // What reports compare: the method, or "<model>/<method>" when the grid has several models.
    std::string system() const { return model.empty() ? method : model + "/" + method; }
  } cell;
  std::string method;                 // registered method name
  boost::json::object method_params;  // resolved against the method's option table
  boost::json::object imbalance;      // the imbalance profile, resolved ("profile" + its parameters)
  model::ModelConfig model;
  Options train, eval;                // resolved against train::train_options() / eval_options()
  data::GroupSpec groups;             // the suite's resource groups
  // "data": the cell's prepared data.
  struct Data {
    std::string source;                          // gettext | catalogs | ted | opus100 | plain
    std::string direction = "en-x";              // en-x | x-en
    std::vector<std::string> languages;          // training languages, suite order
    std::map<std::string, int64_t> train_pairs;  // after the imbalance profile
    std::map<std::string, int64_t> natural_pairs;
    int64_t subsample_seed = 0;                  // the training subset is the first train_pairs of this seed's permutation
    std::string corpus, shards, vocab;           // corpus directory, shard directory, vocab.json (absolute)
    std::string corpus_fingerprint;
  } data;

  // A stage of continual learning (docs/continual.md), present in continual suites only. Every
  // language of data.languages is evaluated; only those with `train` ranges are trained on. The
  // ranges index each language's partition order: a permutation (data::partition_order, seeded by
  // partition_seed) of its training subset (data.train_pairs of data.subsample_seed's permutation).
  using Ranges = std::map<std::string, std::vector<std::pair<int64_t, int64_t>>>;  // lang → [begin, end) list
  struct Stage {
    bool enabled = false;
    uint64_t partition_seed = 0;
    Ranges train;     // this stage's pairs
    Ranges previous;  // the previous stage's pairs (EWC's Fisher)
    Ranges earlier;   // every earlier stage's pairs (replay)
    std::string init_from;  // the previous stage's cell id (its directory below the run's), whose model.bin this stage starts from ("" at stage 0)
    std::string init_sha256;  // SHA-256 of that model.bin when the stage was launched (the driver's; "" at stage 0)
    std::vector<std::string> update_methods;  // stage 0: the labels of the update methods that start from it
  } stage;

  bool en_to_x() const { return data.direction == "en-x"; }
  // Languages trained in this cell: all of data.languages, or those with stage.train ranges.
  std::vector<std::string> trained_languages() const;
  // One flag per language (data.languages order): high-resource under `groups`.
  std::vector<bool> high_resource_flags() const;
  std::vector<std::string> high_resource_languages() const;
};

// The JSON of config.json, keys in the documented order.
boost::json::object to_json(const CellConfig& c);
// Parses and checks config.json's object; errors name `where` ("<file>: $") and the JSON path.
CellConfig cell_config_from_json(const boost::json::value& v, const std::string& where);
CellConfig read_cell_config(const std::string& path);
void write_cell_config(const std::string& path, const CellConfig& c);

}  // namespace longtail::records

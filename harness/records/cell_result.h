// CellResult: what one grid cell produced — `result.json` (schema: docs/report-schema.md, checked
// against this type by tests/unit/core/test_records.cpp). The grid's collector writes it (scores
// of the decoded outputs + the cell's own figures from cell.json); reports read it. to_json /
// cell_result_from_json are the only code that knows its JSON form.
//
// Versions: result.json starts with "schema": "longtail-cell-result-v1"; a result.json without one
// was written before the key existed and is read as v1; any other schema is an error naming it.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/records/cell_config.h"

namespace longtail::records {

inline constexpr const char* kCellResultSchema = "longtail-cell-result-v1";

struct SplitScores {
  double bleu = 0, chrf = 0;
  int64_t segments = 0;
};

struct LanguageResult {
  int64_t train_pairs = 0, natural_pairs = 0;
  std::optional<double> dev_loss;             // per-token dev NLL at the end of training (null: none)
  std::vector<std::pair<std::string, SplitScores>> splits;  // "dev" / "test": those scored, in eval.splits order
  double bleu = 0, chrf = 0;                  // the headline: test when scored, else the first split
};

// The cell's own figures (cell.json), present when it trained to the end.
struct TrainingFigures {
  std::string device, torch_version, precision;
  int64_t steps = 0;
  double tokens_per_s = 0;
  double train_wall_s = 0;  // the cell process's wall time, training and decoding, across resumes
  std::vector<std::string> high, low;  // the resource groups it trained with
  boost::json::object diagnostics;     // docs/report-schema.md: method-dependent training diagnostics
};

struct CellResult {
  // Labels and what ran.
  std::string dataset, imbalance, method, method_name;
  boost::json::object method_params;
  int64_t seed = 0;
  std::string direction;
  // Provenance.
  std::string longtail_version, git_commit, corpus_fingerprint, vocab_sha256;
  std::string shards_fingerprint;  // over the token shards' checksums (empty in results made before it existed)
  // Outcome.
  bool ok = false;
  std::string reason;  // why it failed (empty when ok)
  std::vector<std::pair<std::string, LanguageResult>> languages;  // suite order; empty when failed
  boost::json::object scorer;                                     // {bleu, chrf}: sacreBLEU signatures
  std::optional<TrainingFigures> training;
  double wall_time_s = 0;  // launch to result, as the driver saw it
  // Why the result no longer answers its suite, when a run kept it anyway (longtail run
  // --keep-stale); empty for a current result.
  std::vector<std::string> stale;
  std::optional<CellConfig> config;

  // Position in the suite's grid (config.cell.grid_index); none for a result without a config.
  std::optional<int64_t> grid_index() const;
};

// The figures from result.json (wall_key "train_wall_s") or from a cell's cell.json ("wall_s").
TrainingFigures training_figures_from_json(const boost::json::object& o, const std::string& where, const char* wall_key);

boost::json::object to_json(const CellResult& r);
CellResult cell_result_from_json(const boost::json::value& v, const std::string& where);
CellResult read_cell_result(const std::string& path);
void write_cell_result(const std::string& path, const CellResult& r);

}  // namespace longtail::records

// A run directory as the report reads it: every result.json, and what each cell left beside it —
// the dev curve (metrics.jsonl), the decoded outputs (hyps/) scored segment by segment against the
// run's references (<dataset>/refs/) for the significance tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/scorer/significance.h"
#include "harness/records/cell_result.h"

namespace longtail::reports {

// One dev evaluation: per-language dev loss at `step`, with the tokens trained and training
// seconds spent by then (from the last train record at or before the step).
struct DevPoint {
  int64_t step = 0;
  double tokens = 0, seconds = 0;
  std::map<std::string, double> lang_loss;
};

struct LanguageData {
  std::string code;
  double bleu = 0, chrf = 0;                // on the report's split
  std::optional<double> dev_loss;           // at the end of training
  int64_t train_pairs = 0, natural_pairs = 0;
  bool high = false;
  // The cell trained on it: every language of a plain cell, a continual stage's own languages
  // (config.json's stage.train) — what the report's `stages` split its gains and forgetting by.
  bool trained = false;
  eval::SegmentStats bleu_segments;         // BLEU statistics per segment of the split
};

struct CellData {
  std::string file;  // its result.json
  records::CellResult result;
  // The aggregation key: labels, and the stage (0 for a plain run; continual runs number theirs).
  std::string dataset, imbalance, method;
  int64_t seed = 0, stage = 0;
  bool ok = false;
  std::vector<LanguageData> languages;  // ok cells: suite order
  std::vector<DevPoint> dev_curve;      // step order
  double tokens = 0;                    // trained (metrics.jsonl; else tokens/s × wall)
  std::string config_sha256;            // of the cell's config.json object (empty without one)
};

struct LoadOptions {
  std::string split = "test";      // the split scored for the summary and the comparisons
  bool segment_statistics = true;  // score hyps/ against refs/ (needed for p-values)
};

// Reads every <run_dir>/**/result.json in grid order. Errors (ConfigError) name the file: no
// results, a corrupt result.json, a cell that did not score `split`, a missing or short
// hyps/refs file.
std::vector<CellData> load_run(const std::string& run_dir, const LoadOptions& options = {});

// Continual runs: each stage-0 cell once per update method that starts from it (labelled as that
// method), so every method's stages line up with the same base. Other cells pass through.
std::vector<CellData> share_base_stages(std::vector<CellData> cells);

// The dev curve of metrics.jsonl: its "dev" records, with tokens and seconds of the train records.
// Errors name the file and line.
std::vector<DevPoint> read_dev_curve(const std::string& metrics_file);

}  // namespace longtail::reports

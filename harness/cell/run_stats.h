// Run statistics of a cell: what the training loop accumulates between two log lines (a window)
// and over the whole run, for the train lines of metrics.jsonl and cell.json's "diagnostics"
// (docs/training.md). Part of the checkpoint, so a resume in the middle of a window logs the
// same averages as the uninterrupted run.
#pragma once

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/train/checkpoint.h"
#include "harness/train/step.h"

namespace longtail::cell {

// Running mean and variance (Welford): exact to serialise, stable for long runs.
struct Welford {
  int64_t n = 0;
  double mean = 0, m2 = 0;
  void add(double x);
  double variance() const { return n > 1 ? m2 / static_cast<double>(n - 1) : std::nan(""); }  // sample variance
  void save(train::ByteWriter& w) const { w.i64(n), w.f64(mean), w.f64(m2); }
  void load(train::ByteReader& r) { n = r.i64(), mean = r.f64(), m2 = r.f64(); }
};

// Sums of the measured per-language gradient cosines (per pair) and conflict fractions.
struct GradientCosines {
  std::vector<double> sum, n;  // [L·L]
  double conflict_sum = 0, conflict_n = 0, measurements = 0;
  void reset(size_t langs);
  void add(const train::StepResult& r);
  void save(train::ByteWriter& w) const;
  void load(train::ByteReader& r);
  // {lang: {lang: mean cosine | null}} and the mean conflict fraction (null when never measured).
  boost::json::object matrix(const std::vector<std::string>& langs) const;
  boost::json::value conflict() const;
};

// What both a window and the whole run count: examples trained per language (the effective p),
// measured per-language gradient norms and cosines, and the mini-batch gradient norm.
struct StepTally {
  std::vector<double> lang_examples;
  std::vector<double> lang_gnorm_sum, lang_gnorm_n;
  GradientCosines cosines;
  Welford grad_norm;  // before clipping
  void reset(size_t langs);
  void add(const train::StepResult& r, const std::vector<int64_t>& examples);
  // {lang: share of the examples}: the effective sampling distribution.
  boost::json::object sampled_fraction(const std::vector<std::string>& langs) const;
  // {lang: mean measured gradient norm | null}; *measured tells whether any was measured.
  boost::json::object lang_grad_norm(const std::vector<std::string>& langs, bool* measured = nullptr) const;
  // {lang: examples / training rows}: epochs consumed.
  boost::json::object epochs(const std::vector<std::string>& langs, const std::vector<double>& rows) const;
};

// Between two log lines: the tally plus the per-language train loss.
struct LossWindow {
  std::vector<double> lang_sum, lang_tokens;
  StepTally tally;
  void reset(size_t langs);
  void add(const train::StepResult& r, const std::vector<int64_t>& examples);
  double loss() const;  // Σ loss / Σ target tokens (NaN when empty)
};

// Counters that are neither model, optimizer, RNG nor batcher state.
struct RunStats {
  double elapsed_s = 0;    // wall time of the run so far, across resumes
  double step_time_s = 0;  // time inside train_step (for tokens/s)
  int64_t tokens = 0;      // non-pad source + target tokens trained on
  double train_loss_final = std::nan("");
  LossWindow window;
  StepTally run;              // the whole run (cell.json "diagnostics")
  double window_var_sum = 0;  // Σ of the logged windows' gradient-norm variances
  int64_t window_var_n = 0;

  void reset(size_t langs);
  void add(const train::StepResult& r, const std::vector<int64_t>& examples);

  // The train line's window fields, then starts a new window. `rows` are the training rows per
  // language (for epochs).
  boost::json::object close_window(const std::vector<std::string>& langs, const std::vector<double>& rows);
  // cell.json "diagnostics".
  boost::json::object diagnostics(const std::vector<std::string>& langs, const std::vector<double>& rows,
                                  const std::string& grad_cosine_params) const;

  // The checkpoint's trainer_state blob (layout fixed since checkpoint version 1).
  std::string save() const;
  void load(const std::string& blob, size_t langs);
};

boost::json::value number_or_null(double x);

// What the BASE layers routed (docs/sparse.md "Diagnostics"): {expert_load: {layer: [tokens per
// expert]}, expert_usage: {layer: {lang: [tokens per expert]}}, routing_entropy: {layer: mean nats
// per routed token | null}, auction_iterations: {layer: mean rounds per forward | null}}. Empty for
// a dense model.
boost::json::object routing_json(const train::RoutingTally& tally, const std::vector<std::string>& langs);

}  // namespace longtail::cell

// The answers a run gives, from its cells (run_data.h): per method × dataset × imbalance × stage,
// the mean ± std and 95% CI over seeds; gains against a baseline with sacreBLEU's paired
// bootstrap; convergence speed; forgetting; what each continual stage did to every language; cost. docs/report-schema.md defines every key;
// docs/report.schema.json is the JSON Schema the report validates against.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "reports/run_data.h"

namespace longtail::reports {

struct AnalysisOptions {
  std::string baseline;         // method label every other method is compared with; empty: the first in grid order
  // Further baselines: comparisons and convergence entries against each of these too (entries
  // carry their `baseline`); for claims that name another baseline than the report's. Each must
  // name a method of the run (ConfigError otherwise); the report's baseline itself is skipped.
  std::vector<std::string> extra_baselines;
  double alpha = 0.05;          // significance level of the paired tests (p ≤ alpha is significant)
  std::string split = "test";   // the split the summary and comparisons score
  std::size_t resamples = 1000; // paired bootstrap resamples (sacreBLEU's --paired-bs default)
  uint64_t bootstrap_seed = 12345;  // SACREBLEU_SEED's default
};

struct Analysis {
  std::string baseline;  // the label used (empty: no ok cell)
  std::vector<std::string> extra_baselines;  // those compared with besides it, in the order given
  boost::json::array summary, comparisons, convergence, cost;
  boost::json::array experts;  // per aggregate whose cells routed through BASE layers: expert usage
  boost::json::object forgetting;  // {within_run: [...]}
  // Per method, each stage against the stage before it (continual runs; empty otherwise).
  boost::json::array stages;
};

// Throws ConfigError when the baseline label names no method of the run (listing the labels).
Analysis analyze(const std::vector<CellData>& cells, const AnalysisOptions& options = {});

// Convergence of one curve against a target: the first step (index) whose value is ≤ target;
// none when it never gets there.
std::optional<std::size_t> first_reaching(const std::vector<double>& values, double target);
// The curve's mean over training: the trapezoid area over steps divided by the step range (the
// single value when there is one point; none for an empty curve).
std::optional<double> mean_under_curve(const std::vector<int64_t>& steps, const std::vector<double>& values);

}  // namespace longtail::reports

// The regression check: a run's report against a leaderboard (an earlier report.json, or
// `longtail store export`). A mean is regressed when it dropped by more than the tolerance and the
// drop is significant: one-sided z-test on the two standard errors (docs/results-store.md).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace longtail::reports {

struct CheckOptions {
  double tolerance = 0;       // BLEU points a mean may drop before it counts (>= 0)
  double alpha = 0.05;        // one-sided significance level, in (0, 1)
  bool per_language = false;  // also compare every language both sides have
  std::string report_path = "report.json";            // named in messages
  std::string leaderboard_path = "leaderboard.json";  // named in messages
};

struct CheckRow {
  std::string dataset, imbalance, method;
  int64_t stage = 0;
  std::string what;  // "all", "high", "low", or a language code
  bool is_group = true;
  double old_mean = 0, new_mean = 0, delta = 0;  // delta = new - old
  double old_se = 0, new_se = 0;
  std::optional<double> z;  // (old - tolerance - new) / sqrt(old_se² + new_se²); none when both se are 0
  double p = 1;             // one-sided p-value of "dropped by more than the tolerance"
  bool regressed = false;
  std::string key() const;  // "dataset/imbalance/method/stageN"
};

struct CheckResult {
  CheckOptions options;
  std::vector<CheckRow> rows;
  int64_t regressed = 0;
  std::vector<std::string> only_in_run, only_in_leaderboard;  // keys compared by neither side
};

// Compares every dataset × imbalance × method × stage present in both `summary` arrays (`report`:
// longtail-report-v2; `leaderboard`: longtail-report-v2 or longtail-leaderboard-v1): groups all,
// high and low (empty groups skipped), and with options.per_language every common language.
// Throws ConfigError naming options.leaderboard_path when the two have no entry in common (listing
// both sides), when they score different splits, or when either is malformed.
CheckResult check_against(const boost::json::object& report, const boost::json::object& leaderboard,
                          const CheckOptions& options);

// A plain text table, regressed rows marked "REGRESSED", and a one-line verdict.
std::string format_check_table(const CheckResult& result);

// {"schema": "longtail-check-v1", "tolerance", "alpha", "per_language", "compared", "regressed",
//  "rows": [...], "only_in_run", "only_in_leaderboard"}.
boost::json::object check_to_json(const CheckResult& result);

}  // namespace longtail::reports

// Published claims as data (claims/*.json, docs/claims.md): what the source papers say, in terms
// of a report v2 (docs/report.schema.json), and their verdicts on a run — supported, not
// supported, or not testable (the run has nothing the claim can be read from, or the claim waits
// for methods that do not exist yet).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace longtail::reports {

// Where a claim reads one number in a report: one entry of a section, then a language or group
// in it, then a (dotted) field. `cells` selections average over the ok cells that match (seeds).
struct ClaimSelection {
  std::string section;  // summary | comparisons | convergence | cells | within_run | stages | cost (across_stages: read as stages)
  // Keys an entry must have, in the order they are checked: dataset, imbalance, method, stage,
  // seed, baseline, from_stage, to_stage (which ones a section allows: docs/claims.md). A key left
  // out matches every entry.
  std::vector<std::pair<std::string, boost::json::value>> match;
  std::string language, group;  // at most one; "" = the entry itself
  std::string field;            // dotted path, e.g. "bleu_mean", "diagnostics.grad_norm_var_window_mean"
};

enum class ClaimKind { PublishedValue, AtLeast, AtMost, LessThan };

// How significance enters an at_least / at_most claim (the selected object's `significant`).
enum class Significance {
  Ignored,   // the bound on the value alone
  Required,  // the bound must hold and the difference must be significant
  ToRefute,  // only a significant violation refutes ("not significantly worse")
};

struct ClaimSpec {
  std::string file, json_path;  // where it was read: "claims/002-….json", "$[3]"
  std::string id, paper, statement, suite;
  ClaimKind kind = ClaimKind::PublishedValue;
  boost::json::value published;  // what the paper reports (number, text or object); null if not given
  std::string pending;           // non-empty: not testable until this is done (the reason)
  ClaimSelection select;         // published_value, at_least, at_most; less_than: the left side
  ClaimSelection right;          // less_than: the right side
  double tolerance = 0;          // published_value: |measured − published| ≤ tolerance (or published in the 95% CI)
  double threshold = 0;          // at_least / at_most
  Significance significance = Significance::Ignored;
  double factor = 1, margin = 0;  // less_than: left < factor · right − margin
};

const char* kind_name(ClaimKind kind);

// Reads every *.json file of `dir` (name order): each a JSON array of claims. Strict: unknown
// keys, wrong types, keys a kind or section does not take, a missing directory, a directory
// without claim files and duplicate ids throw ConfigError naming the file and the JSON path
// ("claims/x.json: $[2].select.field: expected a non-empty string").
std::vector<ClaimSpec> load_claims(const std::string& dir);

// The same for one file.
std::vector<ClaimSpec> load_claims_file(const std::string& file);

// The baselines the claims' comparisons and convergence selections name (`baseline`), each once,
// in claim order: the report must compare with each of them (AnalysisOptions::extra_baselines).
std::vector<std::string> claim_baselines(const std::vector<ClaimSpec>& claims);

// The `claims` entries of report.json (docs/report.schema.json, $defs/claim) for every claim, in
// order: {id, paper, statement, suite, verdict, measured, ci95, published, why}. `measured` (and
// `ci95` when the selection has one) come with "supported" / "not supported"; "not testable"
// says in `why` what the run lacks (or the claim's `pending` reason).
boost::json::array evaluate_claims(const boost::json::object& report, const std::vector<ClaimSpec>& claims);

// A short text table for the terminal: verdict, id, measured, published, why; then the counts.
std::string format_claims(const boost::json::array& claims);

}  // namespace longtail::reports

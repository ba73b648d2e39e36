// report.json (schema longtail-report-v2, docs/report-schema.md and docs/report.schema.json): a
// run directory's cells and the answers built from them (analysis.h), and the terminal table.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "reports/analysis.h"

namespace longtail::reports {

inline constexpr const char* kReportSchema = "longtail-report-v2";

// Reads the run (run_data.h) and analyses it. Throws ConfigError naming the file for a run
// without results, a corrupt result.json or missing outputs, and for an unknown baseline.
boost::json::object build_report(const std::string& run_dir, const AnalysisOptions& options = {});

// The same from cells already loaded (benchmarks, tests).
boost::json::object build_report(const std::string& run_dir, const std::vector<CellData>& cells,
                                 const AnalysisOptions& options);

// The stage transitions of a report (docs/report-schema.md, `stages`): its `stages`, or in a
// report written before that key existed, forgetting.across_stages (the same entries without the
// languages' bleu_before, bleu_after and trained, the counts and the trained/untrained split);
// null when it has neither. `path` receives the JSON path read ("$.stages"). Throws ConfigError
// when the key holds something else than an array.
const boost::json::array* stage_transitions(const boost::json::object& report, std::string* path = nullptr);

// Writes <run_dir>/report.json atomically.
void write_report(const std::string& run_dir, const boost::json::object& report);

// Per dataset × imbalance: languages (rows, by natural training size) × methods (columns): BLEU
// mean over seeds ± 1.96 standard errors (bleu_se), '*' where the difference to the baseline is significant; the group
// means and wins/ties/losses; then stale and failed cells.
std::string format_table(const boost::json::object& report);

}  // namespace longtail::reports

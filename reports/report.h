// Aggregation of a run directory's result.json files into report.json, and the text table.
// The schema is documented in docs/report-schema.md.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace longtail::reports {

// Reads every <run_dir>/**/result.json (records::CellResult). Throws ConfigError when there is
// none, or naming the file and JSON path of a malformed one.
boost::json::object build_report(const std::string& run_dir);

// Writes <run_dir>/report.json atomically.
void write_report(const std::string& run_dir, const boost::json::object& report);

// Per dataset: languages (rows, by natural training size) × imbalance/method (columns, BLEU
// averaged over seeds), then the mean, high-resource and low-resource means.
std::string format_table(const boost::json::object& report);

}  // namespace longtail::reports

// Aggregation of a run directory's result.json files into report.json, and the text table.
// The schema is documented in docs/report-schema.md.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace longtail::reports {

// Reads every <run_dir>/**/result.json. Throws ConfigError when there is none.
boost::json::object build_report(const std::string& run_dir);

// Writes <run_dir>/report.json atomically.
void write_report(const std::string& run_dir, const boost::json::object& report);

// Per dataset: languages (rows, by natural training size) × imbalance/method (columns, BLEU
// averaged over seeds), then the mean, high-resource and low-resource means.
std::string format_table(const boost::json::object& report);

// The high-resource languages of a cell's config (groups options; default: the larger half).
std::vector<std::string> high_resource(const boost::json::object& config);

}  // namespace longtail::reports

// The files `longtail report` writes into a run directory, one per format:
//   json  report.json       the report itself (docs/report-schema.md)
//   md    leaderboard.md    the tables (leaderboard.h)
//   latex leaderboard.tex   the same as a LaTeX document that compiles as it is; the tables between
//                           its "paste" markers go into a paper
//   csv   results.csv       one row per cell × language × split × metric (results_csv.h)
//   html  report.html       tables and plots in one self-contained page (html.h)
#pragma once

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace longtail::reports {

// Every format, in the order above.
const std::vector<std::string>& report_formats();

// Parses "json,md,latex" (any order, "all" for every format); json is always included. Throws
// ConfigError naming `where` and the formats there are for an unknown one.
std::vector<std::string> parse_formats(const std::string& list, const std::string& where);

// Renders the formats into memory: (file name, contents). A renderer that fails throws before
// anything is written.
std::vector<std::pair<std::string, std::string>> render_report_files(const boost::json::object& report,
                                                                     const std::vector<std::string>& formats);

// Renders, then writes each file into run_dir atomically (temporary name, rename). Returns the paths.
std::vector<std::string> write_report_files(const std::string& run_dir, const boost::json::object& report,
                                            const std::vector<std::string>& formats);

}  // namespace longtail::reports

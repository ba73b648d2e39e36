#include "reports/outputs.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/html.h"
#include "reports/leaderboard.h"
#include "reports/results_csv.h"

namespace longtail::reports {

const std::vector<std::string>& report_formats() {
  static const std::vector<std::string> formats{"json", "md", "latex", "csv", "html"};
  return formats;
}

std::vector<std::string> parse_formats(const std::string& list, const std::string& where) {
  std::vector<std::string> wanted{"json"};
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string f = list.substr(start, end - start);
    start = end + 1;
    if (f.empty()) continue;
    if (f == "all") return report_formats();
    const auto& all = report_formats();
    if (std::find(all.begin(), all.end(), f) == all.end())
      throw ConfigError(where, fmt::format("unknown format \"{}\"; expected a comma-separated list of {} or all", f,
                                           fmt::join(all, ", ")));
    if (std::find(wanted.begin(), wanted.end(), f) == wanted.end()) wanted.push_back(f);
  }
  // Report order, whatever the order asked.
  std::vector<std::string> out;
  for (const auto& f : report_formats())
    if (std::find(wanted.begin(), wanted.end(), f) != wanted.end()) out.push_back(f);
  return out;
}

std::vector<std::pair<std::string, std::string>> render_report_files(const boost::json::object& report,
                                                                     const std::vector<std::string>& formats) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : formats) {
    if (f == "json") files.emplace_back("report.json", pretty_json(report));
    else if (f == "md") files.emplace_back("leaderboard.md", leaderboard_markdown(report));
    else if (f == "latex") {
      const std::string tables = leaderboard_latex(report);
      files.emplace_back("leaderboard.tex",
                         latex_document("% ---- paste from here: the tables (they need booktabs and graphicx) ----\n" +
                                        tables + "% ---- paste up to here ----\n"));
    } else if (f == "csv") files.emplace_back("results.csv", results_csv(report));
    else if (f == "html") files.emplace_back("report.html", report_html(report));
    else throw ConfigError("--format", fmt::format("unknown format \"{}\"", f));
  }
  return files;
}

std::vector<std::string> write_report_files(const std::string& run_dir, const boost::json::object& report,
                                            const std::vector<std::string>& formats) {
  std::vector<std::string> paths;
  for (const auto& [name, text] : render_report_files(report, formats)) {
    paths.push_back(run_dir + "/" + name);
    write_file_atomic(paths.back(), text);
  }
  return paths;
}

}  // namespace longtail::reports

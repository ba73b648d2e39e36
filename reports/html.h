// report.html: one self-contained HTML5 page with the tables and plots of a report
// (longtail-report-v2, docs/report.schema.json). Inline CSS, inline SVG drawn here
// (reports/svg_plot.h) and a few lines of inline script; nothing is fetched. docs/report-html.md
// describes the page and how to read each plot.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace longtail::reports {

// The page for a report. A pure function of `report`; throws ConfigError naming the JSON path of
// a key that is missing or has the wrong type.
std::string report_html(const boost::json::object& report);

// A method's place in the high- vs low-resource trade-off (mean BLEU of each group).
struct TradeOff {
  std::string method;
  double high = 0, low = 0;
};

// The methods no other method dominates (another is at least as good on both groups and better on
// one), by increasing high-resource BLEU. Methods with equal scores are both kept.
std::vector<TradeOff> pareto_front(const std::vector<TradeOff>& methods);

}  // namespace longtail::reports

// Test helper (not an installed program): renders a report.json with the reports layer's
// renderers so that shell tests can check the output with real tools (pdflatex, a CSV reader).
//   render_report FORMAT REPORT_JSON OUT_FILE      FORMAT: md | tex (a full document) | csv
#include <cstdio>
#include <exception>
#include <string>

#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "reports/leaderboard.h"
#include "reports/results_csv.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: render_report md|tex|csv REPORT_JSON OUT_FILE\n");
    return 2;
  }
  const std::string format = argv[1], in = argv[2], out = argv[3];
  try {
    const boost::json::value v = longtail::read_json_file(in);
    if (!v.is_object()) throw std::runtime_error(in + ": expected a JSON object");
    const auto& report = v.get_object();
    std::string text;
    if (format == "md")
      text = longtail::reports::leaderboard_markdown(report);
    else if (format == "tex")
      text = longtail::reports::latex_document(longtail::reports::leaderboard_latex(report));
    else if (format == "csv")
      text = longtail::reports::results_csv(report);
    else
      throw std::runtime_error("unknown format \"" + format + "\" (md, tex, csv)");
    longtail::write_file_atomic(out, text);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "render_report: %s\n", e.what());
    return 1;
  }
  return 0;
}

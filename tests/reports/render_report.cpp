// Test helper (not an installed program): renders a report.json into one of the files
// `longtail report` writes (reports/outputs.h), so shell tests can check it with real tools
// (pdflatex, headless Chromium, a CSV reader).
//   render_report FORMAT REPORT_JSON OUT_FILE      FORMAT: md | latex (the full document) | csv | html
#include <cstdio>
#include <exception>
#include <string>

#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "reports/outputs.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: render_report md|latex|csv|html REPORT_JSON OUT_FILE\n");
    return 2;
  }
  const std::string format = argv[1], in = argv[2], out = argv[3];
  try {
    const boost::json::value v = longtail::read_json_file(in);
    if (!v.is_object()) throw std::runtime_error(in + ": expected a JSON object");
    const auto files = longtail::reports::render_report_files(v.get_object(), {format});
    longtail::write_file_atomic(out, files.at(0).second);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "render_report: %s\n", e.what());
    return 1;
  }
  return 0;
}

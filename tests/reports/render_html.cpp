// render_html REPORT.json OUT.html: writes the report.html page of a report.json (reports/html.h),
// for the headless-browser test (tests/reports/check_html.py).
#include <cstdio>
#include <exception>

#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "reports/html.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: render_html REPORT.json OUT.html\n");
    return 2;
  }
  try {
    const boost::json::value report = longtail::read_json_file(argv[1]);
    if (!report.is_object()) {
      std::fprintf(stderr, "render_html: %s: expected a JSON object\n", argv[1]);
      return 1;
    }
    longtail::write_file_atomic(argv[2], longtail::reports::report_html(report.get_object()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "render_html: %s\n", e.what());
    return 1;
  }
  return 0;
}

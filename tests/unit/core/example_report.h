// tests/data/reports/example-v2.json: a hand-made longtail-report-v2 (3 methods × 2 imbalance
// profiles × 3 seeds, one failed cell, two continual stage transitions per method of the natural
// profile; make_example.py beside it) that the reports' tests read.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "harness/common/json_util.h"

namespace longtail::test {

inline boost::json::object example_report() {
  return read_json_file(std::string(LONGTAIL_TEST_DATA) + "/reports/example-v2.json").as_object();
}

}  // namespace longtail::test

// A report as longtail wrote it before report.json had `stages`: the stage transitions under
// forgetting.across_stages, without the fields added with `stages` (before/after BLEU, trained,
// the counts and the trained/untrained split). Readers must still take it.
#pragma once

#include <boost/json.hpp>

namespace longtail::test {

inline boost::json::object with_legacy_stages(const boost::json::object& report) {
  namespace json = boost::json;
  json::object old = report;
  json::array legacy;
  for (const auto& v : report.at("stages").as_array()) {
    json::object e;
    for (const char* k : {"dataset", "imbalance", "method", "from_stage", "to_stage", "gains", "forgetting", "backward_transfer"})
      e[k] = v.at(k);
    json::object langs;
    for (const auto& [code, l] : v.at("languages").as_object())
      langs[code] = json::object{{"delta_bleu", l.at("delta_bleu")}, {"p_value", l.at("p_value")}, {"significant", l.at("significant")}};
    e["languages"] = std::move(langs);
    legacy.push_back(std::move(e));
  }
  old.erase("stages");
  old["forgetting"].as_object()["across_stages"] = std::move(legacy);
  return old;
}

}  // namespace longtail::test

#include "harness/data/resource_groups.h"

#include <algorithm>

namespace longtail::data {

namespace json = boost::json;

const OptionTable& group_options() {
  // clang-format off
  static const OptionTable table = {
    {"high_min_pairs", OptType::Int, 0, "languages with at least this many training pairs are high-resource (0 = the upper half by size)", 0, 1e12},
    {"high", OptType::StringList, json::array{}, "explicit high-resource languages (overrides high_min_pairs)"},
    {"low", OptType::StringList, json::array{}, "explicit low-resource languages (default: the rest)"},
  };
  // clang-format on
  return table;
}

GroupSpec group_spec_from_json(const json::object& resolved) {
  Options o(resolved, "groups");
  GroupSpec g;
  g.high_min_pairs = o.get_int("high_min_pairs");
  g.high = o.get_strings("high");
  g.low = o.get_strings("low");
  return g;
}

json::object to_json(const GroupSpec& g) {
  return json::object{{"high_min_pairs", g.high_min_pairs}, {"high", json::value_from(g.high)}, {"low", json::value_from(g.low)}};
}

std::vector<std::string> high_resource(const std::vector<std::string>& languages,
                                       const std::map<std::string, int64_t>& natural_pairs, const GroupSpec& groups) {
  if (!groups.high.empty()) return groups.high;
  auto size = [&](const std::string& l) { return natural_pairs.at(l); };
  std::vector<std::string> high;
  if (groups.high_min_pairs > 0) {
    for (const auto& l : languages)
      if (size(l) >= groups.high_min_pairs) high.push_back(l);
    return high;
  }
  std::vector<std::string> langs = languages;
  std::stable_sort(langs.begin(), langs.end(), [&](const auto& a, const auto& b) { return size(a) > size(b); });
  langs.resize(langs.size() / 2);
  return langs;
}

}  // namespace longtail::data

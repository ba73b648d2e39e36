// High- and low-resource groups: which training languages count as high-resource in a cell's
// figures and reports. The suite's `groups` object says it (option table below); by default the
// larger half of the languages by natural training size is high-resource.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/common/options.h"

namespace longtail::data {

// The suite's `groups` object: explicit lists, or a threshold on natural training pairs.
struct GroupSpec {
  int64_t high_min_pairs = 0;      // > 0: languages with at least this many natural pairs are high
  std::vector<std::string> high;   // explicit high-resource languages (override high_min_pairs)
  std::vector<std::string> low;    // explicit low-resource languages (default: the rest)
};

// The option table of the suite's `groups` object.
const OptionTable& group_options();

// From a resolved `groups` object (group_options' keys) and back, in table order.
GroupSpec group_spec_from_json(const boost::json::object& resolved);
boost::json::object to_json(const GroupSpec& g);

// The high-resource languages among `languages` (suite order kept): the explicit `high` list when
// given; else those with at least high_min_pairs natural pairs; else the larger half by natural
// size (⌊n/2⌋ languages; ties keep suite order).
std::vector<std::string> high_resource(const std::vector<std::string>& languages,
                                       const std::map<std::string, int64_t>& natural_pairs, const GroupSpec& groups);

}  // namespace longtail::data

// What identifies an aggregate of report.json (summary, comparisons, …): dataset × imbalance ×
// method × stage — read from a JSON entry and printed one way for the store and the checks.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <tuple>

namespace longtail::reports {

using AggregateKey = std::tuple<std::string, std::string, std::string, int64_t>;  // dataset, imbalance, method, stage

// "dataset/imbalance/method/stage<k>".
std::string key_text(const AggregateKey& k);

// The four keys of an entry; errors name `where` (the entry's JSON path). stage must be ≥ 0.
AggregateKey read_aggregate_key(const boost::json::object& o, const std::string& where);

}  // namespace longtail::reports

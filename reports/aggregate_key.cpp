#include "reports/aggregate_key.h"

#include <fmt/format.h>

#include "harness/common/json_fields.h"
#include "harness/common/options.h"

namespace longtail::reports {

std::string key_text(const AggregateKey& k) {
  return fmt::format("{}/{}/{}/stage{}", std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k));
}

AggregateKey read_aggregate_key(const boost::json::object& o, const std::string& where) {
  const int64_t stage = json_fields::need_int(o, "stage", where);
  if (stage < 0) throw ConfigError(where + ".stage", "expected an integer >= 0");
  return {json_fields::need_string(o, "dataset", where), json_fields::need_string(o, "imbalance", where),
          json_fields::need_string(o, "method", where), stage};
}

}  // namespace longtail::reports

#include "harness/train/parameter_scope.h"

#include <algorithm>

namespace longtail::train {

ParameterScope parse_parameter_scope(const std::string& spec) {
  ParameterScope s;
  if (spec == "all") return s;
  if (spec == "encoder" || spec == "decoder") {
    s.stack = spec;
    return s;
  }
  if (spec == "lora" || spec == "adapter") {
    s.group = spec;
    return s;
  }
  if (spec.rfind("last:", 0) == 0) {
    const std::string k = spec.substr(5);
    const bool digits = !k.empty() && k.size() <= 6 && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && std::stoi(k) >= 1) {
      s.stack = "decoder";
      s.last = std::stoi(k);
    } else {
      s.error = ParameterScope::Error::BadLast;
    }
    return s;
  }
  s.error = ParameterScope::Error::Unknown;
  return s;
}

std::string parameter_scope_error(const std::string& spec) {
  switch (parse_parameter_scope(spec).error) {
    case ParameterScope::Error::None: return {};
    case ParameterScope::Error::BadLast: return "expected last:K with an integer K >= 1, got \"" + spec + "\"";
    case ParameterScope::Error::Unknown: break;
  }
  return "expected all, encoder, decoder, last:K (the last K decoder layers), lora or adapter, got \"" + spec + "\"";
}

}  // namespace longtail::train

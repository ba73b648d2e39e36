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
  for (const char* prefix : {"last:", "top:"}) {
    const std::string p = prefix;
    if (spec.rfind(p, 0) != 0) continue;
    const std::string k = spec.substr(p.size());
    const bool digits = !k.empty() && k.size() <= 6 && std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(k) < 1) {
      s.error = ParameterScope::Error::BadLast;
    } else if (p == "last:") {
      s.stack = "decoder";
      s.last = std::stoi(k);
    } else {
      s.top = std::stoi(k);
    }
    return s;
  }
  s.error = ParameterScope::Error::Unknown;
  return s;
}

std::string parameter_scope_error(const std::string& spec) {
  switch (parse_parameter_scope(spec).error) {
    case ParameterScope::Error::None: return {};
    case ParameterScope::Error::BadLast: return "expected last:K or top:K with an integer K >= 1, got \"" + spec + "\"";
    case ParameterScope::Error::Unknown: break;
  }
  return "expected all, encoder, decoder, last:K (the last K decoder layers), top:K (the K layers nearest the output), lora or "
         "adapter, got \"" + spec + "\"";
}

}  // namespace longtail::train

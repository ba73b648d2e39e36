// String building without {fmt}: LibTorch 2.x wheels put their own {fmt} on the include path, so
// the LibTorch translation units (and anything compiled beside them) format with iostreams.
#pragma once

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace longtail {

// cat("step ", 3, ": ", what): the arguments streamed one after the other.
template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream o;
  (o << ... << args);
  return o.str();
}

// x with `digits` digits after the point ("1.250").
inline std::string fixed(double x, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << x;
  return o.str();
}

// x in scientific notation with `digits` digits after the point ("1.25e-03").
inline std::string sci(double x, int digits) {
  std::ostringstream o;
  o << std::scientific << std::setprecision(digits) << x;
  return o.str();
}

// The items separated by `sep`.
inline std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace longtail

// String building without {fmt}, for code that is compiled with LibTorch's include path (a
// PyTorch 2.x LibTorch ships its own {fmt} there, which clashes with the system one): the method
// files (methods/, built both with and without LibTorch) and the LibTorch programs.
//
//   str::cat("step ", 3, " of ", n)        "step 3 of 10": each argument through operator<<
//   str::join({"a", "b"}, ", ")            "a, b"
//   str::fixed(x, 2), str::sci(x, 3)       std::fixed / std::scientific with that many digits
//   str::shortest(0.1)                     "0.1": the shortest decimal that reads back as x,
//                                          laid out as {fmt}'s "{}" does (exponent form below
//                                          1e-4 and from 1e16 on: 1e-05, 1e+16; "5" for 5.0)
#pragma once

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace longtail::str {

template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream o;
  (o << ... << args);
  return o.str();
}

inline std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

inline std::string fixed(double x, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << x;
  return o.str();
}

inline std::string sci(double x, int digits) {
  std::ostringstream o;
  o << std::scientific << std::setprecision(digits) << x;
  return o.str();
}

inline std::string shortest(double x) {
  if (std::isnan(x)) return std::signbit(x) ? "-nan" : "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  // The shortest round-trip digits, from std::to_chars in scientific form: "-d.ddde±XX".
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const std::string s(buf, res.ptr);
  const size_t e = s.find('e');
  const bool negative = s[0] == '-';
  std::string digits;
  for (size_t i = negative ? 1 : 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  const int exp = std::atoi(s.c_str() + e + 1);  // x = d.ddd × 10^exp
  const int n = static_cast<int>(digits.size());
  std::string out = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits[0];
    if (n > 1) out += '.' + digits.substr(1);
    out += exp < 0 ? "e-" : "e+";
    const int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    out += std::to_string(a);
  } else if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (exp + 1 >= n) {
    out += digits + std::string(static_cast<size_t>(exp + 1 - n), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exp + 1)) + '.' + digits.substr(static_cast<size_t>(exp + 1));
  }
  return out;
}

}  // namespace longtail::str

// Python's int() / float() grammar for decimal strings, on any string of char-like units: the
// `longtail score` argument parser checks argv bytes with it (argparse's type=int / type=float)
// and the tabulate port in report_format.cpp checks code points, so both accept exactly the same
// spellings. Callers strip white space first, each as its Python counterpart does.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>

namespace longtail::eval::python_number {

template <typename Char>
bool is_digit(Char c) {
  return c >= '0' && c <= '9';
}

// digitpart (digit ("_"? digit)*) starting at i; returns the end, or npos if no digit is at i.
template <typename Str>
std::size_t scan_digitpart(const Str& s, std::size_t i) {
  if (i >= s.size() || !is_digit(s[i])) return Str::npos;
  ++i;
  while (i < s.size()) {
    if (is_digit(s[i]))
      ++i;
    else if (s[i] == '_' && i + 1 < s.size() && is_digit(s[i + 1]))
      i += 2;
    else
      break;
  }
  return i;
}

// s[from..] equals the lower-case ASCII `word`, ignoring ASCII case (str.lower() can only map
// ASCII spellings onto these words).
template <typename Str>
bool equals_ascii_nocase(const Str& s, std::size_t from, const char* word) {
  std::size_t k = 0;
  for (; word[k] != '\0'; ++k) {
    if (from + k >= s.size()) return false;
    auto c = s[from + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<decltype(c)>(c + ('a' - 'A'));
    if (c != static_cast<unsigned char>(word[k])) return false;
  }
  return from + k == s.size();
}

// float(s) for an already stripped s: the value, or nullopt where float() raises ValueError.
template <typename Str>
std::optional<double> parse_float(const Str& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const bool negative = !s.empty() && s[0] == '-';
  if (equals_ascii_nocase(s, i, "inf") || equals_ascii_nocase(s, i, "infinity")) return negative ? -HUGE_VAL : HUGE_VAL;
  if (equals_ascii_nocase(s, i, "nan")) return std::nan("");
  std::size_t j = scan_digitpart(s, i);
  bool mantissa = j != Str::npos;
  if (!mantissa) j = i;
  if (j < s.size() && s[j] == '.') {
    const std::size_t k = scan_digitpart(s, j + 1);
    if (k != Str::npos) {
      j = k;
      mantissa = true;
    } else {
      ++j;
    }
  }
  if (!mantissa) return std::nullopt;
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    std::size_t k = j + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    k = scan_digitpart(s, k);
    if (k == Str::npos) return std::nullopt;
    j = k;
  }
  if (j != s.size()) return std::nullopt;
  std::string ascii;  // the grammar above admits ASCII only
  for (const auto c : s)
    if (c != '_') ascii += static_cast<char>(c);
  return std::strtod(ascii.c_str(), nullptr);
}

}  // namespace longtail::eval::python_number

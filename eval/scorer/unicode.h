// UTF-8 and the Python `str` semantics that sacreBLEU relies on: code points (not bytes or UTF-16
// units), `str.split()` / `str.rstrip()` with Python's whitespace set, `str.lower()` with full
// mappings and the Final_Sigma rule. Everything here takes and returns UTF-8 std::string(_view);
// functions that do not decode require valid UTF-8 (the metrics validate their inputs once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace longtail::eval {

// Invalid UTF-8 (what Python's strict utf-8 codec rejects: overlong forms, surrogates, code
// points above U+10FFFF, truncated or stray continuation bytes). offset() is the byte offset of
// the first byte of the offending sequence within the string that was checked.
class Utf8Error : public std::invalid_argument {
 public:
  Utf8Error(std::size_t offset, const std::string& context);
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// ---- UTF-8 ----
// Byte offset of the first invalid sequence, or std::string_view::npos if `text` is valid.
std::size_t find_invalid_utf8(std::string_view text);
// Throws Utf8Error if `text` is invalid; `context` prefixes the message ("hypothesis line 3").
void check_utf8(std::string_view text, const std::string& context = "");
// Decodes into code points (throws Utf8Error). The overload reuses `out` (cleared first).
std::u32string decode_utf8(std::string_view text);
void decode_utf8(std::string_view text, std::u32string& out);
void append_utf8(char32_t cp, std::string& out);
std::string encode_utf8(std::u32string_view text);
// Number of code points (Python len()) of valid UTF-8.
std::size_t count_code_points(std::string_view text);

// ---- code points ----
// Python str.isspace() (Python 3.11-3.13 agree): U+0009-000D, 001C-001F, 0020, 0085, 00A0, 1680,
// 2000-200A, 2028, 2029, 202F, 205F, 3000. Not U+200B (ZWSP) nor U+FEFF.
constexpr bool is_python_space(char32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
// Regex `[0-9]` in Python `re` on str patterns written with an ASCII range: ASCII digits only.
constexpr bool is_ascii_digit(char32_t cp) { return cp >= '0' && cp <= '9'; }
// Python's simple lowercase mapping of one code point (U+0130 and U+03A3 need the string-level
// to_lower(): the first lowercases to two code points, the second depends on its neighbours).
char32_t simple_lower(char32_t cp);
// The two properties Python's Final_Sigma rule consults (Unicode DerivedCoreProperties).
bool is_case_ignorable(char32_t cp);
bool is_cased(char32_t cp);
// Unicode version of the case tables ("14.0.0": the Python 3.11 that runs sacreBLEU).
const char* case_tables_unicode_version();

// ---- Python str methods on valid UTF-8 ----
namespace detail {
std::size_t multibyte_space_length_at(std::string_view text, std::size_t pos);
}
// Byte length of the whitespace character starting at text[pos], or 0 if it is not whitespace.
// Inline: tokenizers call it on every byte. Only C2, E1, E2 and E3 start multi-byte whitespace.
inline std::size_t space_length_at(std::string_view text, std::size_t pos) {
  const auto b = static_cast<unsigned char>(text[pos]);
  if (b < 0x80) return is_python_space(b) ? 1 : 0;
  return (b == 0xC2 || (b >= 0xE1 && b <= 0xE3)) ? detail::multibyte_space_length_at(text, pos) : 0;
}
// f(word) for every word of s.split(), in order, as views into `text`.
template <typename F>
void for_each_word(std::string_view text, F&& f);
// s.split(): views into `text`. The overload appends to `out` (not cleared).
std::vector<std::string_view> split_whitespace(std::string_view text);
void split_whitespace(std::string_view text, std::vector<std::string_view>& out);
// ' '.join(s.split())
std::string join_whitespace(std::string_view text);
// s.rstrip() / s.strip() with no argument.
std::string_view rstrip(std::string_view text);
std::string_view strip(std::string_view text);
// s.lower(): full lowercase mapping ('İ' -> "i̇", 'ß' unchanged) and Final_Sigma ('ΟΔΟΣ' -> "οδος").
std::string to_lower(std::string_view text);
std::u32string to_lower(std::u32string_view text);

template <typename F>
void for_each_word(std::string_view text, F&& f) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const std::size_t n = text.size();
  std::size_t i = 0;
  for (;;) {
    for (std::size_t len; i < n && (len = space_length_at(text, i)) != 0;) i += len;
    if (i >= n) return;
    const std::size_t start = i++;
    // Inside a word, only a byte below 0x21 or a non-ASCII byte can start whitespace: find the
    // next such candidate 8 bytes at a time (the lowest flagged byte is always a real one:
    // borrows only propagate upwards), then check it exactly.
    for (;;) {
      for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        const std::uint64_t candidates = (((w - kOnes * 0x21) & ~w) | w) & kHighs;
        if (candidates) {
          i += static_cast<std::size_t>(__builtin_ctzll(candidates)) >> 3;
          break;
        }
      }
      if (i >= n || space_length_at(text, i) != 0) break;
      ++i;
    }
    f(text.substr(start, i - start));
  }
}

}  // namespace longtail::eval

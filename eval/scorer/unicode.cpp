#include "eval/scorer/unicode.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace longtail::eval {
namespace {

struct LowerRun {  // every cp in [first, last] with (cp - first) % stride == 0 maps to cp + delta
  char32_t first, last;
  int stride, delta;
};
struct CodePointRange {
  char32_t first, last;
};
#include "eval/scorer/unicode_tables.inc"

constexpr char32_t kCapitalSigma = 0x3A3, kSmallSigma = 0x3C3, kFinalSigma = 0x3C2;
constexpr char32_t kCapitalIWithDot = 0x130, kCombiningDotAbove = 0x307;

unsigned char byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }
bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes the sequence at s[i] into cp and returns its length, or 0 if it is not valid UTF-8.
// The ranges on the second byte exclude overlong forms, surrogates and code points > U+10FFFF.
std::size_t decode_one(std::string_view s, std::size_t i, char32_t& cp) {
  const unsigned char b0 = byte_at(s, i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  const unsigned char b1 = byte_at(s, i + 1);
  if (b1 < lo || b1 > hi) return 0;
  char32_t value = b0 & (0xFF >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char b = byte_at(s, i + k);
    if (!is_continuation(b)) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  cp = value;
  return len;
}

bool in_ranges(const CodePointRange* begin, const CodePointRange* end, char32_t cp) {
  const CodePointRange* it =
      std::upper_bound(begin, end, cp, [](char32_t c, const CodePointRange& r) { return c < r.first; });
  return it != begin && cp <= (it - 1)->last;
}

// CPython's handle_capital_sigma(): final form when preceded by a cased letter and not followed
// by one, case-ignorable characters being skipped in both directions.
char32_t lower_sigma(std::u32string_view text, std::size_t i) {
  std::size_t j = i;
  while (j > 0 && is_case_ignorable(text[j - 1])) --j;
  if (j == 0 || !is_cased(text[j - 1])) return kSmallSigma;
  std::size_t k = i + 1;
  while (k < text.size() && is_case_ignorable(text[k])) ++k;
  return (k == text.size() || !is_cased(text[k])) ? kFinalSigma : kSmallSigma;
}

// Per byte: 1 = ASCII whitespace, 2 = lead byte of a possible multi-byte whitespace (C2, E1-E3),
// 0 = cannot start whitespace.
constexpr std::array<unsigned char, 256> make_space_class() {
  std::array<unsigned char, 256> table{};
  for (int b = 0; b < 0x80; ++b) table[static_cast<std::size_t>(b)] = is_python_space(static_cast<char32_t>(b)) ? 1 : 0;
  table[0xC2] = table[0xE1] = table[0xE2] = table[0xE3] = 2;
  return table;
}
constexpr std::array<unsigned char, 256> kSpaceClass = make_space_class();

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

Utf8Error::Utf8Error(std::size_t offset, const std::string& context)
    : std::invalid_argument((context.empty() ? std::string() : context + ": ") +
                            "invalid UTF-8 at byte offset " + std::to_string(offset)),
      offset_(offset) {}

// ---- UTF-8 ----

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  char32_t cp;
  while (i < text.size()) {
    // Mostly ASCII text: skip 8 bytes at a time while no byte has its high bit set.
    while (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i == text.size()) break;
    if (byte_at(text, i) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

void check_utf8(std::string_view text, const std::string& context) {
  const std::size_t bad = find_invalid_utf8(text);
  if (bad != std::string_view::npos) throw Utf8Error(bad, context);
}

void decode_utf8(std::string_view text, std::u32string& out) {
  out.clear();
  out.reserve(text.size());
  std::size_t i = 0;
  char32_t cp;
  while (i < text.size()) {
    const std::size_t len = decode_one(text, i, cp);
    if (len == 0) throw Utf8Error(i, "");
    out.push_back(cp);
    i += len;
  }
}

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  decode_utf8(text, out);
  return out;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(cp, out);
  return out;
}

std::size_t count_code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation(static_cast<unsigned char>(c)); }));
}

// ---- code points ----

char32_t simple_lower(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  const LowerRun* begin = std::begin(kLowerRuns);
  const LowerRun* end = std::end(kLowerRuns);
  const LowerRun* it = std::upper_bound(begin, end, cp, [](char32_t c, const LowerRun& r) { return c < r.first; });
  if (it == begin) return cp;
  const LowerRun& run = *(it - 1);
  if (cp > run.last || (cp - run.first) % run.stride != 0) return cp;
  return static_cast<char32_t>(static_cast<std::int64_t>(cp) + run.delta);
}

bool is_case_ignorable(char32_t cp) { return in_ranges(std::begin(kCaseIgnorable), std::end(kCaseIgnorable), cp); }

bool is_cased(char32_t cp) { return in_ranges(std::begin(kCased), std::end(kCased), cp); }

const char* case_tables_unicode_version() { return kUnicodeVersion; }

// ---- Python str methods ----

// Multi-byte whitespace: C2 85, C2 A0, E1 9A 80, E2 80 80-8A/A8/A9/AF, E2 81 9F, E3 80 80.
std::size_t detail::multibyte_space_length_at(std::string_view text, std::size_t pos) {
  char32_t cp = 0;
  const std::size_t len = decode_one(text, pos, cp);
  return (len != 0 && is_python_space(cp)) ? len : 0;
}

void split_whitespace(std::string_view text, std::vector<std::string_view>& out) {
  for_each_word(text, [&out](std::string_view word) { out.push_back(word); });
}

std::vector<std::string_view> split_whitespace(std::string_view text) {
  std::vector<std::string_view> out;
  split_whitespace(text, out);
  return out;
}

std::string join_whitespace(std::string_view text) {
  std::string out(text.size(), '\0');  // the result is never longer
  char* const begin = out.data();
  char* w = begin;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto space_at = [&](std::size_t pos) -> std::size_t {
    const unsigned char cls = kSpaceClass[static_cast<unsigned char>(text[pos])];
    return cls == 2 ? detail::multibyte_space_length_at(text, pos) : cls;
  };
  while (i < n) {
    for (std::size_t len; i < n && (len = space_at(i)) != 0;) i += len;
    if (i == n) break;
    if (w != begin) *w++ = ' ';
    do {
      *w++ = text[i++];
    } while (i < n && space_at(i) == 0);
  }
  out.resize(static_cast<std::size_t>(w - begin));
  return out;
}

std::string_view rstrip(std::string_view text) {
  // From the end: back over the last character's continuation bytes to its first byte and test
  // that. The same as scanning forward, even for invalid UTF-8: a forward scan reaches every byte
  // that is not inside an earlier whitespace sequence, and a lead byte never is.
  std::size_t end = text.size();
  while (end > 0) {
    const unsigned char last = byte_at(text, end - 1);
    if (last < 0x80) {
      if (!is_python_space(last)) break;
      --end;
      continue;
    }
    std::size_t start = end - 1;
    while (start > 0 && end - start < 4 && is_continuation(byte_at(text, start))) --start;
    if (space_length_at(text, start) != end - start) break;
    end = start;
  }
  return text.substr(0, end);
}

std::string_view strip(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t space = space_length_at(text, i);
    if (!space) break;
    i += space;
  }
  return rstrip(text.substr(i));
}

std::u32string to_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t cp = text[i];
    if (cp == kCapitalSigma) {
      out.push_back(lower_sigma(text, i));
    } else if (cp == kCapitalIWithDot) {  // SpecialCasing: the only unconditional 1->2 mapping
      out.push_back(U'i');
      out.push_back(kCombiningDotAbove);
    } else {
      out.push_back(simple_lower(cp));
    }
  }
  return out;
}

std::string to_lower(std::string_view text) {
  if (is_ascii(text)) {
    std::string out(text);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  return encode_utf8(to_lower(std::u32string_view(decode_utf8(text))));
}

}  // namespace longtail::eval

// sacreBLEU's `intl` tokenizer (tokenizer_intl.py, TokenizerV14International), without a regex
// engine. sacreBLEU runs three global `regex.sub` passes and then ' '.join(line.split()):
//
//   (\P{N})(\p{P}) -> '\1 \2 '     punctuation preceded by a non-number
//   (\p{P})(\P{N}) -> ' \1 \2'     punctuation followed by a non-number
//   (\p{S})        -> ' \1 '       every symbol
//
// Passes 1 and 2 are pairs of one-character classes: each is one left-to-right scan over code
// points that, like re.sub, resumes after the end of a match (a character consumed as the 2nd half
// of one match cannot start the next), and pass 2 sees the spaces pass 1 inserted. Pass 3 and the
// final split are fused: a symbol is never whitespace, so the tokens are the symbols on their own
// and the maximal runs of other non-whitespace characters.
//
// The classes are the `regex` module's general categories (P = Pc Pd Ps Pe Pi Pf Po, S = Sm Sc Sk
// So, N = Nd Nl No) from the `regex` release sacreBLEU ran with, generated into
// tokenizer_intl_tables.inc by gen_tokenizer_tables.py (see there for the Unicode version).
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "eval/scorer/tokenizer.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval {
namespace {

struct ClassRun {  // code points first..last all have the class bits `bits`
  char32_t first, last;
  std::uint8_t bits;
};
#include "eval/scorer/tokenizer_intl_tables.inc"

constexpr std::uint8_t kP = 1, kS = 2, kN = 4;

constexpr std::array<std::uint8_t, 128> make_ascii_classes() {
  std::array<std::uint8_t, 128> table{};
  for (const ClassRun& run : kClassRuns)
    for (char32_t cp = run.first; cp <= run.last && cp < 128; ++cp) table[cp] = run.bits;
  return table;
}
constexpr std::array<std::uint8_t, 128> kAsciiClasses = make_ascii_classes();

std::uint8_t char_class(char32_t cp) {
  if (cp < 128) return kAsciiClasses[cp];
  const ClassRun* end = std::end(kClassRuns);
  const ClassRun* it =
      std::upper_bound(std::begin(kClassRuns), end, cp, [](char32_t c, const ClassRun& r) { return c < r.first; });
  return (it != std::begin(kClassRuns) && cp <= (it - 1)->last) ? (it - 1)->bits : 0;
}

struct Char {
  char32_t cp;
  std::uint8_t bits;
};
constexpr Char kSpace{U' ', 0};  // the spaces the passes insert: Zs, in none of the classes

// One pass of re.sub(r'(A)(B)', repl, s): `match(a, b)` tests a pair; `emit(a, b, out)` writes the
// replacement. Reads `in`, overwrites `out`.
template <typename Match, typename Emit>
void pair_pass(const std::vector<Char>& in, std::vector<Char>& out, Match match, Emit emit) {
  out.clear();
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i + 1 < n) {
    if (match(in[i].bits, in[i + 1].bits)) {
      emit(in[i], in[i + 1], out);
      i += 2;
    } else {
      out.push_back(in[i++]);
    }
  }
  if (i < n) out.push_back(in[i]);
}

}  // namespace

const char* intl_regex_version() { return kRegexVersion; }
const char* intl_unicode_version() { return kRegexUnicodeVersion; }

std::string TokenizerIntl::tokenize(std::string_view line) const {
  thread_local std::u32string cps;
  thread_local std::vector<Char> a, b;
  decode_utf8(line, cps);
  a.clear();
  bool any_p = false;
  for (char32_t cp : cps) {
    const std::uint8_t bits = char_class(cp);
    any_p |= (bits & kP) != 0;
    a.push_back({cp, bits});
  }
  if (any_p) {
    // (\P{N})(\p{P}) -> '\1 \2 '
    pair_pass(a, b, [](std::uint8_t x, std::uint8_t y) { return !(x & kN) && (y & kP); },
              [](Char x, Char y, std::vector<Char>& out) {
                out.push_back(x);
                out.push_back(kSpace);
                out.push_back(y);
                out.push_back(kSpace);
              });
    // (\p{P})(\P{N}) -> ' \1 \2'
    pair_pass(b, a, [](std::uint8_t x, std::uint8_t y) { return (x & kP) && !(y & kN); },
              [](Char x, Char y, std::vector<Char>& out) {
                out.push_back(kSpace);
                out.push_back(x);
                out.push_back(kSpace);
                out.push_back(y);
              });
  }
  // (\p{S}) -> ' \1 ', then ' '.join(split()).
  std::string out;
  out.reserve(line.size() + line.size() / 2);
  bool boundary = false;
  for (const Char& c : a) {
    if (is_python_space(c.cp)) {
      boundary = true;
      continue;
    }
    const bool symbol = (c.bits & kS) != 0;
    if ((boundary || symbol) && !out.empty()) out.push_back(' ');
    append_utf8(c.cp, out);
    boundary = symbol;
  }
  return out;
}

}  // namespace longtail::eval

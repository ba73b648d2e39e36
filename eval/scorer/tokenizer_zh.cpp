// sacreBLEU's `zh` tokenizer (tokenizer_zh.py, TokenizerZh):
//
//   line = line.strip()
//   every character c with _is_chinese_char(c) becomes ' c '
//   return TokenizerRegexp()(line)   # 13a's four regexes + ' '.join(split()); no unescaping, no padding
//
// _is_chinese_char compares one-character strings against sacreBLEU's table of ranges with Python
// string comparison. Four bounds of that table were meant as non-BMP code points but are written
// '\u20000', '\u2a6d6', '\u2f800', '\u2fa1d' (Python's \u takes exactly four hex digits), i.e. the
// two-character strings U+2000 '0', U+2A6D '6', ...: so U+2001-U+2A6D (general punctuation,
// currency, letterlike, arrows, maths, box drawing, dingbats, ...) count as Chinese and CJK
// Extension B (U+20000...) does not. The effective ranges (tokenizer_zh_tables.inc) were measured
// by calling _is_chinese_char on every code point (gen_tokenizer_tables.py); all are in the BMP at
// or above U+2001, i.e. 3-byte UTF-8 sequences with lead bytes E2-EF.
#include <algorithm>

#include "eval/scorer/tokenizer.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval {
namespace {

struct CodePointRange {
  char32_t first, last;
};
#include "eval/scorer/tokenizer_zh_tables.inc"

}  // namespace

bool is_zh_chinese_char(char32_t cp) {
  const CodePointRange* begin = std::begin(kChineseRanges);
  const CodePointRange* it =
      std::upper_bound(begin, std::end(kChineseRanges), cp, [](char32_t c, const CodePointRange& r) { return c < r.first; });
  return it != begin && cp <= (it - 1)->last;
}

std::string TokenizerZh::tokenize(std::string_view line) const {
  line = strip(line);
  thread_local std::string text;
  text.clear();
  text.reserve(line.size() + line.size() / 2);
  std::size_t copied = 0;  // line[copied, i) is still to be copied unchanged
  for (std::size_t i = 0; i < line.size();) {
    const auto b0 = static_cast<unsigned char>(line[i]);
    if (b0 < 0xE2 || b0 > 0xEF) {  // not a 3-byte sequence that can be Chinese (valid UTF-8 assumed)
      i += b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
      continue;
    }
    const char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) |
                        (static_cast<char32_t>(static_cast<unsigned char>(line[i + 1]) & 0x3F) << 6) |
                        (static_cast<unsigned char>(line[i + 2]) & 0x3F);
    if (is_zh_chinese_char(cp)) {
      text.append(line, copied, i - copied);
      text.push_back(' ');
      text.append(line, i, 3);
      text.push_back(' ');
      copied = i + 3;
    }
    i += 3;
  }
  text.append(line, copied, std::string_view::npos);
  return detail::tokenize_regexp(text);
}

}  // namespace longtail::eval

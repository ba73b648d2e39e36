// sacreBLEU's `13a` tokenizer (tokenizer_13a.py + tokenizer_re.py), without std::regex. The
// regex part (TokenizerRegexp) is also `zh`'s second step: detail::tokenize_regexp().
//
// sacreBLEU runs four global re.sub passes one after another. Each pattern is a pair of
// single-character classes, so each pass is reproduced by one left-to-right scan that, like
// re.sub, resumes after the end of a match (a character consumed as the 2nd half of one match
// cannot start the next). The scans work on UTF-8 bytes: every class that is not `[^0-9]` is
// ASCII, and `[^0-9]` only ever pairs with an ASCII character, so a multi-byte character can
// neither match differently nor shift where a later match starts (the start of a match is
// never inside a multi-byte character, and the bytes it adds are copied unchanged).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "eval/scorer/tokenizer.h"
#include "eval/scorer/tokenizer_13a.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// Class of the first regex: [\{-\~\[-\` -\&\(-\+\:-\@\/], i.e. {|}~ [\]^_` space!"#$%& ()*+
// :;<=>?@ and /. Not ' , - . digits letters or anything non-ASCII.
constexpr std::array<bool, 256> make_symbol_table() {
  std::array<bool, 256> table{};
  auto mark = [&table](int first, int last) {
    for (int c = first; c <= last; ++c) table[static_cast<std::size_t>(c)] = true;
  };
  mark('{', '~');
  mark('[', '`');
  mark(' ', '&');
  mark('(', '+');
  mark(':', '@');
  mark('/', '/');
  return table;
}
constexpr std::array<bool, 256> kSymbol = make_symbol_table();
// The symbols pad_symbols() pads: all but the space (see there).
constexpr std::array<bool, 256> make_padded_table() {
  std::array<bool, 256> table = kSymbol;
  table[' '] = false;
  return table;
}
constexpr std::array<bool, 256> kPadded = make_padded_table();

// Python's str.replace(from, to): one left-to-right pass, replacements are not rescanned.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (std::size_t hit; (hit = text.find(from, pos)) != std::string_view::npos; pos = hit + from.size()) {
    out.append(text, pos, hit - pos);
    out.append(to);
  }
  out.append(text, pos, std::string_view::npos);
  return out;
}

// Room for n bytes in `buf` (old contents dropped).
char* reserve(std::unique_ptr<char[]>& buf, std::size_t& capacity, std::size_t n) {
  if (capacity < n) {
    capacity = std::max(n, 2 * capacity);
    buf.reset(new char[capacity]);
  }
  return buf.get();
}

// Whether `s` has a '<', '\n' or '&' (what unescaping looks for), 8 bytes at a time.
bool needs_unescaping(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const auto has_zero_byte = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (has_zero_byte(w ^ (kOnes * '<')) | has_zero_byte(w ^ (kOnes * '\n')) | has_zero_byte(w ^ (kOnes * '&')))
      return true;
  }
  for (; i < s.size(); ++i)
    if (s[i] == '<' || s[i] == '\n' || s[i] == '&') return true;
  return false;
}

// tokenizer_13a.py before the regexes: <skipped>, hyphenated line breaks, newlines, the four
// entities in this order (so "&amp;lt;" becomes "<"), then the space padding. Writes into
// buffers.text and returns the length.
std::size_t unescape_and_pad(std::string_view line, detail::Tokenize13aBuffers& buffers) {
  std::string replaced;
  if (needs_unescaping(line)) {
    std::string s(line);
    if (s.find('<') != std::string::npos) s = replace_all(s, "<skipped>", "");
    if (s.find('\n') != std::string::npos) {
      s = replace_all(s, "-\n", "");
      s = replace_all(s, "\n", " ");
    }
    if (s.find('&') != std::string::npos) {
      s = replace_all(s, "&quot;", "\"");
      s = replace_all(s, "&amp;", "&");
      s = replace_all(s, "&lt;", "<");
      s = replace_all(s, "&gt;", ">");
    }
    replaced = std::move(s);
    line = replaced;
  }
  char* out = reserve(buffers.text, buffers.text_capacity, line.size() + 2);
  out[0] = ' ';
  if (!line.empty()) std::memcpy(out + 1, line.data(), line.size());  // an empty view may have a null data()
  out[line.size() + 1] = ' ';
  return line.size() + 2;
}

// Each pass reads `in` and writes into `out`, which has room for 3 bytes per input byte (the
// most any pass emits), and returns the output length.

// re.sub(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])', r' \1 ', s), except that a space stays one space
// instead of three: later passes see a space only as one side of a 2-character window, so the
// length of a run of spaces never changes what they match, and the final split() drops them.
std::size_t pad_symbols(std::string_view in, char* out) {
  char* w = out;
  // Writes all three bytes and advances by 1 or 3: no unpredictable branch per byte.
  const auto one = [&w](char c) {
    const bool pad = kPadded[static_cast<unsigned char>(c)];
    w[0] = pad ? ' ' : c;
    w[1] = c;
    w[2] = ' ';
    w += pad ? 3 : 1;
  };
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {  // most 8-byte blocks have no symbol: copied as they are
    const bool any = kPadded[p[i]] | kPadded[p[i + 1]] | kPadded[p[i + 2]] | kPadded[p[i + 3]] | kPadded[p[i + 4]] |
                     kPadded[p[i + 5]] | kPadded[p[i + 6]] | kPadded[p[i + 7]];
    if (!any) {
      std::memcpy(w, p + i, 8);
      w += 8;
    } else {
      for (std::size_t k = i; k < i + 8; ++k) one(in[k]);
    }
  }
  for (; i < n; ++i) one(in[i]);
  return static_cast<std::size_t>(w - out);
}

// Passes 2-4 can only match next to a '.', ',' or '-' (the "key"), which are rare: they jump from
// key to key (copying the bytes between in bulk) and track `done`, the end of the last match,
// since re.sub never lets a character take part in two matches.

// Positions of '.' and ',' in increasing order, found with memchr (vectorised) and remembered
// separately, so one scan of the text costs two memchr sweeps in all.
class PeriodCommaScanner {
 public:
  explicit PeriodCommaScanner(std::string_view in) : in_(in) {}
  // First position >= from holding '.' or ',', or in.size().
  std::size_t next(std::size_t from) {
    if (dot_ == kUnsearched || dot_ < from) dot_ = find('.', from);
    if (comma_ == kUnsearched || comma_ < from) comma_ = find(',', from);
    return std::min(dot_, comma_);
  }

 private:
  std::size_t find(char c, std::size_t from) const {
    if (from >= in_.size()) return in_.size();
    const void* hit = std::memchr(in_.data() + from, c, in_.size() - from);
    return hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - in_.data()) : in_.size();
  }
  std::string_view in_;
  static constexpr std::size_t kUnsearched = std::string_view::npos;
  std::size_t dot_ = kUnsearched, comma_ = kUnsearched;
};

// re.sub(r'([^0-9])([\.,])', r'\1 \2 ', s): key is the 2nd character.
std::size_t split_after_non_digit(std::string_view in, char* out) {
  char* w = out;
  std::size_t done = 0;
  PeriodCommaScanner keys(in);
  for (std::size_t p = keys.next(1); p < in.size(); p = keys.next(p + 1)) {
    if (p - 1 < done || is_digit(in[p - 1])) continue;  // in[p-1] already matched, or a digit
    w = std::copy(in.begin() + static_cast<std::ptrdiff_t>(done), in.begin() + static_cast<std::ptrdiff_t>(p), w);
    w[0] = ' ';
    w[1] = in[p];
    w[2] = ' ';
    w += 3;
    done = p + 1;
  }
  return static_cast<std::size_t>(std::copy(in.begin() + static_cast<std::ptrdiff_t>(done), in.end(), w) - out);
}

// re.sub(r'([\.,])([^0-9])', r' \1 \2', s): key is the 1st character.
std::size_t split_before_non_digit(std::string_view in, char* out) {
  char* w = out;
  std::size_t done = 0;
  PeriodCommaScanner keys(in);
  for (std::size_t p = keys.next(0); p + 1 < in.size(); p = keys.next(p + 1)) {
    if (p < done || is_digit(in[p + 1])) continue;
    w = std::copy(in.begin() + static_cast<std::ptrdiff_t>(done), in.begin() + static_cast<std::ptrdiff_t>(p), w);
    w[0] = ' ';
    w[1] = in[p];
    w[2] = ' ';
    w[3] = in[p + 1];
    w += 4;
    done = p + 2;
  }
  return static_cast<std::size_t>(std::copy(in.begin() + static_cast<std::ptrdiff_t>(done), in.end(), w) - out);
}

// re.sub(r'([0-9])(-)', r'\1 \2 ', s): key is the 2nd character.
std::size_t split_dash_after_digit(std::string_view in, char* out) {
  char* w = out;
  std::size_t done = 0;
  for (std::size_t p = in.find('-', 1); p != std::string_view::npos; p = in.find('-', p + 1)) {
    if (p - 1 < done || !is_digit(in[p - 1])) continue;
    w = std::copy(in.begin() + static_cast<std::ptrdiff_t>(done), in.begin() + static_cast<std::ptrdiff_t>(p), w);
    w[0] = ' ';
    w[1] = '-';
    w[2] = ' ';
    w += 3;
    done = p + 1;
  }
  return static_cast<std::size_t>(std::copy(in.begin() + static_cast<std::ptrdiff_t>(done), in.end(), w) - out);
}

// TokenizerRegexp's four passes on buffers.text[0, len); returns the result (in buffers.text).
std::string_view run_passes(detail::Tokenize13aBuffers& buffers, std::size_t len) {
  std::string_view text(buffers.text.get(), len);
  // Runs one pass into the scratch buffer (3 bytes per input byte at most) and swaps the two.
  const auto apply = [&](std::size_t (*pass)(std::string_view, char*)) {
    char* out = reserve(buffers.scratch, buffers.scratch_capacity, 3 * text.size());
    const std::size_t out_len = pass(text, out);
    std::swap(buffers.text, buffers.scratch);
    std::swap(buffers.text_capacity, buffers.scratch_capacity);
    text = std::string_view(buffers.text.get(), out_len);
  };
  // Passes 2-4 cannot match without a '.', ',' or '-', and no pass creates those characters.
  const bool has_period_or_comma = PeriodCommaScanner(text).next(0) < text.size();
  const bool has_dash = text.find('-') != std::string_view::npos;
  apply(pad_symbols);
  if (has_period_or_comma) {
    apply(split_after_non_digit);
    apply(split_before_non_digit);
  }
  if (has_dash) apply(split_dash_after_digit);
  return text;
}

}  // namespace

std::string Tokenizer13a::tokenize(std::string_view line) const {
  // Per-thread buffers: the passes then allocate only while a thread sees longer lines.
  thread_local detail::Tokenize13aBuffers buffers;
  return join_whitespace(run_passes(buffers, unescape_and_pad(line, buffers)));
}

std::string_view detail::tokenize_13a_unjoined(std::string_view line, Tokenize13aBuffers& buffers) {
  return run_passes(buffers, unescape_and_pad(line, buffers));
}

std::string detail::tokenize_regexp(std::string_view line) {
  thread_local Tokenize13aBuffers buffers;
  char* text = reserve(buffers.text, buffers.text_capacity, line.size());
  if (!line.empty()) std::memcpy(text, line.data(), line.size());
  return join_whitespace(run_passes(buffers, line.size()));
}

}  // namespace longtail::eval

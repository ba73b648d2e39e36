// sacreBLEU's `13a` tokenizer (tokenizer_13a.py + tokenizer_re.py), without std::regex.
//
// sacreBLEU runs four global re.sub passes one after another. Each pattern is a pair of
// single-character classes, so each pass is reproduced by one left-to-right scan that, like
// re.sub, resumes after the end of a match (a character consumed as the 2nd half of one match
// cannot start the next). The scans work on UTF-8 bytes: every class that is not `[^0-9]` is
// ASCII, and `[^0-9]` only ever pairs with an ASCII character, so a multi-byte character can
// neither match differently nor shift where a later match starts (the start of a match is
// never inside a multi-byte character, and the bytes it adds are copied unchanged).
#include <array>

#include "eval/scorer/tokenizer.h"
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

// tokenizer_13a.py before the regexes: <skipped>, hyphenated line breaks, newlines, the four
// entities in this order (so "&amp;lt;" becomes "<"), then the space padding.
std::string unescape_and_pad(std::string_view line) {
  std::string s = replace_all(line, "<skipped>", "");
  s = replace_all(s, "-\n", "");
  s = replace_all(s, "\n", " ");
  if (s.find('&') != std::string::npos) {
    s = replace_all(s, "&quot;", "\"");
    s = replace_all(s, "&amp;", "&");
    s = replace_all(s, "&lt;", "<");
    s = replace_all(s, "&gt;", ">");
  }
  return " " + s + " ";
}

// re.sub(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])', r' \1 ', s)
void pad_symbols(std::string_view in, std::string& out) {
  out.clear();
  for (char c : in) {
    if (kSymbol[static_cast<unsigned char>(c)]) {
      out.push_back(' ');
      out.push_back(c);
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

// re.sub(r'([^0-9])([\.,])', r'\1 \2 ', s)
void split_after_non_digit(std::string_view in, std::string& out) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    if (i + 1 < in.size() && !is_digit(in[i]) && is_period_or_comma(in[i + 1])) {
      out.push_back(in[i]);
      out.push_back(' ');
      out.push_back(in[i + 1]);
      out.push_back(' ');
      i += 2;
    } else {
      out.push_back(in[i++]);
    }
  }
}

// re.sub(r'([\.,])([^0-9])', r' \1 \2', s)
void split_before_non_digit(std::string_view in, std::string& out) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    if (i + 1 < in.size() && is_period_or_comma(in[i]) && !is_digit(in[i + 1])) {
      out.push_back(' ');
      out.push_back(in[i]);
      out.push_back(' ');
      out.push_back(in[i + 1]);
      i += 2;
    } else {
      out.push_back(in[i++]);
    }
  }
}

// re.sub(r'([0-9])(-)', r'\1 \2 ', s)
void split_dash_after_digit(std::string_view in, std::string& out) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    if (i + 1 < in.size() && is_digit(in[i]) && in[i + 1] == '-') {
      out.push_back(in[i]);
      out.append(" - ");
      i += 2;
    } else {
      out.push_back(in[i++]);
    }
  }
}

}  // namespace

std::string Tokenizer13a::tokenize(std::string_view line) const {
  std::string a = unescape_and_pad(line);
  std::string b;
  b.reserve(a.size() * 2);
  pad_symbols(a, b);
  split_after_non_digit(b, a);
  split_before_non_digit(a, b);
  split_dash_after_digit(b, a);
  return join_whitespace(a);
}

}  // namespace longtail::eval

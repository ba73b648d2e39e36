#include "harness/data/normalize.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <unordered_set>

#include "harness/data/mo_reader.h"

namespace longtail::data {
namespace {

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_ident_char(char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_'; }

// Decodes the code point at s[i] into cp and returns its byte length. A byte that does not start
// a valid sequence decodes as itself with length 1, so the scanners never stall.
size_t decode_utf8(std::string_view s, size_t i, char32_t& cp) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    cp = b;
    return 1;
  }
  cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) {
      cp = b;
      return 1;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  return len;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A letter for our purposes: ASCII letters and every non-ASCII code point outside the Latin-1
// symbols, general punctuation, symbol/arrow/box blocks and CJK/fullwidth punctuation. Coarse,
// but it only decides whether a marker precedes text and whether a string has any words.
bool is_letter(char32_t cp) {
  if (cp < 0x80) return is_ascii_alpha(static_cast<char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF20) return false;
  if (cp >= 0xFE30 && cp <= 0xFE4F) return false;
  return true;
}

bool letter_at(std::string_view s, size_t i) {
  if (i >= s.size()) return false;
  char32_t cp;
  decode_utf8(s, i, cp);
  return is_letter(cp);
}

bool starts_with(std::string_view s, size_t i, std::string_view prefix) { return s.substr(i, prefix.size()) == prefix; }

// ---- 1. trailing CJK accelerators: "ファイル(_F)..." -> "ファイル..." ----

std::string strip_cjk_accelerator(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  // Trailing punctuation that follows the accelerator stays after it is removed.
  size_t tail = end;
  for (std::string_view punct : {"...", "\xE2\x80\xA6" /* … */, ":", "\xEF\xBC\x9A" /* ： */}) {
    if (tail >= punct.size() && s.substr(tail - punct.size(), punct.size()) == punct) {
      tail -= punct.size();
      break;
    }
  }
  // "(_F)" is 4 bytes: '(' marker alnum ')'.
  if (tail < 4 || s[tail - 1] != ')' || s[tail - 4] != '(') return std::string(s);
  const char marker = s[tail - 3], key = s[tail - 2];
  if ((marker != '_' && marker != '&') || !(is_ascii_alpha(key) || is_ascii_digit(key))) return std::string(s);
  size_t start = tail - 4;
  while (start > 0 && s[start - 1] == ' ') --start;
  return std::string(s.substr(0, start)) + std::string(s.substr(tail));
}

// ---- 2. placeholders -> "{}" ----

// Length of a printf/Python/Qt conversion starting at the '%' at s[i], or 0 when it is not one.
size_t printf_length(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  const auto one_of = [](char c, const char* set) { return c != '\0' && std::strchr(set, c) != nullptr; };
  size_t j = i + 1;
  size_t digits_end = j;
  while (is_ascii_digit(at(digits_end))) ++digits_end;
  if (at(j) == '(') {  // Python %(name)s
    const size_t close = s.find(')', j);
    if (close == std::string_view::npos || close == j + 1) return 0;
    for (size_t k = j + 1; k < close; ++k)
      if (!is_ident_char(s[k])) return 0;
    j = close + 1;
  } else if (digits_end > j && at(digits_end) == '$') {
    j = digits_end + 1;  // positional %1$s
  }
  while (one_of(at(j), "-+#0'I")) ++j;  // flags (not ' ': "50 % de" is French, not "% d")
  if (at(j) == '*') {
    ++j;
  } else {
    while (is_ascii_digit(at(j))) ++j;
  }
  if (at(j) == '.') {
    ++j;
    if (at(j) == '*') {
      ++j;
    } else {
      while (is_ascii_digit(at(j))) ++j;
    }
  }
  if (at(j) == '<') {  // gettext's system-dependent %<PRId64>
    const size_t close = s.find('>', j);
    if (close != std::string_view::npos && starts_with(s, j + 1, "PRI")) return close + 1 - i;
  }
  while (one_of(at(j), "hlLqjzZt")) ++j;  // length modifiers
  if (one_of(at(j), "diouxXeEfFgGaAcCsSpnm")) return j + 1 - i;
  // Qt and KDE number their arguments without a conversion: "Copying %1 of %2."
  if (digits_end > i + 1 && at(digits_end) != '$') return digits_end - i;
  return 0;
}

// Length of a brace field "{0}", "{name}", "{0:>4}", "{obj.attr}", "{}" at s[i], or 0.
size_t brace_length(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && (is_ident_char(s[j]) || s[j] == '.' || s[j] == '[' || s[j] == ']')) ++j;
  if (j < s.size() && s[j] == '!') j += 2;  // conversion !r !s !a
  if (j < s.size() && s[j] == ':') {
    while (j < s.size() && s[j] != '}' && s[j] != '{' && s[j] != '\n') ++j;
  }
  return j < s.size() && s[j] == '}' ? j + 1 - i : 0;
}

std::string replace_placeholders(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '%' && i + 1 < s.size() && s[i + 1] == '%') {
      out += '%';
      i += 2;
      continue;
    }
    size_t len = 0;
    if (c == '%') len = printf_length(s, i);
    if (c == '{' && !(i + 1 < s.size() && s[i + 1] == '{')) len = brace_length(s, i);
    if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {  // shell-style ${var}
      const size_t field = brace_length(s, i + 1);
      len = field ? field + 1 : 0;
    }
    if (len > 0) {
      out += kPlaceholderToken;
      i += len;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// ---- 3. formatting markup ----

constexpr std::array<std::string_view, 17> kFormattingTags = {
    "a", "b", "big", "br", "code", "em", "i", "kbd", "p", "s", "small", "span", "strong", "sub", "sup", "tt", "u"};

// Length of a formatting tag at s[i] ('<'), or 0; `breaks` is set for <br> and <p>.
size_t tag_length(std::string_view s, size_t i, bool& breaks) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '/') ++j;
  size_t name_end = j;
  while (name_end < s.size() && is_ascii_alpha(s[name_end])) ++name_end;
  std::string name(s.substr(j, name_end - j));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(kFormattingTags.begin(), kFormattingTags.end(), name) == kFormattingTags.end()) return 0;
  const size_t close = s.find('>', name_end);
  if (close == std::string_view::npos) return 0;
  const char after = s[name_end];
  if (after != '>' && after != '/' && after != ' ') return 0;  // "<bar>" is not "<b>"
  if (s.substr(name_end, close - name_end).find('<') != std::string_view::npos) return 0;
  breaks = name == "br" || name == "p";
  return close + 1 - i;
}

std::string strip_formatting_tags(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    bool breaks = false;
    const size_t len = s[i] == '<' ? tag_length(s, i, breaks) : 0;
    if (len > 0) {
      if (breaks) out += ' ';
      i += len;
    } else {
      out += s[i++];
    }
  }
  return out;
}

// ---- 4. entities and accelerators ----

// Decodes the entity at s[i] ('&') into cp and returns its length, or 0.
size_t entity_length(std::string_view s, size_t i, char32_t& cp) {
  static const std::array<std::pair<std::string_view, char32_t>, 6> kNamed = {
      {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&nbsp;", 0xA0}}};
  for (const auto& [name, value] : kNamed) {
    if (starts_with(s, i, name)) {
      cp = value;
      return name.size();
    }
  }
  if (!starts_with(s, i, "&#")) return 0;
  const bool hex = i + 2 < s.size() && (s[i + 2] == 'x' || s[i + 2] == 'X');
  size_t j = i + (hex ? 3 : 2);
  char32_t value = 0;
  const size_t first_digit = j;
  for (; j < s.size() && j < first_digit + 7; ++j) {
    const char c = s[j];
    int d = is_ascii_digit(c) ? c - '0' : (hex && std::isxdigit(static_cast<unsigned char>(c))) ? std::tolower(c) - 'a' + 10 : -1;
    if (d < 0) break;
    value = value * (hex ? 16 : 10) + static_cast<char32_t>(d);
  }
  if (j == first_digit || j >= s.size() || s[j] != ';' || value == 0 || value > 0x10FFFF ||
      (value >= 0xD800 && value <= 0xDFFF))
    return 0;
  cp = value;
  return j + 1 - i;
}

// A "_" or "~" at s[i] that marks the next letter as a keyboard accelerator.
bool is_marker_candidate(std::string_view s, size_t i) {
  if (!letter_at(s, i + 1)) return false;
  const char prev = i > 0 ? s[i - 1] : ' ';
  if (prev == s[i]) return false;                                                 // "__init__"
  if ((is_ascii_upper(prev) || is_ascii_digit(prev)) && is_ascii_upper(s[i + 1])) return false;  // LC_ALL
  return true;
}

size_t count_marker_candidates(std::string_view s, char marker) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == marker && is_marker_candidate(s, i)) ++n;
  return n;
}

std::string decode_entities_and_accelerators(std::string_view s) {
  // GTK and LibreOffice strings carry one mnemonic at most; two or more "_X" are identifiers.
  const bool strip_underscore = count_marker_candidates(s, '_') == 1;
  const bool strip_tilde = count_marker_candidates(s, '~') == 1;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    char32_t cp;
    if (c == '&') {
      if (const size_t len = entity_length(s, i, cp)) {
        append_utf8(out, cp);
        i += len;
      } else if (i + 1 < s.size() && s[i + 1] == '&') {
        out += '&';
        i += 2;
      } else {
        if (!letter_at(s, i + 1)) out += '&';  // "Tom & Jerry"; "&File" loses its marker
        ++i;
      }
    } else if ((c == '_' && strip_underscore) || (c == '~' && strip_tilde)) {
      if (!is_marker_candidate(s, i)) out += c;
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

// ---- 5. whitespace ----

bool is_space_like(char32_t cp) {
  return cp < 0x20 || cp == 0x20 || cp == 0x7F || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
}
bool is_invisible(char32_t cp) { return cp == 0x200B || cp == 0xFEFF; }  // zero-width space, BOM

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    const size_t len = decode_utf8(s, i, cp);
    if (is_space_like(cp)) {
      pending_space = !out.empty();
    } else if (!is_invisible(cp)) {
      if (pending_space) out += ' ';
      pending_space = false;
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

// ---- pair checks ----

int64_t count_placeholders(std::string_view s) {
  int64_t n = 0;
  for (size_t at = s.find(kPlaceholderToken); at != std::string_view::npos; at = s.find(kPlaceholderToken, at + 2)) ++n;
  return n;
}

int64_t count_letters(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    i += decode_utf8(s, i, cp);
    n += is_letter(cp);
  }
  return n;
}

// Space-separated words that contain a letter.
int64_t count_words(std::string_view s) {
  int64_t n = 0;
  bool in_word = false, has_letter = false;
  for (size_t i = 0; i <= s.size();) {
    if (i == s.size() || s[i] == ' ') {
      n += in_word && has_letter;
      in_word = has_letter = false;
      ++i;
      continue;
    }
    char32_t cp;
    const size_t len = decode_utf8(s, i, cp);
    in_word = true;
    has_letter = has_letter || is_letter(cp);
    i += len;
  }
  return n;
}

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool mostly_placeholders(const std::string& en, const std::string& xx) {
  const int64_t placeholders = count_placeholders(en);
  return count_letters(en) < 2 || count_letters(xx) < 1 || (placeholders > 0 && placeholders > count_words(en));
}

}  // namespace

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::None: return "kept";
    case DropReason::BadEncoding: return "bad_encoding";
    case DropReason::Empty: return "empty";
    case DropReason::Untranslated: return "untranslated";
    case DropReason::TooLong: return "too_long";
    case DropReason::MostlyPlaceholders: return "mostly_placeholders";
    case DropReason::PlaceholderMismatch: return "placeholder_mismatch";
    case DropReason::Identical: return "identical";
  }
  return "unknown";
}

std::string normalize_segment(std::string_view s) {
  std::string text = strip_cjk_accelerator(s);
  text = replace_placeholders(text);
  text = strip_formatting_tags(text);
  text = decode_entities_and_accelerators(text);
  return collapse_whitespace(text);
}

int64_t utf8_length(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

DropReason normalize_pair(std::string_view en, std::string_view xx, const NormalizeOptions& opt, Pair& out) {
  if (!is_valid_utf8(en) || !is_valid_utf8(xx)) return DropReason::BadEncoding;
  out.en = normalize_segment(en);
  out.xx = normalize_segment(xx);
  if (out.en.empty()) return DropReason::Empty;
  if (out.xx.empty()) return DropReason::Untranslated;
  if (utf8_length(out.en) > opt.max_chars || utf8_length(out.xx) > opt.max_chars) return DropReason::TooLong;
  if (mostly_placeholders(out.en, out.xx)) return DropReason::MostlyPlaceholders;
  if (count_placeholders(out.en) != count_placeholders(out.xx)) return DropReason::PlaceholderMismatch;
  if (equal_ignoring_ascii_case(out.en, out.xx)) return DropReason::Identical;
  return DropReason::None;
}

int64_t dedup_pairs(std::vector<Pair>& pairs) {
  std::unordered_set<std::string> seen;
  seen.reserve(pairs.size() * 2);
  size_t kept = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    // A tab cannot occur inside a normalised side, so it separates the two unambiguously.
    if (!seen.insert(pairs[i].en + '\t' + pairs[i].xx).second) continue;
    if (kept != i) pairs[kept] = std::move(pairs[i]);
    ++kept;
  }
  const auto removed = static_cast<int64_t>(pairs.size() - kept);
  pairs.resize(kept);
  return removed;
}

void NormalizeStats::count(DropReason r) {
  ++seen;
  if (r == DropReason::None) {
    ++kept;
  } else {
    ++dropped[drop_reason_name(r)];
  }
}

void NormalizeStats::merge(const NormalizeStats& other) {
  seen += other.seen;
  kept += other.kept;
  duplicates += other.duplicates;
  for (const auto& [reason, n] : other.dropped) dropped[reason] += n;
}

}  // namespace longtail::data

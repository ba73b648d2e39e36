#include "harness/data/po_reader.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <stdexcept>

#include "harness/common/fs_util.h"

namespace longtail::data {
namespace {

// One entry as written in the file, strings still in the catalog's charset.
struct PoEntry {
  std::optional<std::string> context;
  std::optional<std::string> msgid, msgid_plural;
  std::map<int, std::string> msgstr;  // msgstr is msgstr[0]
  bool fuzzy = false;
  size_t line = 0;  // where it starts, for errors
};

class PoParser {
 public:
  PoParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  std::vector<PoEntry> parse() {
    size_t pos = 0;
    while (pos <= text_.size()) {
      size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) end = text_.size();
      ++line_;
      parse_line(trim(text_.substr(pos, end - pos)));
      pos = end + 1;
    }
    finish_entry();
    return std::move(entries_);
  }

 private:
  // Which string a continuation line ("...") extends.
  enum class Field { None, Context, Id, IdPlural, Str };

  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(fmt::format("{}:{}: {}", name_, line_, what));
  }

  void parse_line(std::string_view line) {
    if (line.empty()) {
      return;
    } else if (line[0] == '#') {
      parse_comment(line);
    } else if (line[0] == '"') {
      append_continuation(line);
    } else {
      parse_keyword(line);
    }
  }

  void parse_comment(std::string_view line) {
    // "#~" marks obsolete entries, which are kept only for translators' memory.
    if (line.size() >= 2 && line[1] == ',' && line.find("fuzzy") != std::string_view::npos) {
      if (!current_.msgstr.empty()) finish_entry();
      pending_fuzzy_ = true;
    }
    field_ = Field::None;
  }

  void append_continuation(std::string_view line) {
    if (field_ == Field::None) fail("a string continuation line with no msgid/msgstr/msgctxt before it");
    target() += unquote(line);
  }

  void parse_keyword(std::string_view line) {
    const size_t space = line.find_first_of(" \t");
    if (space == std::string_view::npos) fail(fmt::format("keyword \"{}\" without a string", line));
    const std::string_view keyword = line.substr(0, space);
    const std::string value = unquote(trim(line.substr(space + 1)));
    if (keyword == "msgctxt") {
      start_entry_if_complete();
      if (current_.context) fail("a second msgctxt in one entry");
      current_.context = value;
      field_ = Field::Context;
    } else if (keyword == "msgid") {
      start_entry_if_complete();
      if (current_.msgid) fail("a second msgid in one entry (missing msgstr?)");
      current_.msgid = value;
      field_ = Field::Id;
    } else if (keyword == "msgid_plural") {
      if (!current_.msgid || !current_.msgstr.empty()) fail("msgid_plural must follow msgid");
      current_.msgid_plural = value;
      field_ = Field::IdPlural;
    } else if (keyword == "msgstr" || keyword.substr(0, 7) == "msgstr[") {
      add_msgstr(keyword, value);
    } else {
      fail(fmt::format("unknown keyword \"{}\"", keyword));
    }
  }

  void add_msgstr(std::string_view keyword, const std::string& value) {
    if (!current_.msgid) fail(fmt::format("{} without a msgid before it", keyword));
    int index = 0;
    if (keyword != "msgstr") {
      const std::string_view digits = keyword.substr(7, keyword.size() - 8);
      if (keyword.back() != ']' || digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos)
        fail(fmt::format("malformed plural keyword \"{}\"", keyword));
      index = std::stoi(std::string(digits));
      if (!current_.msgid_plural) fail(fmt::format("{} in an entry without msgid_plural", keyword));
    } else if (current_.msgid_plural) {
      fail("msgstr in a plural entry (expected msgstr[0], msgstr[1], ...)");
    }
    if (current_.msgstr.count(index)) fail(fmt::format("{} given twice", keyword));
    current_.msgstr[index] = value;
    str_index_ = index;
    field_ = Field::Str;
  }

  std::string& target() {
    switch (field_) {
      case Field::Context: return *current_.context;
      case Field::Id: return *current_.msgid;
      case Field::IdPlural: return *current_.msgid_plural;
      default: return current_.msgstr[str_index_];
    }
  }

  bool has_started() const { return current_.context || current_.msgid; }

  // A msgctxt/msgid after a msgstr begins the next entry.
  void start_entry_if_complete() {
    if (!current_.msgstr.empty()) finish_entry();
    if (!has_started()) {
      current_.line = line_;
      current_.fuzzy = pending_fuzzy_;
    }
  }

  void finish_entry() {
    if (has_started()) {
      if (!current_.msgid) fail(fmt::format("the entry starting at line {} has msgctxt but no msgid", current_.line));
      if (current_.msgstr.empty()) fail(fmt::format("the entry starting at line {} has no msgstr", current_.line));
      entries_.push_back(std::move(current_));
      pending_fuzzy_ = false;
    }
    current_ = PoEntry{};
    field_ = Field::None;
  }

  // A quoted C string: "..." with escapes.
  std::string unquote(std::string_view s) const {
    if (s.size() < 2 || s.front() != '"' || s.back() != '"') fail("expected a string in double quotes");
    std::string out;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') fail("an unescaped '\"' inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i + 2 >= s.size()) fail("a string ending in a lone backslash");
      i = unescape(s, i + 1, out);
    }
    return out;
  }

  // Decodes the escape whose letter is at s[i]; returns the index of its last character.
  size_t unescape(std::string_view s, size_t i, std::string& out) const {
    const size_t last = s.size() - 1;  // the closing quote
    switch (s[i]) {
      case 'n': out += '\n'; return i;
      case 't': out += '\t'; return i;
      case 'r': out += '\r'; return i;
      case 'a': out += '\a'; return i;
      case 'b': out += '\b'; return i;
      case 'f': out += '\f'; return i;
      case 'v': out += '\v'; return i;
      case '\\': case '"': case '\'': case '?': out += s[i]; return i;
      case 'x': {
        size_t j = i + 1;
        int value = 0;
        while (j < last && j < i + 3 && hex_value(s[j]) >= 0) value = value * 16 + hex_value(s[j++]);
        if (j == i + 1) fail("\\x without hex digits");
        out += static_cast<char>(value);
        return j - 1;
      }
      default:
        if (s[i] >= '0' && s[i] <= '7') {
          size_t j = i;
          int value = 0;
          while (j < last && j < i + 3 && s[j] >= '0' && s[j] <= '7') value = value * 8 + (s[j++] - '0');
          out += static_cast<char>(value);
          return j - 1;
        }
        fail(fmt::format("unknown escape \\{}", s[i]));
    }
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::string_view text_;
  const std::string& name_;
  size_t line_ = 0;
  std::vector<PoEntry> entries_;
  PoEntry current_;
  Field field_ = Field::None;
  int str_index_ = 0;
  bool pending_fuzzy_ = false;
};

std::string po_header_charset(const std::vector<PoEntry>& entries) {
  for (const PoEntry& e : entries)
    if (!e.context && e.msgid->empty()) return header_charset(e.msgstr.begin()->second);
  return "UTF-8";
}

// Appends the pair(s) of one parsed entry, converted to UTF-8; counts a conversion failure.
void add_entry(Catalog& cat, Utf8Converter& conv, const PoEntry& e) {
  const auto form = [&](int i) -> const std::string* {
    auto it = e.msgstr.find(i);
    return it == e.msgstr.end() ? nullptr : &it->second;
  };
  const bool plural = e.msgid_plural.has_value();
  CatalogEntry singular, second;
  singular.plural = second.plural = plural;
  const std::string* str0 = form(0);
  const std::string* str1 = plural ? form(1) : nullptr;
  const bool has_second = str1 && !e.msgid_plural->empty();
  const std::string empty;
  bool ok = conv.convert(e.context.value_or(""), singular.context) && conv.convert(*e.msgid, singular.msgid) &&
            conv.convert(str0 ? *str0 : empty, singular.msgstr);
  if (ok && has_second) ok = conv.convert(*e.msgid_plural, second.msgid) && conv.convert(*str1, second.msgstr);
  if (!ok) {
    ++cat.dropped_bad_encoding;
    return;
  }
  if (has_second) second.context = singular.context;
  cat.entries.push_back(std::move(singular));
  if (has_second) cat.entries.push_back(std::move(second));
}

}  // namespace

Catalog parse_po(std::string_view text, const std::string& name) {
  const std::vector<PoEntry> entries = PoParser(text, name).parse();
  Catalog cat;
  cat.path = name;
  cat.charset = po_header_charset(entries);
  std::optional<Utf8Converter> conv;
  try {
    conv.emplace(cat.charset);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", name, e.what()));
  }
  for (const PoEntry& e : entries) {
    if (e.msgid->empty()) continue;  // the header (or an entry with nothing to translate)
    if (e.fuzzy) {
      ++cat.skipped_fuzzy;
      continue;
    }
    add_entry(cat, *conv, e);
  }
  return cat;
}

Catalog read_po(const std::string& path) {
  const std::string text = read_file(path);
  return parse_po(text, path);
}

}  // namespace longtail::data

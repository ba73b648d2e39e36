#include "harness/common/json_util.h"

#include <fmt/format.h>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness/common/fs_util.h"
#include "harness/common/options.h"
#include "harness/common/utf8.h"

namespace longtail {

namespace json = boost::json;

namespace {

// "<path>:<line>:<col>" of byte offset `at` in `text`.
std::string position(const std::string& path, const std::string& text, size_t at) {
  at = std::min(at, text.size());
  const int64_t line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  const size_t nl = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
  const int64_t col = static_cast<int64_t>(at - (nl == std::string::npos ? 0 : nl + 1)) + 1;
  return fmt::format("{}:{}:{}", path, line, col);
}

// A key that appears twice in one object (JSON parsers keep the last silently): throws naming the
// position and the JSON path. `text` is valid JSON.
void check_duplicate_keys(const std::string& path, const std::string& text) {
  struct Level {
    bool object;
    std::vector<std::string> keys;
    std::string at;  // JSON path of this container
    int64_t index = 0;
  };
  std::vector<Level> stack;
  bool expect_key = false;
  std::string last_key;
  auto child_path = [&]() -> std::string {
    if (stack.empty()) return "$";
    const Level& l = stack.back();
    return l.object ? l.at + "." + last_key : fmt::format("{}[{}]", l.at, l.index);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      size_t j = i + 1;
      std::string raw;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\') raw += text[j++];
        raw += text[j];
      }
      if (expect_key) {
        auto& keys = stack.back().keys;
        // Keys are compared as JSON strings: only escaped ones need decoding.
        const std::string key = raw.find('\\') == std::string::npos ? raw : std::string(json::parse("\"" + raw + "\"").as_string());
        if (std::find(keys.begin(), keys.end(), key) != keys.end())
          throw ConfigError(position(path, text, i), fmt::format("{}.{}: the key \"{}\" appears twice in this object (the JSON "
                                                                 "standard leaves that undefined; keep one)", stack.back().at, key, key));
        keys.push_back(key);
        last_key = key;
        expect_key = false;
      }
      i = j;
    } else if (c == '{' || c == '[') {
      const std::string at = child_path();
      stack.push_back({c == '{', {}, at});
      expect_key = c == '{';
    } else if (c == '}' || c == ']') {
      stack.pop_back();
    } else if (c == ',' && !stack.empty()) {
      if (stack.back().object) expect_key = true;
      else ++stack.back().index;
    }
  }
}

}  // namespace

json::value read_json_file(const std::string& path) {
  std::error_code ec_fs;
  if (std::filesystem::is_directory(path, ec_fs)) throw ConfigError(path, "is a directory; expected a JSON file");
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, std::string("cannot read the file: ") + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (text.rfind("\xEF\xBB\xBF", 0) == 0)
    throw ConfigError(path + ":1:1", "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without one");
  if (const size_t bad = first_invalid_utf8(text); bad < text.size())
    throw ConfigError(position(path, text, bad),
                      fmt::format("invalid UTF-8 (byte 0x{:02x}); JSON files must be UTF-8", static_cast<unsigned char>(text[bad])));
  boost::system::error_code ec;
  size_t consumed = 0;
  json::value v = parse_json_text(text, ec, consumed);
  if (ec) throw ConfigError(position(path, text, consumed), "invalid JSON: " + ec.message());
  check_duplicate_keys(path, text);
  return v;
}

namespace {

// Boost.JSON's handler (value_stack), except that floating-point numbers are converted by
// strtod from their text: Boost 1.81's parser is off by one unit in the last place for some
// numbers (1.0798847816676393 reads as ...391), and longtail's scores must round-trip exactly.
struct PreciseHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  json::value_stack st;
  std::string number;  // the text of a number split across writes

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::system::error_code&) { st.push_array(n); return true; }
  bool on_object_begin(boost::system::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::system::error_code&) { st.push_object(n); return true; }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) { st.push_chars(s); return true; }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) { st.push_string(s); return true; }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) { st.push_chars(s); return true; }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code&) { st.push_key(s); return true; }
  bool on_number_part(json::string_view s, boost::system::error_code&) { number.append(s.data(), s.size()); return true; }
  bool on_int64(int64_t i, json::string_view, boost::system::error_code&) { number.clear(); st.push_int64(i); return true; }
  bool on_uint64(uint64_t u, json::string_view, boost::system::error_code&) { number.clear(); st.push_uint64(u); return true; }
  bool on_double(double d, json::string_view s, boost::system::error_code&) {
    number.append(s.data(), s.size());
    char* end = nullptr;
    const double exact = std::strtod(number.c_str(), &end);
    st.push_double(end && *end == '\0' && std::isfinite(exact) ? exact : d);
    number.clear();
    return true;
  }
  bool on_bool(bool b, boost::system::error_code&) { st.push_bool(b); return true; }
  bool on_null(boost::system::error_code&) { st.push_null(); return true; }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

}  // namespace

json::value parse_json_text(std::string_view text, boost::system::error_code& ec, size_t& consumed) {
  json::basic_parser<PreciseHandler> p(json::parse_options{});
  p.handler().st.reset();
  consumed = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = json::error::extra_data;
  if (ec) return nullptr;
  return p.handler().st.release();
}

json::value parse_json(std::string_view text) {
  boost::system::error_code ec;
  size_t consumed = 0;
  json::value v = parse_json_text(text, ec, consumed);
  if (ec) throw std::invalid_argument("invalid JSON at byte " + std::to_string(consumed) + ": " + ec.message());
  return v;
}

double json_number(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  throw std::invalid_argument("expected a JSON number, got " + json::serialize(v));
}

namespace {
void pretty(std::ostringstream& os, const json::value& v, int indent) {
  std::string pad(indent, ' ');
  switch (v.kind()) {
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) { os << "{}"; return; }
      os << "{\n";
      bool first = true;
      for (const auto& kv : o) {
        if (!first) os << ",\n";
        first = false;
        os << pad << "  " << json::serialize(json::string(kv.key())) << ": ";
        pretty(os, kv.value(), indent + 2);
      }
      os << "\n" << pad << "}";
      return;
    }
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) { os << "[]"; return; }
      // Arrays of scalars stay on one line: metric vectors and language lists read better so.
      bool scalars = std::all_of(a.begin(), a.end(), [](const json::value& x) { return !x.is_structured(); });
      if (scalars) { os << json::serialize(v); return; }
      os << "[\n";
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) os << ",\n";
        os << pad << "  ";
        pretty(os, a[i], indent + 2);
      }
      os << "\n" << pad << "]";
      return;
    }
    default:
      os << json::serialize(v);
  }
}
}  // namespace

std::string pretty_json(const json::value& v) {
  std::ostringstream os;
  pretty(os, v, 0);
  os << "\n";
  return os.str();
}

std::vector<std::string> json_differences(const json::value& before, const json::value& now, const std::string& path) {
  if (before.is_number() && now.is_number() && before.to_number<double>() == now.to_number<double>()) return {};
  if (before.is_object() && now.is_object()) {
    std::vector<std::string> out;
    const auto& a = before.get_object();
    const auto& b = now.get_object();
    for (const auto& kv : a) {
      const std::string p = path + "." + std::string(kv.key());
      if (const auto* other = b.if_contains(kv.key())) {
        for (auto& d : json_differences(kv.value(), *other, p)) out.push_back(std::move(d));
      } else {
        out.push_back(p + ": removed");
      }
    }
    for (const auto& kv : b)
      if (!a.contains(kv.key())) out.push_back(path + "." + std::string(kv.key()) + ": added " + json::serialize(kv.value()));
    return out;
  }
  if (before == now) return {};
  return {path + ": " + json::serialize(before) + " → " + json::serialize(now)};
}

void write_json_file(const std::string& path, const json::value& v) { write_file_atomic(path, pretty_json(v)); }

}  // namespace longtail

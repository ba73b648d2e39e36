#include "harness/common/json_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
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
  json::stream_parser p;
  boost::system::error_code ec;
  size_t consumed = p.write_some(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) throw ConfigError(position(path, text, consumed), "invalid JSON: " + ec.message());
  check_duplicate_keys(path, text);
  return p.release();
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

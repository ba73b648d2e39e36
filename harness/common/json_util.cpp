#include "harness/common/json_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "harness/common/fs_util.h"
#include "harness/common/options.h"

namespace longtail {

namespace json = boost::json;

json::value read_json_file(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::exception& e) {
    throw ConfigError(path, "cannot read the file");
  }
  json::stream_parser p;
  boost::system::error_code ec;
  size_t consumed = p.write_some(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    size_t at = std::min(consumed, text.size());
    int64_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
    size_t nl = text.rfind('\n', at == 0 ? 0 : at - 1);
    int64_t col = static_cast<int64_t>(at - (nl == std::string::npos ? 0 : nl + 1)) + 1;
    throw ConfigError(fmt::format("{}:{}:{}", path, line, col), "invalid JSON: " + ec.message());
  }
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

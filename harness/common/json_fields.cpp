#include "harness/common/json_fields.h"

#include "harness/common/options.h"

namespace longtail::json_fields {

namespace json = boost::json;

const json::value& need(const json::object& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) throw ConfigError(where, std::string("missing key \"") + key + "\"");
  return it->value();
}

const json::object& need_object(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_object()) throw ConfigError(where + "." + key, "expected an object");
  return v.get_object();
}

const json::array& need_array(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_array()) throw ConfigError(where + "." + key, "expected an array");
  return v.get_array();
}

bool need_bool(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_bool()) throw ConfigError(where + "." + key, "expected true or false");
  return v.get_bool();
}

const json::object& as_object(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw ConfigError(where, "expected an object");
  return v.get_object();
}

std::string need_string(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_string()) throw ConfigError(where + "." + key, "expected a string");
  return std::string(v.get_string());
}

namespace {
int64_t as_int(const json::value& v, const std::string& path) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  throw ConfigError(path, "expected an integer");
}
}  // namespace

int64_t need_int(const json::object& o, const char* key, const std::string& where) {
  return as_int(need(o, key, where), where + "." + key);
}

double need_number(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_number()) throw ConfigError(where + "." + key, "expected a number");
  return v.to_number<double>();
}

std::vector<std::string> need_strings(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  const std::string path = where + "." + key;
  if (!v.is_array()) throw ConfigError(path, "expected an array of strings");
  std::vector<std::string> out;
  for (const auto& x : v.get_array()) {
    if (!x.is_string()) throw ConfigError(path, "expected an array of strings");
    out.emplace_back(x.get_string());
  }
  return out;
}

std::map<std::string, int64_t> need_int_map(const json::object& o, const char* key, const std::string& where) {
  const auto& m = need_object(o, key, where);
  std::map<std::string, int64_t> out;
  for (const auto& kv : m) out[std::string(kv.key())] = as_int(kv.value(), where + "." + key + "." + std::string(kv.key()));
  return out;
}

void check_schema(const json::object& o, const char* expected, const std::string& where) {
  if (const auto* schema = o.if_contains("schema"))
    if (!schema->is_string() || schema->get_string() != expected)
      throw ConfigError(where + ".schema", std::string("this longtail reads ") + expected + ", got " + json::serialize(*schema));
}

std::string get_string(const json::object& o, const char* key, const std::string& where, const std::string& fallback) {
  return o.contains(key) ? need_string(o, key, where) : fallback;
}

double get_number(const json::object& o, const char* key, const std::string& where, double fallback) {
  return o.contains(key) ? need_number(o, key, where) : fallback;
}

}  // namespace longtail::json_fields

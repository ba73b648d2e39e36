#include "harness/common/options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "harness/common/json_util.h"

namespace longtail {

namespace json = boost::json;

const char* type_name(OptType t) {
  switch (t) {
    case OptType::Int: return "int";
    case OptType::Float: return "float";
    case OptType::Bool: return "bool";
    case OptType::String: return "string";
    case OptType::StringList: return "string list";
    case OptType::FloatList: return "float list";
    case OptType::Json: return "json";
  }
  return "?";
}

namespace {

std::string describe(const json::value& v) {
  std::string s = json::serialize(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string range_text(const OptionSpec& s) {
  std::string lo = s.min ? fmt::format("{} {}", s.min_exclusive ? ">" : ">=", *s.min) : "";
  std::string hi = s.max ? fmt::format("<= {}", *s.max) : "";
  if (!lo.empty() && !hi.empty()) return lo + " and " + hi;
  return lo + hi;
}

void check_number(const OptionSpec& spec, double x, const std::string& path) {
  bool below = spec.min && (spec.min_exclusive ? x <= *spec.min : x < *spec.min);
  bool above = spec.max && x > *spec.max;
  if (below || above || !std::isfinite(x))
    throw ConfigError(path, fmt::format("expected a {} {}, got {}", type_name(spec.type), range_text(spec), x));
}

void check_choice(const OptionSpec& spec, const std::string& s, const std::string& path) {
  if (spec.choices.empty()) return;
  if (std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end())
    throw ConfigError(path, fmt::format("expected one of {}, got \"{}\"", fmt::join(spec.choices, ", "), s));
}

}  // namespace

void check_option_value(const OptionSpec& spec, const json::value& v, const std::string& path) {
  auto wrong = [&]() {
    return ConfigError(path, fmt::format("expected a {}, got {}", type_name(spec.type), describe(v)));
  };
  switch (spec.type) {
    case OptType::Int:
      if (v.is_int64()) return check_number(spec, double(v.get_int64()), path);
      if (v.is_uint64()) return check_number(spec, double(v.get_uint64()), path);
      if (v.is_double() && std::floor(v.get_double()) == v.get_double())
        return check_number(spec, v.get_double(), path);
      throw wrong();
    case OptType::Float:
      if (!v.is_number()) throw wrong();
      return check_number(spec, json_number(v), path);
    case OptType::Bool:
      if (!v.is_bool()) throw wrong();
      return;
    case OptType::String:
      if (!v.is_string()) throw wrong();
      return check_choice(spec, std::string(v.get_string()), path);
    case OptType::StringList: {
      if (!v.is_array()) throw wrong();
      const auto& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        std::string p = fmt::format("{}[{}]", path, i);
        if (!a[i].is_string()) throw ConfigError(p, fmt::format("expected a string, got {}", describe(a[i])));
        check_choice(spec, std::string(a[i].get_string()), p);
      }
      return;
    }
    case OptType::FloatList: {
      if (!v.is_array()) throw wrong();
      const auto& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        std::string p = fmt::format("{}[{}]", path, i);
        if (!a[i].is_number()) throw ConfigError(p, fmt::format("expected a number, got {}", describe(a[i])));
        check_number(spec, json_number(a[i]), p);
      }
      return;
    }
    case OptType::Json:
      return;
  }
}

json::object resolve_options(const OptionTable& table, const json::object& given, const std::string& json_path) {
  for (const auto& kv : given) {
    bool known = std::any_of(table.begin(), table.end(), [&](const OptionSpec& s) { return s.name == kv.key(); });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& s : table) names.push_back(s.name);
      throw ConfigError(fmt::format("{}.{}", json_path, std::string(kv.key())),
                        fmt::format("unknown key; expected one of {}", fmt::join(names, ", ")));
    }
  }
  json::object out;
  for (const auto& spec : table) {
    std::string path = fmt::format("{}.{}", json_path, spec.name);
    if (const json::value* v = given.if_contains(spec.name)) {
      check_option_value(spec, *v, path);
      // Store ints as ints even when written as 3.0, so the resolved config is canonical.
      if (spec.type == OptType::Int && v->is_double())
        out[spec.name] = static_cast<int64_t>(v->get_double());
      else
        out[spec.name] = *v;
    } else if (spec.default_value.is_null()) {
      throw ConfigError(path, fmt::format("missing required {} ({})", type_name(spec.type), spec.help));
    } else {
      out[spec.name] = spec.default_value;
    }
  }
  return out;
}

json::array table_to_json(const OptionTable& table) {
  json::array a;
  for (const auto& s : table) {
    json::object o{{"name", s.name}, {"type", type_name(s.type)}, {"default", s.default_value}, {"help", s.help}};
    if (s.min) o[s.min_exclusive ? "min_exclusive" : "min"] = *s.min;
    if (s.max) o["max"] = *s.max;
    if (!s.choices.empty()) {
      json::array c;
      for (const auto& x : s.choices) c.emplace_back(x);
      o["choices"] = std::move(c);
    }
    a.push_back(std::move(o));
  }
  return a;
}

std::string table_to_text(const OptionTable& table, const std::string& indent) {
  size_t width = 0;
  for (const auto& s : table) width = std::max(width, s.name.size());
  std::ostringstream out;
  for (const auto& s : table) {
    std::string def = s.default_value.is_null()     ? "required"
                      : s.default_value.is_double() ? fmt::format("{}", s.default_value.get_double())
                                                    : json::serialize(s.default_value);
    out << indent << fmt::format("{:<{}}  {:<11} {}  [default {}", s.name, width, type_name(s.type), s.help, def);
    std::string r = range_text(s);
    if (!r.empty()) out << "; " << r;
    if (!s.choices.empty()) out << "; one of " << fmt::format("{}", fmt::join(s.choices, "|"));
    out << "]\n";
  }
  return out.str();
}

const json::value& Options::get(const std::string& key) const {
  const json::value* v = obj_.if_contains(key);
  if (!v) throw ConfigError(where_, fmt::format("missing option \"{}\"", key));
  return *v;
}

int64_t Options::get_int(const std::string& key) const {
  const auto& v = get(key);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double() && std::floor(v.get_double()) == v.get_double()) return static_cast<int64_t>(v.get_double());
  throw ConfigError(where_, fmt::format("option \"{}\": expected an int, got {}", key, describe(v)));
}

double Options::get_float(const std::string& key) const {
  const auto& v = get(key);
  if (!v.is_number()) throw ConfigError(where_, fmt::format("option \"{}\": expected a number, got {}", key, describe(v)));
  return json_number(v);
}

bool Options::get_bool(const std::string& key) const {
  const auto& v = get(key);
  if (!v.is_bool()) throw ConfigError(where_, fmt::format("option \"{}\": expected a bool, got {}", key, describe(v)));
  return v.get_bool();
}

std::string Options::get_string(const std::string& key) const {
  const auto& v = get(key);
  if (!v.is_string()) throw ConfigError(where_, fmt::format("option \"{}\": expected a string, got {}", key, describe(v)));
  return std::string(v.get_string());
}

std::vector<std::string> Options::get_strings(const std::string& key) const {
  const auto& v = get(key);
  std::vector<std::string> out;
  if (!v.is_array()) throw ConfigError(where_, fmt::format("option \"{}\": expected a list, got {}", key, describe(v)));
  for (const auto& x : v.get_array()) {
    if (!x.is_string()) throw ConfigError(where_, fmt::format("option \"{}\": expected strings", key));
    out.emplace_back(x.get_string());
  }
  return out;
}

std::vector<double> Options::get_floats(const std::string& key) const {
  const auto& v = get(key);
  std::vector<double> out;
  if (!v.is_array()) throw ConfigError(where_, fmt::format("option \"{}\": expected a list, got {}", key, describe(v)));
  for (const auto& x : v.get_array()) out.push_back(json_number(x));
  return out;
}

}  // namespace longtail

// Option tables: every option of longtail is declared once, with its type, default, range and
// help (Marian's rule). Suite parsing, `--help`, `longtail methods --json` and the resolved
// config.json of a grid cell all come from these tables.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace longtail {

// A configuration error that names where it happened: "suites/x.json: $.methods[1].params.tau:
// expected a number > 0, got -1".
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& where, const std::string& what)
      : std::runtime_error(where.empty() ? what : where + ": " + what) {}
};

enum class OptType { Int, Float, Bool, String, StringList, FloatList, Json };

struct OptionSpec {
  std::string name;
  OptType type;
  boost::json::value default_value;  // null means "required"
  std::string help;
  std::optional<double> min{};       // numbers: inclusive lower bound unless min_exclusive
  std::optional<double> max{};       // numbers: inclusive upper bound
  bool min_exclusive = false;
  std::vector<std::string> choices{};  // strings / string lists: allowed values when non-empty
};

using OptionTable = std::vector<OptionSpec>;

const char* type_name(OptType t);

// Checks `given` against `table`: unknown keys, wrong types, out-of-range values and bad choices
// throw ConfigError naming `json_path` + key. Missing keys get their defaults; a missing key whose
// default is null is an error. Returns the fully resolved object (table order).
boost::json::object resolve_options(const OptionTable& table, const boost::json::object& given,
                                    const std::string& json_path);

// Checks one value against one spec (used by resolve_options and by CLI overrides).
void check_option_value(const OptionSpec& spec, const boost::json::value& v, const std::string& json_path);

// The table as JSON: [{"name","type","default","help"[,"min","max","choices"]}, ...].
boost::json::array table_to_json(const OptionTable& table);

// Human-readable table for --help texts.
std::string table_to_text(const OptionTable& table, const std::string& indent = "  ");

// Typed access to a resolved options object; throws ConfigError when missing or mistyped.
class Options {
 public:
  Options() = default;
  explicit Options(boost::json::object obj, std::string where = {})
      : obj_(std::move(obj)), where_(std::move(where)) {}
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;  // accepts ints too
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  std::vector<double> get_floats(const std::string& key) const;
  const boost::json::value& get(const std::string& key) const;
  bool has(const std::string& key) const { return obj_.contains(key); }
  const boost::json::object& json() const { return obj_; }

 private:
  boost::json::object obj_;
  std::string where_;
};

}  // namespace longtail

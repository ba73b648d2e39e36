// Access to tests/data/scorer/golden.json (sacreBLEU 2.6.0 outputs, made by
// tests/scorer/make_golden.py) for the test_scorer_*.cpp files.
#pragma once

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "eval/scorer/unicode.h"

namespace scorer_test {

namespace json = boost::json;

// The WMT17 en-de system outputs: $LONGTAIL_WMT17_DIR, else the copy beside the source tree.
inline std::string wmt17_dir() {
  const char* env = std::getenv("LONGTAIL_WMT17_DIR");
  return env ? env : LONGTAIL_WMT17_DEFAULT;
}

// A file read as the sacreBLEU CLI reads it: split on \n only, rstrip() each line.
inline std::vector<std::string> read_corpus_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string data = buf.str();
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < data.size();) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    lines.emplace_back(longtail::eval::rstrip(std::string_view(data).substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

inline const json::object& golden() {
  static const json::value data = [] {
    const std::string path = std::string(LONGTAIL_TEST_DATA) + "/scorer/golden.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    return json::parse(buf.str());
  }();
  return data.as_object();
}

inline const json::array& section(const char* name) { return golden().at(name).as_array(); }

// The case called `name` in a section of cases with a "name" key ("bleu", "chrf").
inline const json::object& golden_case(const char* section_name, const char* name) {
  for (const auto& v : section(section_name))
    if (v.as_object().at("name").as_string() == name) return v.as_object();
  throw std::runtime_error(std::string("no golden case ") + name + " in section " + section_name);
}

inline std::string str(const json::value& v) { return std::string(v.as_string()); }

// Floats are stored as Python repr() strings; strtod reads them back exactly.
inline double num(const json::value& v) { return std::strtod(v.as_string().c_str(), nullptr); }

inline std::vector<double> nums(const json::value& v) {
  std::vector<double> out;
  for (const auto& x : v.as_array()) out.push_back(num(x));
  return out;
}

inline std::vector<std::string> strings(const json::value& v) {
  return json::value_to<std::vector<std::string>>(v);
}

inline std::vector<std::vector<std::string>> streams(const json::value& v) {
  std::vector<std::vector<std::string>> out;
  for (const auto& s : v.as_array()) out.push_back(strings(s));
  return out;
}

inline std::vector<std::int64_t> ints(const json::value& v) {
  return json::value_to<std::vector<std::int64_t>>(v);
}

template <typename T>
void read_opt(const json::object& o, const char* key, T& out) {
  if (const json::value* v = o.if_contains(key)) out = json::value_to<T>(*v);
}

// Full precision in failure messages: the tests compare doubles for exact equality.
inline const bool kPrecise = [] {
  Catch::StringMaker<double>::precision = 17;
  return true;
}();

}  // namespace scorer_test

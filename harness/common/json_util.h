// JSON helpers: parse files with errors that name the file and line, write files atomically.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace longtail {

// Parses a JSON file; a syntax error names the file, line and column. Throws ConfigError.
boost::json::value read_json_file(const std::string& path);

// Parses JSON text exactly (floating-point numbers round-trip: Boost 1.81's own parser can be
// one unit in the last place off). parse_json throws std::invalid_argument naming the byte
// offset; parse_json_text reports through `ec` and the bytes consumed.
boost::json::value parse_json(std::string_view text);
boost::json::value parse_json_text(std::string_view text, boost::system::error_code& ec, size_t& consumed);

// Pretty-printed JSON (2-space indent, keys in insertion order), ending with a newline.
std::string pretty_json(const boost::json::value& v);

// Writes pretty JSON to `path` through a temporary file and rename.
void write_json_file(const std::string& path, const boost::json::value& v);

// Where two JSON values differ, one line each: "$.train.steps: 60 → 80", "$.x: added 3",
// "$.y: removed". Numbers compare by value (1 and 1.0 are equal).
std::vector<std::string> json_differences(const boost::json::value& before, const boost::json::value& now,
                                          const std::string& path = "$");

// Numbers as double whatever their JSON kind (int64, uint64, double). Throws on non-numbers.
double json_number(const boost::json::value& v);

}  // namespace longtail

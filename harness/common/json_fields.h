// Typed reads of JSON fields with errors that name the JSON path: what every from_json of a
// record uses ("<file>: $.data.languages: expected a non-empty array").
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace longtail::json_fields {

// `where` is the path of `o` ("config.json: $.data"); errors name where + "." + key.
const boost::json::value& need(const boost::json::object& o, const char* key, const std::string& where);
const boost::json::object& need_object(const boost::json::object& o, const char* key, const std::string& where);
const boost::json::array& need_array(const boost::json::object& o, const char* key, const std::string& where);
bool need_bool(const boost::json::object& o, const char* key, const std::string& where);
// A value that must be an object (an array element): errors name `where` itself.
const boost::json::object& as_object(const boost::json::value& v, const std::string& where);
std::string need_string(const boost::json::object& o, const char* key, const std::string& where);
int64_t need_int(const boost::json::object& o, const char* key, const std::string& where);
double need_number(const boost::json::object& o, const char* key, const std::string& where);
std::vector<std::string> need_strings(const boost::json::object& o, const char* key, const std::string& where);
// {key: integer} objects, e.g. training pairs per language.
std::map<std::string, int64_t> need_int_map(const boost::json::object& o, const char* key, const std::string& where);

// A record's "schema" key: absent (read as `expected`, the first version) or equal to `expected`.
void check_schema(const boost::json::object& o, const char* expected, const std::string& where);

// Optional fields: `fallback` when absent (a present field of the wrong type is an error).
std::string get_string(const boost::json::object& o, const char* key, const std::string& where, const std::string& fallback = {});
double get_number(const boost::json::object& o, const char* key, const std::string& where, double fallback);

}  // namespace longtail::json_fields

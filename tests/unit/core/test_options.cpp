#include <catch2/catch.hpp>

#include "harness/common/json_util.h"
#include "harness/common/options.h"

using namespace longtail;

TEST_CASE("option tables resolve defaults and reject bad values", "[options]") {
  OptionTable t = {
      {"steps", OptType::Int, 10, "steps", 1, 100},
      {"rate", OptType::Float, 0.5, "rate", 0.0, 1.0, true},
      {"mode", OptType::String, "a", "mode", {}, {}, false, {"a", "b"}},
      {"langs", OptType::StringList, boost::json::array{}, "langs"},
      {"need", OptType::Bool, nullptr, "required flag"},
  };
  auto r = resolve_options(t, {{"need", true}, {"steps", 3.0}}, "$.x");
  CHECK(r.at("steps").is_int64());  // 3.0 is stored as an int
  CHECK(r.at("rate").as_double() == 0.5);
  CHECK(Options(r).get_string("mode") == "a");
  CHECK_THROWS_WITH(resolve_options(t, {}, "$.x"), Catch::Contains("$.x.need: missing required"));
  CHECK_THROWS_WITH(resolve_options(t, {{"need", true}, {"steps", 0}}, "$.x"), Catch::Contains("$.x.steps"));
  CHECK_THROWS_WITH(resolve_options(t, {{"need", true}, {"steps", 2.5}}, "$.x"), Catch::Contains("expected a int"));
  CHECK_THROWS_WITH(resolve_options(t, {{"need", true}, {"rate", 0}}, "$.x"), Catch::Contains("> 0"));
  CHECK_THROWS_WITH(resolve_options(t, {{"need", true}, {"mode", "c"}}, "$.x"), Catch::Contains("one of a, b"));
  CHECK_THROWS_WITH(resolve_options(t, {{"need", true}, {"langs", boost::json::array{"fr", 3}}}, "$.x"),
                    Catch::Contains("$.x.langs[1]"));
  CHECK_THROWS_WITH(resolve_options(t, {{"need", 1}}, "$.x"), Catch::Contains("expected a bool"));
  auto j = table_to_json(t);
  CHECK(j.size() == 5);
  CHECK(j[0].at("default") == 10);
  CHECK_THAT(table_to_text(t), Catch::Contains("required"));
}

TEST_CASE("pretty JSON round-trips", "[options][json]") {
  boost::json::value v = {{"a", 1}, {"b", {1, 2, 3}}, {"c", {{"d", "x"}}}, {"e", boost::json::array{}}};
  CHECK(boost::json::parse(pretty_json(v)) == v);
}

// Model configuration: the sparse (BASE layer) keys resolve, round-trip and fail with the JSON path;
// a dense model's resolved JSON is exactly what it was before those keys existed.
#include <catch2/catch.hpp>

#include "harness/common/options.h"
#include "harness/model/model_config.h"

using namespace longtail;
namespace json = boost::json;

namespace {

std::string model_error(const json::object& given) {
  try {
    model::resolve_model(given, "$.model");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("model config: a dense model's JSON has no sparse keys", "[model_config]") {
  const auto c = model::resolve_model(json::object{{"config", "small"}}, "$.model");
  CHECK(c.experts == 0);
  const auto o = model::to_json(c);
  // The resolved object of every dense cell, key for key (cell identities hash it).
  const json::object expected{{"name", "small"}, {"encoder_layers", 2}, {"decoder_layers", 2}, {"d_model", 64},
                              {"ffn_dim", 256},  {"heads", 4},          {"dropout", 0.1},       {"attention_dropout", 0.0},
                              {"max_positions", 512}};
  CHECK(o == expected);
  // Configs written before the sparse keys read back as dense.
  const auto back = model::model_from_json(expected);
  CHECK(back.experts == 0);
  CHECK(back.base_layers == 0);
  CHECK(model::to_json(back) == expected);
}

TEST_CASE("model config: sparse keys resolve with their defaults and round-trip", "[model_config]") {
  const auto c = model::resolve_model(json::object{{"config", "small"}, {"experts", 8}}, "$.model");
  CHECK(c.experts == 8);
  CHECK(c.base_layers == 1);  // default when experts > 0
  CHECK(c.base_encoder_layers == 0);
  CHECK(c.base_sublayers == 1);
  CHECK(c.base_shuffle);
  CHECK(c.dense_pretrain == 0.0);
  CHECK(c.name == "small+custom");

  const auto d = model::resolve_model(json::object{{"config", "base"},
                                                   {"experts", 4},
                                                   {"base_layers", 2},
                                                   {"base_encoder_layers", 1},
                                                   {"base_sublayers", 2},
                                                   {"base_shuffle", false},
                                                   {"dense_pretrain", 0.25}},
                                      "$.model");
  const auto o = model::to_json(d);
  CHECK(o.at("experts").to_number<int64_t>() == 4);
  CHECK(o.at("dense_pretrain").to_number<double>() == 0.25);
  const auto back = model::model_from_json(o);
  CHECK(back.experts == 4);
  CHECK(back.base_layers == 2);
  CHECK(back.base_encoder_layers == 1);
  CHECK(back.base_sublayers == 2);
  CHECK_FALSE(back.base_shuffle);
  CHECK(back.dense_pretrain == 0.25);
  CHECK(model::to_json(back) == o);
}

TEST_CASE("model config: bad sparse keys name their JSON path", "[model_config]") {
  CHECK_THAT(model_error({{"config", "small"}, {"experts", -1}}), Catch::Contains("$.model.experts"));
  // small has 2 decoder layers.
  CHECK_THAT(model_error({{"config", "small"}, {"experts", 4}, {"base_layers", 3}}), Catch::Contains("$.model.base_layers"));
  CHECK(model_error({{"config", "small"}, {"experts", 4}, {"base_layers", 2}}).empty());
  CHECK_THAT(model_error({{"config", "small"}, {"experts", 4}, {"base_encoder_layers", 3}}),
             Catch::Contains("$.model.base_encoder_layers"));
  CHECK_THAT(model_error({{"config", "small"}, {"experts", 4}, {"base_layers", 0}}), Catch::Contains("$.model.base_layers"));
  CHECK(model_error({{"config", "small"}, {"experts", 4}, {"base_layers", 0}, {"base_encoder_layers", 1}}).empty());
  CHECK_THAT(model_error({{"config", "small"}, {"experts", 4}, {"dense_pretrain", 1.0}}),
             Catch::Contains("$.model.dense_pretrain"));
  CHECK_THAT(model_error({{"config", "small"}, {"experts", 4}, {"dense_pretrain", -0.1}}),
             Catch::Contains("$.model.dense_pretrain"));
  CHECK(model_error({{"config", "small"}, {"experts", 4}, {"dense_pretrain", 0.99}}).empty());
  // BASE keys without experts.
  for (const char* key : {"base_layers", "base_sublayers", "base_encoder_layers"})
    CHECK_THAT(model_error({{"config", "small"}, {key, 1}}), Catch::Contains(std::string("$.model.") + key));
  CHECK_THAT(model_error({{"config", "small"}, {"base_shuffle", false}}), Catch::Contains("$.model.base_shuffle"));
  CHECK_THAT(model_error({{"config", "small"}, {"experts", 0}, {"dense_pretrain", 0.5}}),
             Catch::Contains("$.model.dense_pretrain"));
}

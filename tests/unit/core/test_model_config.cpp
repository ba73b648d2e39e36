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

TEST_CASE("model config: LoRA and adapter keys are absent at their defaults and round-trip", "[model_config][peft]") {
  const auto plain = model::resolve_model(json::object{{"config", "small"}, {"lora_rank", 0}, {"adapter_dim", 0}}, "$.model");
  CHECK(plain.lora_rank == 0);
  CHECK(plain.adapter_dim == 0);
  for (const char* key : {"lora_rank", "lora_alpha", "lora_targets", "adapter_dim"}) CHECK_FALSE(model::to_json(plain).contains(key));

  const auto c = model::resolve_model(json::object{{"config", "small"}, {"lora_rank", 8}}, "$.model");
  CHECK(c.lora_rank == 8);
  CHECK(c.lora_alpha == 16.0);
  CHECK(c.lora_targets == std::vector<std::string>{"attn_q", "attn_v"});  // the paper's W_q, W_v
  CHECK(c.adapter_dim == 0);
  CHECK(c.name == "small+custom");

  // Groups expand, duplicates go, the order is canonical.
  const auto d = model::resolve_model(
      json::object{{"config", "base"}, {"lora_rank", 4}, {"lora_alpha", 4.0}, {"lora_targets", json::array{"ffn", "attn_q", "ffn_in"}}, {"adapter_dim", 64}},
      "$.model");
  CHECK(d.lora_targets == std::vector<std::string>{"attn_q", "ffn_in", "ffn_out"});
  const auto all = model::resolve_model(json::object{{"config", "tiny"}, {"lora_rank", 2}, {"lora_targets", json::array{"attention", "ffn"}}}, "$.model");
  CHECK(all.lora_targets == model::lora_target_names());
  const auto o = model::to_json(d);
  CHECK(o.at("lora_rank").to_number<int64_t>() == 4);
  CHECK(o.at("lora_alpha").to_number<double>() == 4.0);
  CHECK(o.at("lora_targets") == (json::array{"attn_q", "ffn_in", "ffn_out"}));
  CHECK(o.at("adapter_dim").to_number<int64_t>() == 64);
  const auto back = model::model_from_json(o);
  CHECK(back.lora_rank == 4);
  CHECK(back.lora_alpha == 4.0);
  CHECK(back.lora_targets == d.lora_targets);
  CHECK(back.adapter_dim == 64);
  CHECK(model::to_json(back) == o);
}

TEST_CASE("model config: bad LoRA and adapter keys name their JSON path", "[model_config][peft]") {
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", -1}}), Catch::Contains("$.model.lora_rank"));
  // small has d_model 64.
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", 65}}), Catch::Contains("$.model.lora_rank"));
  CHECK(model_error({{"config", "small"}, {"lora_rank", 64}}).empty());
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", 4}, {"lora_alpha", 0.0}}), Catch::Contains("$.model.lora_alpha"));
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", 4}, {"lora_targets", json::array{"attn_q", "wq"}}}),
             Catch::Contains("$.model.lora_targets[1]"));
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", 4}, {"lora_targets", "attn_q"}}), Catch::Contains("$.model.lora_targets"));
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", 4}, {"lora_targets", json::array{}}}), Catch::Contains("$.model.lora_targets"));
  // LoRA keys without a rank.
  CHECK_THAT(model_error({{"config", "small"}, {"lora_alpha", 8.0}}), Catch::Contains("$.model.lora_alpha"));
  CHECK_THAT(model_error({{"config", "small"}, {"lora_rank", 0}, {"lora_targets", json::array{"ffn"}}}),
             Catch::Contains("$.model.lora_targets"));
  CHECK_THAT(model_error({{"config", "small"}, {"adapter_dim", -4}}), Catch::Contains("$.model.adapter_dim"));
}

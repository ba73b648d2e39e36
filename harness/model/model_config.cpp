#include "harness/model/model_config.h"

#include <fmt/format.h>

namespace longtail::model {

namespace json = boost::json;

const std::vector<ModelConfig>& model_presets() {
  // clang-format off
  static const std::vector<ModelConfig> presets = {
    // name     enc dec  d    ffn  heads dropout attn  maxpos
    {"tiny",     1,  1,   32,   64, 2,   0.0,    0.0,  256},
    {"small",    2,  2,   64,  256, 4,   0.1,    0.0,  512},
    {"base",     6,  6,  512, 1024, 4,   0.3,    0.0, 1024},  // fairseq transformer_iwslt_de_en
  };
  // clang-format on
  return presets;
}

const OptionTable& model_options() {
  // clang-format off
  static const OptionTable table = {
    {"config", OptType::String, "small", "named preset the other fields override", {}, {}, false, {"tiny", "small", "base"}},
    {"encoder_layers", OptType::Int, nullptr, "encoder layers (default: from the preset)", 1, 64},
    {"decoder_layers", OptType::Int, nullptr, "decoder layers (default: from the preset)", 1, 64},
    {"d_model", OptType::Int, nullptr, "model width (default: from the preset)", 8, 16384},
    {"ffn_dim", OptType::Int, nullptr, "feed-forward width (default: from the preset)", 8, 65536},
    {"heads", OptType::Int, nullptr, "attention heads; must divide d_model", 1, 256},
    {"dropout", OptType::Float, nullptr, "dropout on sublayer outputs and embeddings", 0.0, 0.99},
    {"attention_dropout", OptType::Float, nullptr, "dropout on attention weights", 0.0, 0.99},
    {"max_positions", OptType::Int, nullptr, "longest sequence (tokens) the model accepts", 16, 65536},
  };
  // clang-format on
  return table;
}

namespace {
// Optional overrides are declared with a null default; resolve them by hand against the preset.
OptionTable overrides_only() {
  OptionTable t = model_options();
  for (auto& spec : t)
    if (spec.name != "config") spec.default_value = "__preset__";
  return t;
}
}  // namespace

ModelConfig resolve_model(const json::object& given, const std::string& json_path) {
  static const OptionTable table = overrides_only();
  json::object r = resolve_options(table, given, json_path);
  std::string name = json::value_to<std::string>(r.at("config"));
  ModelConfig c{};
  for (const auto& p : model_presets())
    if (p.name == name) c = p;
  auto pick_int = [&](const char* key, int64_t& field) {
    const auto& v = r.at(key);
    if (!v.is_string()) field = v.to_number<int64_t>();
  };
  auto pick_float = [&](const char* key, double& field) {
    const auto& v = r.at(key);
    if (!v.is_string()) field = v.to_number<double>();
  };
  pick_int("encoder_layers", c.encoder_layers);
  pick_int("decoder_layers", c.decoder_layers);
  pick_int("d_model", c.d_model);
  pick_int("ffn_dim", c.ffn_dim);
  pick_int("heads", c.heads);
  pick_float("dropout", c.dropout);
  pick_float("attention_dropout", c.attention_dropout);
  pick_int("max_positions", c.max_positions);
  if (c.d_model % c.heads != 0)
    throw ConfigError(json_path, fmt::format("heads ({}) must divide d_model ({})", c.heads, c.d_model));
  bool overridden = false;
  for (const auto& kv : given)
    if (kv.key() != "config") overridden = true;
  if (overridden) c.name = name + "+custom";
  return c;
}

json::object to_json(const ModelConfig& c) {
  return json::object{{"name", c.name},
                      {"encoder_layers", c.encoder_layers},
                      {"decoder_layers", c.decoder_layers},
                      {"d_model", c.d_model},
                      {"ffn_dim", c.ffn_dim},
                      {"heads", c.heads},
                      {"dropout", c.dropout},
                      {"attention_dropout", c.attention_dropout},
                      {"max_positions", c.max_positions}};
}

ModelConfig model_from_json(const json::object& o) {
  ModelConfig c;
  c.name = json::value_to<std::string>(o.at("name"));
  c.encoder_layers = o.at("encoder_layers").to_number<int64_t>();
  c.decoder_layers = o.at("decoder_layers").to_number<int64_t>();
  c.d_model = o.at("d_model").to_number<int64_t>();
  c.ffn_dim = o.at("ffn_dim").to_number<int64_t>();
  c.heads = o.at("heads").to_number<int64_t>();
  c.dropout = o.at("dropout").to_number<double>();
  c.attention_dropout = o.at("attention_dropout").to_number<double>();
  c.max_positions = o.at("max_positions").to_number<int64_t>();
  return c;
}

}  // namespace longtail::model

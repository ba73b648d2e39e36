#include "harness/model/model_config.h"

#include <fmt/format.h>

#include <cmath>

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
    {"experts", OptType::Int, 0, "experts per BASE layer (Lewis et al. 2021); 0 = dense model", 0, 4096},
    {"base_layers", OptType::Int, nullptr, "BASE layers inserted into the decoder (default: 1 when experts > 0)", 0, 64},
    {"base_encoder_layers", OptType::Int, 0, "BASE layers inserted into the encoder", 0, 64},
    {"base_sublayers", OptType::Int, 1, "residual FFN sublayers per expert", 1, 16},
    {"base_shuffle", OptType::Bool, true, "shuffle the tokens before the balanced assignment"},
    {"dense_pretrain", OptType::Float, 0.0, "fraction of train.steps trained dense before the experts are upcycled from the dense FFN; 0 = sparse from the start; < 1", 0.0, 1.0},
    {"lora_rank", OptType::Int, 0, "LoRA rank r (Hu et al. 2021): W x + (alpha/r) B A x on lora_targets, B zero-initialised; 0 = no LoRA; at most d_model", 0, 4096},
    {"lora_alpha", OptType::Float, 16.0, "LoRA alpha: the update is scaled by alpha/r (alpha constant in r, as in the paper)", 0.0, 1e6, true},
    {"lora_targets", OptType::StringList, json::array{"attn_q", "attn_v"}, "projections LoRA adapts: attn_q, attn_k, attn_v, attn_out (every attention: encoder and decoder self-attention, cross-attention), ffn_in, ffn_out, or the groups attention, ffn", {}, {}, false,
     {"attn_q", "attn_k", "attn_v", "attn_out", "ffn_in", "ffn_out", "attention", "ffn"}},
    {"adapter_dim", OptType::Int, 0, "bottleneck adapter width (Bapna & Firat 2019) after every dense FFN sublayer, up-projection zero-initialised; 0 = no adapters", 0, 65536},
  };
  // clang-format on
  return table;
}

namespace {
// Optional overrides are declared with a null default; resolve them by hand against the preset.
OptionTable overrides_only() {
  OptionTable t = model_options();
  for (auto& spec : t)
    if (spec.default_value.is_null()) spec.default_value = "__preset__";
  return t;
}

// The BASE-layer keys: only meaningful with experts > 0, checked against the resolved layer counts.
void resolve_sparse(const json::object& given, const json::object& r, const std::string& json_path, ModelConfig& c) {
  c.experts = r.at("experts").to_number<int64_t>();
  static const char* const sparse_keys[] = {"base_layers", "base_encoder_layers", "base_sublayers", "base_shuffle",
                                            "dense_pretrain"};
  if (c.experts == 0) {
    for (const char* key : sparse_keys)
      if (given.contains(key))
        throw ConfigError(json_path + "." + key, "only meaningful for a sparse model: set experts > 0");
    return;
  }
  const auto& layers = r.at("base_layers");
  c.base_layers = layers.is_string() ? 1 : layers.to_number<int64_t>();
  c.base_encoder_layers = r.at("base_encoder_layers").to_number<int64_t>();
  c.base_sublayers = r.at("base_sublayers").to_number<int64_t>();
  c.base_shuffle = r.at("base_shuffle").as_bool();
  c.dense_pretrain = r.at("dense_pretrain").to_number<double>();
  if (c.base_layers > c.decoder_layers)
    throw ConfigError(json_path + ".base_layers",
                      fmt::format("{} BASE layers for {} decoder layers: at most one per layer", c.base_layers, c.decoder_layers));
  if (c.base_encoder_layers > c.encoder_layers)
    throw ConfigError(json_path + ".base_encoder_layers", fmt::format("{} BASE layers for {} encoder layers: at most one per layer",
                                                                      c.base_encoder_layers, c.encoder_layers));
  if (c.base_layers + c.base_encoder_layers == 0)
    throw ConfigError(json_path + ".base_layers", "experts > 0 needs at least one BASE layer (base_layers or base_encoder_layers)");
  if (c.dense_pretrain >= 1.0)
    throw ConfigError(json_path + ".dense_pretrain",
                      fmt::format("expected a fraction in [0, 1) of train.steps, got {}", c.dense_pretrain));
}

// The parameter-efficient keys: LoRA's alpha and targets only with a rank; targets expanded to the
// canonical list (groups resolved, duplicates dropped, canonical order).
void resolve_peft(const json::object& given, const json::object& r, const std::string& json_path, ModelConfig& c) {
  c.lora_rank = r.at("lora_rank").to_number<int64_t>();
  c.adapter_dim = r.at("adapter_dim").to_number<int64_t>();
  if (c.lora_rank == 0) {
    for (const char* key : {"lora_alpha", "lora_targets"})
      if (given.contains(key)) throw ConfigError(json_path + "." + key, "only meaningful with LoRA: set lora_rank > 0");
    return;
  }
  if (c.lora_rank > c.d_model)
    throw ConfigError(json_path + ".lora_rank", fmt::format("rank {} exceeds d_model {}: a LoRA update of full rank or more", c.lora_rank, c.d_model));
  c.lora_alpha = r.at("lora_alpha").to_number<double>();
  std::vector<bool> on(lora_target_names().size(), false);
  const auto& targets = r.at("lora_targets").as_array();
  if (targets.empty()) throw ConfigError(json_path + ".lora_targets", "expected at least one projection for LoRA");
  for (const auto& t : targets) {
    const std::string name(t.as_string());
    for (size_t i = 0; i < on.size(); ++i) {
      const std::string& target = lora_target_names()[i];
      if (name == target || (name == "attention" && target.rfind("attn_", 0) == 0) || (name == "ffn" && target.rfind("ffn_", 0) == 0))
        on[i] = true;
    }
  }
  c.lora_targets.clear();
  for (size_t i = 0; i < on.size(); ++i)
    if (on[i]) c.lora_targets.push_back(lora_target_names()[i]);
}

}  // namespace

int64_t dense_switch_step(const ModelConfig& c, int64_t steps) {
  if (c.experts == 0 || c.dense_pretrain <= 0.0) return -1;
  return static_cast<int64_t>(std::floor(c.dense_pretrain * static_cast<double>(steps)));
}

const std::vector<std::string>& lora_target_names() {
  static const std::vector<std::string> names = {"attn_q", "attn_k", "attn_v", "attn_out", "ffn_in", "ffn_out"};
  return names;
}

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
  resolve_sparse(given, r, json_path, c);
  resolve_peft(given, r, json_path, c);
  bool overridden = false;
  for (const auto& kv : given)
    if (kv.key() != "config") overridden = true;
  if (overridden) c.name = name + "+custom";
  return c;
}

json::object to_json(const ModelConfig& c) {
  json::object o{{"name", c.name},
                      {"encoder_layers", c.encoder_layers},
                      {"decoder_layers", c.decoder_layers},
                      {"d_model", c.d_model},
                      {"ffn_dim", c.ffn_dim},
                      {"heads", c.heads},
                      {"dropout", c.dropout},
                      {"attention_dropout", c.attention_dropout},
                      {"max_positions", c.max_positions}};
  if (c.experts > 0) {
    o["experts"] = c.experts;
    o["base_layers"] = c.base_layers;
    o["base_encoder_layers"] = c.base_encoder_layers;
    o["base_sublayers"] = c.base_sublayers;
    o["base_shuffle"] = c.base_shuffle;
    o["dense_pretrain"] = c.dense_pretrain;
  }
  if (c.lora_rank > 0) {
    o["lora_rank"] = c.lora_rank;
    o["lora_alpha"] = c.lora_alpha;
    json::array targets;
    for (const auto& t : c.lora_targets) targets.emplace_back(t);
    o["lora_targets"] = std::move(targets);
  }
  if (c.adapter_dim > 0) o["adapter_dim"] = c.adapter_dim;
  return o;
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
  // Sparse keys are absent from a dense model's JSON (and from every config written before them).
  if (const auto* v = o.if_contains("experts")) {
    c.experts = v->to_number<int64_t>();
    c.base_layers = o.at("base_layers").to_number<int64_t>();
    c.base_encoder_layers = o.at("base_encoder_layers").to_number<int64_t>();
    c.base_sublayers = o.at("base_sublayers").to_number<int64_t>();
    c.base_shuffle = o.at("base_shuffle").as_bool();
    c.dense_pretrain = o.at("dense_pretrain").to_number<double>();
  }
  // Likewise the parameter-efficient keys (absent at their defaults).
  if (const auto* v = o.if_contains("lora_rank")) {
    c.lora_rank = v->to_number<int64_t>();
    c.lora_alpha = o.at("lora_alpha").to_number<double>();
    c.lora_targets = json::value_to<std::vector<std::string>>(o.at("lora_targets"));
  }
  if (const auto* v = o.if_contains("adapter_dim")) c.adapter_dim = v->to_number<int64_t>();
  return c;
}

}  // namespace longtail::model

// Transformer configurations. Pure data: the driver validates suites against this table without
// loading LibTorch; longtail-cell builds the model from the resolved object.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness/common/options.h"

namespace longtail::model {

struct ModelConfig {
  std::string name;       // "tiny", "small", "base" or "custom"
  int64_t encoder_layers;
  int64_t decoder_layers;
  int64_t d_model;
  int64_t ffn_dim;
  int64_t heads;
  double dropout;
  double attention_dropout;
  int64_t max_positions;  // sinusoidal positions precomputed up to this length
  // Sparse model (BASE layers, docs/sparse.md); experts == 0 is the dense model, whose resolved
  // JSON carries none of these keys (so every dense cell keeps its identity).
  int64_t experts = 0;              // E experts per BASE layer
  int64_t base_layers = 0;          // BASE layers inserted into the decoder
  int64_t base_encoder_layers = 0;  // BASE layers inserted into the encoder
  int64_t base_sublayers = 1;       // residual FFN sublayers per expert
  bool base_shuffle = true;         // shuffle the tokens before the balanced assignment
  double dense_pretrain = 0.0;      // fraction of train.steps trained dense before upcycling, in [0, 1)
  // Parameter-efficient updates (docs/continual.md); at their defaults the resolved JSON carries
  // none of these keys. LoRA (Hu et al. 2021): W x + (α/r)·B(A x) on the projections named in
  // lora_targets (canonical names, lora_target_names()); 0 = none.
  int64_t lora_rank = 0;
  double lora_alpha = 16.0;  // a constant in r, as in the paper: the scale α/r shrinks as r grows
  std::vector<std::string> lora_targets = {"attn_q", "attn_v"};
  // Bottleneck adapter (Bapna & Firat 2019) after every dense FFN sublayer: x + W_up relu(W_down LN(x)).
  int64_t adapter_dim = 0;
};

// The projections LoRA can adapt, in canonical order: attn_q/k/v/out are the query, key, value
// and output projections of every attention (encoder and decoder self-attention, cross-attention),
// ffn_in/ffn_out the FFN's two layers. Groups in a suite: "attention" (the four attn_*), "ffn".
const std::vector<std::string>& lora_target_names();

// Dense pre-training: the step at whose start the dense model becomes sparse,
// ⌊dense_pretrain · steps⌋; −1 for a model without it (dense, or sparse from the start).
int64_t dense_switch_step(const ModelConfig& c, int64_t steps);

// Option table of the suite's "model" object: {"config": "tiny", <any field below to override>}.
const OptionTable& model_options();
// Named presets. base = fairseq transformer_iwslt_de_en (6+6, d 512, FFN 1024, 4 heads, dropout 0.3).
const std::vector<ModelConfig>& model_presets();
// Resolves a suite "model" object (preset + overrides) into a full config; throws ConfigError.
ModelConfig resolve_model(const boost::json::object& given, const std::string& json_path);
boost::json::object to_json(const ModelConfig& c);
ModelConfig model_from_json(const boost::json::object& o);

}  // namespace longtail::model

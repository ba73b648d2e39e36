// The parameter sets that per-language gradients are taken over (a method's `params`,
// train.grad_cosine_params): one grammar, parsed here without LibTorch for the suite checks and
// for train::select_parameters (harness/train/step_hook.h), which applies it to a model.
//   "all"      every parameter,
//   "encoder"  encoder layers + the encoder's final layer norm,
//   "decoder"  decoder layers + the decoder's final layer norm,
//   "last:K"   the last K decoder layers + the decoder's final layer norm (K an integer ≥ 1 of at
//              most 6 digits),
//   "top:K"    the K layers nearest the output, counted through the whole model: the decoder's
//              from its last down, then the encoder's from its last down, with the final layer
//              norm of each stack that has one of them (the restricted updates of continual
//              learning; K as for last:K).
//   "lora"     the LoRA matrices (the model's "lora" module: model.lora_rank > 0),
//   "adapter"  the bottleneck adapters (the model's "adapter" module: model.adapter_dim > 0).
// Embeddings (shared with the output projection) and BASE layers are in "all" only.
#pragma once

#include <cstdint>
#include <string>

namespace longtail::train {

struct ParameterScope {
  enum class Error { None, BadLast, Unknown };  // BadLast: "last:"/"top:" without a valid K
  Error error = Error::None;
  std::string stack;  // "" (all, top:K, lora, adapter), "encoder" or "decoder"
  std::string group;  // "lora" or "adapter": the parameters under that top-level module (stack "")
  int64_t last = 0;   // last:K: K (stack "decoder"); 0 = the whole stack
  int64_t top = 0;    // top:K: K (stack ""); 0 = not top:K
  bool ok() const { return error == Error::None; }
};

ParameterScope parse_parameter_scope(const std::string& spec);

// The problem with a spelling, for the suite checks ("expected ..., got \"spec\""); "" when valid.
std::string parameter_scope_error(const std::string& spec);

}  // namespace longtail::train

// Transformer encoder-decoder (pre-LN, sinusoidal positions, one embedding matrix shared by source,
// target and output projection, scaled by √d), and the label-smoothed loss reduced per example and
// per language.
//
// Token tensors are int64 [B, T], right-padded with the vocabulary's pad id. The model is pure
// LibTorch modules, so later variants (BASE layers, adapters) can replace a layer's FFN without
// touching the trainer or the search. LoRA and bottleneck adapters (peft.h) hook into the layers
// through handles set by attach_lora / attach_adapter; the modules themselves belong to the
// Transformer's top-level "lora" and "adapter" modules.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "harness/model/base_layer.h"
#include "harness/model/model_config.h"
#include "harness/model/peft.h"

namespace longtail::model {

// The LoRA handles of one attention block (empty = no LoRA on that projection).
struct AttentionLora {
  Lora q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};
};

// Self-attention (fused q/k/v projection). Used by encoder and decoder layers.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t d_model, int64_t heads, double attention_dropout);
  // x: [B,T,D]; mask: bool key mask ([B,1,1,T], true = attend) or undefined; causal for the decoder.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, bool causal);
  // One decoding step: x [N,1,D]; appends this position's key/value to the caches ([N,H,t,Dh]).
  torch::Tensor step(const torch::Tensor& x, torch::Tensor& k_cache, torch::Tensor& v_cache);
  // Creates the LoRA modules of config.lora_targets in `owner`, named <prefix>_q, _k, _v, _out.
  void attach_lora(const ModelConfig& config, torch::nn::Module& owner, const std::string& prefix);
  // Folds each LoRA's (α/r)·B·A into its projection's weight and drops the handles.
  void merge_lora();

 private:
  // q, k, v [B,H,T,Dh] of x, each with its LoRA update when it has one.
  std::vector<torch::Tensor> project_qkv(const torch::Tensor& x);
  int64_t heads_;
  double attention_dropout_;
  torch::nn::Linear in_proj_{nullptr}, out_proj_{nullptr};
  AttentionLora lora_;
};
TORCH_MODULE(SelfAttention);

// Encoder-decoder attention; keys/values come from the encoder output and can be computed once.
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t d_model, int64_t heads, double attention_dropout);
  // memory [B,S,D] → (k, v) [B,H,S,Dh]
  std::pair<torch::Tensor, torch::Tensor> memory_kv(const torch::Tensor& memory);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& src_mask);
  void attach_lora(const ModelConfig& config, torch::nn::Module& owner, const std::string& prefix);
  void merge_lora();

 private:
  int64_t heads_;
  double attention_dropout_;
  torch::nn::Linear q_proj_{nullptr}, kv_proj_{nullptr}, out_proj_{nullptr};
  AttentionLora lora_;
};
TORCH_MODULE(CrossAttention);

class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t d_model, int64_t ffn_dim);
  torch::Tensor forward(const torch::Tensor& x);
  // LoRA on fc1 / fc2 (targets ffn_in / ffn_out), named ffn_in / ffn_out in `owner`.
  void attach_lora(const ModelConfig& config, torch::nn::Module& owner);
  void merge_lora();

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  Lora lora_in_{nullptr}, lora_out_{nullptr};
};
TORCH_MODULE(FeedForward);

class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& src_mask);
  // LoRA modules "self_*", "ffn_*" in `owner` (the layer's entry of the model's "lora" module).
  void attach_lora(const ModelConfig& config, torch::nn::Module& owner);
  void merge_lora();
  // The adapter applied to the output of the FFN sublayer.
  void attach_adapter(Adapter adapter) { adapter_ = std::move(adapter); }

 private:
  double dropout_;
  torch::nn::LayerNorm ln_attn_{nullptr}, ln_ffn_{nullptr};
  SelfAttention attn_{nullptr};
  FeedForward ffn_{nullptr};
  Adapter adapter_{nullptr};
};
TORCH_MODULE(EncoderLayer);

// Incremental decoding state: per decoder layer, the self-attention caches (grow by one position
// per step) and the cross-attention keys/values (fixed), all with batch (× beam) as dimension 0.
struct DecoderState {
  std::vector<torch::Tensor> self_k, self_v, cross_k, cross_v;
  torch::Tensor src_mask;  // [N,1,1,S]
  int64_t length = 0;      // positions decoded so far (the next token's position)
  // Keeps rows `index` (int64 on the model's device) in that order: beam reordering and dropping
  // finished sentences.
  void select(const torch::Tensor& index);
};

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mem_k, const torch::Tensor& mem_v,
                        const torch::Tensor& src_mask);
  torch::Tensor step(const torch::Tensor& x, DecoderState& st, size_t layer);
  CrossAttention& cross_attention() { return cross_attn_; }
  // LoRA modules "self_*", "cross_*", "ffn_*" in `owner`.
  void attach_lora(const ModelConfig& config, torch::nn::Module& owner);
  void merge_lora();
  void attach_adapter(Adapter adapter) { adapter_ = std::move(adapter); }

 private:
  double dropout_;
  torch::nn::LayerNorm ln_self_{nullptr}, ln_cross_{nullptr}, ln_ffn_{nullptr};
  SelfAttention self_attn_{nullptr};
  CrossAttention cross_attn_{nullptr};
  FeedForward ffn_{nullptr};
  Adapter adapter_{nullptr};
};
TORCH_MODULE(DecoderLayer);

struct EncoderOut {
  torch::Tensor memory;    // [B,S,D] after the final layer norm
  torch::Tensor src_mask;  // [B,1,1,S] bool, true at real tokens
};

class TransformerImpl : public torch::nn::Module {
 public:
  TransformerImpl(const ModelConfig& config, int64_t vocab_size, int64_t pad_id);

  // Teacher-forced logits [B,T,V] for source [B,S] and decoder input [B,T].
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& tgt_in);

  EncoderOut encode(const torch::Tensor& src);
  DecoderState start_decoding(const EncoderOut& enc);
  // Logits [N,V] for the next position given the previous token of each row (int64 [N]).
  torch::Tensor decode_step(const torch::Tensor& prev_tokens, DecoderState& st);

  const ModelConfig& config() const { return config_; }
  int64_t vocab_size() const { return vocab_size_; }

  // BASE layers (config.experts > 0), encoder's then decoder's, each in stack order; their
  // last_routing() describes the latest forward. Empty for a dense model.
  std::vector<BaseLayer> base_layers() const;
  // The same with their module names ("encoder_base.0", "decoder_base.1", ...).
  std::vector<std::pair<std::string, BaseLayer>> named_base_layers() const;
  // Dense pre-training → sparse: every BASE position's dense block becomes E experts initialised
  // from it (BaseLayerImpl::upcycle). The parameter set changes, so the caller rebuilds its
  // optimiser's view of the parameters.
  void upcycle();
  // Whether the BASE positions still hold dense blocks (a model built with dense_pretrain > 0).
  bool dense_phase() const;
  int64_t pad_id() const { return pad_id_; }

  // Parameter-efficient updates (peft.h). With config.lora_rank > 0 the model has the parameters
  // "lora.{encoder,decoder}.<layer>.<site>.lora_{a,b}" (site: self_q, ..., cross_out, ffn_in,
  // ffn_out); with config.adapter_dim > 0 "adapter.{encoder,decoder}.<layer>.{ln,down,up}.*". Both
  // are registered after every other parameter and drawn after them, so the base parameters are
  // the same as the plain model's under the same seed; fresh, both leave the output unchanged.
  bool has_lora() const { return static_cast<bool>(lora_); }
  bool has_adapters() const { return static_cast<bool>(adapter_); }
  // Folds every LoRA's (α/r)·B·A into its weight and removes the "lora" module: afterwards the
  // model has exactly the parameters of the model without LoRA, computes the same function (up to
  // fp32 rounding), and config() says lora_rank 0, so to_json(config()) and the named parameters
  // describe a plain (or adapter) model that loads without LoRA. The parameter set changes: the
  // caller rebuilds its optimiser's view. No-op without LoRA.
  void merge_lora();

 private:
  torch::Tensor embed(const torch::Tensor& tokens, int64_t first_position);
  torch::Tensor decoder_hidden(const torch::Tensor& tgt_in, const EncoderOut& enc);

  ModelConfig config_;
  int64_t vocab_size_, pad_id_;
  torch::nn::Embedding embedding_{nullptr};
  torch::Tensor positions_;  // [max_positions, D] sinusoids (a buffer: follows .to(device))
  torch::nn::ModuleList encoder_layers_{nullptr}, decoder_layers_{nullptr};
  torch::nn::LayerNorm encoder_ln_{nullptr}, decoder_ln_{nullptr};
  // "encoder_base.<k>", "decoder_base.<k>": registered after every dense module, so a sparse model
  // draws the dense modules' initial values first (the same as the dense model's) and a dense model
  // has exactly the modules it always had. The plans give the stack order (base_layer_plan).
  torch::nn::ModuleList encoder_base_{nullptr}, decoder_base_{nullptr};
  std::vector<int64_t> encoder_plan_, decoder_plan_;
  // "lora" and "adapter" (each with "encoder" and "decoder" module lists, one entry per layer);
  // null without them. The layers hold handles to these modules, so a deep copy of the model
  // (Module::clone) would not do: the copy's layers would use the original's LoRA and adapters.
  std::shared_ptr<torch::nn::Module> lora_, adapter_;
};
TORCH_MODULE(Transformer);

// Sinusoidal position table [n, d] (fairseq layout: sines in the first half, cosines in the second).
torch::Tensor sinusoidal_positions(int64_t n, int64_t d);

// Label-smoothed cross-entropy (fairseq's form: 1-ε on the gold token, ε/(V-1) on each other
// token), computed in fp32 and summed per example over non-pad target positions.
struct ExampleLosses {
  torch::Tensor loss;    // [B] smoothed loss sums (the training objective)
  torch::Tensor nll;     // [B] plain negative log-likelihood sums (reported as dev loss)
  torch::Tensor tokens;  // [B] non-pad target tokens (float)
};
ExampleLosses label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, int64_t pad_id,
                                  double epsilon);

// Sums a per-example tensor [B] into per-language totals [L] (lang: int64 [B], values in [0,L)).
// A one-hot matmul rather than index_add_, whose CUDA kernel uses atomics (not deterministic).
torch::Tensor sum_by_language(const torch::Tensor& per_example, const torch::Tensor& lang, int64_t n_langs);

}  // namespace longtail::model

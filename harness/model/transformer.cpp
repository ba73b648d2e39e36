#include "harness/model/transformer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "harness/model/compat.h"

namespace longtail::model {

namespace F = torch::nn::functional;

namespace {

torch::nn::Linear make_linear(int64_t in, int64_t out) {
  torch::nn::Linear l(torch::nn::LinearOptions(in, out).bias(true));
  // fairseq's Transformer initialisation: Xavier-uniform weights, zero biases.
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(l->weight);
  torch::nn::init::zeros_(l->bias);
  return l;
}

torch::nn::LayerNorm make_ln(int64_t d) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})); }

// [B,T,D] → [B,H,T,Dh]
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}
// [B,H,T,Dh] → [B,T,D]
torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

bool has_target(const ModelConfig& c, const char* target) {
  return std::find(c.lora_targets.begin(), c.lora_targets.end(), target) != c.lora_targets.end();
}

// A LoRA on an in → out projection when `target` is one of config.lora_targets, registered in
// `owner` as `name`; an empty handle otherwise.
Lora maybe_lora(const ModelConfig& c, const char* target, torch::nn::Module& owner, const std::string& name, int64_t in,
                int64_t out) {
  if (!has_target(c, target)) return Lora(nullptr);
  return Lora(owner.register_module(name, Lora(in, out, c.lora_rank, c.lora_alpha)));
}

// The four projections of an attention (self or cross) that LoRA may adapt, all d × d.
AttentionLora attention_lora(const ModelConfig& c, torch::nn::Module& owner, const std::string& prefix, int64_t d) {
  AttentionLora l;
  l.q = maybe_lora(c, "attn_q", owner, prefix + "_q", d, d);
  l.k = maybe_lora(c, "attn_k", owner, prefix + "_k", d, d);
  l.v = maybe_lora(c, "attn_v", owner, prefix + "_v", d, d);
  l.out = maybe_lora(c, "attn_out", owner, prefix + "_out", d, d);
  return l;
}

// weight.narrow(0, first, rows) += lora's update; the handle is dropped.
void fold(Lora& lora, const torch::Tensor& weight, int64_t first) {
  if (!lora) return;
  torch::NoGradGuard no_grad;
  auto delta = lora->delta_weight();
  weight.narrow(0, first, delta.size(0)).add_(delta);
  lora = Lora(nullptr);
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Attention blocks

SelfAttentionImpl::SelfAttentionImpl(int64_t d_model, int64_t heads, double attention_dropout)
    : heads_(heads), attention_dropout_(attention_dropout) {
  in_proj_ = register_module("in_proj", make_linear(d_model, 3 * d_model));
  out_proj_ = register_module("out_proj", make_linear(d_model, d_model));
}

std::vector<torch::Tensor> SelfAttentionImpl::project_qkv(const torch::Tensor& x) {
  auto qkv = in_proj_(x).chunk(3, -1);
  return {split_heads(plus_lora(qkv[0], lora_.q, x), heads_), split_heads(plus_lora(qkv[1], lora_.k, x), heads_),
          split_heads(plus_lora(qkv[2], lora_.v, x), heads_)};
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, bool causal) {
  const auto qkv = project_qkv(x);
  auto out = merge_heads(compat::attention(qkv[0], qkv[1], qkv[2], mask, is_training() ? attention_dropout_ : 0.0, causal));
  return plus_lora(out_proj_(out), lora_.out, out);
}

torch::Tensor SelfAttentionImpl::step(const torch::Tensor& x, torch::Tensor& k_cache, torch::Tensor& v_cache) {
  const auto qkv = project_qkv(x);
  const auto &q = qkv[0], &k = qkv[1], &v = qkv[2];
  k_cache = k_cache.defined() ? torch::cat({k_cache, k}, 2) : k;
  v_cache = v_cache.defined() ? torch::cat({v_cache, v}, 2) : v;
  // The single new query may see every cached position: no mask, not causal.
  auto out = merge_heads(compat::attention(q, k_cache, v_cache, {}, is_training() ? attention_dropout_ : 0.0, false));
  return plus_lora(out_proj_(out), lora_.out, out);
}

void SelfAttentionImpl::attach_lora(const ModelConfig& c, torch::nn::Module& owner, const std::string& prefix) {
  lora_ = attention_lora(c, owner, prefix, out_proj_->weight.size(0));
}

void SelfAttentionImpl::merge_lora() {
  const int64_t d = out_proj_->weight.size(0);
  // in_proj's rows: q, then k, then v.
  fold(lora_.q, in_proj_->weight, 0);
  fold(lora_.k, in_proj_->weight, d);
  fold(lora_.v, in_proj_->weight, 2 * d);
  fold(lora_.out, out_proj_->weight, 0);
}

CrossAttentionImpl::CrossAttentionImpl(int64_t d_model, int64_t heads, double attention_dropout)
    : heads_(heads), attention_dropout_(attention_dropout) {
  q_proj_ = register_module("q_proj", make_linear(d_model, d_model));
  kv_proj_ = register_module("kv_proj", make_linear(d_model, 2 * d_model));
  out_proj_ = register_module("out_proj", make_linear(d_model, d_model));
}

std::pair<torch::Tensor, torch::Tensor> CrossAttentionImpl::memory_kv(const torch::Tensor& memory) {
  auto kv = kv_proj_(memory).chunk(2, -1);
  return {split_heads(plus_lora(kv[0], lora_.k, memory), heads_), split_heads(plus_lora(kv[1], lora_.v, memory), heads_)};
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& k, const torch::Tensor& v,
                                          const torch::Tensor& src_mask) {
  auto q = split_heads(plus_lora(q_proj_(x), lora_.q, x), heads_);
  auto out = merge_heads(compat::attention(q, k, v, src_mask, is_training() ? attention_dropout_ : 0.0, false));
  return plus_lora(out_proj_(out), lora_.out, out);
}

void CrossAttentionImpl::attach_lora(const ModelConfig& c, torch::nn::Module& owner, const std::string& prefix) {
  lora_ = attention_lora(c, owner, prefix, out_proj_->weight.size(0));
}

void CrossAttentionImpl::merge_lora() {
  const int64_t d = out_proj_->weight.size(0);
  fold(lora_.q, q_proj_->weight, 0);
  fold(lora_.k, kv_proj_->weight, 0);  // kv_proj's rows: k, then v
  fold(lora_.v, kv_proj_->weight, d);
  fold(lora_.out, out_proj_->weight, 0);
}

FeedForwardImpl::FeedForwardImpl(int64_t d_model, int64_t ffn_dim) {
  fc1_ = register_module("fc1", make_linear(d_model, ffn_dim));
  fc2_ = register_module("fc2", make_linear(ffn_dim, d_model));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  auto h = torch::relu(plus_lora(fc1_(x), lora_in_, x));
  return plus_lora(fc2_(h), lora_out_, h);
}

void FeedForwardImpl::attach_lora(const ModelConfig& c, torch::nn::Module& owner) {
  const int64_t d = fc1_->weight.size(1), f = fc1_->weight.size(0);
  lora_in_ = maybe_lora(c, "ffn_in", owner, "ffn_in", d, f);
  lora_out_ = maybe_lora(c, "ffn_out", owner, "ffn_out", f, d);
}

void FeedForwardImpl::merge_lora() {
  fold(lora_in_, fc1_->weight, 0);
  fold(lora_out_, fc2_->weight, 0);
}

// ------------------------------------------------------------------------------------------------
// Layers (pre-LN: x + dropout(sublayer(LN(x))))

EncoderLayerImpl::EncoderLayerImpl(const ModelConfig& c) : dropout_(c.dropout) {
  ln_attn_ = register_module("ln_attn", make_ln(c.d_model));
  attn_ = register_module("attn", SelfAttention(c.d_model, c.heads, c.attention_dropout));
  ln_ffn_ = register_module("ln_ffn", make_ln(c.d_model));
  ffn_ = register_module("ffn", FeedForward(c.d_model, c.ffn_dim));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x_in, const torch::Tensor& src_mask) {
  const bool train = is_training();
  auto x = x_in + torch::dropout(attn_(ln_attn_(x_in), src_mask, false), dropout_, train);
  x = x + torch::dropout(ffn_(ln_ffn_(x)), dropout_, train);
  return adapter_ ? adapter_(x) : x;
}

void EncoderLayerImpl::attach_lora(const ModelConfig& c, torch::nn::Module& owner) {
  attn_->attach_lora(c, owner, "self");
  ffn_->attach_lora(c, owner);
}

void EncoderLayerImpl::merge_lora() {
  attn_->merge_lora();
  ffn_->merge_lora();
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c) : dropout_(c.dropout) {
  ln_self_ = register_module("ln_self", make_ln(c.d_model));
  self_attn_ = register_module("self_attn", SelfAttention(c.d_model, c.heads, c.attention_dropout));
  ln_cross_ = register_module("ln_cross", make_ln(c.d_model));
  cross_attn_ = register_module("cross_attn", CrossAttention(c.d_model, c.heads, c.attention_dropout));
  ln_ffn_ = register_module("ln_ffn", make_ln(c.d_model));
  ffn_ = register_module("ffn", FeedForward(c.d_model, c.ffn_dim));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x_in, const torch::Tensor& mem_k,
                                        const torch::Tensor& mem_v, const torch::Tensor& src_mask) {
  const bool train = is_training();
  // Target padding sits at the end, so the causal mask alone keeps real positions off the pads.
  auto x = x_in + torch::dropout(self_attn_(ln_self_(x_in), torch::Tensor(), true), dropout_, train);
  x = x + torch::dropout(cross_attn_(ln_cross_(x), mem_k, mem_v, src_mask), dropout_, train);
  x = x + torch::dropout(ffn_(ln_ffn_(x)), dropout_, train);
  return adapter_ ? adapter_(x) : x;
}

torch::Tensor DecoderLayerImpl::step(const torch::Tensor& x_in, DecoderState& st, size_t layer) {
  const bool train = is_training();
  auto x = x_in + torch::dropout(self_attn_->step(ln_self_(x_in), st.self_k[layer], st.self_v[layer]), dropout_, train);
  x = x + torch::dropout(cross_attn_(ln_cross_(x), st.cross_k[layer], st.cross_v[layer], st.src_mask), dropout_, train);
  x = x + torch::dropout(ffn_(ln_ffn_(x)), dropout_, train);
  return adapter_ ? adapter_(x) : x;
}

void DecoderLayerImpl::attach_lora(const ModelConfig& c, torch::nn::Module& owner) {
  self_attn_->attach_lora(c, owner, "self");
  cross_attn_->attach_lora(c, owner, "cross");
  ffn_->attach_lora(c, owner);
}

void DecoderLayerImpl::merge_lora() {
  self_attn_->merge_lora();
  cross_attn_->merge_lora();
  ffn_->merge_lora();
}

void DecoderState::select(const torch::Tensor& index) {
  for (auto* list : {&self_k, &self_v, &cross_k, &cross_v})
    for (auto& t : *list)
      if (t.defined()) t = t.index_select(0, index);
  src_mask = src_mask.index_select(0, index);
}

// ------------------------------------------------------------------------------------------------
// The model

torch::Tensor sinusoidal_positions(int64_t n, int64_t d) {
  const int64_t half = d / 2;
  // fairseq: frequencies 10000^(-i/(half-1)), i = 0..half-1.
  const double step = std::log(10000.0) / static_cast<double>(std::max<int64_t>(half - 1, 1));
  auto freq = torch::exp(torch::arange(half, torch::kFloat) * -step);
  auto angles = torch::arange(n, torch::kFloat).unsqueeze(1) * freq.unsqueeze(0);
  auto table = torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
  if (d % 2 == 1) table = torch::cat({table, torch::zeros({n, 1})}, 1);
  return table;
}

TransformerImpl::TransformerImpl(const ModelConfig& config, int64_t vocab_size, int64_t pad_id)
    : config_(config), vocab_size_(vocab_size), pad_id_(pad_id) {
  if (config.d_model % config.heads != 0)
    throw std::invalid_argument("model: heads (" + std::to_string(config.heads) + ") must divide d_model (" +
                                std::to_string(config.d_model) + ")");
  if (pad_id < 0 || pad_id >= vocab_size) throw std::invalid_argument("model: pad id outside the vocabulary");
  embedding_ = register_module(
      "embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab_size, config.d_model).padding_idx(pad_id)));
  {
    // N(0, d^-1/2): with the √d input scaling the embeddings start at unit scale, and as output
    // projection the initial logits stay small. The pad row stays zero (and gets no gradient).
    torch::NoGradGuard no_grad;
    embedding_->weight.normal_(0.0, std::pow(static_cast<double>(config.d_model), -0.5));
    embedding_->weight[pad_id].zero_();
  }
  positions_ = register_buffer("positions", sinusoidal_positions(config.max_positions, config.d_model));
  encoder_layers_ = register_module("encoder_layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.encoder_layers; ++i) encoder_layers_->push_back(EncoderLayer(config));
  decoder_layers_ = register_module("decoder_layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.decoder_layers; ++i) decoder_layers_->push_back(DecoderLayer(config));
  encoder_ln_ = register_module("encoder_ln", make_ln(config.d_model));
  decoder_ln_ = register_module("decoder_ln", make_ln(config.d_model));
  const int64_t enc_base = config.experts > 0 ? config.base_encoder_layers : 0;
  const int64_t dec_base = config.experts > 0 ? config.base_layers : 0;
  if (enc_base > config.encoder_layers || dec_base > config.decoder_layers)
    throw std::invalid_argument("model: more BASE layers than layers in a stack");
  encoder_plan_ = base_layer_plan(config.encoder_layers, enc_base);
  decoder_plan_ = base_layer_plan(config.decoder_layers, dec_base);
  auto make_base = [&] {
    return BaseLayer(config.experts, config.d_model, config.ffn_dim, config.base_sublayers, config.base_shuffle,
                     /*dense=*/config.dense_pretrain > 0.0);
  };
  if (enc_base > 0) {
    encoder_base_ = register_module("encoder_base", torch::nn::ModuleList());
    for (int64_t i = 0; i < enc_base; ++i) encoder_base_->push_back(make_base());
  }
  if (dec_base > 0) {
    decoder_base_ = register_module("decoder_base", torch::nn::ModuleList());
    for (int64_t i = 0; i < dec_base; ++i) decoder_base_->push_back(make_base());
  }
  // Parameter-efficient modules last: registered after, and drawn after, every base parameter.
  if (config.lora_rank > 0) {
    if (config.lora_rank > config.d_model)
      throw std::invalid_argument("model: lora_rank " + std::to_string(config.lora_rank) + " exceeds d_model");
    lora_ = register_module("lora", std::make_shared<torch::nn::Module>());
    auto enc = lora_->register_module("encoder", torch::nn::ModuleList());
    for (const auto& layer : *encoder_layers_) {
      auto owner = std::make_shared<torch::nn::Module>();
      layer->as<EncoderLayer>()->attach_lora(config, *owner);
      enc->push_back(owner);
    }
    auto dec = lora_->register_module("decoder", torch::nn::ModuleList());
    for (const auto& layer : *decoder_layers_) {
      auto owner = std::make_shared<torch::nn::Module>();
      layer->as<DecoderLayer>()->attach_lora(config, *owner);
      dec->push_back(owner);
    }
  }
  if (config.adapter_dim > 0) {
    adapter_ = register_module("adapter", std::make_shared<torch::nn::Module>());
    auto enc = adapter_->register_module("encoder", torch::nn::ModuleList());
    for (const auto& layer : *encoder_layers_) {
      Adapter a(config.d_model, config.adapter_dim);
      layer->as<EncoderLayer>()->attach_adapter(a);
      enc->push_back(a);
    }
    auto dec = adapter_->register_module("decoder", torch::nn::ModuleList());
    for (const auto& layer : *decoder_layers_) {
      Adapter a(config.d_model, config.adapter_dim);
      layer->as<DecoderLayer>()->attach_adapter(a);
      dec->push_back(a);
    }
  }
}

void TransformerImpl::merge_lora() {
  if (!lora_) return;
  for (const auto& layer : *encoder_layers_) layer->as<EncoderLayer>()->merge_lora();
  for (const auto& layer : *decoder_layers_) layer->as<DecoderLayer>()->merge_lora();
  unregister_module("lora");
  lora_.reset();
  const ModelConfig plain{};
  config_.lora_rank = plain.lora_rank;
  config_.lora_alpha = plain.lora_alpha;
  config_.lora_targets = plain.lora_targets;
}

std::vector<std::pair<std::string, BaseLayer>> TransformerImpl::named_base_layers() const {
  std::vector<std::pair<std::string, BaseLayer>> out;
  const std::pair<const char*, const torch::nn::ModuleList*> lists[] = {{"encoder_base", &encoder_base_}, {"decoder_base", &decoder_base_}};
  for (const auto& [name, list] : lists)
    if (*list)
      for (size_t k = 0; k < (*list)->size(); ++k)
        out.emplace_back(std::string(name) + "." + std::to_string(k), BaseLayer(std::dynamic_pointer_cast<BaseLayerImpl>((**list)[k])));
  return out;
}

std::vector<BaseLayer> TransformerImpl::base_layers() const {
  std::vector<BaseLayer> out;
  for (auto& [name, layer] : named_base_layers()) out.push_back(layer);
  return out;
}

void TransformerImpl::upcycle() {
  for (auto& layer : base_layers()) layer->upcycle();
}

bool TransformerImpl::dense_phase() const {
  for (const auto& layer : base_layers())
    if (layer->is_dense()) return true;
  return false;
}

torch::Tensor TransformerImpl::embed(const torch::Tensor& tokens, int64_t first_position) {
  const int64_t t = tokens.size(1);
  if (first_position + t > config_.max_positions)
    throw std::invalid_argument("model: sequence of " + std::to_string(first_position + t) +
                                " tokens exceeds max_positions " + std::to_string(config_.max_positions));
  auto x = embedding_(tokens) * std::sqrt(static_cast<double>(config_.d_model)) +
           positions_.narrow(0, first_position, t).unsqueeze(0);
  return torch::dropout(x, config_.dropout, is_training());
}

EncoderOut TransformerImpl::encode(const torch::Tensor& src) {
  auto src_mask = src.ne(pad_id_).view({src.size(0), 1, 1, src.size(1)});
  auto x = embed(src, 0);
  const auto real = encoder_base_ ? src.ne(pad_id_) : torch::Tensor();
  for (const int64_t i : encoder_plan_)
    x = i >= 0 ? encoder_layers_[static_cast<size_t>(i)]->as<EncoderLayer>()->forward(x, src_mask)
               : encoder_base_[static_cast<size_t>(-1 - i)]->as<BaseLayer>()->forward(x, real);
  return {encoder_ln_(x), src_mask};
}

torch::Tensor TransformerImpl::decoder_hidden(const torch::Tensor& tgt_in, const EncoderOut& enc) {
  auto x = embed(tgt_in, 0);
  const auto real = decoder_base_ ? tgt_in.ne(pad_id_) : torch::Tensor();
  for (const int64_t i : decoder_plan_) {
    if (i < 0) {
      x = decoder_base_[static_cast<size_t>(-1 - i)]->as<BaseLayer>()->forward(x, real);
      continue;
    }
    auto* layer = decoder_layers_[static_cast<size_t>(i)]->as<DecoderLayer>();
    auto [k, v] = layer->cross_attention()->memory_kv(enc.memory);
    x = layer->forward(x, k, v, enc.src_mask);
  }
  return decoder_ln_(x);
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& src, const torch::Tensor& tgt_in) {
  auto h = decoder_hidden(tgt_in, encode(src));
  return F::linear(h, embedding_->weight);  // shared output projection
}

DecoderState TransformerImpl::start_decoding(const EncoderOut& enc) {
  DecoderState st;
  st.src_mask = enc.src_mask;
  const size_t n = decoder_layers_->size();
  st.self_k.resize(n);
  st.self_v.resize(n);
  for (const auto& m : *decoder_layers_) {
    auto [k, v] = m->as<DecoderLayer>()->cross_attention()->memory_kv(enc.memory);
    st.cross_k.push_back(k);
    st.cross_v.push_back(v);
  }
  return st;
}

torch::Tensor TransformerImpl::decode_step(const torch::Tensor& prev_tokens, DecoderState& st) {
  auto x = embed(prev_tokens.view({-1, 1}), st.length);
  // Every row is a real token here; at inference a BASE layer routes each token on its own (greedy).
  for (const int64_t i : decoder_plan_)
    x = i >= 0 ? decoder_layers_[static_cast<size_t>(i)]->as<DecoderLayer>()->step(x, st, static_cast<size_t>(i))
               : decoder_base_[static_cast<size_t>(-1 - i)]->as<BaseLayer>()->forward(x);
  st.length += 1;
  return F::linear(decoder_ln_(x).squeeze(1), embedding_->weight);
}

// ------------------------------------------------------------------------------------------------
// Loss

ExampleLosses label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, int64_t pad_id,
                                  double epsilon) {
  const int64_t vocab = logits.size(-1);
  auto lprobs = torch::log_softmax(logits.to(torch::kFloat), -1);
  auto nll = -lprobs.gather(-1, target.unsqueeze(-1)).squeeze(-1);  // [B,T]
  auto smooth = -lprobs.sum(-1);                                     // [B,T]
  const double eps_other = epsilon / static_cast<double>(vocab - 1);
  // -Σ_v q(v) log p(v) with q = 1-ε on the gold token, ε/(V-1) elsewhere.
  auto token_loss = (1.0 - epsilon - eps_other) * nll + eps_other * smooth;
  auto mask = target.ne(pad_id).to(torch::kFloat);
  return {(token_loss * mask).sum(1), (nll * mask).sum(1), mask.sum(1)};
}

torch::Tensor sum_by_language(const torch::Tensor& per_example, const torch::Tensor& lang, int64_t n_langs) {
  auto onehot = F::one_hot(lang, n_langs).to(per_example.scalar_type());  // [B,L]
  return torch::matmul(onehot.t(), per_example);
}

}  // namespace longtail::model

// BASE layer (Lewis et al. 2021, "BASE Layers: Simplifying Training of Large, Sparse Models"), as in
// fairseq/modules/base_layer.py, with all E experts on one device: expert parameters are stacked as
// [E, ...] tensors and the routed tokens are computed as one batched matrix product over [E, k, d]
// (fairseq puts one expert on each of E workers and exchanges tokens by all-to-all).
//
// Each expert is `base_sublayers` residual feed-forward sublayers x + FF2(relu(FF1(LN(x)))) with FF2
// zero-initialised. Training: affinities s = h·w_e (no gradient), a balanced assignment (every expert
// takes the same number of tokens, Σ s maximal; balanced_assignment.h), and the output
// σ(h·w_e)·f_e(h) + (1 − σ(h·w_e))·h for the token's expert e. Inference: greedy top-1. No auxiliary
// loss. Only real (non-padding) tokens are routed; padding positions pass through unchanged.
//
// Dense pre-training: a layer built `dense` holds one block with the experts' structure (the
// "expert" a dense model would have), applied to every token without gate; upcycle() turns it into
// E experts that all start from that block's weights, with fresh centroids.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace longtail::model {

// `base_sublayers` residual FFN sublayers for E experts at once; parameters [E, ...].
class ExpertSublayerImpl : public torch::nn::Module {
 public:
  // init: fairseq's initialisation (LN 1/0, FF1 Xavier-uniform per expert, FF2 and biases zero);
  // without, the tensors are left uninitialised for a copy (upcycling draws no random numbers).
  ExpertSublayerImpl(int64_t experts, int64_t d_model, int64_t ffn_dim, bool init = true);
  // x: [E, k, d] (row e goes through expert e) → [E, k, d]
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor ln_weight, ln_bias;    // [E, d]
  torch::Tensor fc1_weight, fc1_bias;  // [E, d, f], [E, f]
  torch::Tensor fc2_weight, fc2_bias;  // [E, f, d] (zero at init), [E, d]
};
TORCH_MODULE(ExpertSublayer);

// What the last forward routed (all on the layer's device; nothing here forces a host sync).
struct RoutingStats {
  torch::Tensor load;     // [E] int64: real tokens per expert
  torch::Tensor row_usage;  // [B, E] int64: tokens of each input row (sentence) per expert
  torch::Tensor entropy;  // [] float: mean over tokens of the entropy (nats) of softmax(s_t)
  int64_t iterations = 0;  // auction rounds (training); 0 at inference
  bool balanced = false;   // whether the balanced (training) assignment was used
};

class BaseLayerImpl : public torch::nn::Module {
 public:
  // dense: start as the dense block (dense pre-training); otherwise as E experts.
  BaseLayerImpl(int64_t experts, int64_t d_model, int64_t ffn_dim, int64_t sublayers, bool shuffle, bool dense);

  // x: [B, T, d]; mask: [B, T] bool, true at real tokens (undefined = all real). Training mode:
  // balanced assignment (with the token shuffle when enabled); eval mode: greedy top-1.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  // Dense → sparse: every expert's sublayers become copies of the dense block's, the centroids are
  // drawn afresh (orthogonal, gain 0.1, from the CPU generator so CPU and CUDA runs agree), and the
  // dense block is removed from the module. Throws when already sparse.
  void upcycle();

  bool is_dense() const { return dense_; }
  int64_t experts() const { return experts_; }
  const RoutingStats& last_routing() const { return stats_; }

  // The routed computation on real tokens h [N, d] with a given expert-major slot → token map
  // ([E·k], values ≥ N are empty slots); exposed for tests.
  torch::Tensor apply_experts(const torch::Tensor& h, const torch::Tensor& slots);

  torch::Tensor centroids;  // [E, d] (sparse only)

 private:
  torch::Tensor expert_stack(const torch::Tensor& x);  // x [E', k, d] through this layer's sublayers

  int64_t experts_, d_model_, ffn_dim_, sublayers_;
  bool shuffle_, dense_;
  torch::nn::ModuleList experts_list_{nullptr}, dense_list_{nullptr};
  RoutingStats stats_;
};
TORCH_MODULE(BaseLayer);

// fairseq's placement: starting from the L ordinary layers, BASE layer i = 0..n−1 is inserted into
// the growing list at index ((i+1)·L)//(n+1). Returns the final stack: −1−b for BASE layer b, else
// the ordinary layer's index.
std::vector<int64_t> base_layer_plan(int64_t layers, int64_t base_layers);

// Rows of x [N, d] at `index` (int64, any shape) via the embedding kernel, whose backward is
// deterministic on CUDA (index_select's backward is an index_add with atomics); the model already
// relies on it for its token embedding.
torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index);

}  // namespace longtail::model

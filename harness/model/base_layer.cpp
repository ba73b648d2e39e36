#include "harness/model/base_layer.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "harness/model/balanced_assignment.h"

namespace longtail::model {

using torch::indexing::Slice;

torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index) { return torch::embedding(x, index); }

std::vector<int64_t> base_layer_plan(int64_t layers, int64_t base_layers) {
  std::vector<int64_t> plan;
  for (int64_t i = 0; i < layers; ++i) plan.push_back(i);
  // fairseq inserts into the list that already holds the earlier BASE layers (so with L = 6, n = 2
  // they sit after ordinary layers 2 and 3, not 2 and 4); kept as is to place them as fairseq does.
  for (int64_t i = 0; i < base_layers; ++i) plan.insert(plan.begin() + ((i + 1) * layers) / (base_layers + 1), -1 - i);
  return plan;
}

// ------------------------------------------------------------------------------------------------

ExpertSublayerImpl::ExpertSublayerImpl(int64_t experts, int64_t d_model, int64_t ffn_dim, bool init) {
  ln_weight = register_parameter("ln_weight", torch::empty({experts, d_model}));
  ln_bias = register_parameter("ln_bias", torch::empty({experts, d_model}));
  fc1_weight = register_parameter("fc1_weight", torch::empty({experts, d_model, ffn_dim}));
  fc1_bias = register_parameter("fc1_bias", torch::empty({experts, ffn_dim}));
  fc2_weight = register_parameter("fc2_weight", torch::empty({experts, ffn_dim, d_model}));
  fc2_bias = register_parameter("fc2_bias", torch::empty({experts, d_model}));
  if (!init) return;
  torch::NoGradGuard no_grad;
  ln_weight.fill_(1.0);
  ln_bias.zero_();
  // Xavier-uniform of each expert's [d, f] matrix (fairseq's Linear), zero biases; FF2 zero so that
  // a fresh sublayer is the identity (fairseq's BaseSublayer).
  const double bound = std::sqrt(6.0 / static_cast<double>(d_model + ffn_dim));
  fc1_weight.uniform_(-bound, bound);
  fc1_bias.zero_();
  fc2_weight.zero_();
  fc2_bias.zero_();
}

torch::Tensor ExpertSublayerImpl::forward(const torch::Tensor& x) {
  const int64_t d = x.size(2);
  auto y = torch::layer_norm(x, {d}) * ln_weight.unsqueeze(1) + ln_bias.unsqueeze(1);
  auto hidden = torch::relu(torch::baddbmm(fc1_bias.unsqueeze(1), y, fc1_weight));  // [E,k,f]
  return x + torch::baddbmm(fc2_bias.unsqueeze(1), hidden, fc2_weight);
}

// ------------------------------------------------------------------------------------------------

BaseLayerImpl::BaseLayerImpl(int64_t experts, int64_t d_model, int64_t ffn_dim, int64_t sublayers, bool shuffle,
                             bool dense)
    : experts_(experts), d_model_(d_model), ffn_dim_(ffn_dim), sublayers_(sublayers), shuffle_(shuffle), dense_(dense) {
  if (experts < 1) throw std::invalid_argument("BASE layer: experts must be >= 1");
  if (sublayers < 1) throw std::invalid_argument("BASE layer: base_sublayers must be >= 1");
  if (dense) {
    dense_list_ = register_module("dense", torch::nn::ModuleList());
    for (int64_t j = 0; j < sublayers; ++j) dense_list_->push_back(ExpertSublayer(1, d_model, ffn_dim));
    return;
  }
  {
    torch::NoGradGuard no_grad;
    auto c = torch::empty({experts, d_model});
    torch::nn::init::orthogonal_(c, 0.1);
    centroids = register_parameter("centroids", c);
  }
  experts_list_ = register_module("experts", torch::nn::ModuleList());
  for (int64_t j = 0; j < sublayers; ++j) experts_list_->push_back(ExpertSublayer(experts, d_model, ffn_dim));
}

torch::Tensor BaseLayerImpl::expert_stack(const torch::Tensor& x) {
  auto y = x;
  for (const auto& m : dense_ ? *dense_list_ : *experts_list_) y = m->as<ExpertSublayer>()->forward(y);
  return y;
}

torch::Tensor BaseLayerImpl::apply_experts(const torch::Tensor& h, const torch::Tensor& slots) {
  const int64_t n = h.size(0), d = h.size(1);
  const int64_t per_expert = slots.size(0) / experts_;
  // Empty slots read a zero row (index n) and are dropped below.
  auto padded = torch::cat({h, torch::zeros({1, d}, h.options())}, 0);
  auto routed = gather_rows(padded, slots).view({experts_, per_expert, d});
  auto expert_out = expert_stack(routed);
  // Mix in the expert by how well the token matches its centroid (with gradient to the centroid).
  auto alpha = torch::sigmoid(torch::bmm(routed, centroids.unsqueeze(2)));  // [E,k,1]
  auto mixed = (alpha * expert_out + (1 - alpha) * routed).view({experts_ * per_expert, d});
  // Slot of each token: tokens 0..n−1 appear once in `slots`, empties (value n) sort last.
  auto slot_of_token = std::get<1>(slots.sort(/*stable=*/true, 0, false)).narrow(0, 0, n);
  return gather_rows(mixed, slot_of_token);
}

torch::Tensor BaseLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  const int64_t rows = x.size(0), width = x.size(1), d = x.size(2);
  auto flat = x.reshape({rows * width, d});
  const auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  torch::Tensor real_pos;  // positions (in flat) of the real tokens
  if (mask.defined())
    real_pos = mask.reshape(-1).nonzero().squeeze(1);
  else
    real_pos = torch::arange(rows * width, long_opts);
  const int64_t n = real_pos.size(0);
  stats_ = RoutingStats{};
  if (n == 0) return x;

  if (dense_) {
    auto out = expert_stack(flat.unsqueeze(0)).squeeze(0);
    if (mask.defined()) out = torch::where(mask.reshape({-1, 1}), out, flat);
    return out.view(x.sizes());
  }

  auto h = mask.defined() ? gather_rows(flat, real_pos) : flat;
  torch::Tensor slots, token_expert, scores;
  int64_t per_expert = 0;
  if (is_training()) {
    // The shuffle permutes the tokens before the assignment (fairseq sends them to random workers
    // to break batch correlations, which decide ties and the auction's order); drawn from the
    // device's default generator, which the checkpoints save.
    auto perm = shuffle_ ? torch::randperm(n, long_opts) : torch::arange(n, long_opts);
    {
      torch::NoGradGuard no_grad;
      scores = torch::matmul(h.detach(), centroids.detach().t());  // [N,E]
    }
    auto assignment = route_balanced(scores.index_select(0, perm));
    stats_.iterations = assignment.iterations;
    stats_.balanced = true;
    const auto& order = assignment.order;  // indices into the shuffled tokens; ≥ n: dummy
    per_expert = order.size(0) / experts_;
    // Exactly balanced: `order` must be a permutation of all slots (each expert holds per_expert).
    if (!std::get<0>(order.sort()).equal(torch::arange(order.size(0), long_opts)))
      throw std::logic_error("BASE layer: the balanced assignment is not a permutation");
    slots = torch::where(order.lt(n), perm.index_select(0, order.clamp_max(n - 1)), torch::full_like(order, n));
    auto slot_expert = torch::arange(experts_, long_opts).repeat_interleave(per_expert);
    auto valid = slots.lt(n);
    token_expert = slot_expert.masked_select(valid).index_select(
        0, std::get<1>(slots.masked_select(valid).sort(/*stable=*/true, 0, false)));
  } else {
    {
      torch::NoGradGuard no_grad;
      scores = torch::matmul(h.detach(), centroids.detach().t());
    }
    token_expert = greedy_assignment(scores);  // [N]
    auto counts = torch::bincount(token_expert, {}, experts_);
    per_expert = counts.max().item<int64_t>();
    // Group the tokens by expert, each group padded to the largest, so that it is still one bmm.
    auto order = std::get<1>(token_expert.sort(/*stable=*/true, 0, false));
    auto start = counts.cumsum(0) - counts;
    auto rank = torch::arange(per_expert, long_opts);
    auto pos = (start.unsqueeze(1) + rank.unsqueeze(0)).clamp_max(n - 1).view(-1);
    auto valid = rank.unsqueeze(0).lt(counts.unsqueeze(1)).view(-1);
    slots = torch::where(valid, order.index_select(0, pos), torch::full_like(pos, n));
  }

  auto out_real = apply_experts(h, slots);

  {
    torch::NoGradGuard no_grad;
    stats_.load = torch::bincount(token_expert, {}, experts_);
    auto row = real_pos.div(width, "floor");
    stats_.row_usage = torch::bincount(row * experts_ + token_expert, {}, rows * experts_).view({rows, experts_});
    auto logp = torch::log_softmax(scores.to(torch::kFloat), 1);
    stats_.entropy = -(logp.exp() * logp).sum(1).mean();
  }

  if (!mask.defined()) return out_real.view(x.sizes());
  // Back to [B,T,d]: real positions from the expert output, padding unchanged.
  auto real_index = (mask.reshape(-1).to(torch::kLong).cumsum(0) - 1).clamp_min(0);
  return torch::where(mask.reshape({-1, 1}), gather_rows(out_real, real_index), flat).view(x.sizes());
}

void BaseLayerImpl::upcycle() {
  if (!dense_) throw std::logic_error("BASE layer: upcycle() on a layer that is already sparse");
  torch::NoGradGuard no_grad;
  const auto& ref = dense_list_[0]->as<ExpertSublayer>()->ln_weight;
  const auto device = ref.device();
  const auto dtype = ref.scalar_type();
  auto c = torch::empty({experts_, d_model_});
  torch::nn::init::orthogonal_(c, 0.1);
  auto new_experts = torch::nn::ModuleList();
  for (int64_t j = 0; j < sublayers_; ++j) {
    auto* src = dense_list_[static_cast<size_t>(j)]->as<ExpertSublayer>();
    ExpertSublayer e(experts_, d_model_, ffn_dim_, /*init=*/false);
    e->to(device, dtype);
    e->ln_weight.copy_(src->ln_weight.expand_as(e->ln_weight));
    e->ln_bias.copy_(src->ln_bias.expand_as(e->ln_bias));
    e->fc1_weight.copy_(src->fc1_weight.expand_as(e->fc1_weight));
    e->fc1_bias.copy_(src->fc1_bias.expand_as(e->fc1_bias));
    e->fc2_weight.copy_(src->fc2_weight.expand_as(e->fc2_weight));
    e->fc2_bias.copy_(src->fc2_bias.expand_as(e->fc2_bias));
    new_experts->push_back(e);
  }
  unregister_module("dense");
  dense_list_ = nullptr;
  // Same registration order as a layer built sparse: centroids, then experts.
  centroids = register_parameter("centroids", c.to(device, dtype));
  experts_list_ = register_module("experts", new_experts);
  dense_ = false;
}

}  // namespace longtail::model

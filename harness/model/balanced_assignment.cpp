#include "harness/model/balanced_assignment.h"

#include <stdexcept>
#include <string>

namespace longtail::model {

using torch::indexing::Slice;

BalancedAssignment balanced_assignment(const torch::Tensor& scores, int64_t max_exact_iterations) {
  if (scores.dim() != 2) throw std::invalid_argument("balanced_assignment: scores must be [tokens, experts]");
  const int64_t n_tokens = scores.size(0), n_experts = scores.size(1);
  if (n_experts < 1 || n_tokens < 1 || n_tokens % n_experts != 0)
    throw std::invalid_argument("balanced_assignment: " + std::to_string(n_tokens) + " tokens do not split evenly over " +
                                std::to_string(n_experts) + " experts");
  const auto device = scores.device();
  const auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(device);
  if (n_experts == 1) return {torch::arange(n_tokens, long_opts), 0};

  torch::NoGradGuard no_grad;
  // fp32 whatever the caller computed in (autocast may hand bf16): ε and the prices need the precision.
  const auto score = scores.detach().to(torch::kFloat).t().contiguous();  // [E, T]: expert-major
  const int64_t k = n_tokens / n_experts;
  const auto eps = ((score.max() - score.min()) / 50).clamp_min(1e-4);
  // fairseq sets the winners' values to max s; ours is max s + ε, strictly above every other value,
  // so that the winners' tokens are in their top k next round even when scores tie (with exact ties
  // fairseq's top-k may leave a won token out and return a token twice). Without ties the two agree.
  const auto max_score = score.max() + eps;

  auto value = score.clone();
  auto price = torch::zeros({1, n_tokens}, score.options());
  auto bids = torch::empty({n_experts, n_tokens}, score.options());
  const auto token_ids = torch::arange(n_tokens, long_opts);
  torch::Tensor won;  // flat [E·T] indices (expert·T + token) of last round's winning bids
  torch::Tensor top_index;
  int64_t round = 0;
  while (true) {
    bids.zero_();
    auto top = value.topk(k + 1, 1);
    const auto& top_values = std::get<0>(top);
    top_index = std::get<1>(top);
    // Each expert bids on its k best tokens the margin over its (k+1)-th, plus ε.
    auto increments = top_values.index({Slice(), Slice(0, k)}) - top_values.index({Slice(), Slice(k, k + 1)}) + eps;
    bids.scatter_(1, top_index.index({Slice(), Slice(0, k)}), increments);
    // Keep last round's tokens with a minimal bid unless someone outbids it (exact phase only).
    if (round > 0 && round < max_exact_iterations) bids.view(-1).index_put_({won}, eps);

    auto best = bids.max(0);
    const auto& high_bids = std::get<0>(best);
    const auto& high_bidders = std::get<1>(best);
    const auto has_bid = high_bids.gt(0);
    if (has_bid.all().item<bool>()) break;

    // Contested tokens get dearer.
    price.add_(high_bids);
    value = score - price;
    won = (high_bidders * n_tokens + token_ids).index({has_bid});
    if (round < max_exact_iterations)
      value.view(-1).index_put_({won}, max_score);  // the winner's top-k keeps them next round
    else
      value.view(-1).index_put_({won}, score.view(-1).index({won}));  // fast approximation
    ++round;
  }
  return {top_index.index({Slice(), Slice(0, k)}).reshape(-1), round};
}

torch::Tensor greedy_assignment(const torch::Tensor& scores) { return scores.detach().argmax(1); }

BalancedAssignment route_balanced(const torch::Tensor& scores_in, int64_t max_exact_iterations) {
  torch::NoGradGuard no_grad;
  auto scores = scores_in.detach().to(torch::kFloat);
  const int64_t n_tokens = scores.size(0), n_experts = scores.size(1);
  if (n_tokens < 1) throw std::invalid_argument("route_balanced: no tokens");
  const auto finite = scores.isfinite();
  if (!finite.all().item<bool>()) {
    const auto fill = finite.any().item<bool>() ? scores.masked_select(finite).min() : torch::zeros({}, scores.options());
    scores = torch::where(finite, scores, fill);
  }
  const int64_t slots = (n_tokens + n_experts - 1) / n_experts;
  const int64_t n_dummy = slots * n_experts - n_tokens;
  if (n_dummy > 0) scores = torch::cat({scores, scores.min().expand({n_dummy, n_experts})}, 0);
  return balanced_assignment(scores, max_exact_iterations);
}

}  // namespace longtail::model

// UniMax (Chung et al. 2023, "UniMax: Fairer and More Effective Language Sampling for
// Large-Scale Multilingual Pretraining", ICLR, arXiv:2304.09151, Algorithm 1): spread the
// training budget B uniformly over languages, but give no language more than N epochs of its
// data; what a capped language cannot use goes to the others. Languages in ascending size c_i:
//   for k = 0..L-1:  b = B_remaining / (L - k);  U_i = min(b, N · c_i);  B_remaining -= U_i
//   plain cross-entropy; the batcher samples *examples*, so language i is drawn with
//   p_i ∝ U_i / T_i  (T_i = c_i / n_i its mean tokens per pair): each language then receives tokens
//   in proportion to its budget U_i, whatever its sentence lengths (p_i ∝ U_i would give a language
//   of long sentences more than its budget and one of short sentences less).
// Unit: real tokens as the batcher counts them (source + target with the specials, no padding).
// The budget is B = train.steps × the mean real tokens of one step's batch (TrainingContext::
// step_tokens: measured on a batcher with the run's settings drawing from p, so padding and the
// unfilled end of each batch are left out; the padded budget train.batch_tokens would overstate B
// by 1/ρ, ρ the real share, and leave capped languages at about N·ρ epochs). B depends on p (the
// length mix changes the padding) and p on B, so the allocation is iterated to a fixed point (a
// few rounds: B moves by well under 1 % after the first). The cap is also enforced exactly: the
// batcher never draws more than ⌊N·n_i⌋ examples of language i (example_caps), whatever the
// sampling noise. Tested in a real cell with unequal mean lengths: capped languages realise N
// epochs and uncapped ones equal token budgets, each within 2 %.
// N: the paper's default could not be verified from the sources we had; N = 1 (one pass, no
// repetition) is the strict setting. Small corpora with a long budget need a larger N: the
// method refuses a budget that exceeds N epochs of all the data and names the N that fits.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "harness/common/strcat.h"
#include "methods/method.h"

namespace longtail::methods {
namespace {

class UniMax : public Method {
 public:
  UniMax(std::vector<double> p, std::vector<int64_t> caps, double budget, double step_tokens)
      : p_(std::move(p)), caps_(std::move(caps)), budget_(budget), step_tokens_(step_tokens) {}
  std::vector<double> sampling_distribution(int64_t) const override { return p_; }
  std::vector<int64_t> example_caps() const override { return caps_; }
  boost::json::object metrics() const override { return {{"budget_tokens", budget_}, {"step_tokens", step_tokens_}}; }

 private:
  std::vector<double> p_;
  std::vector<int64_t> caps_;
  double budget_, step_tokens_;
};

// Algorithm 1: token budgets U_i for a total budget B (languages in ascending size), then the
// example distribution p_i ∝ U_i / T_i.
std::vector<double> allocate(const TrainingContext& ctx, double budget, double N) {
  const size_t L = ctx.languages.size();
  std::vector<size_t> order(L);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ctx.train_tokens[a] < ctx.train_tokens[b]; });
  std::vector<double> U(L, 0.0);
  double remaining = budget;
  for (size_t k = 0; k < L; ++k) {
    const size_t i = order[k];
    const double share = remaining / static_cast<double>(L - k);
    U[i] = std::min(share, N * static_cast<double>(ctx.train_tokens[i]));
    remaining -= U[i];
  }
  // Token budgets → example probabilities: U_i / T_i examples of language i, normalised.
  std::vector<double> p(L);
  for (size_t i = 0; i < L; ++i) {
    const double mean_tokens = static_cast<double>(ctx.train_tokens[i]) / std::max<double>(1.0, static_cast<double>(ctx.train_pairs[i]));
    p[i] = mean_tokens > 0 ? U[i] / mean_tokens : 0.0;
  }
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= total;
  return p;
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "unimax",
    "Chung et al. 2023, UniMax: Fairer and More Effective Language Sampling for Large-Scale Multilingual Pretraining, ICLR, arXiv:2304.09151",
    "uniform token budget per language, capped at N epochs, leftover to the uncapped languages; examples drawn with p_i ∝ U_i / T_i (T_i: mean tokens per pair)",
    {{"epochs", OptType::Float, 1.0, "N: the most epochs of any language's data over the run", 0.0, 1e6, true}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      const size_t L = ctx.languages.size();
      if (ctx.train_tokens.size() != L || ctx.batch_tokens <= 0 || ctx.total_steps <= 0)
        throw std::logic_error("unimax needs the token counts per language, batch_tokens and the step budget");
      const double N = o.get_float("epochs");
      double all = 0;
      for (int64_t c : ctx.train_tokens) all += N * static_cast<double>(c);
      const double steps = static_cast<double>(ctx.total_steps);
      // B = steps × real tokens per step under p, p from B: iterate from the padded budget.
      double step_tokens = static_cast<double>(ctx.batch_tokens);
      std::vector<double> p = allocate(ctx, std::min(steps * step_tokens, all), N);
      for (int round = 0; round < 5 && ctx.step_tokens; ++round) {
        const double measured = ctx.step_tokens(p);
        const bool settled = std::abs(measured - step_tokens) <= 1e-3 * step_tokens;
        step_tokens = measured;
        p = allocate(ctx, std::min(steps * step_tokens, all), N);
        if (settled) break;
      }
      const double budget = steps * step_tokens;
      if (budget > all)
        throw ConfigError(ctx.params_path + ".epochs",
                          str::cat("the budget of ", str::fixed(budget, 0), " tokens (train.steps × ", str::fixed(step_tokens, 1),
                                   " real tokens per step) exceeds N = ", str::shortest(N), " epochs of all training data (",
                                   str::fixed(all, 0), " tokens); use epochs ≥ ", str::fixed(budget / (all / N), 2), " or fewer steps"));
      std::vector<int64_t> caps(ctx.languages.size());
      for (size_t i = 0; i < caps.size(); ++i) caps[i] = static_cast<int64_t>(std::floor(N * static_cast<double>(ctx.train_pairs[i])));
      return std::make_unique<UniMax>(std::move(p), std::move(caps), budget, step_tokens);
    }});

}  // namespace
}  // namespace longtail::methods

// Elastic weight consolidation (Kirkpatrick et al. 2017, "Overcoming catastrophic forgetting in
// neural networks", PNAS 114(13), arXiv:1612.00796; for NMT: Thompson et al. 2019, "Overcoming
// Catastrophic Forgetting During Domain Adaptation of Neural Machine Translation", NAACL) as an
// update method of continual learning. The stage minimises
//   L(θ) = L_stage(θ) + (λ/2) Σ_j F_j (θ_j − θ*_j)²
// where θ* is the previous stage's model (where this stage starts) and F the diagonal of the
// Fisher information of the previous stage's task at θ*, estimated on the previous stage's pairs:
//   F_j = (1/B) Σ_b (∂ℓ_b/∂θ_j)²,   ℓ_b the mean token loss of batch b (no dropout, no smoothing)
// over B seeded batches: the mini-batch empirical Fisher, a cheap stand-in for per-example
// gradients (it scales F by about 1/batch size, which λ absorbs). With `normalize` F is divided by
// its mean over the parameters, so λ does not depend on the model's or the batch's scale (our
// choice). A baseline of Badola et al. 2023 (arXiv:2209.06767; which baselines they ran is
// unverified, methods.md §5). docs/continual.md.
//
// F and θ* are computed at the stage's first step (the parameters are then θ*) and are checkpointed
// tensors of the hook, so a stage resumed in the middle continues bit for bit.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "methods/method.h"

namespace longtail::methods {
namespace {

class Ewc : public FixedSampling {
 public:
  Ewc(std::vector<double> p, double lambda, int64_t fisher_batches, bool normalize)
      : FixedSampling(std::move(p)), lambda_(lambda), fisher_batches_(fisher_batches), normalize_(normalize) {}
  double lambda() const { return lambda_; }
  int64_t fisher_batches() const { return fisher_batches_; }
  bool normalize() const { return normalize_; }
  boost::json::object metrics() const override {
    boost::json::object m;
    if (!std::isnan(penalty)) m["ewc_penalty"] = penalty;
    if (!std::isnan(fisher_mean)) m["fisher_mean"] = fisher_mean;
    return m;
  }
  // Set by the hook: the last step's penalty and the mean of the raw Fisher estimate.
  double penalty = std::nan(""), fisher_mean = std::nan("");

 private:
  double lambda_;
  int64_t fisher_batches_;
  bool normalize_;
};

}  // namespace
}  // namespace longtail::methods

#ifdef LONGTAIL_WITH_TORCH
#include <torch/torch.h>

#include "harness/train/step.h"
#include "harness/train/step_hook.h"

namespace longtail::methods {
namespace {

class EwcHook : public train::StepHook {
 public:
  explicit EwcHook(Ewc& method) : m_(method) {}

  torch::Tensor backward(const train::StepInputs& in) override {
    if (!anchored_) anchor(in);
    const torch::Tensor objective = train::weighted_objective(*in.losses, in.weights);
    const torch::Tensor penalty = this->penalty(*in.params);
    const torch::Tensor total = objective + penalty;
    total.backward();
    m_.penalty = penalty.item<double>();
    return total.detach();
  }

  // (λ/2) Σ_j F_j (θ_j − θ*_j)², graph attached: zero, with a zero gradient, at the anchor.
  torch::Tensor penalty(const train::NamedTensors& params) const {
    if (fisher_.size() != params.size()) throw std::logic_error("ewc: penalty before the Fisher estimate");
    torch::Tensor sum = torch::zeros({}, params.front().second.options());
    for (size_t i = 0; i < params.size(); ++i)
      sum = sum + (fisher_[i].second * (params[i].second - anchor_[i].second).pow(2)).sum();
    return sum * (0.5 * m_.lambda());
  }

  train::NamedTensors state_tensors(const train::NamedTensors& params) override {
    if (fisher_.empty())
      for (const auto& [name, p] : params) {
        fisher_.emplace_back("hook.ewc_fisher." + name, torch::zeros_like(p));
        anchor_.emplace_back("hook.ewc_anchor." + name, torch::zeros_like(p));
      }
    train::NamedTensors all = fisher_;
    all.insert(all.end(), anchor_.begin(), anchor_.end());
    return all;
  }

  // "" before the estimate; then the raw Fisher mean, as a hexadecimal float (exact).
  std::string save_state() const override {
    if (!anchored_) return "";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", m_.fisher_mean);
    return buf;
  }
  void load_state(const std::string& s) override {
    anchored_ = !s.empty();
    if (anchored_) m_.fisher_mean = std::strtod(s.c_str(), nullptr);
  }

 private:
  // θ* = the parameters now (the stage's start); F from the previous stage's batches at θ*.
  void anchor(const train::StepInputs& in) {
    if (!in.previous_losses)
      throw train::TrainingFailure("ewc needs the previous stage's pairs: use it as an update method of a continual suite");
    const train::NamedTensors& params = *in.params;
    state_tensors(params);
    std::vector<torch::Tensor> inputs;
    for (const auto& [name, p] : params) inputs.push_back(p);
    for (int64_t b = 0; b < m_.fisher_batches(); ++b) {
      const train::LanguageLosses losses = in.previous_losses(b);
      const torch::Tensor loss = train::weighted_objective(losses, torch::ones_like(losses.sum));
      const auto grads = torch::autograd::grad({loss}, inputs, {}, /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true);
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < grads.size(); ++i)
        if (grads[i].defined()) fisher_[i].second.addcmul_(grads[i], grads[i], 1.0 / static_cast<double>(m_.fisher_batches()));
    }
    torch::NoGradGuard no_grad;
    double sum = 0, count = 0;
    for (const auto& [name, f] : fisher_) {
      sum += f.sum().item<double>();
      count += static_cast<double>(f.numel());
    }
    m_.fisher_mean = count > 0 ? sum / count : 0.0;
    if (m_.normalize() && m_.fisher_mean > 0)
      for (auto& [name, f] : fisher_) f.div_(m_.fisher_mean);
    for (size_t i = 0; i < params.size(); ++i) anchor_[i].second.copy_(params[i].second);
    anchored_ = true;
  }

  Ewc& m_;
  train::NamedTensors fisher_, anchor_;  // F (normalised) and θ*, one per trainable parameter
  bool anchored_ = false;
};

}  // namespace
}  // namespace longtail::methods
#endif  // LONGTAIL_WITH_TORCH

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "ewc",
    "Kirkpatrick et al. 2017, Overcoming catastrophic forgetting in neural networks, PNAS, arXiv:1612.00796 (as a continual "
    "update: Thompson et al. 2019, NAACL; Badola et al. 2023, arXiv:2209.06767)",
    "update stage: L_stage + (λ/2) Σ_j F_j (θ_j − θ*_j)², F the diagonal Fisher of the previous stage's pairs at θ*; p_i ∝ n_i",
    {{"lambda", OptType::Float, 1.0, "λ: strength of the pull towards the previous stage's model (with normalize, F has mean 1)", 0.0,
      1e12},
     {"fisher_batches", OptType::Int, 32, "B: batches of the previous stage's pairs (train.batch_tokens each) in the Fisher estimate", 1,
      1e6},
     {"normalize", OptType::Bool, true, "divide F by its mean over the parameters, so λ is scale-free"}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<Ewc>(temperature_distribution(ctx.train_pairs, 1.0), o.get_float("lambda"), o.get_int("fisher_batches"),
                                   o.get_bool("normalize"));
    }}
    .with(LONGTAIL_STEP_HOOK(Ewc, EwcHook))
    .copying_parameters()
    .updating());

}  // namespace
}  // namespace longtail::methods

// Sequential Reptile (Lee, Lee, Lee & Hwang 2022, "Sequential Reptile: Inter-Task Gradient
// Alignment for Multilingual Learning", ICLR, arXiv:2110.02600). From θ, K inner AdamW steps on
// batches whose language is drawn per step from q, then a Reptile outer step:
//   φ_0 = θ;  φ_k = AdamW(φ_{k−1}, ∇L_{t_k}(φ_{k−1}; B_k)),  t_k ~ q;   θ ← θ + η (φ_K − θ).
// Because one inner trajectory visits several languages, E[θ − φ_K] contains −(α/2)∇Σ_{i<j}⟨g_{t_i},
// g_{t_j}⟩ with inter-language pairs: the outer step raises the inner products of the languages'
// gradients. No author code exists; the structure is from the paper's abstract and Algorithm 1 as
// quoted in third-party notes, the defaults partly recalled (methods/README.md, docs/training.md).
// The defaults K = 1000, η = 0.1 are the paper's, for fine-tuning a pretrained encoder; from
// scratch θ would keep a tenth of each trajectory, so the suites set K = 50, η = 0.8, which a
// sweep on the built-in corpus supports (docs/methods.md, "Sequential Reptile").
//
// One trainer step is one inner step, so train.steps counts batches as for every other method and
// the outer step costs one parameter interpolation every K steps. Inner steps t = mK, ..., mK+K−1:
// the hook snapshots θ (its anchor) at the start of step mK, the trainer's Adam is the inner AdamW
// (its moments persist across outer steps, as in the Reptile reference code, where only the model
// variables are reset; they are in the checkpoint with the rest of Adam), and after the Adam update
// of step mK+K−1 — or of the last step of the run, closing a shorter final trajectory — the hook
// sets θ ← θ + η(φ − θ). The anchor is a checkpointed tensor, so a run interrupted in the middle of
// a trajectory resumes bit for bit. With K = 1 and η = 1 every step is the plain step (tested).
// An evaluation in the middle of a trajectory (train.dev_every) sees θ, the anchor, not φ_k: the
// hook swaps θ in and φ_k back out around it (begin_evaluation), so training is unchanged (tested).
//
// The language of inner step t is drawn from q = p(·;τ) by a hash of (cell seed, t), so the batch
// is one language (single_language, as in the paper: B_k ~ D_{t_k}); single_language = false
// samples every example from q instead (mixed batches).
#include <cmath>
#include <stdexcept>

#include "harness/common/hash.h"
#include "methods/method.h"

namespace longtail::methods {
namespace {

class SequentialReptile : public Method {
 public:
  SequentialReptile(const TrainingContext& ctx, double tau, bool single_language, int64_t inner_steps, double outer_lr,
                    double inner_lr_scale)
      : q_(temperature_distribution(ctx.train_pairs, tau)),
        seed_(ctx.seed),
        single_language_(single_language),
        total_steps_(ctx.total_steps),
        inner_steps_(inner_steps),
        outer_lr_(outer_lr),
        inner_lr_scale_(inner_lr_scale) {}

  std::vector<double> sampling_distribution(int64_t step) const override {
    if (!single_language_) return q_;
    std::vector<double> p(q_.size(), 0.0);
    p[language_of(step)] = 1.0;
    return p;
  }

  // t_k ~ q by inverse CDF on a uniform from (seed, step): a pure function of the step, so the
  // method has no state to checkpoint.
  size_t language_of(int64_t step) const {
    const uint64_t h = mix64(mix64(seed_ ^ 0x73657172657074ULL) + static_cast<uint64_t>(step));
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    double cumulative = 0;
    size_t last = 0;
    for (size_t i = 0; i < q_.size(); ++i) {
      if (q_[i] <= 0) continue;
      last = i;
      cumulative += q_[i];
      if (u < cumulative) return i;
    }
    return last;  // rounding: u ≥ Σq
  }

  int64_t inner_steps() const { return inner_steps_; }
  double outer_lr() const { return outer_lr_; }
  double inner_lr_scale() const { return inner_lr_scale_; }
  int64_t total_steps() const { return total_steps_; }

 private:
  std::vector<double> q_;
  uint64_t seed_;
  bool single_language_;
  int64_t total_steps_, inner_steps_;
  double outer_lr_, inner_lr_scale_;
};

}  // namespace
}  // namespace longtail::methods

// ---- LibTorch step hook (compiled into longtail_methods_torch only, methods/CMakeLists.txt) ---
#ifdef LONGTAIL_WITH_TORCH
#include <torch/torch.h>

#include "harness/train/step_hook.h"
#include "harness/train/step.h"

namespace longtail::methods {
namespace {

class SequentialReptileHook : public train::StepHook {
 public:
  explicit SequentialReptileHook(SequentialReptile& method) : m_(method) {}

  // The inner step's gradient is the plain one (Σ_i w_i L_i / N of this step's batch); at the
  // start of a trajectory the parameters are θ, which the anchor keeps.
  torch::Tensor backward(const train::StepInputs& in) override {
    if (in.step % m_.inner_steps() == 0) {
      if (anchor_.empty()) state_tensors(*in.params);
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < anchor_.size(); ++i) anchor_[i].second.copy_((*in.params)[i].second);
    }
    auto objective = train::weighted_objective(*in.losses, in.weights);
    objective.backward();
    return objective.detach();
  }

  bool apply_update(train::Adam& adam, double lr, const train::StepInputs& in) override {
    adam.step(lr * m_.inner_lr_scale());  // the inner AdamW step: φ_k
    const int64_t total = in.total_steps > 0 ? in.total_steps : m_.total_steps();
    const bool closes = (in.step + 1) % m_.inner_steps() == 0 || (total > 0 && in.step + 1 == total);
    const double eta = m_.outer_lr();
    if (closes && eta != 1.0) {  // η = 1 keeps φ_K exactly
      if (anchor_.size() != adam.params().size()) throw std::logic_error("sequential_reptile: outer step without an anchor");
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < anchor_.size(); ++i) {
        auto& p = const_cast<torch::Tensor&>(adam.params()[i].second);
        anchor_[i].second.lerp_(p, eta);  // θ + η(φ_K − θ)
        p.copy_(anchor_[i].second);
      }
    }
    return true;
  }

  // Evaluations see θ. Between the updates of a trajectory the parameters are the inner iterate
  // φ_k, but the algorithm's iterate — the sequence of outer steps, what Algorithm 1 returns — is
  // θ, the anchor. Not the interpolation θ + η(φ_k − θ): a trajectory closed after k < K steps is a
  // point the algorithm never produces (its meta-gradient holds fewer inner-product pairs), and
  // with the anchor a dev curve shows the outer iterates only, flat within a trajectory.
  void begin_evaluation(const train::NamedTensors& params, int64_t updates) override {
    const int64_t total = m_.total_steps();
    const bool closed = updates % m_.inner_steps() == 0 || (total > 0 && updates >= total);
    if (closed) return;  // the parameters are θ (at a boundary the anchor may be stale: η = 1)
    if (anchor_.size() != params.size()) throw std::logic_error("sequential_reptile: evaluation without an anchor");
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < anchor_.size(); ++i) {
      auto& p = const_cast<torch::Tensor&>(params[i].second);
      inner_.push_back(p.detach().clone());  // φ_k, put back bit for bit by end_evaluation
      p.copy_(anchor_[i].second);
    }
  }

  void end_evaluation(const train::NamedTensors& params) override {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < inner_.size(); ++i) const_cast<torch::Tensor&>(params[i].second).copy_(inner_[i]);
    inner_.clear();  // the copy lives only while evaluating
  }

  train::NamedTensors state_tensors(const train::NamedTensors& params) override {
    if (anchor_.empty())
      for (const auto& [name, p] : params) anchor_.emplace_back("hook.reptile_anchor." + name, torch::zeros_like(p));
    return anchor_;
  }

 private:
  SequentialReptile& m_;
  train::NamedTensors anchor_;  // θ, the start of the current inner trajectory
  std::vector<torch::Tensor> inner_;  // φ_k while an evaluation sees θ
};

}  // namespace
}  // namespace longtail::methods
#endif  // LONGTAIL_WITH_TORCH

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "sequential_reptile",
    "Lee et al. 2022, Sequential Reptile: Inter-Task Gradient Alignment for Multilingual Learning, ICLR, arXiv:2110.02600 "
    "(Algorithm 1 reconstructed; no author code)",
    "K inner AdamW steps from θ, language t_k ~ q per step (q = p(·;τ)); then θ ← θ + η(φ_K − θ)",
    {{"inner_steps", OptType::Int, 1000,
      "K: inner steps (batches) per outer step; at most train.steps (recalled paper value for fine-tuning, unverified; the suites "
      "train from scratch with 50: docs/methods.md)",
      1, 1e12},
     {"outer_lr", OptType::Float, 0.1,
      "η ∈ (0, 1]: outer step θ ← θ + η(φ_K − θ) (recalled paper value for fine-tuning, unverified; the suites train from scratch "
      "with 0.8: docs/methods.md; 1 = no interpolation)",
      0.0, 1.0, true},
     {"inner_lr_scale", OptType::Float, 1.0, "inner AdamW learning rate = this × the trainer's (train.lr with its warm-up and decay)", 0.0,
      1e6, true},
     {"tau", OptType::Float, 1.0, "q = p(·;τ), the language distribution of the inner steps (1: proportional to size)", 0.0, 1e6, true},
     {"single_language", OptType::Bool, true, "one language per inner batch, drawn from q (paper); false: every example drawn from q"}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<SequentialReptile>(ctx, o.get_float("tau"), o.get_bool("single_language"), o.get_int("inner_steps"),
                                                 o.get_float("outer_lr"), o.get_float("inner_lr_scale"));
    },
    [](const Options& o, const SuiteFacts& facts, const std::string& where) {
      // A trajectory longer than the budget would end in a single, truncated outer step.
      if (facts.total_steps > 0 && o.get_int("inner_steps") > facts.total_steps)
        throw ConfigError(where + ".inner_steps", "K = " + std::to_string(o.get_int("inner_steps")) +
                                                      " inner steps exceed the step budget (train.steps = " +
                                                      std::to_string(facts.total_steps) + ")");
    }}.with(LONGTAIL_STEP_HOOK(SequentialReptile, SequentialReptileHook))
         .copying_parameters());

}  // namespace
}  // namespace longtail::methods

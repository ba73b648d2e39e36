// The LibTorch side of a method that takes over the optimisation step.
//
// The pure part of every method (methods/method.h: p_t, w_t, caps, state) is LibTorch-free so the
// driver can list and validate it. A method whose takes_over_step() is true also registers a
// StepHook under its name here, in a LibTorch translation unit linked into longtail-cell:
//
//   LONGTAIL_REGISTER_STEP_HOOK("pcgrad", [](methods::Method& m) { return std::make_unique<PCGradHook>(m); });
//
// The trainer's step is: batch → per-language losses L_i (sums over target tokens, graph attached)
// → [hook->backward, or Σ_i w_i L_i / N → backward] → clip → finiteness check → Adam. So a hook
// decides the update direction (gradient surgery: PCGrad, GradVac, CAGrad; re-weighting from
// per-language gradient norms: GradNorm; curvature-aware scaling: CATS) and the trainer keeps
// clipping, the NaN guard, the optimizer and the checkpoint. A hook that needs more than one
// batch per update (Sequential Reptile's inner loop) draws them through StepInputs::next_batch.
//
// Two further, optional capabilities: apply_update() lets a hook apply the (clipped, checked)
// update itself instead of the trainer's Adam step — Sequential Reptile's inner AdamW step plus its
// outer interpolation θ ← θ + η(φ_K − θ) — and state_tensors() puts tensors of the hook (Reptile's
// anchor θ) into the checkpoint beside the model and Adam state, so a resume is bit-exact.
// StepInputs::dev_losses gives a hook held-out per-language losses (CATS's meta-objective).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/train/checkpoint.h"

namespace longtail::methods {
class Method;
}

namespace longtail::train {

struct TensorBatch;
class Adam;

// Per-language totals of one batch: loss sums (attached to the graph) and target tokens, [L] each.
struct LanguageLosses {
  torch::Tensor sum;
  torch::Tensor tokens;
};

struct StepInputs {
  int64_t step = 0;                  // 0-based step being trained
  const LanguageLosses* losses = nullptr;  // of the step's batch
  torch::Tensor weights;             // w_t [L] from the method (ones for plain cross-entropy)
  const NamedTensors* params = nullptr;    // what the optimizer updates; their .grad() is empty on entry
  std::function<TensorBatch()> next_batch;  // another batch from the sampler (for inner loops)
  std::function<LanguageLosses(const TensorBatch&)> losses_of;  // forward + per-language losses
  // Forward of a fixed batch of language `lang`'s dev pairs (the first that fit train.batch_tokens),
  // without dropout or label smoothing; graph attached; [L] totals with only `lang` non-zero.
  std::function<LanguageLosses(int64_t lang)> dev_losses;
  int64_t total_steps = 0;  // the step budget (0 = unknown)
};

class StepHook {
 public:
  virtual ~StepHook() = default;
  // Leaves the update direction in every parameter's .grad() and returns the objective that was
  // minimised (0-dim, for the log). The trainer then clips, checks and applies Adam.
  virtual torch::Tensor backward(const StepInputs& in) = 0;
  // State for the checkpoint (beside Method::save_state), e.g. GradVac's EMA targets.
  virtual std::string save_state() const { return {}; }
  virtual void load_state(const std::string& state) {
    if (!state.empty()) throw std::runtime_error("step hook state given to a stateless hook");
  }
  // Called after clipping and the finiteness check in place of adam.step(lr). Returns true when
  // the hook applied the update itself (it may still call adam.step, e.g. with another lr, and
  // then move the parameters further); false (the default) lets the trainer step Adam.
  virtual bool apply_update(Adam& /*adam*/, double /*lr*/, const StepInputs& /*in*/) { return false; }
  // Tensors the checkpoint saves and restores in place (names "hook.<...>", unique), allocated
  // for `params` (the optimizer's parameters). Called once before training or resuming; the
  // returned tensors must stay the hook's live state.
  virtual NamedTensors state_tensors(const NamedTensors& /*params*/) { return {}; }
};

using StepHookFactory = std::function<std::unique_ptr<StepHook>(methods::Method& method)>;
void register_step_hook(const std::string& method_name, StepHookFactory factory);
const StepHookFactory* find_step_hook(const std::string& method_name);  // nullptr when none

// Gradient of each language's mean token loss L_i / N_i with respect to `params`, one flat fp32
// vector per language (undefined tensor for a language without tokens in the batch). The graph is
// retained, so the caller can still backward through the losses.
std::vector<torch::Tensor> per_language_gradients(const LanguageLosses& losses, const NamedTensors& params);

// Writes a flat vector (as from per_language_gradients) into the parameters' .grad().
void set_gradients(const NamedTensors& params, const torch::Tensor& flat);

}  // namespace longtail::train

#define LONGTAIL_REGISTER_STEP_HOOK(name, ...)                                          \
  static const bool LONGTAIL_STEP_HOOK_CONCAT(longtail_step_hook_, __LINE__) = [] {     \
    ::longtail::train::register_step_hook(name, __VA_ARGS__);                           \
    return true;                                                                        \
  }()
#define LONGTAIL_STEP_HOOK_CONCAT_INNER(a, b) a##b
#define LONGTAIL_STEP_HOOK_CONCAT(a, b) LONGTAIL_STEP_HOOK_CONCAT_INNER(a, b)

// One optimisation step of a multilingual model:
//   batch → per-language losses L_i (sums over target tokens) → the method combines them
//   (Σ_i w_i L_i / N, or its step hook) → backward → clip → finiteness check → Adam.
// The per-language loss tensors stay separate up to the combination, so methods that take over
// the step (per-language gradients, inner loops) slot in there through a StepHook (step_hook.h).
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/model/transformer.h"
#include "harness/train/collate.h"
#include "harness/train/optimizer.h"
#include "harness/train/routing_tally.h"
#include "harness/train/step_hook.h"

namespace longtail::train {

// A failure of the cell that is not a bug: NaN/inf loss, out of memory, bad data.
class TrainingFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StepConfig {
  int64_t n_langs = 1;
  int64_t pad_id = 0;
  double label_smoothing = 0.1;
  double clip_norm = 1.0;
  bool bf16 = false;  // autocast region around the forward pass
  bool lang_grad_norms = false;  // also measure ‖∇(L_i/N_i)‖ per language over all parameters
  bool grad_cosine = false;      // also measure cos(∇(L_i/N_i), ∇(L_j/N_j)) over grad_scope
  std::string grad_scope = "all";  // parameter set of the cosines (select_parameters)
  // When set, every training-mode forward of language_losses adds what the BASE layers routed
  // (the diagnostic forwards of train_step excepted).
  RoutingTally* routing = nullptr;
};

struct StepResult {
  double loss = 0;       // Σ_i w_i L_i / N: the objective that was minimised
  double grad_norm = 0;  // before clipping
  std::vector<double> lang_loss_sum, lang_tokens;  // per language: smoothed loss sum, target tokens
  std::vector<double> lang_grad_norm;  // when measured: ‖∇(L_i/N_i)‖, NaN for a language not in the batch
  std::vector<double> lang_grad_cosine;  // when measured: [L·L] row-major cosines, NaN where undefined
  double grad_conflict_fraction = std::nan("");  // when measured: share of language pairs with cos < 0
};

// Forward pass and per-language totals of a batch (sums over target tokens; graph attached).
LanguageLosses language_losses(model::Transformer& model, const TensorBatch& batch, const StepConfig& cfg);
// The same on held-out data: no dropout, no label smoothing, no gradient-norm bookkeeping; the
// model is back in training mode on return (CATS's dev losses).
LanguageLosses held_out_language_losses(model::Transformer& model, const TensorBatch& batch, const StepConfig& cfg);

// The default combination: Σ_i w_i L_i / Σ_i N_i (w = 1 gives the batch's per-token mean).
torch::Tensor weighted_objective(const LanguageLosses& losses, const torch::Tensor& lang_weights);

// One optimisation step. Throws TrainingFailure (before touching the weights) when the loss or
// gradient norm is not finite. A hook, when given, replaces "objective → backward"; `inputs`
// carries what it may need beyond the batch (step, extra batches, a gradient buffer kept across
// steps). The gradient diagnostics (cfg.lang_grad_norms, cfg.grad_cosine) reuse the hook's
// per-language gradients of this step when their parameter set matches; otherwise they come from
// per-language sub-batches with the random generators restored afterwards, so the update is the
// same with and without them.
StepResult train_step(model::Transformer& model, Adam& adam, const TensorBatch& batch, const torch::Tensor& lang_weights,
                      double lr, const StepConfig& cfg, StepHook* hook = nullptr, StepInputs inputs = {});

// Model parameters and buffers by name ("model.<name>"), in registration order.
NamedTensors model_tensors(model::Transformer& model);

}  // namespace longtail::train

// Training one grid cell (docs/cell-protocol.md): read CELL_DIR/config.json and the shards, train
// with the cell's method, log metrics.jsonl, checkpoint/resume, decode dev/test to hyp_ids/ and
// write cell.json.
//
// One step is: sample a batch (language ~ p_t) → per-language losses → the method combines them
// (Σ_i w_i L_i) → backward → clip → Adam update. The per-language loss tensors stay separate up to
// the combination so methods that take over the step (per-language gradients, inner loops) slot
// in there through a StepHook (step_hook.h).
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/model/compat.h"
#include "harness/model/transformer.h"
#include "harness/train/checkpoint.h"
#include "harness/train/step_hook.h"

namespace longtail::train {

struct RunOptions {
  std::string cell_dir;
  bool resume = false;      // continue from cell_dir/ckpt/checkpoint.bin when it exists
  int64_t steps_limit = 0;  // > 0: stop with a checkpoint once this many steps are done (no cell.json)
};

// Runs the cell and returns the process exit code: 0 when it finished (or stopped at
// steps_limit), 1 when it failed; a failure writes cell.json with status "failed" and the reason.
int run_cell(const RunOptions& opts);

// A failure of the cell that is not a bug: NaN/inf loss, out of memory, bad data.
class TrainingFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- building blocks (public for tests and benchmarks) -------------------------------------------

// Adam with decoupled weight decay and explicit state (moments and step count as tensors), so the
// checkpoint holds exactly what the next update reads.
struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weight_decay = 0.0;
};

class Adam {
 public:
  Adam(NamedTensors params, AdamOptions opts);
  void zero_grad();      // drops gradients, so every backward allocates them the same way
  void step(double lr);  // one update from the current .grad() of every parameter
  int64_t steps() const { return step_.item<int64_t>(); }
  const NamedTensors& params() const { return params_; }
  NamedTensors state() const;  // "adam.step", "adam.exp_avg.<name>", "adam.exp_avg_sq.<name>"

 private:
  NamedTensors params_;
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;
  torch::Tensor step_;  // int64 scalar on the CPU
  AdamOptions opts_;
};

// Linear warm-up to `peak` over `warmup` updates, then peak·√(warmup/t); t is the 1-based update.
// warmup = 0 decays from the first update: peak/√t.
double learning_rate(int64_t t, double peak, int64_t warmup);

// A batch as tensors on the training device.
struct TensorBatch {
  torch::Tensor src;      // [B,S] int64, right-padded
  torch::Tensor tgt_in;   // [B,T] BOS + target
  torch::Tensor tgt_out;  // [B,T] target + EOS
  torch::Tensor lang;     // [B] int64 language index
  int64_t tokens = 0;     // non-pad source + target tokens
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

// Global L2 norm of all gradients (fp32), then scales them so it is at most max_norm (0 = no clip).
torch::Tensor clip_grad_norm(const NamedTensors& params, double max_norm);

// Model parameters and buffers by name ("model.<name>"), in registration order.
NamedTensors model_tensors(model::Transformer& model);

}  // namespace longtail::train

// The LibTorch side of a method that takes over the optimisation step.
//
// The pure part of every method (methods/method.h: p_t, w_t, caps, state) is LibTorch-free so the
// driver can list and validate it. A method that takes over the step defines its StepHook in the
// same file, in a section under `#ifdef LONGTAIL_WITH_TORCH` (compiled into longtail_methods_torch,
// which longtail-cell links; methods/README.md), and names it in its one registration:
//
//   LONGTAIL_REGISTER_METHOD(MethodSpec{"pcgrad", ...}.with(LONGTAIL_STEP_HOOK(PCGrad, PCGradHook)));
//
// The cell gets the hook from methods::make_step_hook(method) (methods/step_hook_factory.h).
//
// The trainer's step is: batch → per-language losses L_i (sums over target tokens, graph attached)
// → [hook->backward, or Σ_i w_i L_i / N → backward] → clip → finiteness check → Adam. So a hook
// decides the update direction (gradient surgery: PCGrad, GradVac, CAGrad; re-weighting from
// per-language gradient norms: GradNorm; curvature-aware scaling: CATS) and the trainer keeps
// clipping, the NaN guard, the optimizer and the checkpoint. A hook that needs more than one
// batch per update (Sequential Reptile's inner loop) draws them through StepInputs::next_batch.
//
// Per-language gradients (LanguageGradients below) are the expensive part of the gradient-geometry
// methods. Two ways to get them, both into one [L × P] fp32 buffer reused across steps:
//   * from the step's graph (from_graph): one backward per language through the whole batch
//     (retain_graph). Each costs a full-batch backward restricted to the chosen parameters: cheap
//     for a small parameter set near the output (GradNorm's last layer), L× a step for all of them.
//   * from per-language sub-batches (from_sub_batches): the batch is split by language and each
//     part gets its own forward + backward, so all L gradients together cost about one ordinary
//     step. A hook that uses it says so (uses_batch_losses() = false) and the trainer skips its
//     own forward pass. bench/torch/method_step.cpp measures both.
// Two further, optional capabilities: apply_update() lets a hook apply the (clipped, checked)
// update itself instead of the trainer's Adam step — Sequential Reptile's inner AdamW step plus its
// outer interpolation θ ← θ + η(φ_K − θ) — and state_tensors() puts tensors of the hook (Reptile's
// anchor θ) into the checkpoint beside the model and Adam state, so a resume is bit-exact.
// StepInputs::dev_losses gives a hook held-out per-language losses, batch by batch over the dev
// sample (CATS's meta-objective).
// begin_evaluation()/end_evaluation() let a hook whose parameters between updates are not the
// iterate it trains (Sequential Reptile mid-trajectory: the inner φ_k, not θ) show evaluations the
// iterate; the trainer brackets its dev losses and decoding with them (EvaluationScope).
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/train/checkpoint.h"
#include "harness/train/task_scale.h"

namespace longtail::train {

struct TensorBatch;
class Adam;

// Per-language totals of one batch: loss sums (attached to the graph) and target tokens, [L] each.
struct LanguageLosses {
  torch::Tensor sum;
  torch::Tensor tokens;
};

class LanguageGradients;

struct StepInputs {
  int64_t step = 0;                  // 0-based step being trained
  const LanguageLosses* losses = nullptr;  // of the step's batch; null when the hook's uses_batch_losses() is false
  torch::Tensor weights;             // w_t [L] from the method (ones for plain cross-entropy)
  const NamedTensors* params = nullptr;    // what the optimizer updates; their .grad() is empty on entry
  std::function<TensorBatch()> next_batch;  // another batch from the sampler (for inner loops)
  std::function<LanguageLosses(const TensorBatch&)> losses_of;  // forward + per-language losses
  // Held-out data of language `lang`: its dev sample (the first train.dev_max_pairs dev pairs, as
  // the dev loss) in file order, cut into consecutive batches whose padded size fits
  // train.batch_tokens. dev_batches(lang) counts them; dev_losses(lang, b) is the forward of batch
  // b without dropout or label smoothing, graph attached, [L] totals with only `lang` non-zero.
  std::function<int64_t(int64_t lang)> dev_batches;
  std::function<LanguageLosses(int64_t lang, int64_t batch)> dev_losses;
  // An update stage of continual learning: batch b (0, 1, …) of a fixed, seeded sequence drawn from
  // the previous stage's training pairs (languages in proportion to their pairs), forward without
  // dropout or label smoothing, graph attached (EWC's Fisher). Null where the cell has no previous stage.
  std::function<LanguageLosses(int64_t batch)> previous_losses;
  int64_t total_steps = 0;  // the step budget (0 = unknown)
  // The step's batch and padding id (for per-language sub-batches). Set by train_step.
  const TensorBatch* batch = nullptr;
  int64_t pad_id = 0;
  // Buffer for per-language gradients, kept by the trainer across steps (train_step supplies a
  // temporary one when null). The trainer's gradient diagnostics reuse what the hook computed in
  // it at this step when the parameter set matches, instead of computing them again.
  LanguageGradients* gradients = nullptr;
  // A hook that does its own forward passes (uses_batch_losses() = false) writes the step's
  // per-language loss sums and token counts here (detached), for the log and observe().
  LanguageLosses* own_losses = nullptr;
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
  // False: the hook runs its own forward passes (per-language sub-batches) and fills
  // StepInputs::own_losses; the trainer then skips the whole-batch forward (in.losses is null).
  virtual bool uses_batch_losses() const { return true; }
  // Around every evaluation between updates (dev losses, decoding), after `updates` updates:
  // begin_evaluation may put the method's iterate into `params` (the optimizer's parameters) and
  // end_evaluation must then restore them bit for bit, so training goes on as if nothing had been
  // evaluated. By default the parameters are the iterate.
  virtual void begin_evaluation(const NamedTensors& /*params*/, int64_t /*updates*/) {}
  virtual void end_evaluation(const NamedTensors& /*params*/) {}
};

// Brackets an evaluation with hook->begin_evaluation / end_evaluation (nothing without a hook).
class EvaluationScope {
 public:
  EvaluationScope(StepHook* hook, const NamedTensors& params, int64_t updates) : hook_(hook), params_(params) {
    if (hook_) hook_->begin_evaluation(params_, updates);
  }
  ~EvaluationScope() {
    if (hook_) hook_->end_evaluation(params_);
  }
  EvaluationScope(const EvaluationScope&) = delete;
  EvaluationScope& operator=(const EvaluationScope&) = delete;

 private:
  StepHook* hook_;
  const NamedTensors& params_;
};

}  // namespace longtail::train

namespace longtail::train {

// Gradient of each language's mean token loss L_i / N_i with respect to `params`, one flat fp32
// vector per language (undefined tensor for a language without tokens in the batch). The graph is
// retained, so the caller can still backward through the losses. (LanguageGradients::from_graph
// into a fresh buffer; the rows are views of it.)
std::vector<torch::Tensor> per_language_gradients(const LanguageLosses& losses, const NamedTensors& params);

// Writes a flat vector (as from per_language_gradients) into the parameters' .grad().
void set_gradients(const NamedTensors& params, const torch::Tensor& flat);

// ---- per-language gradient machinery -------------------------------------------------------------

// The parameter set per-language gradients are taken over (a method or train option names it):
//   "all"     every parameter (all are shared by the languages),
//   "encoder" encoder layers + the encoder's final layer norm,
//   "decoder" decoder layers + the decoder's final layer norm (the tied embedding belongs to both
//             stacks and the output projection, so to neither here),
//   "last:K"  the last K decoder layers + the decoder's final layer norm (K ≥ 1; more than there
//             are = all decoder layers),
//   "lora"    the LoRA matrices ("lora.*"), "adapter" the bottleneck adapters ("adapter.*").
// The grammar is parsed by parse_parameter_scope (harness/train/parameter_scope.h, LibTorch-free,
// also used by the suite checks). Throws std::invalid_argument for a bad spec or one that selects
// nothing.
NamedTensors select_parameters(const NamedTensors& params, const std::string& scope);
// `params` minus `subset` (by name), in order.
NamedTensors other_parameters(const NamedTensors& params, const NamedTensors& subset);
// Column ranges [begin, end) of the flat vector over `params`, one per layer: "encoder_layers.<i>"
// and "decoder_layers.<i>" each form one, every other top-level module one (per-layer statistics,
// GradVac's per-layer targets).
std::vector<std::pair<int64_t, int64_t>> layer_blocks(const NamedTensors& params);

// The rows of one language each from a batch, with the all-padding tail columns trimmed.
std::vector<TensorBatch> split_by_language(const TensorBatch& batch, int64_t n_langs, int64_t pad_id);

// Per-language gradients G[l] = ∇_S (L_l / N_l) over a parameter set S, in one [L × P_S] fp32
// buffer on the parameters' device that is reallocated only when L or P_S change. Rows of
// languages without target tokens are zero and present()[l] is false.
class LanguageGradients {
 public:
  using LossFn = std::function<LanguageLosses(const TensorBatch&)>;

  // From the step's graph: one autograd::grad per language (retain_graph), `losses` untouched.
  void from_graph(const LanguageLosses& losses, const NamedTensors& params, const std::string& scope = "all");

  // From per-language sub-batches: forward + backward of each language's rows alone. With
  // `weights` defined, the parameters outside the scope also receive the gradient of the tasks'
  // objective (task_objective below: ∇(Σ_l w_l L_l / N) for TaskScale::Share, ∇((1/K) Σ_l w_l L_l / N_l)
  // for Equal) in their .grad() from the same backward passes, so a method working on a subset
  // still updates everything (with scope "all" there are none). Returns the per-language loss sums
  // and token counts ([L] each, detached).
  LanguageLosses from_sub_batches(const TensorBatch& batch, int64_t n_langs, int64_t pad_id, const LossFn& losses_of,
                                  const NamedTensors& params, const std::string& scope = "all",
                                  const torch::Tensor& weights = {}, TaskScale tasks = TaskScale::Share);

  const torch::Tensor& matrix() const { return g_; }  // [L, P_S]
  const std::vector<bool>& present() const { return present_; }
  std::vector<int64_t> present_indices() const;
  const std::vector<double>& tokens() const { return tokens_; }  // N_l of the batch (host)
  const NamedTensors& scope_params() const { return scope_params_; }
  const std::string& scope() const { return scope_; }
  int64_t computations() const { return computations_; }  // bumps on every from_* call

 private:
  void prepare(const NamedTensors& params, const std::string& scope, int64_t n_langs);
  void write_row(int64_t l, const std::vector<torch::Tensor>& grads);

  torch::Tensor g_;
  std::vector<bool> present_;
  std::vector<double> tokens_;
  std::string scope_;
  const void* params_key_ = nullptr;
  size_t params_size_ = 0;
  NamedTensors scope_params_, rest_params_;
  int64_t computations_ = 0;
};

// Gram matrix of rows `rows` of g restricted to columns [begin, end) (end < 0: to the end), on the
// host in double: out[a·K + b] = g[rows[a]]·g[rows[b]]. The gradient-surgery methods do their
// pairwise algebra on it (K × K numbers) instead of on the [K × P] vectors.
std::vector<double> gram_matrix(const torch::Tensor& g, const std::vector<int64_t>& rows, int64_t begin = 0, int64_t end = -1);

// The coefficients c_a of the tasks g_a = c_a G_l of the batch's languages l = rows[a]
// (harness/train/task_scale.h): factor · w_l N_l / N (Share; N_l their target tokens, N = Σ_l N_l)
// or factor · w_l / K (Equal; K = rows.size()), w the step's loss weights. The gradient-surgery
// methods scale the rows' Gram matrix by c_a c_b (scale_gram) and their coefficients by c_a before
// combine_rows.
std::vector<double> task_coefficients(const LanguageGradients& g, const std::vector<int64_t>& rows,
                                      const torch::Tensor& weights, TaskScale tasks, double factor = 1.0);

// The objective the tasks' gradients add up to (for the log and the hooks' return value):
// Σ_l w_l L_l / N (Share) or (1/K) Σ_l w_l L_l / N_l over the K languages with tokens (Equal).
torch::Tensor task_objective(const LanguageLosses& losses, const torch::Tensor& weights, TaskScale tasks);

// gram[a·K + b] *= c[a] · c[b] for the K × K matrix of K = c.size() rows.
void scale_gram(std::vector<double>& gram, const std::vector<double>& c);

// Σ_l coef[l] · g[l] over columns [begin, end) as one flat vector: a single matrix-vector product
// over the buffer (coef has one entry per row; absent languages get 0).
torch::Tensor combine_rows(const torch::Tensor& g, const std::vector<double>& coef, int64_t begin = 0, int64_t end = -1);

// What the gradient diagnostics report, from rows of per-language gradients.
struct GradientGeometry {
  std::vector<double> norm;    // [L] ‖G_l‖ (NaN: language not in the batch)
  std::vector<double> cosine;  // [L·L] row-major cos(G_i, G_j) (NaN where either is absent or zero)
  double conflict_fraction = std::nan("");  // share of pairs i < j (both present) with cos < 0
  int64_t pairs = 0;
};
GradientGeometry gradient_geometry(const torch::Tensor& g, const std::vector<bool>& present);

}  // namespace longtail::train

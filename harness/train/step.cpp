#include "harness/train/step.h"

#include <cmath>
#include <sstream>

#include "harness/common/strcat.h"
#include "harness/model/compat.h"

namespace longtail::train {

namespace compat = model::compat;

NamedTensors model_tensors(model::Transformer& model) {
  NamedTensors t;
  for (const auto& item : model->named_parameters(true)) t.emplace_back("model." + item.key(), item.value());
  for (const auto& item : model->named_buffers(true)) t.emplace_back("model." + item.key(), item.value());
  return t;
}

LanguageLosses held_out_language_losses(model::Transformer& model, const TensorBatch& batch, const StepConfig& cfg) {
  StepConfig dev = cfg;
  dev.label_smoothing = 0.0;
  dev.lang_grad_norms = false;
  model->eval();
  LanguageLosses out = language_losses(model, batch, dev);
  model->train();
  return out;
}

LanguageLosses language_losses(model::Transformer& model, const TensorBatch& batch, const StepConfig& cfg) {
  torch::Tensor logits;
  {
    compat::AutocastGuard autocast(batch.src.device().type(), cfg.bf16);
    logits = model->forward(batch.src, batch.tgt_in);
  }
  if (cfg.routing && model->is_training()) cfg.routing->add(model, batch.lang);
  auto ex = model::label_smoothed_loss(logits, batch.tgt_out, cfg.pad_id, cfg.label_smoothing);
  return {model::sum_by_language(ex.loss, batch.lang, cfg.n_langs), model::sum_by_language(ex.tokens, batch.lang, cfg.n_langs)};
}

torch::Tensor weighted_objective(const LanguageLosses& losses, const torch::Tensor& lang_weights) {
  return (lang_weights * losses.sum).sum() / losses.tokens.sum();
}

namespace {

// Saves the generators' states and restores them on exit: a diagnostic forward pass (dropout)
// must not shift the stream the training steps draw from.
class RngFork {
 public:
  explicit RngFork(const torch::Device& device) : cuda_(device.is_cuda()) {
    cpu_ = compat::rng_state(torch::kCPU);
    if (cuda_) gpu_ = compat::rng_state(torch::kCUDA);
  }
  ~RngFork() {
    compat::set_rng_state(torch::kCPU, cpu_);
    if (cuda_) compat::set_rng_state(torch::kCUDA, gpu_);
  }
  RngFork(const RngFork&) = delete;
  RngFork& operator=(const RngFork&) = delete;

 private:
  bool cuda_;
  std::string cpu_, gpu_;
};

}  // namespace

StepResult train_step(model::Transformer& model, Adam& adam, const TensorBatch& batch, const torch::Tensor& lang_weights,
                      double lr, const StepConfig& cfg, StepHook* hook, StepInputs inputs) {
  // 1. Per-language losses: Σ over the language's target tokens in the batch (skipped for a hook
  //    that runs its own per-language forward passes).
  const bool batch_forward = !hook || hook->uses_batch_losses();
  LanguageLosses losses;
  if (batch_forward) losses = language_losses(model, batch, cfg);
  LanguageGradients local_gradients;
  LanguageGradients* gradients = inputs.gradients ? inputs.gradients : &local_gradients;
  const int64_t computed_before = gradients->computations();
  if (!inputs.losses_of) inputs.losses_of = [&](const TensorBatch& b) { return language_losses(model, b, cfg); };

  // 2-3. The method combines them and backpropagates: Σ_i w_i L_i / N (w = 1 gives the batch's
  //      per-token mean), or the method's own step hook.
  adam.zero_grad();
  torch::Tensor objective;
  if (hook) {
    LanguageLosses own;
    inputs.losses = batch_forward ? &losses : nullptr;
    inputs.weights = lang_weights;
    inputs.params = &adam.params();
    inputs.batch = &batch;
    inputs.pad_id = cfg.pad_id;
    inputs.gradients = gradients;
    inputs.own_losses = &own;
    objective = hook->backward(inputs);
    if (!batch_forward) {
      if (!own.sum.defined() || !own.tokens.defined())
        throw std::logic_error("a step hook without batch losses must fill StepInputs::own_losses");
      losses = own;
    }
  } else {
    objective = weighted_objective(losses, lang_weights);
    objective.backward();
  }

  // Diagnostics: each language's own gradient (norms over all parameters, cosines over
  // cfg.grad_scope), from the hook's per-language gradients of this step when it computed them
  // over the same parameters, else from per-language sub-batches (autograd::grad leaves .grad()
  // alone and the generators are restored, so the update is unchanged).
  std::vector<double> lang_grad_norm, lang_grad_cosine;
  double conflict_fraction = std::nan("");
  if (cfg.lang_grad_norms || cfg.grad_cosine) {
    LanguageGradients diagnostic;
    auto measure = [&](const std::string& scope) -> GradientGeometry {
      if (gradients->computations() != computed_before && gradients->scope() == scope)
        return gradient_geometry(gradients->matrix(), gradients->present());
      RngFork fork(batch.src.device());
      RoutingTally::Pause not_training(cfg.routing);
      diagnostic.from_sub_batches(batch, cfg.n_langs, cfg.pad_id, inputs.losses_of, adam.params(), scope);
      return gradient_geometry(diagnostic.matrix(), diagnostic.present());
    };
    const std::string cos_scope = cfg.grad_cosine ? cfg.grad_scope : "all";
    GradientGeometry geo = measure(cfg.lang_grad_norms ? "all" : cos_scope);
    if (cfg.lang_grad_norms) lang_grad_norm = geo.norm;
    if (cfg.grad_cosine) {
      if (cos_scope != "all" && cfg.lang_grad_norms) geo = measure(cos_scope);
      lang_grad_cosine = geo.cosine;
      conflict_fraction = geo.conflict_fraction;
    }
  }

  // Clip; check before the update so a NaN never reaches the weights.
  auto grad_norm = clip_grad_norm(adam.params(), cfg.clip_norm);
  // One device→host copy per step: the objective, the norm and the per-language sums.
  auto host = torch::cat({objective.detach().view({1}).to(torch::kFloat), grad_norm.view({1}).to(torch::kFloat),
                          losses.sum.detach().to(torch::kFloat), losses.tokens.to(torch::kFloat)})
                  .to(torch::kCPU, torch::kDouble);
  auto h = host.accessor<double, 1>();
  StepResult r;
  r.loss = h[0];
  r.grad_norm = h[1];
  if (!std::isfinite(r.loss) || !std::isfinite(r.grad_norm))
    throw TrainingFailure(str::cat("non-finite training loss (loss ", r.loss, ", gradient norm ", r.grad_norm, ")"));
  for (int64_t l = 0; l < cfg.n_langs; ++l) {
    r.lang_loss_sum.push_back(h[2 + l]);
    r.lang_tokens.push_back(h[2 + cfg.n_langs + l]);
  }
  r.lang_grad_norm = std::move(lang_grad_norm);
  r.lang_grad_cosine = std::move(lang_grad_cosine);
  r.grad_conflict_fraction = conflict_fraction;

  // 4. Update: Adam, or the hook's own update (Sequential Reptile's inner step + outer step).
  if (!hook || !hook->apply_update(adam, lr, inputs)) adam.step(lr);
  return r;
}

}  // namespace longtail::train

// GradNorm (Chen, Badrinarayanan, Lee, Rabinovich 2018, "GradNorm: Gradient Normalization for
// Adaptive Loss Balancing in Deep Multitask Networks", ICML, arXiv:1711.02257): learned language
// weights w_i(t) in the objective Σ_i w_i L_i / N, moved every step so that each language's
// weighted gradient norm on the shared layer W tracks the mean, scaled by its relative inverse
// training rate:
//   G_i = ‖∇_W w_i L_i‖,  Ḡ = mean_i G_i,  L̃_i = L_i(t) / L_i(0),  r_i = L̃_i / mean_j L̃_j,
//   L_grad = Σ_i |G_i − Ḡ r_i^α|   (target Ḡ r_i^α held constant),   α = 1.5,
//   w_i ← w_i − lr_w ∂L_grad/∂w_i,  then renormalised to Σ_i w_i = L.
// The network's step uses w(t); w(t+1) comes from this step's gradients (the paper's order).
//
// Our choices: L_i in G_i is language i's share of the objective, L_i/N (so the token share of
// the batch counts, as in the objective); L̃_i uses the per-token loss L_i/N_i of the batch, L_i(0)
// the first batch a language appears in; the means run over the batch's languages; W is the last
// decoder layer (params = "last:1": the paper's "last shared layer"); w gets plain gradient steps
// of lr_w = 0.025 (kept ≥ 1e-3). Per-language gradients on W come from per-language sub-batches
// (about one ordinary step in all; backward passes through the step's graph restricted to W would
// each still cross the output projection, measured at ~0.65 of a full backward apiece).
#include <cmath>
#include <sstream>

#include "methods/gradient_math.h"
#include "methods/method.h"

namespace longtail::methods {

std::vector<double> gradnorm_update(const std::vector<double>& w, const std::vector<double>& norms,
                                    const std::vector<double>& loss_ratio, const std::vector<bool>& present,
                                    double alpha, double lr) {
  std::vector<double> out(w);
  double mean_g = 0, mean_ratio = 0, k = 0;
  for (size_t i = 0; i < w.size(); ++i)
    if (present[i]) mean_g += w[i] * norms[i], mean_ratio += loss_ratio[i], k += 1;
  if (k == 0 || !(mean_ratio > 0)) return out;
  mean_g /= k, mean_ratio /= k;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!present[i]) continue;
    const double target = mean_g * std::pow(loss_ratio[i] / mean_ratio, alpha);
    const double gi = w[i] * norms[i];
    const double grad = (gi > target ? 1.0 : gi < target ? -1.0 : 0.0) * norms[i];
    out[i] = std::max(w[i] - lr * grad, 1e-3);
  }
  double sum = 0;
  for (double x : out) sum += x;
  for (double& x : out) x *= static_cast<double>(out.size()) / sum;
  return out;
}

namespace {

class GradNorm : public PerLanguageGradientMethod {
 public:
  GradNorm(std::vector<double> p, std::string scope, double alpha, double lr)
      : PerLanguageGradientMethod(p, std::move(scope)), alpha_(alpha), lr_(lr), w_(p.size(), 1.0),
        initial_(p.size(), std::nan("")) {}
  std::vector<double> loss_weights(int64_t) const override { return w_; }
  // One GradNorm update from the step's per-language gradient norms on W (of L_i/N) and per-token
  // losses (NaN: not in the batch).
  void update(const std::vector<double>& norms, const std::vector<double>& token_loss) {
    std::vector<double> ratio(w_.size(), 0.0);
    std::vector<bool> present(w_.size(), false);
    for (size_t i = 0; i < w_.size(); ++i) {
      if (!std::isfinite(token_loss[i]) || !std::isfinite(norms[i])) continue;
      if (std::isnan(initial_[i])) initial_[i] = token_loss[i];
      if (!(initial_[i] > 0)) continue;
      ratio[i] = token_loss[i] / initial_[i];
      present[i] = true;
    }
    w_ = gradnorm_update(w_, norms, ratio, present, alpha_, lr_);
  }
  std::string save_state() const override {
    std::ostringstream o;
    o.precision(17);
    for (size_t i = 0; i < w_.size(); ++i) o << (i ? " " : "") << w_[i] << ' ' << initial_[i];
    return o.str();
  }
  void load_state(const std::string& s) override {
    if (s.empty()) return;
    std::istringstream in(s);
    for (size_t i = 0; i < w_.size(); ++i) {
      std::string a, b;
      in >> a >> b;
      w_[i] = std::stod(a), initial_[i] = b == "nan" || b == "-nan" ? std::nan("") : std::stod(b);
    }
    if (!in) throw std::runtime_error("gradnorm: malformed method state");
  }

 private:
  double alpha_, lr_;
  std::vector<double> w_, initial_;
};

}  // namespace
}  // namespace longtail::methods

#ifdef LONGTAIL_WITH_TORCH
#include "harness/train/step_hook.h"
#include "harness/train/step.h"
#include "methods/gradient_methods.h"

namespace longtail::methods {
namespace {

class GradNormHook : public train::StepHook {
 public:
  explicit GradNormHook(GradNorm& m) : method_(m) {}
  bool uses_batch_losses() const override { return false; }
  torch::Tensor backward(const train::StepInputs& in) override {
    auto& g = *in.gradients;
    // Per-language sub-batches: the rows G_l = ∇_W(L_l/N_l) for W, and the ordinary gradient of
    // Σ_l w_l L_l / N (w = w(t)) in the other parameters, from one forward + backward per language.
    *in.own_losses = g.from_sub_batches(*in.batch, in.weights.size(0), in.pad_id, in.losses_of, *in.params, method_.scope(), in.weights);
    const auto geo = train::gradient_geometry(g.matrix(), g.present());
    const auto sums = in.own_losses->sum.to(torch::kCPU, torch::kDouble);
    const auto w = in.weights.to(torch::kCPU, torch::kDouble);
    double total = 0;
    for (double t : g.tokens()) total += t;
    std::vector<double> norms(geo.norm.size()), token_loss(geo.norm.size()), coef(geo.norm.size(), 0.0);
    for (size_t l = 0; l < norms.size(); ++l) {
      const double n_l = g.tokens()[l];
      // ‖∇_W (L_l/N)‖ = (N_l/N) ‖∇_W (L_l/N_l)‖
      norms[l] = n_l > 0 ? geo.norm[l] * n_l / total : std::nan("");
      token_loss[l] = n_l > 0 ? sums[static_cast<int64_t>(l)].item<double>() / n_l : std::nan("");
      coef[l] = n_l > 0 ? w[static_cast<int64_t>(l)].item<double>() * n_l / total : 0.0;
    }
    // W's share of the ordinary step with w(t): Σ_l (w_l N_l / N) G_l.
    train::set_gradients(g.scope_params(), train::combine_rows(g.matrix(), coef));
    method_.update(norms, token_loss);  // w(t+1), read by the next step's loss_weights
    return train::weighted_objective(*in.own_losses, in.weights);
  }

 private:
  GradNorm& method_;
};

}  // namespace
}  // namespace longtail::methods
#endif

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "gradnorm",
    "Chen et al. 2018, GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep Multitask Networks, ICML, arXiv:1711.02257",
    "loss Σ_i w_i L_i/N; w_i ← w_i − lr_w·∂/∂w_i Σ_j |w_j‖∇_W L_j‖ − Ḡ r_j^α|, r_j = L̃_j/mean L̃, Σ w = L",
    {{"alpha", OptType::Float, 1.5, "asymmetry α: how strongly slower-training languages are pushed", 0.0, 100.0},
     {"weight_lr", OptType::Float, 0.025, "step size of the weight updates", 0.0, 100.0, true},
     {"tau", OptType::Float, 1.0, "sampling temperature of the languages (1 = proportional)", 0.0, 1e6, true},
     {"params", OptType::String, "last:1", "the shared layer W whose gradient norms are balanced: all, encoder, decoder or last:K"}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<GradNorm>(temperature_distribution(ctx.train_pairs, o.get_float("tau")), o.get_string("params"),
                                        o.get_float("alpha"), o.get_float("weight_lr"));
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) { check_parameter_scope(o, "params", where); }}.with(LONGTAIL_STEP_HOOK(GradNorm, GradNormHook)));

}  // namespace
}  // namespace longtail::methods

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
// Tasks (`tasks`, harness/train/task_scale.h): with `equal` (default, the paper's) task i is language
// i's mean token loss L̄_i = L_i/N_i, G_i = w_i ‖∇_W L̄_i‖ and the network trains on (1/K) Σ_i w_i L̄_i
// (the paper's Σ_i w_i L_i over K, to keep a mean's scale). With `share` (the earlier behaviour) task
// i is its token share of the ordinary objective, L_i/N: G_i = w_i (N_i/N)‖∇_W L̄_i‖, so a rare
// language starts with a tiny G_i, far below Ḡ, and its weight moves mostly through the
// renormalisation.
// L_i(0): every language's loss before the first update, on its dev sample (StepInputs::dev_losses,
// the pairs the dev loss evaluates, one forward each at step 0), so a rare language first sampled late
// does not get an already-reduced L_i(0) and an inflated inverse training rate. The dev batch has
// no dropout or label smoothing; at initialisation the output distribution is near uniform, where
// the smoothed and the plain cross-entropy coincide (both ≈ log V), so L̃_i(t) = L_i(t)/L_i(0) with
// the smoothed training loss L_i(t) starts at ≈ 1 for every language (tested).
// Our choices: L̃_i(t) uses the per-token training loss of the batch; the means run over the
// batch's languages; W is the last decoder layer (params = "last:1": the paper's "last shared
// layer"); w gets plain gradient steps of lr_w = 0.025 (kept ≥ 1e-3). Per-language gradients on W
// come from per-language sub-batches (about one ordinary step in all; backward passes through the
// step's graph restricted to W would each still cross the output projection, measured at ~0.65 of
// a full backward apiece).
#include <algorithm>
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
  GradNorm(std::vector<double> p, std::string scope, train::TaskScale tasks, double alpha, double lr)
      : PerLanguageGradientMethod(p, std::move(scope), tasks), alpha_(alpha), lr_(lr), w_(p.size(), 1.0),
        initial_(p.size(), std::nan("")) {}
  std::vector<double> loss_weights(int64_t) const override { return w_; }
  // L_i(0) of the languages that have none yet (all of them at step 0), from per-token losses.
  bool needs_initial_losses() const {
    return std::any_of(initial_.begin(), initial_.end(), [](double x) { return std::isnan(x); });
  }
  void set_initial_losses(const std::vector<double>& token_loss) {
    for (size_t i = 0; i < initial_.size(); ++i)
      if (std::isnan(initial_[i])) initial_[i] = token_loss[i];
  }
  const std::vector<double>& initial_losses() const { return initial_; }
  // One GradNorm update from the step's per-language gradient norms on W (of L_i/N) and per-token
  // losses (NaN: not in the batch).
  void update(const std::vector<double>& norms, const std::vector<double>& token_loss) {
    std::vector<double> ratio(w_.size(), 0.0);
    std::vector<bool> present(w_.size(), false);
    for (size_t i = 0; i < w_.size(); ++i) {
      if (!std::isfinite(token_loss[i]) || !std::isfinite(norms[i])) continue;
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
    if (method_.needs_initial_losses()) initial_losses(in);
    auto& g = *in.gradients;
    const auto tasks = method_.tasks();
    // Per-language sub-batches: the rows G_l = ∇_W(L_l/N_l) for W, and the gradient of the tasks'
    // objective with w = w(t) in the other parameters, from one forward + backward per language.
    *in.own_losses =
        g.from_sub_batches(*in.batch, in.weights.size(0), in.pad_id, in.losses_of, *in.params, method_.scope(), in.weights, tasks);
    const auto geo = train::gradient_geometry(g.matrix(), g.present());
    const auto sums = in.own_losses->sum.to(torch::kCPU, torch::kDouble);
    const auto rows = g.present_indices();
    const auto share = train::task_coefficients(g, rows, torch::ones_like(in.weights), tasks);  // c_l / w_l
    const auto w = in.weights.to(torch::kCPU, torch::kDouble);
    std::vector<double> norms(geo.norm.size(), std::nan("")), token_loss(geo.norm.size(), std::nan("")),
        coef(geo.norm.size(), 0.0);
    for (size_t a = 0; a < rows.size(); ++a) {
      const auto l = static_cast<size_t>(rows[a]);
      // ‖∇_W L_l‖ of task l's loss: ‖∇_W L̄_l‖ (equal) or (N_l/N)‖∇_W L̄_l‖ (share).
      norms[l] = tasks == train::TaskScale::Equal ? geo.norm[l] : geo.norm[l] * share[a];
      token_loss[l] = sums[rows[a]].item<double>() / g.tokens()[l];
      coef[l] = w[rows[a]].item<double>() * share[a];
    }
    // W's part of the tasks' objective with w(t): Σ_l c_l G_l.
    train::set_gradients(g.scope_params(), train::combine_rows(g.matrix(), coef));
    method_.update(norms, token_loss);  // w(t+1), read by the next step's loss_weights
    return train::task_objective(*in.own_losses, in.weights, tasks);
  }

 private:
  // Every language's per-token dev loss at the current (initial) parameters: L_i(0).
  void initial_losses(const train::StepInputs& in) {
    if (!in.dev_losses || !in.dev_batches) throw std::logic_error("gradnorm: the trainer gave no dev losses (StepInputs::dev_losses) for L_i(0)");
    torch::NoGradGuard no_grad;
    std::vector<double> loss(static_cast<size_t>(in.weights.size(0)));
    for (int64_t l = 0; l < in.weights.size(0); ++l) {
      double sum = 0, tokens = 0;  // token-weighted over the language's dev sample
      for (int64_t b = 0; b < in.dev_batches(l); ++b) {
        const auto dev = in.dev_losses(l, b);
        sum += dev.sum[l].item<double>(), tokens += dev.tokens[l].item<double>();
      }
      loss[static_cast<size_t>(l)] = tokens > 0 ? sum / tokens : std::nan("");
    }
    method_.set_initial_losses(loss);
  }

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
     {"params", OptType::String, "last:1", "the shared layer W whose gradient norms are balanced: all, encoder, decoder or last:K"},
     tasks_option()},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<GradNorm>(temperature_distribution(ctx.train_pairs, o.get_float("tau")), o.get_string("params"), train::task_scale_of(o.get_string("tasks")),
                                        o.get_float("alpha"), o.get_float("weight_lr"));
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) { check_parameter_scope(o, "params", where); }}.with(LONGTAIL_STEP_HOOK(GradNorm, GradNormHook)));

}  // namespace
}  // namespace longtail::methods

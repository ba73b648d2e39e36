// CATS, Curvature-Aware Task Scaling (Li & Gong 2021, "Robust Optimization for Multilingual
// Translation with Imbalanced Data", NeurIPS, arXiv:2104.07639). Per-language weights α on the
// simplex and a curvature multiplier λ_c ≥ 0 solve, every K steps after a warm-up,
//   min_α Σ_n α_n L_n   s.t.  ‖Σ_n α_n g_n‖² ≤ ε     (L_n, g_n: language n's dev loss and gradient)
// by one primal step on α and one dual ascent step on λ_c of the Lagrangian
//   𝓛(α, λ_c) = Σ_n α_n L_n + λ_c (‖Σ_n α_n g_n‖² − ε)
// (the pure update is methods/cats.h); between updates the model trains on Σ_n α_n L_n.
//
// No author code exists and the paper's full text could not be read. The structure (α, λ_c, the
// squared norm of the α-weighted gradient, a periodic update on validation losses and gradients)
// is where two independent third-party implementations agree; so is the direction of α's step,
// descent on Σ α_n L_n (weight moves towards the languages with the lower dev loss, held back by
// the curvature constraint), which cannot be checked against the paper. docs/methods.md lists what
// is the paper's, what is reconstructed and what is chosen here.
//
// ε: a fraction (`epsilon_relative`, default 1) of ‖Σ α_n g_n‖² measured at the first update, kept
// for the run; the third-party absolute 1e-3 is far below the squared norm of per-token gradients
// over all parameters, so that constraint never holds and λ_c grows without bound (`epsilon` with
// `epsilon_relative: 0` keeps it).
//
// Objective between updates: languages are sampled from p and the loss weights are w_n = α_n / p_n,
// so the trainer's Σ_n w_n L_n / N (N: the batch's target tokens) estimates Σ_n α_n L̄_n (L̄_n:
// language n's per-token loss) — exactly when the languages' mean target lengths are equal,
// approximately otherwise (as for scalarization). `sampling: alpha` (default) draws from p = α
// itself, so w = 1: no importance weights, and before the first update (α uniform) uniform
// sampling rather than proportional sampling re-weighted by up to 1/(L·p_min), the high-variance
// regime of upweighting (Li et al. 2025, "Upsample or Upweight?"). The batcher redraws its pool
// when α changes, once every K steps. `sampling: temperature` draws from p(·;τ) and weights by α_n/p_n.
//
// Dev losses and gradients: the token-weighted mean over `dev_batches` held-out batches per language
// (StepInputs::dev_losses; 0 = all of them, i.e. the dev sample the trainer evaluates, the first
// train.dev_max_pairs pairs), without dropout or label smoothing: L_n = Σ_b loss_b / Σ_b tokens_b
// and g_n = ∇L_n, as [a] averages its whole validation set. Cost: one forward/backward per dev
// batch, L × (dev sample / train.batch_tokens) of them every K steps, and L flat fp32 gradients
// (L × parameters × 4 bytes) held during the update.
#include "methods/cats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "methods/method.h"

namespace longtail::methods {

namespace cats {

State initial_state(size_t n, Simplex simplex) {
  State s;
  s.alpha.assign(n, n > 0 ? 1.0 / static_cast<double>(n) : 0.0);
  if (simplex == Simplex::Softmax) s.logits.assign(n, 0.0);
  return s;
}

double curvature(const std::vector<double>& alpha, const std::vector<double>& gram) {
  const size_t n = alpha.size();
  if (gram.size() != n * n) throw std::invalid_argument("cats::curvature: the Gram matrix is not L×L");
  double c = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) c += alpha[i] * gram[i * n + j] * alpha[j];
  return c;
}

std::vector<double> project_to_simplex(const std::vector<double>& v, double floor) {
  const size_t n = v.size();
  const double mass = 1.0 - static_cast<double>(n) * floor;
  if (n == 0) return {};
  if (mass < 0) throw std::invalid_argument("project_to_simplex: the floor leaves no mass");
  std::vector<double> u(n);
  for (size_t i = 0; i < n; ++i) u[i] = v[i] - floor;
  std::vector<double> sorted = u;
  std::sort(sorted.begin(), sorted.end(), std::greater<double>());
  // θ = (Σ_{i≤ρ} u_(i) − mass) / ρ for the largest ρ with u_(ρ) > θ.
  double cumulative = 0, theta = 0;
  for (size_t i = 0; i < n; ++i) {
    cumulative += sorted[i];
    const double t = (cumulative - mass) / static_cast<double>(i + 1);
    if (sorted[i] - t > 0) theta = t;
  }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = std::max(u[i] - theta, 0.0) + floor;
  return out;
}

double update(State& s, const std::vector<double>& losses, const std::vector<double>& gram, const UpdateConfig& cfg) {
  const size_t n = s.alpha.size();
  if (losses.size() != n) throw std::invalid_argument("cats::update: one loss per language expected");
  const double c = curvature(s.alpha, gram);
  if (std::isnan(s.epsilon)) s.epsilon = cfg.epsilon_relative > 0 ? cfg.epsilon_relative * c : cfg.epsilon;
  std::vector<double> grad(n);  // ∇_α 𝓛 = ℓ + 2λ G α
  for (size_t i = 0; i < n; ++i) {
    double ga = 0;
    for (size_t j = 0; j < n; ++j) ga += gram[i * n + j] * s.alpha[j];
    grad[i] = losses[i] + 2.0 * s.lambda * ga;
  }
  if (cfg.simplex == Simplex::Softmax) {
    if (s.logits.size() != n) throw std::invalid_argument("cats::update: softmax state without logits");
    double mean = 0;  // αᵀ∇: softmax's Jacobian diag(α) − ααᵀ applied to ∇
    for (size_t i = 0; i < n; ++i) mean += s.alpha[i] * grad[i];
    for (size_t i = 0; i < n; ++i) s.logits[i] -= cfg.eta_alpha * s.alpha[i] * (grad[i] - mean);
    const double top = *std::max_element(s.logits.begin(), s.logits.end());
    double z = 0;
    for (size_t i = 0; i < n; ++i) z += (s.alpha[i] = std::exp(s.logits[i] - top));
    for (double& a : s.alpha) a /= z;
  } else {
    std::vector<double> moved(n);
    for (size_t i = 0; i < n; ++i) moved[i] = s.alpha[i] - cfg.eta_alpha * grad[i];
    s.alpha = project_to_simplex(moved, cfg.alpha_min);
  }
  s.lambda = std::max(0.0, s.lambda + cfg.eta_lambda * (c - s.epsilon));
  return c;
}

}  // namespace cats

namespace {

namespace json = boost::json;

// Exact text form of a double (hexadecimal), so the checkpointed state round-trips bit for bit.
std::string hex(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", x);
  return buf;
}
double unhex(std::istream& in) {
  std::string s;
  if (!(in >> s)) throw std::runtime_error("cats: truncated method state");
  return std::strtod(s.c_str(), nullptr);
}

enum class Sampling { Alpha, Temperature };

class Cats : public Method {
 public:
  Cats(const TrainingContext& ctx, Sampling sampling, double tau, int64_t interval, int64_t warmup, int64_t dev_batches,
       cats::UpdateConfig cfg)
      : languages_(ctx.languages),
        sampling_(sampling),
        p_(temperature_distribution(ctx.train_pairs, tau)),
        interval_(interval),
        warmup_(warmup),
        dev_batches_(dev_batches),
        cfg_(cfg),
        state_(cats::initial_state(ctx.languages.size(), cfg.simplex)) {}

  std::vector<double> sampling_distribution(int64_t) const override {
    return sampling_ == Sampling::Alpha ? state_.alpha : p_;
  }
  // w_n = α_n / p_n: the batch objective Σ w_n L_n / N estimates Σ α_n L̄_n (see the top); 1 with
  // sampling from α.
  std::vector<double> loss_weights(int64_t step) const override { return weights_for(sampling_distribution(step)); }
  // α_n / p_n for a batch drawn from p (0 where p_n = 0: the language is not in the batch).
  std::vector<double> weights_for(const std::vector<double>& p) const {
    std::vector<double> w(p.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) w[i] = p[i] > 0 ? state_.alpha[i] / p[i] : 0.0;
    return w;
  }

  // The meta-update runs at the start of steps warmup, warmup + K, warmup + 2K, ...
  bool update_due(int64_t step) const { return step >= warmup_ && (step - warmup_) % interval_ == 0; }
  void meta_update(const std::vector<double>& losses, const std::vector<double>& gram) {
    const double c = cats::update(state_, losses, gram, cfg_);
    ++updates_;
    curvature_last_ = c;
    curvature_sum_ += c;
  }
  size_t n_langs() const { return languages_.size(); }
  int64_t dev_batches() const { return dev_batches_; }  // 0 = all
  const cats::State& state() const { return state_; }

  std::string save_state() const override {
    std::ostringstream o;
    o << updates_ << ' ' << hex(curvature_last_) << ' ' << hex(curvature_sum_) << ' ' << hex(state_.lambda) << ' '
      << hex(state_.epsilon);
    for (double a : state_.alpha) o << ' ' << hex(a);
    for (double z : state_.logits) o << ' ' << hex(z);
    return o.str();
  }
  void load_state(const std::string& s) override {
    if (s.empty()) return;  // a checkpoint from before the first step
    std::istringstream in(s);
    if (!(in >> updates_)) throw std::runtime_error("cats: malformed method state");
    curvature_last_ = unhex(in);
    curvature_sum_ = unhex(in);
    state_.lambda = unhex(in);
    state_.epsilon = unhex(in);
    for (double& a : state_.alpha) a = unhex(in);
    for (double& z : state_.logits) z = unhex(in);
  }

  json::object metrics() const override {
    json::object alpha;
    for (size_t i = 0; i < languages_.size(); ++i) alpha[languages_[i]] = state_.alpha[i];
    auto number = [](double x) { return std::isfinite(x) ? json::value(x) : json::value(nullptr); };
    return json::object{{"alpha", alpha},
                        {"lambda_c", state_.lambda},
                        {"epsilon", number(state_.epsilon)},
                        {"curvature", updates_ > 0 ? number(curvature_last_) : json::value(nullptr)},
                        {"curvature_mean", updates_ > 0 ? number(curvature_sum_ / static_cast<double>(updates_)) : json::value(nullptr)},
                        {"updates", updates_}};
  }

 private:
  std::vector<std::string> languages_;
  Sampling sampling_;
  std::vector<double> p_;  // p(·;τ), for Sampling::Temperature
  int64_t interval_, warmup_, dev_batches_;
  cats::UpdateConfig cfg_;
  cats::State state_;
  int64_t updates_ = 0;
  double curvature_last_ = 0, curvature_sum_ = 0;
};

int64_t warmup_step(const Options& o, int64_t total_steps) {
  return step_of(o.get_int("warmup_steps"), o.get_float("warmup_fraction"), total_steps);
}

}  // namespace
}  // namespace longtail::methods

// ---- LibTorch step hook (compiled into longtail_methods_torch only, methods/CMakeLists.txt) ---
#ifdef LONGTAIL_WITH_TORCH
#include <torch/torch.h>

#include "harness/train/step_hook.h"
#include "harness/train/step.h"

namespace longtail::methods {
namespace {

// At an update step: per-language dev losses and gradients (token-weighted means over the dev
// batches) → Gram matrix → cats::update; then every step: backward of Σ_n w_n L_n / N with the
// current α and the p the batch was drawn from (the trainer clips and steps Adam).
class CatsHook : public train::StepHook {
 public:
  explicit CatsHook(Cats& method) : m_(method) {}

  torch::Tensor backward(const train::StepInputs& in) override {
    // The step's batch was drawn from p before this step's update (with `sampling: alpha`, the
    // old α), so an update's step is weighted by α_new / α_old.
    const std::vector<double> p = m_.sampling_distribution(in.step);
    if (m_.update_due(in.step)) meta_update(in);
    const auto weights = torch::tensor(m_.weights_for(p), torch::kFloat).to(in.losses->sum.device());
    auto objective = train::weighted_objective(*in.losses, weights);
    objective.backward();
    return objective.detach();
  }

 private:
  void meta_update(const train::StepInputs& in) {
    if (!in.dev_losses || !in.dev_batches) throw std::logic_error("cats: the trainer gave no dev losses (StepInputs::dev_losses)");
    const auto n = static_cast<int64_t>(m_.n_langs());
    std::vector<torch::Tensor> params;
    int64_t size = 0;
    for (const auto& [name, t] : *in.params) params.push_back(t), size += t.numel();
    std::vector<torch::Tensor> grads, loss, tokens;
    for (int64_t l = 0; l < n; ++l) {
      int64_t batches = in.dev_batches(l);
      if (m_.dev_batches() > 0) batches = std::min(batches, m_.dev_batches());
      if (batches < 1) throw train::TrainingFailure("cats: a language without dev batches");
      // Σ_b ∇(loss sum of batch b), Σ_b loss sums, Σ_b tokens; divided by the tokens at the end, so
      // L_n and g_n are the mean per-token loss over the whole sample and its gradient.
      auto g = torch::zeros({size}, params.front().options().dtype(torch::kFloat));
      torch::Tensor sum, count;
      for (int64_t b = 0; b < batches; ++b) {
        const train::LanguageLosses dev = in.dev_losses(l, b);
        const auto parts = torch::autograd::grad({dev.sum[l]}, params, /*grad_outputs=*/{}, /*retain_graph=*/false,
                                                 /*create_graph=*/false, /*allow_unused=*/true);
        torch::NoGradGuard no_grad;
        int64_t offset = 0;
        for (size_t i = 0; i < params.size(); ++i) {
          const int64_t k = params[i].numel();
          if (parts[i].defined()) g.slice(0, offset, offset + k).add_(parts[i].reshape(-1));
          offset += k;
        }
        const auto s = dev.sum[l].detach().to(torch::kDouble), c = dev.tokens[l].to(torch::kDouble);
        sum = sum.defined() ? sum + s : s;
        count = count.defined() ? count + c : c;
      }
      g.div_(count.to(torch::kFloat));
      loss.push_back((sum / count).view({1}));
      tokens.push_back(count.view({1}));
      grads.push_back(std::move(g));
    }
    // G_ij = ⟨g_i, g_j⟩ by pairwise dot products (no L × P stacked copy); one host copy for all.
    std::vector<torch::Tensor> upper;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i; j < n; ++j) upper.push_back(torch::dot(grads[i], grads[j]).view({1}).to(torch::kDouble));
    auto host = torch::cat({torch::cat(tokens), torch::cat(loss), torch::cat(upper)}).to(torch::kCPU);
    auto h = host.accessor<double, 1>();
    for (int64_t l = 0; l < n; ++l)
      if (!(h[l] > 0)) throw train::TrainingFailure("cats: a language's dev sample without target tokens");
    std::vector<double> losses(static_cast<size_t>(n)), gram(static_cast<size_t>(n * n));
    for (int64_t l = 0; l < n; ++l) losses[static_cast<size_t>(l)] = h[n + l];
    int64_t k = 2 * n;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i; j < n; ++j) gram[static_cast<size_t>(i * n + j)] = gram[static_cast<size_t>(j * n + i)] = h[k++];
    for (int64_t i = n; i < host.numel(); ++i)
      if (!std::isfinite(h[i])) throw train::TrainingFailure("cats: non-finite dev loss or gradient at the α update");
    m_.meta_update(losses, gram);
  }

  Cats& m_;
};

}  // namespace
}  // namespace longtail::methods
#endif  // LONGTAIL_WITH_TORCH

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "cats",
    "Li & Gong 2021, Robust Optimization for Multilingual Translation with Imbalanced Data, NeurIPS, arXiv:2104.07639 "
    "(update reconstructed from third-party code)",
    "every K steps after the warm-up: α ← Π_Δ(α − η_α ∇_α 𝓛), λ_c ← max(0, λ_c + η_λ(‖Σα_n g_n‖² − ε)), "
    "𝓛 = Σα_n L_n + λ_c(‖Σα_n g_n‖² − ε) on dev losses/gradients, ε relative to the first update's curvature; "
    "train on Σ α_n L_n (languages sampled from α)",
    {{"interval", OptType::Int, 100, "K: steps between α/λ_c updates (third-party: 100)", 1, 1e12},
     {"warmup_fraction", OptType::Float, 0.1, "first update at ⌊f·train.steps⌋ (used when warmup_steps is 0; our choice)", 0.0, 1.0},
     {"warmup_steps", OptType::Int, 0, "first update at this step (0 = use warmup_fraction); at most train.steps", 0, 1e12},
     {"epsilon_relative", OptType::Float, 1.0,
      "ε = this × ‖Σ α_n g_n‖² at the first update (α uniform), kept for the run; 0 = the absolute epsilon (ours)", 0.0, 1e12},
     {"epsilon", OptType::Float, 1e-3, "absolute ε of ‖Σ α_n g_n‖² ≤ ε, used only with epsilon_relative 0 (third-party: 1e-3)", 0.0, 1e12},
     {"lr_alpha", OptType::Float, 1e-2, "η_α: primal step on α (third-party: 1e-2 with softmax; 1e-5 with penalties)", 0.0, 1e6},
     {"lr_lambda", OptType::Float, 1e-2, "η_λ: dual ascent step on λ_c (third-party: 1e-2); 0 keeps λ_c = 0", 0.0, 1e6},
     {"simplex", OptType::String, "softmax", "α parameterisation: softmax (α = softmax(z)) or projection onto the simplex", {}, {}, false,
      {"softmax", "projection"}},
     {"alpha_min", OptType::Float, 0.0, "projection only: lower bound on every α_n (needs languages × alpha_min < 1)", 0.0, 1.0},
     {"dev_batches", OptType::Int, 0,
      "dev batches per language (of train.batch_tokens, in file order) averaged for L_n and g_n; 0 = the whole dev sample "
      "(train.dev_max_pairs pairs)", 0, 1e12},
     {"sampling", OptType::String, "alpha",
      "alpha: sample languages from α (loss weights 1); temperature: from p(·;τ) with loss weights α_n/p_n", {}, {}, false,
      {"alpha", "temperature"}},
     {"tau", OptType::Float, 1.0, "sampling temperature τ of p = p(·;τ) (sampling: temperature only)", 0.0, 1e6, true}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      cats::UpdateConfig cfg;
      cfg.eta_alpha = o.get_float("lr_alpha");
      cfg.eta_lambda = o.get_float("lr_lambda");
      cfg.epsilon_relative = o.get_float("epsilon_relative");
      cfg.epsilon = o.get_float("epsilon");
      cfg.simplex = o.get_string("simplex") == "projection" ? cats::Simplex::Projection : cats::Simplex::Softmax;
      cfg.alpha_min = o.get_float("alpha_min");
      if (cfg.alpha_min * static_cast<double>(ctx.languages.size()) >= 1.0)
        throw ConfigError(ctx.params_path + ".alpha_min", "languages × alpha_min must be < 1, got " +
                                                              std::to_string(ctx.languages.size()) + " × " + std::to_string(cfg.alpha_min));
      const Sampling sampling = o.get_string("sampling") == "temperature" ? Sampling::Temperature : Sampling::Alpha;
      return std::make_unique<Cats>(ctx, sampling, o.get_float("tau"), o.get_int("interval"), warmup_step(o, ctx.total_steps),
                                    o.get_int("dev_batches"), cfg);
    },
  [](const Options& o, const SuiteFacts& facts, const std::string& where) {
      check_within_budget(o.get_int("warmup_steps"), facts.total_steps, where, "warmup_steps");
      // Parameters that the chosen variant ignores are refused rather than silently dropped.
      if (o.get_float("epsilon_relative") > 0 && o.get_float("epsilon") != 1e-3)
        throw ConfigError(where + ".epsilon", "only used with \"epsilon_relative\": 0 (otherwise ε is relative to the first update's curvature)");
      if (o.get_string("sampling") != "temperature" && o.get_float("tau") != 1.0)
        throw ConfigError(where + ".tau", "only used with \"sampling\": \"temperature\"");
      const double floor = o.get_float("alpha_min");
      if (floor > 0 && o.get_string("simplex") != "projection")
        throw ConfigError(where + ".alpha_min", "only used with \"simplex\": \"projection\" (softmax keeps every α_n > 0)");
      if (!facts.languages.empty() && floor * static_cast<double>(facts.languages.size()) >= 1.0)
        throw ConfigError(where + ".alpha_min", "languages × alpha_min must be < 1 (" + std::to_string(facts.languages.size()) +
                                                    " languages)");
    }}.with(LONGTAIL_STEP_HOOK(Cats, CatsHook)));

}  // namespace
}  // namespace longtail::methods

// CAGrad (Liu, Liu, Jin, Stone, Liu 2021, "Conflict-Averse Gradient Descent for Multi-task
// Learning", NeurIPS, arXiv:2110.14048): the update d maximises the worst language's improvement
// within a ball around the average gradient g_0,
//   max_d min_i g_i·d   s.t.  ‖d − g_0‖ ≤ c‖g_0‖        (c = 0.5),
// through its dual over the simplex,
//   w* = argmin_{w ∈ Δ} F(w) = g_w·g_0 + c‖g_0‖‖g_w‖,  g_w = Σ_i w_i g_i,
//   d  = g_0 + (c‖g_0‖ / ‖g_w*‖) g_w*,  applied as d / (1 + c²) (the authors' default rescaling).
//
// Solver: F is convex (linear + a norm of a linear map). Accelerated projected gradient (FISTA
// with backtracking and monotone restart) on the K × K Gram matrix, with Euclidean projection onto
// the simplex by sorting. Every d(w) is feasible (‖d − g_0‖ = c‖g_0‖), so min_i g_i·d(w) is a
// lower bound of the optimum and F(w) an upper bound (minimax duality); it stops when the gap
// F(w) − min_i g_i·d(w) is ≤ 1e-7·max(|F(1/K)|, ‖g_0‖²), the objective's scale (or after 5000
// iterations).
// The authors' code solves the same dual with scipy's SLSQP.
//
// Tasks (`tasks`, harness/train/task_scale.h), for the K languages of the batch:
//   equal (default, the paper's tasks): g_i = ∇(L_i / N_i), language i's mean token loss; g_0 is
//     the equal-task mean and c = 0 gives it; the dual's weights go to the worst-served language.
//   share: g_i = K · ∇(L_i / N), its token share of the ordinary objective scaled so that g_0 is
//     the ordinary gradient (c = 0: the ordinary step). The dual is not scale-invariant: with shares
//     (0.8, 0.19, 0.01) w* = (0, 0, 1), a fixed push toward the rarest language rather than toward
//     the worst-served one.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "methods/gradient_math.h"
#include "methods/method.h"

namespace longtail::methods {

namespace {

// Euclidean projection onto {w ≥ 0, Σ w = 1} (Held et al. / Duchi et al.: sort, threshold).
std::vector<double> project_simplex(const std::vector<double>& v) {
  std::vector<double> u(v);
  std::sort(u.begin(), u.end(), std::greater<double>());
  double cumulative = 0, theta = 0;
  for (size_t j = 0; j < u.size(); ++j) {
    cumulative += u[j];
    const double t = (cumulative - 1.0) / static_cast<double>(j + 1);
    if (u[j] - t > 0) theta = t;
  }
  std::vector<double> w(v.size());
  for (size_t i = 0; i < v.size(); ++i) w[i] = std::max(v[i] - theta, 0.0);
  return w;
}

}  // namespace

CAGradSolution cagrad_solve(const std::vector<double>& gram, int64_t k, double c, double tol, int max_iterations) {
  const auto K = static_cast<size_t>(k);
  auto M = [&](size_t i, size_t j) { return gram[i * K + j]; };
  CAGradSolution s;
  s.w.assign(K, 1.0 / static_cast<double>(k));
  s.coef.assign(K, 1.0 / static_cast<double>(k));
  double g0sq = 0;
  std::vector<double> b(K, 0.0);  // b_i = g_i·g_0
  for (size_t i = 0; i < K; ++i)
    for (size_t j = 0; j < K; ++j) b[i] += M(i, j) / static_cast<double>(k);
  for (size_t i = 0; i < K; ++i) g0sq += b[i] / static_cast<double>(k);
  const double r = c * std::sqrt(std::max(g0sq, 0.0));
  double scale = 0;
  for (size_t i = 0; i < K; ++i) scale = std::max(scale, M(i, i));
  if (!(r > 0) || !(scale > 0)) {  // c = 0 or g_0 = 0: d = g_0
    s.dual = s.primal = *std::min_element(b.begin(), b.end());
    return s;
  }
  const double tiny = 1e-15 * std::sqrt(scale);
  auto mul = [&](const std::vector<double>& w) {
    std::vector<double> out(K, 0.0);
    for (size_t i = 0; i < K; ++i)
      for (size_t j = 0; j < K; ++j) out[i] += M(i, j) * w[j];
    return out;
  };
  auto norm_of = [&](const std::vector<double>& w, const std::vector<double>& mw) {
    return std::sqrt(std::max(std::inner_product(w.begin(), w.end(), mw.begin(), 0.0), 0.0));
  };
  auto value = [&](const std::vector<double>& w) {
    const auto mw = mul(w);
    return std::inner_product(w.begin(), w.end(), b.begin(), 0.0) + r * norm_of(w, mw);
  };
  auto gradient = [&](const std::vector<double>& w) {
    const auto mw = mul(w);
    const double n = norm_of(w, mw);
    std::vector<double> g(b);
    if (n > tiny)
      for (size_t i = 0; i < K; ++i) g[i] += r * mw[i] / n;
    return g;
  };
  // min_i g_i·d(w), d(w) = g_0 + (r/‖g_w‖) g_w.
  auto primal = [&](const std::vector<double>& w) {
    const auto mw = mul(w);
    const double n = norm_of(w, mw);
    double best = INFINITY;
    for (size_t i = 0; i < K; ++i) best = std::min(best, b[i] + (n > tiny ? r * mw[i] / n : 0.0));
    return best;
  };

  // The objective's natural scale is ‖g_0‖² (d is within c‖g_0‖ of g_0): a gap relative to |F| alone
  // would ask for ever more digits where the optimum is near 0.
  const double gap_scale = std::max(std::abs(value(s.w)), g0sq);
  std::vector<double> w = s.w, y = w;
  double fw = value(w), t = 1.0, lipschitz = 1e-12 * scale;
  for (s.iterations = 0; s.iterations < max_iterations; ++s.iterations) {
    if (fw - primal(w) <= tol * gap_scale) break;
    const auto gy = gradient(y);
    const double fy = value(y);
    std::vector<double> z;
    for (;;) {  // backtracking: the quadratic model at y must bound F at z
      std::vector<double> step(K);
      for (size_t i = 0; i < K; ++i) step[i] = y[i] - gy[i] / lipschitz;
      z = project_simplex(step);
      double lin = 0, sq = 0;
      for (size_t i = 0; i < K; ++i) lin += gy[i] * (z[i] - y[i]), sq += (z[i] - y[i]) * (z[i] - y[i]);
      if (value(z) <= fy + lin + 0.5 * lipschitz * sq + 1e-15 * std::abs(fy) || lipschitz > 1e30) break;
      lipschitz *= 2;
    }
    const double fz = value(z);
    if (fz > fw) {  // monotone restart: drop the momentum
      t = 1.0;
      y = w;
      continue;
    }
    const double t_next = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
    for (size_t i = 0; i < K; ++i) y[i] = z[i] + (t - 1) / t_next * (z[i] - w[i]);
    t = t_next;
    w = z;
    fw = fz;
    lipschitz *= 0.9;  // let the step grow again where F is flatter
  }
  s.w = w;
  s.dual = fw;
  s.primal = primal(w);
  const auto mw = mul(w);
  const double n = norm_of(w, mw);
  for (size_t i = 0; i < K; ++i) s.coef[i] = 1.0 / static_cast<double>(k) + (n > tiny ? r * w[i] / n : 0.0);
  return s;
}

namespace {

class CAGrad : public PerLanguageGradientMethod {
 public:
  CAGrad(std::vector<double> p, std::string scope, train::TaskScale tasks, double c, bool rescale)
      : PerLanguageGradientMethod(std::move(p), std::move(scope), tasks), c_(c), rescale_(rescale) {}
  double c() const { return c_; }
  bool rescale() const { return rescale_; }

 private:
  double c_;
  bool rescale_;
};

}  // namespace
}  // namespace longtail::methods

#ifdef LONGTAIL_WITH_TORCH
#include "harness/train/step_hook.h"
#include "methods/gradient_methods.h"
#include "methods/gradient_surgery.h"

namespace longtail::methods {

torch::Tensor cagrad_direction(const torch::Tensor& g, double c) {
  const int64_t k = g.size(0);
  std::vector<int64_t> rows(static_cast<size_t>(k));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  const auto s = cagrad_solve(train::gram_matrix(g, rows), k, c);
  return train::combine_rows(g, s.coef);
}

namespace {

class CAGradHook : public GradientSurgeryHook {
 public:
  explicit CAGradHook(CAGrad& m) : GradientSurgeryHook(m), method_(m) {}

 private:
  // g_i = K c_i G_i: with equal tasks g_i = w_i G_i, with token shares g_i = K (w_i N_i / N) G_i;
  // either way g_0 = mean_i g_i is the gradient of the tasks' objective and c = 0 gives it.
  double task_factor(int64_t k) const override { return static_cast<double>(k); }
  std::vector<double> combination(const std::vector<double>& gram, const std::vector<int64_t>& rows, size_t) override {
    const auto k = static_cast<int64_t>(rows.size());
    const auto s = cagrad_solve(gram, k, method_.c());
    const double scale = method_.rescale() ? 1.0 / (1.0 + method_.c() * method_.c()) : 1.0;
    std::vector<double> u(static_cast<size_t>(k));
    for (int64_t a = 0; a < k; ++a) u[static_cast<size_t>(a)] = scale * s.coef[static_cast<size_t>(a)];
    return u;
  }

  CAGrad& method_;
};

}  // namespace
}  // namespace longtail::methods
#endif

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "cagrad",
    "Liu et al. 2021, Conflict-Averse Gradient Descent for Multi-task Learning, NeurIPS, arXiv:2110.14048",
    "d = argmax_{‖d−g_0‖ ≤ c‖g_0‖} min_i g_i·d = g_0 + c‖g_0‖ g_w/‖g_w‖, w = argmin_Δ g_w·g_0 + c‖g_0‖‖g_w‖; update d/(1+c²)",
    {{"c", OptType::Float, 0.5, "radius of the ball around the average gradient, relative to its norm (0 = the ordinary step)", 0.0, 100.0},
     {"rescale", OptType::Bool, true, "divide d by 1 + c² (the authors' default), keeping the step's size near the ordinary one's"},
     {"tau", OptType::Float, 1.0, "sampling temperature of the languages (1 = proportional)", 0.0, 1e6, true},
     {"params", OptType::String, "all", "parameters the method acts on: all, encoder, decoder or last:K (the others get the ordinary gradient)"},
     tasks_option()},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<CAGrad>(temperature_distribution(ctx.train_pairs, o.get_float("tau")), o.get_string("params"), train::task_scale_of(o.get_string("tasks")),
                                      o.get_float("c"), o.get_bool("rescale"));
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) { check_parameter_scope(o, "params", where); }}.with(LONGTAIL_STEP_HOOK(CAGrad, CAGradHook)));

}  // namespace
}  // namespace longtail::methods

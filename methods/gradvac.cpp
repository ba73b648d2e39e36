// Gradient Vaccine (Wang, Tsvetkov, Firat, Cao 2021, "Gradient Vaccine: Investigating and
// Improving Multi-task Optimization in Massively Multilingual Models", ICLR, arXiv:2010.05874):
// an EMA target φ̂_ij of each ordered pair's gradient cosine; at every step, for every i and every
// other j in random order,
//   φ_ij = cos(g_i', g_j);  if φ_ij < φ̂_ij:
//     g_i' ← g_i' + ‖g_i'‖ (φ̂_ij √(1−φ_ij²) − φ_ij √(1−φ̂_ij²)) / (‖g_j‖ √(1−φ̂_ij²)) · g_j
//   (the smallest multiple of g_j that raises the cosine to φ̂_ij), then
//   φ̂_ij ← (1−β) φ̂_ij + β φ_ij,
// and the update is Σ_i g_i'. φ̂ starts at 0 (PCGrad's condition until the targets move), β = 0.01.
// `granularity`: one cosine per pair over the whole parameter set ("model"), or one per pair and
// layer ("layer": each encoder/decoder layer, the embedding and each final layer norm; the
// paper's "all layers" setting as quoted by the chenllliang/Gradient-Vaccine README).
//
// g_i is language i's task: its mean-loss gradient over K (`tasks: equal`, the default) or its
// share of the ordinary objective (`share`), as in methods/pcgrad.cpp; the algebra runs
// on the per-block K × K Gram matrices; the targets (per language pair and block) and the order's
// generator are the method's state, so a resume is exact.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "methods/gradient_math.h"
#include "methods/method.h"

namespace longtail::methods {

std::vector<double> gradvac_coefficients(const std::vector<double>& gram, int64_t k,
                                         const std::vector<std::vector<int64_t>>& order,
                                         std::vector<double>& targets, double beta) {
  std::vector<double> a(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i) a[static_cast<size_t>(i * k + i)] = 1.0;
  auto g = [&](int64_t x, int64_t y) { return gram[static_cast<size_t>(x * k + y)]; };
  for (int64_t i = 0; i < k; ++i) {
    double* ai = &a[static_cast<size_t>(i * k)];
    for (int64_t j : order[static_cast<size_t>(i)]) {
      if (j == i) continue;
      const double nj = std::sqrt(std::max(g(j, j), 0.0));
      // ‖g_i'‖² = Σ_mn A[i][m] A[i][n] (g_m·g_n), g_i'·g_j = Σ_m A[i][m] (g_m·g_j)
      double sq = 0, dot = 0;
      for (int64_t m = 0; m < k; ++m) {
        if (ai[m] == 0) continue;
        dot += ai[m] * g(m, j);
        for (int64_t n = 0; n < k; ++n) sq += ai[m] * ai[n] * g(m, n);
      }
      const double ni = std::sqrt(std::max(sq, 0.0));
      if (!(ni > 0) || !(nj > 0)) continue;
      const double phi = std::clamp(dot / (ni * nj), -1.0, 1.0);
      double& target = targets[static_cast<size_t>(i * k + j)];
      if (phi < target) {
        const double t = std::min(target, 1.0 - 1e-12);
        ai[j] += ni * (t * std::sqrt(1 - phi * phi) - phi * std::sqrt(1 - t * t)) / (nj * std::sqrt(1 - t * t));
      }
      target = (1 - beta) * target + beta * phi;
    }
  }
  return a;
}

namespace {

class GradVac : public PerLanguageGradientMethod {
 public:
  GradVac(std::vector<double> p, std::string scope, train::TaskScale tasks, bool per_layer, double beta, size_t n_langs, uint64_t seed)
      : PerLanguageGradientMethod(std::move(p), std::move(scope), tasks), per_layer_(per_layer), beta_(beta), n_(n_langs),
        rng_(seed ^ 0x67726164766163ULL) {}
  bool per_layer() const { return per_layer_; }
  double beta() const { return beta_; }
  size_t n_langs() const { return n_; }
  // φ̂ per block: [blocks][L × L], all languages (the batch's K are a subset), 0 at the start.
  std::vector<double>& targets(size_t block) {
    if (block >= targets_.size()) targets_.resize(block + 1, std::vector<double>(n_ * n_, 0.0));
    return targets_[block];
  }
  std::vector<std::vector<int64_t>> next_order(int64_t k) { return shuffled_partner_orders(k, rng_); }
  // "<rng> <blocks> φ̂..." with 17 significant digits: exact through the text.
  std::string save_state() const override {
    std::ostringstream o;
    o.precision(17);
    o << rng_.state() << ' ' << targets_.size();
    for (const auto& t : targets_)
      for (double x : t) o << ' ' << x;
    return o.str();
  }
  void load_state(const std::string& s) override {
    if (s.empty()) return;
    std::istringstream in(s);
    uint64_t state = 0;
    size_t blocks = 0;
    in >> state >> blocks;
    rng_.set_state(state);
    targets_.assign(blocks, std::vector<double>(n_ * n_, 0.0));
    for (auto& t : targets_)
      for (double& x : t) in >> x;
    if (!in) throw std::runtime_error("gradvac: malformed method state");
  }

 private:
  bool per_layer_;
  double beta_;
  size_t n_;
  SplitMix64 rng_;
  std::vector<std::vector<double>> targets_;
};

}  // namespace
}  // namespace longtail::methods

#ifdef LONGTAIL_WITH_TORCH
#include "harness/train/step_hook.h"
#include "methods/gradient_methods.h"
#include "methods/gradient_surgery.h"

namespace longtail::methods {

torch::Tensor gradvac_adjust(const torch::Tensor& g, const std::vector<std::vector<int64_t>>& order,
                             std::vector<double>& targets, double beta) {
  const int64_t k = g.size(0);
  std::vector<int64_t> rows(static_cast<size_t>(k));
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
  const auto a = gradvac_coefficients(train::gram_matrix(g, rows), k, order, targets, beta);
  return torch::matmul(torch::tensor(a, torch::kDouble).view({k, k}).to(g.scalar_type()), g);
}

namespace {

class GradVacHook : public GradientSurgeryHook {
 public:
  explicit GradVacHook(GradVac& m) : GradientSurgeryHook(m), method_(m) {}

 private:
  void begin_step(int64_t k) override { order_ = method_.next_order(k); }  // one order per step, shared by the blocks
  const Blocks& column_blocks(const train::LanguageGradients& g) override {
    if (blocks_.empty())
      blocks_ = method_.per_layer() ? train::layer_blocks(g.scope_params()) : Blocks{{0, g.matrix().size(1)}};
    return blocks_;
  }
  std::vector<double> combination(const std::vector<double>& gram, const std::vector<int64_t>& rows, size_t b) override {
    const auto k = static_cast<int64_t>(rows.size());
    const auto n = static_cast<int64_t>(method_.n_langs());
    // The batch's languages' targets, out of and back into the L × L table.
    auto& all = method_.targets(b);
    std::vector<double> t(static_cast<size_t>(k * k));
    for (int64_t x = 0; x < k; ++x)
      for (int64_t y = 0; y < k; ++y) t[static_cast<size_t>(x * k + y)] = all[static_cast<size_t>(rows[static_cast<size_t>(x)] * n + rows[static_cast<size_t>(y)])];
    const auto a = gradvac_coefficients(gram, k, order_, t, method_.beta());
    for (int64_t x = 0; x < k; ++x)
      for (int64_t y = 0; y < k; ++y)
        if (x != y) all[static_cast<size_t>(rows[static_cast<size_t>(x)] * n + rows[static_cast<size_t>(y)])] = t[static_cast<size_t>(x * k + y)];
    return column_sums(a, k);
  }

  GradVac& method_;
  std::vector<std::vector<int64_t>> order_;
  Blocks blocks_;
};

}  // namespace
}  // namespace longtail::methods
#endif

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "gradvac",
    "Wang et al. 2021, Gradient Vaccine: Investigating and Improving Multi-task Optimization in Massively Multilingual Models, ICLR, arXiv:2010.05874",
    "if cos(g_i,g_j) = φ < φ̂_ij: g_i += ‖g_i‖(φ̂√(1−φ²) − φ√(1−φ̂²))/(‖g_j‖√(1−φ̂²)) g_j; φ̂_ij ← (1−β)φ̂_ij + βφ; update Σ_i g_i",
    {{"beta", OptType::Float, 0.01, "EMA rate β of the target cosines φ̂", 0.0, 1.0, true},
     {"granularity", OptType::String, "layer", "one target per language pair and layer, or per pair over the whole parameter set", {}, {}, false, {"layer", "model"}},
     {"tau", OptType::Float, 1.0, "sampling temperature of the languages (1 = proportional)", 0.0, 1e6, true},
     {"params", OptType::String, "all", "parameters the surgery acts on: all, encoder, decoder or last:K (the others get the ordinary gradient)"},
     tasks_option()},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<GradVac>(temperature_distribution(ctx.train_pairs, o.get_float("tau")), o.get_string("params"),
                                       train::task_scale_of(o.get_string("tasks")), o.get_string("granularity") == "layer", o.get_float("beta"), ctx.languages.size(), ctx.seed);
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) { check_parameter_scope(o, "params", where); }}.with(LONGTAIL_STEP_HOOK(GradVac, GradVacHook)));

}  // namespace
}  // namespace longtail::methods

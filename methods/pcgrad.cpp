// PCGrad (Yu et al. 2020, "Gradient Surgery for Multi-Task Learning", NeurIPS, arXiv:2001.06782):
// with g_i language i's gradient, for every i and every other j in random order,
//   if g_i^PC · g_j < 0:  g_i^PC ← g_i^PC − (g_i^PC · g_j / ‖g_j‖²) g_j,
// and the update is Σ_i g_i^PC. The order is a fresh shuffle of the others for each i at every step
// (as in the authors' code), from a generator seeded with the cell's seed and kept in the
// checkpoint.
//
// The languages of the step's batch are the tasks (`tasks`, harness/train/task_scale.h):
//   equal (default, the paper's): g_i = (1/K) ∇(L_i / N_i), language i's mean token loss; the update
//     is the paper's Σ_i g_i^PC over K, so without conflicts it is the equal-task mean gradient;
//   share: g_i = ∇(w_i L_i / N) = (w_i N_i / N) ∇(L_i / N_i), its share of the ordinary objective,
//     so Σ_i g_i is the ordinary step and PCGrad changes it only where languages conflict.
// The projections are scale-invariant in g_j, so the two differ in how much each language's
// projected gradient weighs in the sum, not in which pairs are projected. The per-language gradients come from per-language
// sub-batches (about one ordinary step's cost, harness/train/step_hook.h); the projections are done
// on the K × K Gram matrix and the update is one combination of the rows.
#include <sstream>

#include "methods/gradient_math.h"
#include "methods/method.h"

namespace longtail::methods {

std::vector<double> pcgrad_coefficients(const std::vector<double>& gram, int64_t k,
                                        const std::vector<std::vector<int64_t>>& order) {
  std::vector<double> a(static_cast<size_t>(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i) a[static_cast<size_t>(i * k + i)] = 1.0;
  for (int64_t i = 0; i < k; ++i) {
    double* ai = &a[static_cast<size_t>(i * k)];
    for (int64_t j : order[static_cast<size_t>(i)]) {
      if (j == i) continue;
      const double gjj = gram[static_cast<size_t>(j * k + j)];
      if (!(gjj > 0)) continue;  // a zero gradient conflicts with nothing
      double dot = 0;  // g_i^PC · g_j = Σ_m A[i][m] (g_m · g_j)
      for (int64_t m = 0; m < k; ++m) dot += ai[m] * gram[static_cast<size_t>(m * k + j)];
      if (dot < 0) ai[j] -= dot / gjj;
    }
  }
  return a;
}

namespace {

class PCGrad : public PerLanguageGradientMethod {
 public:
  PCGrad(std::vector<double> p, std::string scope, train::TaskScale tasks, uint64_t seed)
      : PerLanguageGradientMethod(std::move(p), std::move(scope), tasks), rng_(seed ^ 0x70636772616455ULL) {}
  // For each of the k tasks, the other tasks in a fresh random order.
  std::vector<std::vector<int64_t>> next_order(int64_t k) { return shuffled_partner_orders(k, rng_); }
  std::string save_state() const override { return std::to_string(rng_.state()); }
  void load_state(const std::string& s) override {
    if (!s.empty()) rng_.set_state(std::stoull(s));
  }

 private:
  SplitMix64 rng_;
};

}  // namespace
}  // namespace longtail::methods

#ifdef LONGTAIL_WITH_TORCH
#include "harness/train/step_hook.h"
#include "methods/gradient_methods.h"
#include "methods/gradient_surgery.h"

namespace longtail::methods {

torch::Tensor pcgrad_project(const torch::Tensor& g, const std::vector<std::vector<int64_t>>& order) {
  std::vector<int64_t> rows(static_cast<size_t>(g.size(0)));
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
  const auto a = pcgrad_coefficients(train::gram_matrix(g, rows), g.size(0), order);
  return torch::matmul(torch::tensor(a, torch::kDouble).view({g.size(0), g.size(0)}).to(g.scalar_type()), g);
}

namespace {

class PCGradHook : public GradientSurgeryHook {
 public:
  explicit PCGradHook(PCGrad& m) : GradientSurgeryHook(m), method_(m) {}

 private:
  void begin_step(int64_t k) override { order_ = method_.next_order(k); }
  // Σ_i g_i^PC = Σ_m (Σ_i A[i][m]) g_m.
  std::vector<double> combination(const std::vector<double>& gram, const std::vector<int64_t>& rows, size_t) override {
    const auto k = static_cast<int64_t>(rows.size());
    return column_sums(pcgrad_coefficients(gram, k, order_), k);
  }

  PCGrad& method_;
  std::vector<std::vector<int64_t>> order_;
};

}  // namespace
}  // namespace longtail::methods
#endif

// ---- registration (after the hook, which it names) ---------------------------------------------
namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "pcgrad",
    "Yu et al. 2020, Gradient Surgery for Multi-Task Learning, NeurIPS, arXiv:2001.06782",
    "g_i ← g_i − (g_i·g_j/‖g_j‖²) g_j for each j (random order) with g_i·g_j < 0; update Σ_i g_i; p_i ∝ n_i^(1/τ)",
    {{"tau", OptType::Float, 1.0, "sampling temperature of the languages (1 = proportional)", 0.0, 1e6, true},
     {"params", OptType::String, "all", "parameters the surgery acts on: all, encoder, decoder or last:K (the others get the ordinary gradient)"},
     tasks_option()},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<PCGrad>(temperature_distribution(ctx.train_pairs, o.get_float("tau")), o.get_string("params"), train::task_scale_of(o.get_string("tasks")), ctx.seed);
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) { check_parameter_scope(o, "params", where); }}.with(LONGTAIL_STEP_HOOK(PCGrad, PCGradHook)));

}  // namespace
}  // namespace longtail::methods

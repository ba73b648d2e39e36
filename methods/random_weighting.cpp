// Random loss weighting (Lin, Ye, Xu, Shi, Zhang, Kwok 2021, "Reasonable Effectiveness of Random
// Weighting: A Litmus Test for Multi-Task Learning", TMLR 2022, arXiv:2111.10603), RLW with a
// normal prior: at every step the languages' loss weights are drawn afresh,
//   w = L · softmax(z),  z ~ N(0, I_L),
// so Σ_i w_i = L (as for plain cross-entropy) and every w_i > 0; languages are sampled with the
// temperature distribution p(·;τ) (τ = 1: proportional). The paper's point: such random weights
// are a baseline that the adaptive weighting methods must beat.
//
// The normals come from SplitMix64 (methods/method.h) seeded with the cell's seed, through a
// Box–Muller transform written out here, so the weights are the same with every standard library.
// The method state is the generator's state before the current step's draw, so a resume redraws
// the same weights and continues the same stream.
#include <algorithm>
#include <cmath>
#include <string>

#include "methods/method.h"

namespace longtail::methods {
namespace {

class RandomWeighting : public Method {
 public:
  RandomWeighting(std::vector<double> p, uint64_t seed) : p_(std::move(p)), rng_(seed ^ 0x726c77ULL) { draw(); }

  std::vector<double> sampling_distribution(int64_t) const override { return p_; }
  std::vector<double> loss_weights(int64_t) const override { return w_; }
  void observe(const StepFeedback&) override { draw(); }  // the next step's weights
  std::string save_state() const override { return std::to_string(drawn_from_); }
  void load_state(const std::string& s) override {
    if (s.empty()) return;
    rng_.set_state(std::stoull(s));
    draw();
  }

 private:
  // A uniform in (0, 1] (u1, for the logarithm) or [0, 1) from the top 53 bits.
  double uniform(bool open_at_zero) {
    const double u = static_cast<double>(rng_.next() >> 11) * 0x1.0p-53;
    return open_at_zero ? u + 0x1.0p-53 : u;
  }

  // w = L · softmax(z), z from Box–Muller pairs (both of each pair used; an odd L drops the last).
  void draw() {
    drawn_from_ = rng_.state();
    const size_t n = p_.size();
    std::vector<double> z(n);
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < n; i += 2) {
      const double r = std::sqrt(-2.0 * std::log(uniform(true)));
      const double angle = two_pi * uniform(false);
      z[i] = r * std::cos(angle);
      if (i + 1 < n) z[i + 1] = r * std::sin(angle);
    }
    const double top = n == 0 ? 0.0 : *std::max_element(z.begin(), z.end());
    double total = 0;
    for (double& x : z) total += (x = std::exp(x - top));
    w_.assign(n, 0.0);
    for (size_t i = 0; i < n; ++i) w_[i] = static_cast<double>(n) * z[i] / total;
  }

  std::vector<double> p_;
  SplitMix64 rng_;
  uint64_t drawn_from_ = 0;  // the generator's state before the current weights were drawn
  std::vector<double> w_;
};

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "random_weighting",
    "Lin et al. 2021, Reasonable Effectiveness of Random Weighting: A Litmus Test for Multi-Task Learning, TMLR 2022, arXiv:2111.10603",
    "w = L·softmax(z), z ~ N(0, I) drawn every step; loss Σ_i w_i L_i/N; p_i ∝ n_i^(1/τ)",
    {{"tau", OptType::Float, 1.0, "sampling temperature of the languages (1 = proportional)", 0.0, 1e6, true}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<RandomWeighting>(temperature_distribution(ctx.train_pairs, o.get_float("tau")), ctx.seed);
    }});

}  // namespace
}  // namespace longtail::methods

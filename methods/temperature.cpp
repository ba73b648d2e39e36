// Temperature sampling: p_i ∝ n_i^{1/τ}.
// Arivazhagan et al. 2019, "Massively Multilingual Neural Machine Translation in the Wild"
// (arXiv:1907.05019), §4.2; τ=5 is the value of MultiDDS (Wang et al. 2020) and CATS's baselines.
#include "methods/method.h"

namespace longtail::methods {
namespace {

class Temperature : public Method {
 public:
  Temperature(double tau, const TrainingContext& ctx) : p_(temperature_distribution(ctx.train_pairs, tau)) {}
  std::vector<double> sampling_distribution(int64_t) const override { return p_; }

 private:
  std::vector<double> p_;
};

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "temperature",
    "Arivazhagan et al. 2019, Massively Multilingual NMT in the Wild, arXiv:1907.05019",
    "p_i ∝ n_i^(1/τ); plain cross-entropy",
    {{"tau", OptType::Float, 5.0, "sampling temperature τ (1 = proportional, ∞ = uniform)", 0.0, 1e6, true}},
    [](const Options& o, const TrainingContext& ctx) {
      return std::make_unique<Temperature>(o.get_float("tau"), ctx);
    }});

}  // namespace
}  // namespace longtail::methods

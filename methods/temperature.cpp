// Temperature sampling: p_i ∝ n_i^{1/τ}.
// Arivazhagan et al. 2019, "Massively Multilingual Neural Machine Translation in the Wild"
// (arXiv:1907.05019), §4.2; τ=5 is the value of MultiDDS (Wang et al. 2020) and CATS's baselines.
#include "methods/method.h"

namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "temperature",
    "Arivazhagan et al. 2019, Massively Multilingual NMT in the Wild, arXiv:1907.05019",
    "p_i ∝ n_i^(1/τ); plain cross-entropy",
    {{"tau", OptType::Float, 5.0, "sampling temperature τ (1 = proportional, ∞ = uniform)", 0.0, 1e6, true}},
    [](const Options& o, const TrainingContext& ctx) {
      return std::make_unique<FixedSampling>(temperature_distribution(ctx.train_pairs, o.get_float("tau")));
    }});

}  // namespace
}  // namespace longtail::methods

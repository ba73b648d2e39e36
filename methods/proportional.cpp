// Proportional sampling (τ = 1): every training pair is equally likely, p_i = n_i / Σ_j n_j.
// The natural-distribution baseline of every balancing paper (e.g. Arivazhagan et al. 2019).
#include "methods/method.h"

namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "proportional",
    "Arivazhagan et al. 2019, Massively Multilingual NMT in the Wild, arXiv:1907.05019 (τ = 1)",
    "p_i = n_i / Σ_j n_j; plain cross-entropy",
    {},
    [](const Options&, const TrainingContext& ctx) {
      return std::make_unique<FixedSampling>(temperature_distribution(ctx.train_pairs, 1.0));
    }});

}  // namespace
}  // namespace longtail::methods

// Uniform sampling over languages (τ → ∞): p_i = 1 / L, whatever the sizes.
// Arivazhagan et al. 2019 (arXiv:1907.05019) and Wang et al. 2020 (MultiDDS) use it as the
// opposite extreme to proportional sampling.
#include "methods/method.h"

namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "uniform",
    "Arivazhagan et al. 2019, Massively Multilingual NMT in the Wild, arXiv:1907.05019 (τ → ∞)",
    "p_i = 1 / L; plain cross-entropy",
    {},
    [](const Options&, const TrainingContext& ctx) {
      return std::make_unique<FixedSampling>(std::vector<double>(ctx.languages.size(), 1.0 / double(ctx.languages.size())));
    }});

}  // namespace
}  // namespace longtail::methods

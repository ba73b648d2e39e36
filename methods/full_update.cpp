// Full fine-tuning, the naive update of continual multilingual learning: every parameter of the
// previous stage's model trains on the stage's new pairs, drawn in proportion to their number
// (Badola et al. 2023, "Parameter-Efficient Finetuning for Robust Continual Multilingual
// Learning", Findings of ACL, arXiv:2209.06767: the baseline whose updates degrade the languages
// they do not cover). docs/continual.md.
#include "methods/method.h"

namespace longtail::methods {
namespace {

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "full",
    "Badola et al. 2023, Parameter-Efficient Finetuning for Robust Continual Multilingual Learning, Findings of ACL, "
    "arXiv:2209.06767 (the full-update baseline)",
    "update stage: all parameters train; p_i = n_i / Σ_j n_j over the stage's languages",
    {},
    [](const Options&, const TrainingContext& ctx) {
      return std::make_unique<FixedSampling>(temperature_distribution(ctx.train_pairs, 1.0));
    }}.updating());

}  // namespace
}  // namespace longtail::methods

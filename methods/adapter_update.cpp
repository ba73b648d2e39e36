// Bottleneck adapters as an update method of continual learning (Bapna & Firat 2019, "Simple,
// Scalable Adaptation for Neural Machine Translation", EMNLP, arXiv:1909.08478; Houlsby et al.
// 2019): after every FFN sublayer x + W_up relu(W_down LN(x)) with W_up = 0, so the stage starts
// at the previous model; only the adapters train. They cannot be merged (the ReLU), so they stay in
// the model: the next stage starts from them and trains them further. A parameter-efficient
// baseline of Badola et al. 2023 (arXiv:2209.06767; unverified which, methods.md §5). docs/continual.md.
#include "methods/method.h"

namespace longtail::methods {
namespace {

class AdapterUpdate : public FixedSampling {
 public:
  using FixedSampling::FixedSampling;
  std::string trainable_parameters() const override { return "adapter"; }
};

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "adapter",
    "Bapna & Firat 2019, Simple, Scalable Adaptation for Neural Machine Translation, EMNLP, arXiv:1909.08478 (as a continual "
    "update: Badola et al. 2023, arXiv:2209.06767)",
    "update stage: adapters x + W_up relu(W_down LN(x)) after every FFN sublayer (W_up = 0 at the start), only they train",
    {{"dim", OptType::Int, 64, "bottleneck width", 1, 65536}},
    [](const Options&, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<AdapterUpdate>(temperature_distribution(ctx.train_pairs, 1.0));
    }}
    .adapting([](const Options& o, model::ModelConfig& m) { m.adapter_dim = o.get_int("dim"); })
    .updating());

}  // namespace
}  // namespace longtail::methods

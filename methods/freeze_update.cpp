// Restricted fine-tuning: an update stage trains only the top K layers (or another parameter set)
// of the previous stage's model and leaves the rest bitwise unchanged — the layer-restricted
// update ("LAFT") that LAFT-URIEL sizes by typology (Badola et al. 2023, Findings of ACL,
// arXiv:2209.06767; the restriction to top layers is our reading, methods.md §5: unverified).
// docs/continual.md.
#include "harness/train/parameter_scope.h"
#include "methods/method.h"

namespace longtail::methods {
namespace {

class RestrictedUpdate : public FixedSampling {
 public:
  RestrictedUpdate(std::vector<double> p, std::string trainable) : FixedSampling(std::move(p)), trainable_(std::move(trainable)) {}
  std::string trainable_parameters() const override { return trainable_; }

 private:
  std::string trainable_;
};

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "freeze",
    "Badola et al. 2023, Parameter-Efficient Finetuning for Robust Continual Multilingual Learning, Findings of ACL, "
    "arXiv:2209.06767 (layer-restricted update; reconstructed)",
    "update stage: only `trainable` trains (default the top 2 layers), the rest frozen; p_i ∝ n_i over the stage's languages",
    {{"trainable", OptType::String, "top:2",
      "parameter set that trains: top:K (the K layers nearest the output: decoder from the top, then encoder), last:K "
      "(decoder only), encoder, decoder, all"}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<RestrictedUpdate>(temperature_distribution(ctx.train_pairs, 1.0), o.get_string("trainable"));
    },
    [](const Options& o, const SuiteFacts&, const std::string& where) {
      if (const std::string e = train::parameter_scope_error(o.get_string("trainable")); !e.empty()) throw ConfigError(where + ".trainable", e);
    }}.updating());

}  // namespace
}  // namespace longtail::methods

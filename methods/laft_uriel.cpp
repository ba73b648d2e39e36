// LAFT-URIEL (Badola, Dave, Talukdar 2023, "Parameter-Efficient Finetuning for Robust Continual
// Multilingual Learning", Findings of ACL, arXiv:2209.06767). Verified (the abstract): an update
// on a subset of the languages improves those and degrades the rest; LAFT-URIEL uses URIEL
// typology to balance overfitting and knowledge sharing, so that 25% more languages improve after
// an update and the losses on the rest shrink by 78%. No code was published; the rule below is
// OUR RECONSTRUCTION (methods.md §5: "more parameters are tuned when the update languages are
// close to many others, fewer when distant"):
//
//   s̄ = mean over update languages a, other languages b, and URIEL kinds k of (1 − d_k(a, b))
//   K = clamp(round(K_min + s̄ · (K_max − K_min)), K_min, K_max)        (layers that train)
//
// and the update trains the top K layers (parameter set top:K: decoder from the top, then the
// encoder), the rest frozen; languages drawn in proportion to their new pairs. K_max defaults to
// all layers. Distances: third_party/uriel (lang2vec features; docs/continual.md).
#include <algorithm>
#include <cmath>

#include "harness/common/strcat.h"
#include "harness/data/uriel.h"
#include "methods/method.h"

namespace longtail::methods {
namespace {

class LaftUriel : public FixedSampling {
 public:
  LaftUriel(std::vector<double> p, double similarity, int64_t layers)
      : FixedSampling(std::move(p)), similarity_(similarity), layers_(layers) {}
  std::string trainable_parameters() const override { return str::cat("top:", layers_); }
  boost::json::object metrics() const override { return {{"uriel_similarity", similarity_}, {"trainable_layers", layers_}}; }

 private:
  double similarity_;
  int64_t layers_;
};

std::vector<std::string> kinds_of(const Options& o) { return o.get_strings("kinds"); }

// s̄ over the update languages (those with pairs in this stage) against the rest.
double mean_similarity(const data::UrielTable& uriel, const TrainingContext& ctx, const std::vector<std::string>& kinds) {
  double sum = 0;
  int64_t n = 0;
  for (size_t a = 0; a < ctx.languages.size(); ++a)
    for (size_t b = 0; b < ctx.languages.size(); ++b)
      if (ctx.train_pairs[a] > 0 && ctx.train_pairs[b] == 0)
        for (const auto& k : kinds) sum += uriel.similarity(k, ctx.languages[a], ctx.languages[b]), ++n;
  return n > 0 ? sum / static_cast<double>(n) : 1.0;  // an update of every language: nothing to protect
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "laft_uriel",
    "Badola et al. 2023, Parameter-Efficient Finetuning for Robust Continual Multilingual Learning, Findings of ACL, "
    "arXiv:2209.06767 (budget rule reconstructed; no author code)",
    "update stage: the top K layers train, K = K_min + s̄·(K_max − K_min), s̄ = mean URIEL similarity of the update languages "
    "to the others",
    {{"kinds", OptType::StringList, boost::json::array{"syntactic", "phonological", "inventory", "genetic", "geographic"},
      "URIEL distances averaged into s̄ (third_party/uriel)", {}, {}, false,
      {"syntactic", "phonological", "inventory", "genetic", "geographic", "featural"}},
     {"min_layers", OptType::Int, 1, "K_min: layers that train however distant the update languages", 1, 1000},
     {"max_layers", OptType::Int, 0, "K_max: layers that train when they are identical to the others (0 = all layers)", 0, 1000},
     {"uriel", OptType::String, "", "URIEL distance file (default: $LONGTAIL_URIEL, else the shipped third_party/uriel file)"}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      const auto uriel = data::load_uriel(o.get_string("uriel"));
      const double s = mean_similarity(uriel, ctx, kinds_of(o));
      const int64_t all = ctx.model_layers > 0 ? ctx.model_layers : 1;
      const int64_t k_max = std::min(o.get_int("max_layers") > 0 ? o.get_int("max_layers") : all, all);
      const int64_t k_min = std::min(o.get_int("min_layers"), k_max);
      const auto k = std::clamp<int64_t>(static_cast<int64_t>(std::lround(static_cast<double>(k_min) + s * static_cast<double>(k_max - k_min))),
                                         k_min, k_max);
      return std::make_unique<LaftUriel>(temperature_distribution(ctx.train_pairs, 1.0), s, k);
    },
    [](const Options& o, const SuiteFacts& facts, const std::string& where) {
      if (o.get_strings("kinds").empty()) throw ConfigError(where + ".kinds", "expected at least one URIEL distance");
      if (facts.languages.empty()) return;  // the corpus decides: the cell checks
      const auto uriel = data::load_uriel(o.get_string("uriel"));
      for (const auto& l : facts.languages)
        if (!uriel.has(l))
          throw ConfigError(where, str::cat("language \"", l, "\" has no URIEL entry in ", uriel.path(),
                                            " (scripts/export-uriel.sh --languages adds it)"));
    }}.updating());

}  // namespace
}  // namespace longtail::methods

// Scalarization: proportional sampling with per-language loss weights,
//   L_S(w) = E_{x∈D}[ w_{f(x)} L(x) ],  w_i = p(i;τ) / p(i;1) = (Σ_j|D_j| / |D_i|) · p(i;τ),
// which makes L_S(w_τ) = L_TS(τ) (Li et al. 2025, "Upsample or Upweight? Balanced Training on
// Heavily Imbalanced Datasets", NAACL, arXiv:2410.04579, Theorem 1). The two objectives are equal
// under full gradient descent; under SGD scalarization's gradient has the larger variance
// (Theorem 2), which the trainer's grad_norm_var diagnostic measures.
//
// `weights` replaces w_τ with fixed per-language weights (Xin et al. 2022's tuned scalarization);
// languages it does not name keep weight 1.
//
// The trainer's loss is per target token (Σ_i w_i L_i / N_tokens), so w_τ reproduces the
// example-level temperature objective exactly when the languages' mean target lengths are equal,
// and approximately otherwise.
#include <algorithm>

#include "harness/common/json_util.h"
#include "harness/common/strcat.h"
#include "methods/method.h"

namespace longtail::methods {
namespace {

namespace json = boost::json;

class Scalarization : public Method {
 public:
  Scalarization(std::vector<double> p, std::vector<double> w) : p_(std::move(p)), w_(std::move(w)) {}
  std::vector<double> sampling_distribution(int64_t) const override { return p_; }
  std::vector<double> loss_weights(int64_t) const override { return w_; }

 private:
  std::vector<double> p_, w_;
};

void check_weights(const Options& o, const SuiteFacts& facts, const std::string& where) {
  const json::value& v = o.get("weights");
  if (!v.is_object()) throw ConfigError(where + ".weights", "expected an object {language: weight}");
  for (const auto& kv : v.get_object()) {
    const std::string path = where + ".weights." + std::string(kv.key());
    if (!kv.value().is_number() || !(json_number(kv.value()) > 0))
      throw ConfigError(path, "expected a number > 0, got " + json::serialize(kv.value()));
    if (!facts.languages.empty() &&
        std::find(facts.languages.begin(), facts.languages.end(), std::string(kv.key())) == facts.languages.end())
      throw ConfigError(path, str::cat("\"", std::string(kv.key()), "\" is not a training language (",
                                       str::join(facts.languages, ", "), ")"));
  }
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "scalarization",
    "Li et al. 2025, Upsample or Upweight? Balanced Training on Heavily Imbalanced Datasets, NAACL, arXiv:2410.04579 (Theorem 1)",
    "p_i = n_i / Σ_j n_j; loss Σ_i w_i L_i with w_i = p(i;τ)/p(i;1), or fixed `weights`",
    {{"tau", OptType::Float, 5.0, "τ of the temperature distribution the weights reproduce: w_i = p(i;τ)/p(i;1)", 0.0, 1e6, true},
     {"weights", OptType::Json, json::object{}, "fixed per-language loss weights {language: w > 0}, replacing w_τ; unnamed languages get 1"}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      const auto p1 = temperature_distribution(ctx.train_pairs, 1.0);
      std::vector<double> w(ctx.languages.size(), 1.0);
      const auto& fixed = o.get("weights").get_object();
      if (fixed.empty()) {
        const auto pt = temperature_distribution(ctx.train_pairs, o.get_float("tau"));
        for (size_t i = 0; i < w.size(); ++i) w[i] = p1[i] > 0 ? pt[i] / p1[i] : 0.0;
      } else {
        for (size_t i = 0; i < w.size(); ++i)
          if (const json::value* x = fixed.if_contains(ctx.languages[i])) w[i] = json_number(*x);
      }
      return std::make_unique<Scalarization>(p1, w);
    },
    check_weights});

}  // namespace
}  // namespace longtail::methods

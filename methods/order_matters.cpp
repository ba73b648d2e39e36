// Order Matters (Choi et al. 2023, "Order Matters in the Presence of Dataset Imbalance for
// Multilingual Learning", NeurIPS, arXiv:2312.06134): pre-train on the high-resource languages
// only, then train jointly on the mixture of all languages:
//   t <  t_switch:  p_t(i) ∝ n_i^{1/τ_pre} for i in the high-resource group, 0 otherwise
//   t ≥ t_switch:  p_t(i) ∝ n_i^{1/τ} over all languages;   plain cross-entropy.
// The groups are the suite's `groups` (explicit lists or a size threshold; default the larger
// half). Our choices, where the sources we had give no number: t_switch at half the budget,
// τ_pre = 1 inside the high group, τ = 5 for the joint phase (Li et al. 2025's Table 3 runs it
// beside τ = 5 and its numbers track that row). The optimizer state is kept across the switch
// (the paper's "restart" baseline, which resets it, did worse).
#include "methods/method.h"

namespace longtail::methods {
namespace {

class OrderMatters : public Method {
 public:
  OrderMatters(std::vector<double> pre, std::vector<double> joint, int64_t t_switch)
      : pre_(std::move(pre)), joint_(std::move(joint)), t_switch_(t_switch) {}
  std::vector<double> sampling_distribution(int64_t step) const override { return step < t_switch_ ? pre_ : joint_; }

 private:
  std::vector<double> pre_, joint_;
  int64_t t_switch_;
};

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "order_matters",
    "Choi et al. 2023, Order Matters in the Presence of Dataset Imbalance for Multilingual Learning, NeurIPS, arXiv:2312.06134",
    "high-resource languages only (p ∝ n^(1/τ_pre)) until t_switch, then all languages (p ∝ n^(1/τ)); plain cross-entropy",
    {{"switch_fraction", OptType::Float, 0.5, "t_switch as a fraction of train.steps: ⌊f·steps⌋ (used when switch_step is 0)", 0.0, 1.0},
     {"switch_step", OptType::Int, 0, "t_switch as a step (0 = use switch_fraction); at most train.steps", 0, 1e12},
     {"tau_pre", OptType::Float, 1.0, "temperature among the high-resource languages before the switch", 0.0, 1e6, true},
     {"tau", OptType::Float, 5.0, "temperature over all languages from the switch on", 0.0, 1e6, true}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      const size_t L = ctx.languages.size();
      if (ctx.high_resource.size() != L)
        throw std::logic_error("order_matters needs the high-resource group of every language");
      std::vector<int64_t> high_sizes(L, 0);
      bool any = false;
      for (size_t i = 0; i < L; ++i)
        if (ctx.high_resource[i]) high_sizes[i] = ctx.train_pairs[i], any = any || ctx.train_pairs[i] > 0;
      if (!any) throw ConfigError(ctx.params_path, "order_matters needs at least one high-resource language with data; set the suite's $.groups.high");
      const int64_t t = step_of(o.get_int("switch_step"), o.get_float("switch_fraction"), ctx.total_steps);
      return std::make_unique<OrderMatters>(temperature_distribution(high_sizes, o.get_float("tau_pre")),
                                            temperature_distribution(ctx.train_pairs, o.get_float("tau")), t);
    },
    [](const Options& o, const SuiteFacts& facts, const std::string& where) {
      check_within_budget(o.get_int("switch_step"), facts.total_steps, where, "switch_step");
    }});

}  // namespace
}  // namespace longtail::methods

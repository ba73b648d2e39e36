// Cooldown (Li et al. 2025, "Upsample or Upweight? Balanced Training on Heavily Imbalanced
// Datasets", NAACL, arXiv:2410.04579, §4): temperature sampling with a single step down,
//   τ_t = τ_high (5) for t < t_switch,  τ_t = τ_low (1) for t ≥ t_switch,
//   p_t(i) = |D_i|^{1/τ_t} / Σ_j |D_j|^{1/τ_t},  plain cross-entropy (no loss weights).
// The paper's MT run switches after 30k of 60k updates: t_switch defaults to half the budget.
// High τ first converges fast (low gradient variance); τ = 1 later stops overfitting the LRLs.
#include "methods/method.h"

namespace longtail::methods {
namespace {

int64_t switch_step(const Options& o, int64_t total_steps) {
  return step_of(o.get_int("switch_step"), o.get_float("switch_fraction"), total_steps);
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "cooldown",
    "Li et al. 2025, Upsample or Upweight? Balanced Training on Heavily Imbalanced Datasets, NAACL, arXiv:2410.04579 (§4)",
    "τ_t = τ_high for t < t_switch, τ_low after; p_t(i) ∝ n_i^(1/τ_t); plain cross-entropy",
    {{"tau_high", OptType::Float, 5.0, "temperature before the switch", 0.0, 1e6, true},
     {"tau_low", OptType::Float, 1.0, "temperature from the switch on", 0.0, 1e6, true},
     {"switch_fraction", OptType::Float, 0.5, "t_switch as a fraction of train.steps: ⌊f·steps⌋ (used when switch_step is 0)", 0.0, 1.0},
     {"switch_step", OptType::Int, 0, "t_switch as a step (0 = use switch_fraction); at most train.steps", 0, 1e12}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      const int64_t t = switch_step(o, ctx.total_steps);
      return std::make_unique<ScheduledTemperature>(
          TemperatureSchedule({{0, o.get_float("tau_high")}, {t, o.get_float("tau_low")}}, TemperatureSchedule::Mode::Stepwise),
          ctx.train_pairs);
    },
    [](const Options& o, const SuiteFacts& facts, const std::string& where) {
      check_within_budget(o.get_int("switch_step"), facts.total_steps, where, "switch_step");
    }});

}  // namespace
}  // namespace longtail::methods

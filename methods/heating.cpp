// Temperature heating (Dua et al. 2022, "Tricks for Training Sparse Translation Models", NAACL,
// arXiv:2110.08246): the opposite of Cooldown — the upsampling of low-resource languages grows
// during training, τ rising from τ_start (near proportional) to τ_end (more uniform):
//   p_t(i) ∝ n_i^{1/τ_t},  plain cross-entropy.
// The paper's exact schedule is not published. Our choice (documented in methods/README.md):
// τ 1 → 5 over the first half of the budget, then held; linear in t, or in `stages` equal steps.
#include "methods/method.h"

namespace longtail::methods {
namespace {

std::vector<TemperatureSchedule::Knot> heating_knots(const Options& o, int64_t total_steps) {
  const double t0 = o.get_float("tau_start"), t1 = o.get_float("tau_end");
  const int64_t span = step_of(o.get_int("span_steps"), o.get_float("span_fraction"), total_steps);
  if (span == 0) return {{0, t1}};
  if (o.get_string("mode") == "linear") return {{0, t0}, {span, t1}};
  // Stepwise: stage k of K starts at ⌊k·span/K⌋ with τ_start + (τ_end-τ_start)·k/K; τ_end from `span`.
  const int64_t stages = o.get_int("stages");
  std::vector<TemperatureSchedule::Knot> knots;
  for (int64_t k = 0; k <= stages; ++k)
    knots.push_back({span * k / stages, t0 + (t1 - t0) * static_cast<double>(k) / static_cast<double>(stages)});
  return knots;
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "heating",
    "Dua et al. 2022, Tricks for Training Sparse Translation Models, NAACL, arXiv:2110.08246 (schedule: our choice)",
    "τ_t rises from τ_start to τ_end over the span (linear or stepwise), then held; p_t(i) ∝ n_i^(1/τ_t); plain cross-entropy",
    {{"tau_start", OptType::Float, 1.0, "temperature at step 0", 0.0, 1e6, true},
     {"tau_end", OptType::Float, 5.0, "temperature reached at the end of the span and held after it", 0.0, 1e6, true},
     {"span_fraction", OptType::Float, 0.5, "length of the rise as a fraction of train.steps (used when span_steps is 0)", 0.0, 1.0},
     {"span_steps", OptType::Int, 0, "length of the rise in steps (0 = use span_fraction); at most train.steps", 0, 1e12},
     {"mode", OptType::String, "linear", "linear: τ changes every step; stepwise: `stages` equal increments", {}, {}, false, {"linear", "stepwise"}},
     {"stages", OptType::Int, 4, "stepwise mode: number of increments from τ_start to τ_end", 1, 1e6}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      const auto mode = o.get_string("mode") == "linear" ? TemperatureSchedule::Mode::Linear : TemperatureSchedule::Mode::Stepwise;
      return std::make_unique<ScheduledTemperature>(TemperatureSchedule(heating_knots(o, ctx.total_steps), mode), ctx.train_pairs);
    },
    [](const Options& o, const SuiteFacts& facts, const std::string& where) {
      check_within_budget(o.get_int("span_steps"), facts.total_steps, where, "span_steps");
    }});

}  // namespace
}  // namespace longtail::methods

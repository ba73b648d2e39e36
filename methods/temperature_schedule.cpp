// A general piecewise temperature schedule: p_t(i) ∝ n_i^{1/τ(t)}, plain cross-entropy, with τ(t)
// given by knots [{"at": fraction of the budget | "step": absolute step, "tau": τ}, ...] that are
// held (stepwise) or interpolated (linear). `cooldown` (Li et al. 2025) and `heating` (Dua et al.
// 2022) are presets of it; this entry runs any other shape, e.g. 002's multi-step "dense" decays.
#include "harness/common/json_util.h"
#include "harness/common/strcat.h"
#include "methods/method.h"

namespace longtail::methods {
namespace {

namespace json = boost::json;

// Knots as steps; every problem names its JSON path (…params.knots[k].tau).
std::vector<TemperatureSchedule::Knot> parse_knots(const Options& o, int64_t total_steps, const std::string& where) {
  const json::value& v = o.get("knots");
  const std::string base = where + ".knots";
  if (!v.is_array() || v.get_array().empty()) throw ConfigError(base, "expected a non-empty list of {\"at\"|\"step\", \"tau\"}");
  std::vector<TemperatureSchedule::Knot> knots;
  for (size_t k = 0; k < v.get_array().size(); ++k) {
    const std::string path = str::cat(base, "[", k, "]");
    const json::value& e = v.get_array()[k];
    if (!e.is_object()) throw ConfigError(path, "expected an object {\"at\"|\"step\", \"tau\"}");
    const auto& obj = e.get_object();
    for (const auto& kv : obj)
      if (kv.key() != "at" && kv.key() != "step" && kv.key() != "tau")
        throw ConfigError(path + "." + std::string(kv.key()), "unknown key; expected \"at\", \"step\" or \"tau\"");
    const json::value* tau = obj.if_contains("tau");
    if (!tau || !tau->is_number() || !(json_number(*tau) > 0))
      throw ConfigError(path + ".tau", "expected a number > 0, got " + (tau ? json::serialize(*tau) : std::string("nothing")));
    const json::value* at = obj.if_contains("at");
    const json::value* step = obj.if_contains("step");
    if ((at != nullptr) == (step != nullptr)) throw ConfigError(path, "give exactly one of \"at\" (fraction of the budget) or \"step\"");
    int64_t t = 0;
    if (at) {
      if (!at->is_number() || json_number(*at) < 0 || json_number(*at) > 1)
        throw ConfigError(path + ".at", "expected a fraction in [0, 1], got " + json::serialize(*at));
      t = step_of(0, json_number(*at), total_steps);
    } else {
      if (!step->is_int64() || step->get_int64() < 0)
        throw ConfigError(path + ".step", "expected a non-negative integer, got " + json::serialize(*step));
      t = step->get_int64();
      check_within_budget(t, total_steps, path, "step");
    }
    if (k == 0 && t != 0) throw ConfigError(path, "the first knot must be at step 0 (\"at\": 0)");
    if (k > 0 && t < knots.back().step)
      throw ConfigError(path, str::cat("knots must be in step order (step ", t, " after ", knots.back().step, ")"));
    knots.push_back({t, json_number(*tau)});
  }
  return knots;
}

TemperatureSchedule::Mode mode_of(const Options& o) {
  return o.get_string("interpolation") == "linear" ? TemperatureSchedule::Mode::Linear : TemperatureSchedule::Mode::Stepwise;
}

LONGTAIL_REGISTER_METHOD(MethodSpec{
    "temperature_schedule",
    "general form of Li et al. 2025 (Cooldown, arXiv:2410.04579) and Dua et al. 2022 (heating, arXiv:2110.08246)",
    "p_t(i) ∝ n_i^(1/τ(t)), τ(t) piecewise (stepwise or linear) through the knots; plain cross-entropy",
    {{"knots", OptType::Json, json::array{json::object{{"at", 0}, {"tau", 5.0}}, json::object{{"at", 0.5}, {"tau", 1.0}}},
      "[{\"at\": fraction of train.steps | \"step\": step, \"tau\": τ > 0}, ...], first at 0, in step order"},
     {"interpolation", OptType::String, "stepwise", "stepwise: hold τ_k until the next knot; linear: interpolate τ between knots",
      {}, {}, false, {"stepwise", "linear"}}},
    [](const Options& o, const TrainingContext& ctx) -> std::unique_ptr<Method> {
      return std::make_unique<ScheduledTemperature>(TemperatureSchedule(parse_knots(o, ctx.total_steps, ""), mode_of(o)),
                                                    ctx.train_pairs);
    },
    [](const Options& o, const SuiteFacts& facts, const std::string& where) { parse_knots(o, facts.total_steps, where); }});

}  // namespace
}  // namespace longtail::methods

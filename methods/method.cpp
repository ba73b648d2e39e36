#include "methods/method.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "harness/common/strcat.h"

namespace longtail::methods {

std::vector<double> Method::loss_weights(int64_t) const {
  return {};  // empty = all ones; the trainer skips the multiplication
}

void Method::load_state(const std::string& state) {
  if (!state.empty()) throw std::runtime_error("method state given to a stateless method");
}

namespace {
std::vector<MethodSpec>& registry() {
  static std::vector<MethodSpec> r;
  return r;
}
}  // namespace

void register_method(MethodSpec spec) {
  if (find_method(spec.name)) throw std::logic_error("method registered twice: " + spec.name);
  // In name order, whatever the order in which the linker put the method files.
  auto& r = registry();
  const auto at = std::lower_bound(r.begin(), r.end(), spec.name, [](const MethodSpec& m, const std::string& n) { return m.name < n; });
  r.insert(at, std::move(spec));
}

const std::vector<MethodSpec>& all_methods() { return registry(); }

const MethodSpec* find_method(const std::string& name) {
  for (const auto& m : registry())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& m : registry()) names.push_back(m.name);
  return names;
}

std::vector<std::string> update_method_names() {
  std::vector<std::string> names;
  for (const auto& m : registry())
    if (m.update_method) names.push_back(m.name);
  return names;
}

Options validate_method(const std::string& name, const boost::json::object& params, const SuiteFacts& facts,
                        const std::string& json_path) {
  const MethodSpec* spec = find_method(name);
  if (!spec)
    throw ConfigError(json_path.empty() ? "" : json_path + ".name",
                      str::cat("unknown method \"", name, "\"; known: ", str::join(method_names(), ", ")));
  const std::string where = json_path + ".params";
  Options resolved(resolve_options(spec->params, params, where), where);
  if (spec->check) spec->check(resolved, facts, where);
  return resolved;
}

std::unique_ptr<Method> make_method(const std::string& name, const boost::json::object& params,
                                    const TrainingContext& ctx, const std::string& json_path) {
  Options resolved = validate_method(name, params, SuiteFacts{ctx.total_steps, ctx.languages}, json_path);
  TrainingContext c = ctx;
  c.params_path = json_path + ".params";
  const MethodSpec* spec = find_method(name);
  std::unique_ptr<Method> m = spec->make(resolved, c);
  m->name_ = name;
  m->hook_ = spec->hook;
  return m;
}

std::vector<double> temperature_distribution(const std::vector<int64_t>& sizes, double tau) {
  if (!(tau > 0)) throw std::invalid_argument("temperature must be > 0, got " + str::shortest(tau));
  if (sizes.empty()) return {};
  // Work with n_i / max n in log space: exact for τ=1 and stable for large sizes and τ.
  int64_t largest = 0;
  for (int64_t n : sizes) largest = std::max(largest, n);
  std::vector<double> p(sizes.size());
  double total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0) throw std::invalid_argument("negative language size");
    p[i] = sizes[i] == 0 ? 0.0 : std::exp(std::log(double(sizes[i]) / double(largest)) / tau);
    total += p[i];
  }
  if (total <= 0) throw std::invalid_argument("all languages are empty");
  for (double& x : p) x /= total;
  return p;
}

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = next();
  while (x >= limit);
  return x % n;
}

void SplitMix64::shuffle(std::vector<int64_t>& v) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
}

std::vector<std::vector<int64_t>> shuffled_partner_orders(int64_t k, SplitMix64& rng) {
  std::vector<std::vector<int64_t>> order(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j)
      if (j != i) order[static_cast<size_t>(i)].push_back(j);
    rng.shuffle(order[static_cast<size_t>(i)]);
  }
  return order;
}

OptionSpec tasks_option() {
  return {"tasks", OptType::String, "equal",
          "what a task is: equal (each language, with its mean token loss, as the papers' tasks) or share (its token share "
          "of the ordinary objective, so rare languages are small tasks)",
          {}, {}, false, {"equal", "share"}};
}

void check_parameter_scope(const Options& o, const std::string& key, const std::string& json_path) {
  if (const std::string e = parameter_scope_error(o.get_string(key)); !e.empty()) throw ConfigError(json_path + "." + key, e);
}

int64_t step_of(int64_t absolute, double fraction, int64_t total_steps) {
  if (absolute > 0) return absolute;
  return static_cast<int64_t>(std::floor(fraction * static_cast<double>(total_steps)));
}

void check_within_budget(int64_t step, int64_t total_steps, const std::string& json_path, const std::string& key) {
  if (total_steps > 0 && step > total_steps)
    throw ConfigError(json_path + "." + key,
                      str::cat("step ", step, " is beyond the step budget (train.steps = ", total_steps, ")"));
}

TemperatureSchedule::TemperatureSchedule(std::vector<Knot> knots, Mode mode) : knots_(std::move(knots)), mode_(mode) {
  if (knots_.empty()) throw std::invalid_argument("temperature schedule: no knots");
  if (knots_.front().step != 0) throw std::invalid_argument("temperature schedule: the first knot must be at step 0");
  for (size_t k = 0; k < knots_.size(); ++k) {
    if (!(knots_[k].tau > 0)) throw std::invalid_argument("temperature schedule: τ must be > 0, got " + str::shortest(knots_[k].tau));
    if (k > 0 && knots_[k].step < knots_[k - 1].step)
      throw std::invalid_argument("temperature schedule: knot steps must be non-decreasing");
  }
}

double TemperatureSchedule::tau(int64_t step) const {
  // The last knot at or before `step` (later knots at the same step win: a jump).
  size_t k = 0;
  while (k + 1 < knots_.size() && knots_[k + 1].step <= step) ++k;
  if (mode_ == Mode::Stepwise || k + 1 == knots_.size()) return knots_[k].tau;
  const Knot& a = knots_[k];
  const Knot& b = knots_[k + 1];
  const double f = static_cast<double>(step - a.step) / static_cast<double>(b.step - a.step);
  return a.tau + (b.tau - a.tau) * f;
}

}  // namespace longtail::methods

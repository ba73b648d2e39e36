#include "methods/method.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace longtail::methods {

std::vector<double> Method::loss_weights(int64_t) const {
  return {};  // empty = all ones; the trainer skips the multiplication
}

namespace {
std::vector<MethodSpec>& registry() {
  static std::vector<MethodSpec> r;
  return r;
}
}  // namespace

void register_method(MethodSpec spec) {
  if (find_method(spec.name)) throw std::logic_error("method registered twice: " + spec.name);
  registry().push_back(std::move(spec));
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

std::unique_ptr<Method> make_method(const std::string& name, const boost::json::object& params,
                                    const TrainingContext& ctx, const std::string& json_path) {
  const MethodSpec* spec = find_method(name);
  if (!spec)
    throw ConfigError(json_path, fmt::format("unknown method \"{}\"; known: {}", name, fmt::join(method_names(), ", ")));
  Options resolved(resolve_options(spec->params, params, json_path + ".params"), json_path);
  return spec->make(resolved, ctx);
}

std::vector<double> temperature_distribution(const std::vector<int64_t>& sizes, double tau) {
  if (!(tau > 0)) throw std::invalid_argument(fmt::format("temperature must be > 0, got {}", tau));
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

}  // namespace longtail::methods

// The balancing-method interface. A method is one file in methods/ that declares its
// hyper-parameters in an OptionTable and registers a factory with LONGTAIL_REGISTER_METHOD.
//
// A method supplies, per training step:
//   * the language-sampling distribution p_t over the training languages, and
//   * per-language loss weights w_t (the loss is Σ_i w_i · L_i over the batch's languages).
// Methods that take over the optimisation step (gradient surgery, meta-learning) extend this
// interface on the LibTorch side; the pure parts here stay usable without LibTorch, so the driver
// can list and validate methods without loading it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/common/options.h"

namespace longtail::methods {

// What a method may know about the training run when it is built.
struct TrainingContext {
  std::vector<std::string> languages;  // training languages, in suite order
  std::vector<int64_t> train_pairs;    // training pairs per language (after the imbalance profile)
  int64_t total_steps = 0;             // the step budget
};

class Method {
 public:
  virtual ~Method() = default;
  // p_t: a probability distribution over TrainingContext::languages for step t (0-based).
  virtual std::vector<double> sampling_distribution(int64_t step) const = 0;
  // w_t: per-language loss weights for step t. Default: all ones (plain cross-entropy).
  virtual std::vector<double> loss_weights(int64_t step) const;
};

// A method whose language distribution stays the same for the whole run (plain cross-entropy):
// proportional, temperature and uniform sampling differ only in the p they pass here.
class FixedSampling : public Method {
 public:
  explicit FixedSampling(std::vector<double> p) : p_(std::move(p)) {}
  std::vector<double> sampling_distribution(int64_t) const override { return p_; }

 private:
  std::vector<double> p_;
};

struct MethodSpec {
  std::string name;
  std::string paper;    // citation, e.g. "Arivazhagan et al. 2019, arXiv:1907.05019"
  std::string summary;  // the equation in one line
  OptionTable params;
  std::function<std::unique_ptr<Method>(const Options& params, const TrainingContext& ctx)> make;
};

void register_method(MethodSpec spec);
const std::vector<MethodSpec>& all_methods();
const MethodSpec* find_method(const std::string& name);  // nullptr when unknown
std::vector<std::string> method_names();

// Builds a method from an unresolved params object (validated against its table).
std::unique_ptr<Method> make_method(const std::string& name, const boost::json::object& params,
                                    const TrainingContext& ctx, const std::string& json_path = "");

// p_i ∝ n_i^{1/τ}: the temperature distribution (τ=1 proportional, τ→∞ uniform).
std::vector<double> temperature_distribution(const std::vector<int64_t>& sizes, double tau);

}  // namespace longtail::methods

#define LONGTAIL_CONCAT_INNER(a, b) a##b
#define LONGTAIL_CONCAT(a, b) LONGTAIL_CONCAT_INNER(a, b)
// Registers a method at static-initialisation time: LONGTAIL_REGISTER_METHOD(spec_expression);
#define LONGTAIL_REGISTER_METHOD(...)                                                  \
  static const bool LONGTAIL_CONCAT(longtail_method_registered_, __LINE__) = [] {      \
    ::longtail::methods::register_method(__VA_ARGS__);                                 \
    return true;                                                                       \
  }()

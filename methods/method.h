// The balancing-method interface. A method is one file in methods/ that declares its
// hyper-parameters in an OptionTable and registers a factory with LONGTAIL_REGISTER_METHOD.
//
// A method supplies, per training step t (0-based):
//   * the language-sampling distribution p_t over the training languages,
//   * per-language loss weights w_t (the objective is Σ_i w_i L_i / N over the batch), and
//   * optionally per-language caps on the examples drawn over the whole run (UniMax's epochs).
// After every update it is told what the step trained on (observe), so adaptive methods can keep
// state; that state goes into the checkpoint (save_state/load_state) so a resume is exact.
//
// Methods that take over the optimisation step (per-language gradients: CATS, PCGrad, GradVac,
// CAGrad, GradNorm; inner loops: Sequential Reptile) keep their LibTorch step hook
// (harness/train/step_hook.h) in the same file, under `#ifdef LONGTAIL_WITH_TORCH`, and name it in
// their registration: LONGTAIL_REGISTER_METHOD(MethodSpec{...}.with(LONGTAIL_STEP_HOOK(M, H))). This
// header stays free of LibTorch, so the driver lists and validates every method without loading it;
// there the hook is declared (the method takes over the step) but not linked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "harness/common/options.h"
#include "harness/model/model_config.h"
#include "harness/train/parameter_scope.h"
#include "harness/train/task_scale.h"

namespace longtail::train {
class StepHook;  // harness/train/step_hook.h (LibTorch)
}

namespace longtail::methods {

class Method;

// A method's LibTorch step hook as its registration declares it: whether the method takes over
// "objective → backward", and the factory of its hook, bound to the method's concrete type
// (`method_type`). The factory is null where the hook is declared but not linked (the LibTorch-free
// build of the method file: the driver, test_core).
struct StepHookSlot {
  bool takes_over_step = false;
  std::unique_ptr<train::StepHook> (*make)(Method& method) = nullptr;
  const std::type_info* method_type = nullptr;
};

// What a method may know about the training run when it is built.
struct TrainingContext {
  std::vector<std::string> languages;  // training languages, in suite order
  std::vector<int64_t> train_pairs;    // training pairs per language (after the imbalance profile)
  int64_t total_steps = 0;             // the step budget
  // Source + target tokens (with the specials) per language, as the batcher counts them, and the
  // token budget of one step's batch. Empty / 0 where unknown (the driver does not read shards).
  std::vector<int64_t> train_tokens;
  int64_t batch_tokens = 0;
  // The suite's high-resource group (`groups`), one flag per language; empty = not given.
  std::vector<bool> high_resource;
  // JSON path of the method's params object, for errors found when building (set by make_method).
  std::string params_path;
  // The cell's seed, for methods that draw random numbers (PCGrad's projection order, Sequential
  // Reptile's per-step language); 0 where unknown (the driver). A method that keeps a generator
  // saves it in save_state() so a resume continues the same stream.
  uint64_t seed = 0;
  // Mean real (non-padding) source + target tokens of one step's batch when languages are drawn
  // from p, measured on the cell's batcher settings (train::mean_batch_tokens); empty where unknown.
  // Valid only while the method is being built.
  std::function<double(const std::vector<double>& p)> step_tokens;
  // Encoder + decoder layers of the model (the restricted updates size their budget by it); 0 where unknown.
  int64_t model_layers = 0;
  // Update stages of continual learning: pairs per language of the previous stage and of every
  // earlier stage (docs/continual.md); empty elsewhere.
  std::vector<int64_t> previous_pairs, earlier_pairs;
};

// Replay (continual learning): every batch draws the share `share` of its examples from earlier
// stages' pairs, their languages from `p`; the rest from this stage's pairs, from
// sampling_distribution(). share = 0: no replay.
struct Replay {
  double share = 0;
  std::vector<double> p;  // over TrainingContext::languages
};

// What the trainer tells a method after the update of step `step`.
struct StepFeedback {
  int64_t step = 0;                     // 0-based step that was just trained
  std::vector<int64_t> examples;        // examples per language in its batch
  std::vector<double> loss_sum, tokens; // per language: label-smoothed loss sum, target tokens
  double grad_norm = 0;                 // global gradient norm before clipping
};

class Method {
 public:
  virtual ~Method() = default;
  // p_t: a probability distribution over TrainingContext::languages for step t (0-based).
  // The batcher redraws its pending pool when p_t differs from the pool's p, so a schedule
  // switches at exactly the step it names.
  virtual std::vector<double> sampling_distribution(int64_t step) const = 0;
  // w_t: per-language loss weights for step t. Empty = all ones (plain cross-entropy).
  virtual std::vector<double> loss_weights(int64_t step) const;
  // Per-language maximum of examples drawn over the run; empty = no caps. The batcher never
  // draws a language beyond its cap (it drops out of p once reached).
  virtual std::vector<int64_t> example_caps() const { return {}; }
  // Called after every update, in step order; a resumed run restores save_state() instead of
  // replaying the steps.
  virtual void observe(const StepFeedback&) {}
  // The state observe() built up, as bytes for the checkpoint's method_state; "" when stateless.
  virtual std::string save_state() const { return {}; }
  // Restores save_state()'s output. The default accepts only "" (stateless methods).
  virtual void load_state(const std::string& state);
  // True when the method's LibTorch step hook replaces "objective → backward": what its
  // registration declares (LONGTAIL_STEP_HOOK), set by make_method.
  bool takes_over_step() const { return hook_.takes_over_step; }
  // The method's own figures (CATS's α and λ_c): logged under "method" on every train line of
  // metrics.jsonl and, at the end, in cell.json's diagnostics. Empty = nothing to log.
  virtual boost::json::object metrics() const { return {}; }
  // The parameters the optimiser updates, as a parameter set (harness/train/parameter_scope.h);
  // the rest stay bitwise as they are. The restricted updates of continual learning narrow it.
  virtual std::string trainable_parameters() const { return "all"; }
  // What the method replays from earlier stages (continual learning). A method replays from its
  // first step or never: the cell sets its batcher up for it when it is built (step 0).
  virtual Replay replay(int64_t /*step*/) const { return {}; }

 private:
  friend std::unique_ptr<Method> make_method(const std::string&, const boost::json::object&, const TrainingContext&,
                                             const std::string&);
  friend std::unique_ptr<train::StepHook> make_step_hook(Method& method);  // methods/step_hook_factory.h
  std::string name_;   // the registered name it was made under
  StepHookSlot hook_;  // its registration's step hook
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

// What is known about a method's use when a suite is loaded (before any data is read): the step
// budget and, when the dataset entries list them, the languages.
struct SuiteFacts {
  int64_t total_steps = 0;
  std::vector<std::string> languages;  // empty = unknown
};

struct MethodSpec {
  std::string name;
  std::string paper;    // citation, e.g. "Arivazhagan et al. 2019, arXiv:1907.05019"
  std::string summary;  // the equation in one line
  OptionTable params;
  std::function<std::unique_ptr<Method>(const Options& params, const TrainingContext& ctx)> make;
  // Checks that need more than one parameter or the run (a switch step beyond the budget, weights
  // for unknown languages). Throws ConfigError naming json_path (the params object) + key.
  std::function<void(const Options& params, const SuiteFacts& facts, const std::string& json_path)> check{};
  // The LibTorch step hook, for a method that takes over the step (LONGTAIL_STEP_HOOK).
  StepHookSlot hook{};
  // The method keeps a copy of every model parameter (Sequential Reptile's anchor θ), which the
  // dense→sparse switch of dense pre-training cannot carry over: suites refuse the combination.
  bool copies_parameters = false;
  // An update method of continual learning (docs/continual.md): it fine-tunes the previous stage's
  // model, in the update stages of a continual suite only.
  bool update_method = false;
  // What the method adds to the model of its cells (an update stage's LoRA or adapters), from its
  // resolved params; none for most methods.
  std::function<void(const Options& params, model::ModelConfig& model)> adapt_model{};

  // `spec.with(LONGTAIL_STEP_HOOK(M, H))`: the spec with its step hook, in the registration.
  MethodSpec with(StepHookSlot slot) && {
    hook = slot;
    return std::move(*this);
  }
  MethodSpec adapting(std::function<void(const Options&, model::ModelConfig&)> f) && {
    adapt_model = std::move(f);
    return std::move(*this);
  }
  MethodSpec updating() && {
    update_method = true;
    return std::move(*this);
  }
  MethodSpec copying_parameters() && {
    copies_parameters = true;
    return std::move(*this);
  }
};

void register_method(MethodSpec spec);
const std::vector<MethodSpec>& all_methods();
const MethodSpec* find_method(const std::string& name);  // nullptr when unknown
std::vector<std::string> method_names();
std::vector<std::string> update_method_names();  // the registered update methods

// Resolves params against the method's table and runs its check: what load_suite does.
// json_path is the method entry ("$.methods[2]"); errors name json_path + ".params.<key>".
Options validate_method(const std::string& name, const boost::json::object& params, const SuiteFacts& facts,
                        const std::string& json_path = "");

// Builds a method from an unresolved params object (validated against its table and check).
std::unique_ptr<Method> make_method(const std::string& name, const boost::json::object& params,
                                    const TrainingContext& ctx, const std::string& json_path = "");

// The factory of hook H for method M (H constructible from M&): what LONGTAIL_STEP_HOOK(M, H)
// expands to where LibTorch is compiled in. The method is the one its own spec made, so the
// static_cast is exact (make_step_hook also checks the dynamic type against M).
template <class M, class H>
StepHookSlot bind_step_hook() {
  return {true, [](Method& m) -> std::unique_ptr<train::StepHook> { return std::make_unique<H>(static_cast<M&>(m)); },
          &typeid(M)};
}

// p_i ∝ n_i^{1/τ}: the temperature distribution (τ=1 proportional, τ→∞ uniform).
std::vector<double> temperature_distribution(const std::vector<int64_t>& sizes, double tau);

// ---- helpers shared by the method files ---------------------------------------------------------

// A parameter set (harness/train/parameter_scope.h): "all", "encoder", "decoder", "last:K",
// "top:K" (K ≥ 1), "lora" or "adapter". Returns "" when the spelling is valid, else the problem.
using train::parameter_scope_error;
// Throws ConfigError(json_path + "." + key) when o.get_string(key) is not a valid parameter set.
void check_parameter_scope(const Options& o, const std::string& key, const std::string& json_path);

// A step given either as an absolute step (> 0) or as a fraction of the budget: ⌊f·T⌋.
int64_t step_of(int64_t absolute, double fraction, int64_t total_steps);

// Throws ConfigError(json_path + "." + key) when step > total_steps (a switch the run never reaches).
void check_within_budget(int64_t step, int64_t total_steps, const std::string& json_path, const std::string& key);

// A piecewise temperature schedule: knots (t_k, τ_k) with t_0 = 0 and t_k non-decreasing.
// Stepwise: τ(t) = τ_k of the last knot with t_k ≤ t. Linear: τ interpolated linearly between
// knots (in t), constant after the last. Cooldown and heating are presets of it.
class TemperatureSchedule {
 public:
  enum class Mode { Stepwise, Linear };
  struct Knot {
    int64_t step;
    double tau;
  };
  TemperatureSchedule(std::vector<Knot> knots, Mode mode);  // throws std::invalid_argument
  double tau(int64_t step) const;
  const std::vector<Knot>& knots() const { return knots_; }

 private:
  std::vector<Knot> knots_;
  Mode mode_;
};

// SplitMix64 with hand-written draws (the batcher's generator): the same numbers with every
// standard library, and a state of one word for the checkpoint.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed = 0) : state_(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n);  // uniform in [0, n), n > 0 (rejection sampling, no modulo bias)
  // Fisher-Yates shuffle of `v` in place.
  void shuffle(std::vector<int64_t>& v);
  uint64_t state() const { return state_; }
  void set_state(uint64_t s) { state_ = s; }

 private:
  uint64_t state_;
};

// For each of k tasks, the other tasks in a fresh random order (one shuffle per task from `rng`):
// the order in which PCGrad and GradVac visit a task's partners.
std::vector<std::vector<int64_t>> shuffled_partner_orders(int64_t k, SplitMix64& rng);

// The LibTorch-free half of a method that replaces the update with a combination of per-language
// gradients (PCGrad, GradVac, CAGrad, GradNorm): temperature sampling p(·;τ), the parameter set
// the per-language gradients are taken over, and what a task is (`tasks`: each language with its
// mean loss, or its token share of the ordinary objective; harness/train/task_scale.h). Its hook
// lives in the same file under LONGTAIL_WITH_TORCH.
class PerLanguageGradientMethod : public Method {
 public:
  PerLanguageGradientMethod(std::vector<double> p, std::string scope, train::TaskScale tasks)
      : p_(std::move(p)), scope_(std::move(scope)), tasks_(tasks) {}
  std::vector<double> sampling_distribution(int64_t) const override { return p_; }
  const std::string& scope() const { return scope_; }
  train::TaskScale tasks() const { return tasks_; }

 private:
  std::vector<double> p_;
  std::string scope_;
  train::TaskScale tasks_;
};

// The `tasks` parameter of the per-language gradient methods, declared once.
OptionSpec tasks_option();

// Temperature sampling along a schedule (plain cross-entropy). p_t is recomputed from τ(t) and is
// bitwise the same vector while τ(t) is, so a stepwise schedule keeps the batcher's pool.
class ScheduledTemperature : public Method {
 public:
  ScheduledTemperature(TemperatureSchedule schedule, std::vector<int64_t> sizes)
      : schedule_(std::move(schedule)), sizes_(std::move(sizes)) {}
  std::vector<double> sampling_distribution(int64_t step) const override {
    return temperature_distribution(sizes_, schedule_.tau(step));
  }
  const TemperatureSchedule& schedule() const { return schedule_; }

 private:
  TemperatureSchedule schedule_;
  std::vector<int64_t> sizes_;
};

}  // namespace longtail::methods

#define LONGTAIL_CONCAT_INNER(a, b) a##b
#define LONGTAIL_CONCAT(a, b) LONGTAIL_CONCAT_INNER(a, b)
// Registers a method at static-initialisation time: LONGTAIL_REGISTER_METHOD(spec_expression);
// A method that takes over the step names its hook class in the spec expression, after the hook's
// `#ifdef LONGTAIL_WITH_TORCH` section:
//   LONGTAIL_REGISTER_METHOD(MethodSpec{...}.with(LONGTAIL_STEP_HOOK(PCGrad, PCGradHook)));
// LONGTAIL_STEP_HOOK(M, H) binds hook H (constructible from M&) to method M where LibTorch is
// compiled in, and declares it without linking it elsewhere (H need not exist there).
#ifdef LONGTAIL_WITH_TORCH
#define LONGTAIL_STEP_HOOK(M, H) ::longtail::methods::bind_step_hook<M, H>()
#else
#define LONGTAIL_STEP_HOOK(M, H) ::longtail::methods::StepHookSlot{true, nullptr, &typeid(M)}
#endif
#define LONGTAIL_REGISTER_METHOD(...)                                                  \
  static const bool LONGTAIL_CONCAT(longtail_method_registered_, __LINE__) = [] {      \
    ::longtail::methods::register_method(__VA_ARGS__);                                 \
    return true;                                                                       \
  }()

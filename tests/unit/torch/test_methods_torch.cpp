// The sampling and loss-scaling family on the LibTorch side: Li et al. 2025's Theorem 1
// (scalarization = temperature sampling under full-batch gradient descent) and Theorem 2 (higher
// gradient variance under SGD, as the trainer's diagnostics log it), schedules across a resume,
// and the step-hook interface that later methods (PCGrad, CATS, ...) plug into.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "cell_fixture.h"
#include "harness/cell/cell_data.h"
#include "harness/records/cell_config.h"
#include "harness/train/step_hook.h"
#include "harness/train/step.h"
#include "methods/step_hook_factory.h"
#include "methods/method.h"
#include "tiny_cell.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
using test_cell::CellSpec;
using test_cell::tiny;
using test_cell::parameters;
using test_cell::examples;
using test_cell::concat;
using test_cell::run;
using test_cell::check_same_tensors;
namespace json = boost::json;

namespace {

void gradient_descent(const train::NamedTensors& params, double lr) {
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : params) const_cast<torch::Tensor&>(p).sub_(p.grad(), lr);
}

double max_abs_difference(model::Transformer& a, model::Transformer& b) {
  double d = 0;
  auto pa = parameters(a), pb = parameters(b);
  for (size_t i = 0; i < pa.size(); ++i) d = std::max(d, (pa[i].second - pb[i].second).abs().max().item<double>());
  return d;
}

// ---- a stateful method that takes over the step: exercises the whole hook interface -------------

// Temperature sampling (τ = 2) with weights w_i = 1 + i; counts what it observed (its state).
class GradientSumProbe : public methods::Method {
 public:
  explicit GradientSumProbe(const methods::TrainingContext& ctx)
      : p_(methods::temperature_distribution(ctx.train_pairs, 2.0)), w_(ctx.languages.size()) {
    for (size_t i = 0; i < w_.size(); ++i) w_[i] = 1.0 + static_cast<double>(i);
  }
  std::vector<double> sampling_distribution(int64_t) const override { return p_; }
  std::vector<double> loss_weights(int64_t) const override { return w_; }
  void observe(const methods::StepFeedback& fb) override {
    if (fb.step != steps_) throw std::logic_error("observe out of order");
    ++steps_;
    for (int64_t n : fb.examples) examples_ += n;
  }
  std::string save_state() const override { return std::to_string(steps_) + " " + std::to_string(examples_); }
  void load_state(const std::string& s) override {
    std::istringstream in(s);
    in >> steps_ >> examples_;
  }
  int64_t steps_ = 0, examples_ = 0;

 private:
  std::vector<double> p_, w_;
};

// The default objective's gradient rebuilt from per-language gradients:
// ∇(Σ_i w_i L_i / N) = Σ_i w_i (N_i / N) ∇(L_i / N_i).
class GradientSumHook : public train::StepHook {
 public:
  GradientSumHook() = default;
  explicit GradientSumHook(GradientSumProbe&) {}  // as its registration builds it
  torch::Tensor backward(const train::StepInputs& in) override {
    const auto grads = train::per_language_gradients(*in.losses, *in.params);
    const auto tokens = in.losses->tokens.detach().to(torch::kDouble);
    const double total = tokens.sum().item<double>();
    torch::Tensor direction;
    for (size_t l = 0; l < grads.size(); ++l) {
      if (!grads[l].defined()) continue;
      const double c = in.weights[static_cast<int64_t>(l)].item<double>() * tokens[static_cast<int64_t>(l)].item<double>() / total;
      direction = direction.defined() ? direction + c * grads[l] : c * grads[l];
    }
    train::set_gradients(*in.params, direction);
    ++calls_;
    return train::weighted_objective(*in.losses, in.weights).detach();
  }
  std::string save_state() const override { return std::to_string(calls_); }
  void load_state(const std::string& s) override { calls_ = s.empty() ? 0 : std::stoll(s); }
  int64_t calls_ = 0;
};

LONGTAIL_REGISTER_METHOD(methods::MethodSpec{
    "test_gradient_sum", "test only", "Σ_i w_i (N_i/N) ∇(L_i/N_i) through a step hook", {},
    [](const Options&, const methods::TrainingContext& ctx) {
      return std::make_unique<GradientSumProbe>(ctx);
    }}.with(LONGTAIL_STEP_HOOK(GradientSumProbe, GradientSumHook)));

class NeedsHook : public methods::FixedSampling {
 public:
  using FixedSampling::FixedSampling;
};
// Takes over the step, its hook declared but not linked (what LONGTAIL_STEP_HOOK is without LibTorch).
LONGTAIL_REGISTER_METHOD(methods::MethodSpec{
    "test_without_hook", "test only", "takes over the step but links no hook", {},
    [](const Options&, const methods::TrainingContext& ctx) {
      return std::make_unique<NeedsHook>(methods::temperature_distribution(ctx.train_pairs, 1.0));
    }}.with(methods::StepHookSlot{true, nullptr, &typeid(NeedsHook)}));

}  // namespace

TEST_CASE("Theorem 1: scalarization with w_τ follows full-batch temperature-weighted GD", "[methods][theorem1]") {
  const int64_t V = 30;
  const std::vector<int64_t> sizes{12, 4, 2};
  std::vector<train::TensorBatch> per_lang;
  for (int64_t l = 0; l < 3; ++l) per_lang.push_back(examples(sizes[static_cast<size_t>(l)], l, 0, V));
  const train::TensorBatch full = concat(per_lang);
  train::StepConfig cfg;
  cfg.n_langs = 3;
  cfg.label_smoothing = 0.1;
  methods::TrainingContext ctx{{"a", "b", "c"}, sizes, 5};

  std::map<double, torch::Tensor> final_params;
  for (double tau : {1.0, 2.0, 5.0, 100.0}) {
    INFO("tau " << tau);
    torch::manual_seed(7);
    model::Transformer scal(tiny(), V, 0);
    torch::manual_seed(7);
    model::Transformer temp(tiny(), V, 0);
    const auto ps = parameters(scal), pt = parameters(temp);
    const auto w = make_method("scalarization", {{"tau", tau}}, ctx)->loss_weights(0);
    const auto p_tau = methods::temperature_distribution(sizes, tau);
    const auto weights = torch::tensor(w, torch::kFloat);
    for (int step = 0; step < 5; ++step) {
      // Scalarization: the whole data set as one batch, the trainer's weighted objective.
      for (auto& [n, p] : ps) const_cast<torch::Tensor&>(p).mutable_grad() = torch::Tensor();
      train::weighted_objective(train::language_losses(scal, full, cfg), weights).backward();
      gradient_descent(ps, 0.5);
      // Temperature sampling in expectation: Σ_i p(i;τ) · (mean loss over D_i), each language alone.
      for (auto& [n, p] : pt) const_cast<torch::Tensor&>(p).mutable_grad() = torch::Tensor();
      torch::Tensor objective = torch::zeros({});
      for (int64_t l = 0; l < 3; ++l) {
        const auto losses = train::language_losses(temp, per_lang[static_cast<size_t>(l)], cfg);
        objective = objective + p_tau[static_cast<size_t>(l)] * losses.sum[l] / losses.tokens[l];
      }
      objective.backward();
      gradient_descent(pt, 0.5);
      CHECK(max_abs_difference(scal, temp) < 2e-5);
    }
    std::vector<torch::Tensor> flat;
    for (const auto& [n, p] : ps) flat.push_back(p.detach().reshape(-1));
    final_params[tau] = torch::cat(flat);
  }
  // The trajectories do depend on τ, so equality above is not vacuous.
  CHECK((final_params[5.0] - final_params[1.0]).abs().max().item<double>() > 1e-3);
}

TEST_CASE("Theorem 2: under SGD scalarization's gradient norm varies more than temperature sampling's", "[methods][theorem2]") {
  auto make = [](const std::string& method, const std::string& name) {
    CellSpec spec;
    spec.languages = {"fr", "de", "kk"};
    spec.train_pairs = {400, 40, 4};
    spec.method = method;
    spec.method_params = {{"tau", 5.0}};
    spec.train = {{"steps", 120}, {"log_every", 10}, {"dev_every", 120}, {"checkpoint_every", 120},
                  {"batch_tokens", 200}, {"lang_grad_every", 20}};
    spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}, {"max_pairs", 2}};
    return test_cell::write_cell(test_cell::test_dir(name), spec);
  };
  const std::string scal = make("scalarization", "theorem2_scalarization");
  const std::string temp = make("temperature", "theorem2_temperature");
  REQUIRE(run(scal) == 0);
  REQUIRE(run(temp) == 0);
  const auto ds = test_cell::read_json(scal + "/cell.json").at("diagnostics").as_object();
  const auto dt = test_cell::read_json(temp + "/cell.json").at("diagnostics").as_object();
  const double vs = ds.at("grad_norm_var").to_number<double>(), vt = dt.at("grad_norm_var").to_number<double>();
  const double ws = ds.at("grad_norm_var_window_mean").to_number<double>(), wt = dt.at("grad_norm_var_window_mean").to_number<double>();
  std::printf("Theorem 2 toy (sizes 400/40/4, tau 5, 120 steps): grad-norm variance scalarization %.4g vs temperature %.4g "
              "(mean of 10-step windows %.4g vs %.4g)\n", vs, vt, ws, wt);
  CHECK(vs > vt);
  CHECK(ws > wt);

  // The effective distribution measured from the batches: proportional for scalarization, p(·;5)
  // for temperature sampling (kk: 0.9 % vs 21 %).
  const auto fs = ds.at("sampled_fraction").as_object(), ft = dt.at("sampled_fraction").as_object();
  CHECK(fs.at("kk").to_number<double>() < 0.03);
  CHECK(ft.at("kk").to_number<double>() > 0.12);
  // Epochs consumed: examples trained / training pairs.
  CHECK(dt.at("epochs").at("kk").to_number<double>() > ds.at("epochs").at("kk").to_number<double>());
  CHECK(ds.at("lang_grad_norm_measurements").to_number<double>() == 6);  // steps 20, 40, ..., 120
  CHECK(ds.at("lang_grad_norm_mean").at("fr").to_number<double>() > 0);

  // metrics.jsonl carries the per-window figures.
  int with_var = 0, with_lang_norms = 0;
  for (const auto& line : longtail::read_lines(scal + "/metrics.jsonl")) {
    const auto o = json::parse(line).as_object();
    if (o.at("kind") != "train") continue;
    for (const char* k : {"grad_norm_mean", "grad_norm_var", "lang_frac", "epochs"}) CHECK(o.contains(k));
    with_var += o.at("grad_norm_var").is_number();
    with_lang_norms += o.contains("lang_grad_norm");
  }
  CHECK(with_var == 12);
  CHECK(with_lang_norms == 6);
  CHECK(test_cell::read_json(scal + "/cell.json").at("groups").at("high").as_array().size() == 1);  // larger half of 3
}

TEST_CASE("schedules and stateful methods resume bit for bit across their switch", "[methods][resume]") {
  struct Case {
    std::string method;
    json::object params;
  };
  for (const Case& c : std::vector<Case>{{"cooldown", {{"switch_step", 17}}},
                                         {"heating", {{"span_steps", 24}}},  // p changes every step
                                         {"order_matters", {{"switch_step", 17}}},
                                         {"test_gradient_sum", {}}}) {
    INFO(c.method);
    CellSpec spec;
    spec.languages = {"fr", "de", "kk"};
    spec.train_pairs = {40, 12, 5};
    spec.method = c.method;
    spec.method_params = c.params;
    spec.model = {{"config", "tiny"}, {"dropout", 0.1}};
    spec.train = {{"steps", 30}, {"log_every", 4}, {"dev_every", 10}, {"checkpoint_every", 20}, {"batch_tokens", 120},
                  {"lang_grad_every", 7}};
    spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}};
    const std::string full = test_cell::write_cell(test_cell::test_dir("sched_full_" + c.method), spec);
    const std::string split = test_cell::write_cell(test_cell::test_dir("sched_split_" + c.method), spec);
    REQUIRE(run(full) == 0);
    REQUIRE(run(split, false, 13) == 0);  // before the switch
    REQUIRE(run(split, true, 17) == 0);   // exactly at it
    REQUIRE(run(split, true, 22) == 0);   // after it
    REQUIRE(run(split, true) == 0);
    CHECK(test_cell::metrics_without_time(full) == test_cell::metrics_without_time(split));
    const auto a = test_cell::load_cell_checkpoint(full), b = test_cell::load_cell_checkpoint(split);
    check_same_tensors(a, b);
    CHECK(a.header.method_state == b.header.method_state);
    CHECK(test_cell::read_json(full + "/cell.json").at("diagnostics") == test_cell::read_json(split + "/cell.json").at("diagnostics"));
    if (c.method == "test_gradient_sum") {
      // The method saw every step exactly once (restored, not replayed) and its hook ran each time.
      train::ByteReader r(b.header.method_state, "method state");
      CHECK(r.str().rfind("30 ", 0) == 0);
      CHECK(r.str() == "30");
    }
  }
}

TEST_CASE("step hook: per-language gradients rebuild the default update", "[methods][hook]") {
  const int64_t V = 30;
  torch::manual_seed(3);
  model::Transformer a(tiny(), V, 0);
  torch::manual_seed(3);
  model::Transformer b(tiny(), V, 0);
  train::Adam adam_a(parameters(a), {}), adam_b(parameters(b), {});
  train::StepConfig cfg;
  cfg.n_langs = 3;
  const auto weights = torch::tensor({1.0f, 2.0f, 3.0f});
  GradientSumHook hook;
  // lr 0: the models stay equal, and the gradients the two paths leave (clipped) are compared
  // directly; Adam would turn float-rounding differences of near-zero components into ±lr steps.
  for (int step = 0; step < 4; ++step) {
    // Language 2 is absent from these batches: its gradient is undefined and skipped.
    const auto batch = concat({examples(5, 0, step * 10, V), examples(3, 1, step * 10, V)});
    const auto ra = train::train_step(a, adam_a, batch, weights, 0.0, cfg);
    const auto rb = train::train_step(b, adam_b, batch, weights, 0.0, cfg, &hook, train::StepInputs{});
    CHECK(ra.loss == Approx(rb.loss).epsilon(1e-6));
    CHECK(ra.grad_norm == Approx(rb.grad_norm).epsilon(1e-5));
    const auto pa = parameters(a), pb = parameters(b);
    double diff = 0, scale = 0;
    for (size_t i = 0; i < pa.size(); ++i) {
      diff = std::max(diff, (pa[i].second.grad() - pb[i].second.grad()).abs().max().item<double>());
      scale = std::max(scale, pa[i].second.grad().abs().max().item<double>());
    }
    CHECK(scale > 0);
    CHECK(diff < 1e-5 * scale);
  }
  CHECK(hook.calls_ == 4);

  // The per-language gradient-norm diagnostic leaves the update untouched.
  torch::manual_seed(3);
  model::Transformer c(tiny(), V, 0);
  torch::manual_seed(3);
  model::Transformer d(tiny(), V, 0);
  train::Adam adam_c(parameters(c), {}), adam_d(parameters(d), {});
  train::StepConfig with = cfg;
  with.lang_grad_norms = true;
  const auto batch = concat({examples(5, 0, 99, V), examples(3, 1, 99, V)});
  train::train_step(c, adam_c, batch, weights, 1e-3, cfg);
  const auto rd = train::train_step(d, adam_d, batch, weights, 1e-3, with);
  CHECK(max_abs_difference(c, d) == 0);
  REQUIRE(rd.lang_grad_norm.size() == 3);
  CHECK(rd.lang_grad_norm[0] > 0);
  CHECK(std::isnan(rd.lang_grad_norm[2]));

  // A method that takes over the step without a linked hook fails the cell clearly.
  methods::TrainingContext hook_ctx{{"a", "b"}, {3, 1}, 5};
  CHECK(methods::make_step_hook(*make_method("test_gradient_sum", {}, hook_ctx)) != nullptr);
  CHECK(methods::make_step_hook(*make_method("cooldown", {}, hook_ctx)) == nullptr);
  CellSpec spec;
  spec.method = "test_without_hook";
  spec.method_params = {};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("without_hook"), spec);
  CHECK(run(dir) == 1);
  CHECK_THAT(std::string(test_cell::read_json(dir + "/cell.json").at("reason").as_string()), Catch::Contains("no step hook"));
}

TEST_CASE("UniMax in a real cell: capped languages realise N epochs, uncapped ones equal token budgets", "[methods][unimax]") {
  // Unequal mean lengths (pairs of 4-8, 1-2, 3-6 and 1-2 words) and in-language spread, so batches
  // carry padding: the budget must count real tokens and the draws must be per example. Sizes:
  // "cc" and "dd" are capped at N = 1 epoch, "aa" and "bb" share the rest equally. Short pairs and
  // tens of thousands of draws keep the sampling noise of the realised figures under 1 %. One batch
  // per pool: in a 160-step run a pool of 16 length-bucketed batches (each nearly one language) is
  // a tenth of the run, and which of the last pool's batches get trained would dominate the noise.
  CellSpec spec;
  spec.languages = {"aa", "bb", "cc", "dd"};
  spec.train_pairs = {40000, 90000, 10000, 20000};
  spec.words = {{4, 8}, {1, 2}, {3, 6}, {1, 2}};
  spec.dev_pairs = 4;
  spec.method = "unimax";
  spec.method_params = {{"epochs", 1.0}};
  spec.train = {{"steps", 160}, {"batch_tokens", 8000}, {"log_every", 160}, {"dev_every", 160}, {"checkpoint_every", 160},
                {"pool_batches", 1}, {"max_len", 64}};
  spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}, {"max_pairs", 2}};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("unimax_cell"), spec);
  REQUIRE(run(dir) == 0);
  // Tokens per language as the batcher counts them, from the cell's own data.
  const auto cfg = records::read_cell_config(dir + "/config.json");
  const auto vocab = cell::read_vocab(dir + "/vocab.json");
  const auto lengths = cell::example_lengths(cell::load_languages(cfg, vocab), cfg, vocab);
  std::vector<double> corpus_tokens;
  for (size_t l = 0; l < lengths.src_len.size(); ++l) {
    double c = 0;
    for (size_t i = 0; i < lengths.src_len[l].size(); ++i) c += lengths.src_len[l][i] + lengths.tgt_len[l][i];
    corpus_tokens.push_back(c);
  }
  const auto cell_json = test_cell::read_json(dir + "/cell.json");
  const auto epochs = cell_json.at("diagnostics").at("epochs").as_object();
  auto e = [&](const char* code) { return epochs.at(code).to_number<double>(); };
  // Trained tokens of an uncapped language: its share of an epoch × its tokens (a uniform random
  // part of the language, so its mean length is the language's).
  const double aa = e("aa") * corpus_tokens[0], bb = e("bb") * corpus_tokens[1];
  const double trained = cell_json.at("train_tokens").to_number<double>();
  std::printf("UniMax cell: epochs aa %.4f bb %.4f cc %.4f dd %.4f; tokens aa %.0f bb %.0f (ratio %.4f); trained %.0f "
              "(padded budget %d)\n",
              e("aa"), e("bb"), e("cc"), e("dd"), aa, bb, aa / bb, trained, 160 * 8000);
  CHECK(e("cc") == Approx(1.0).epsilon(0.02));
  CHECK(e("dd") == Approx(1.0).epsilon(0.02));
  CHECK(e("aa") < 0.95);
  CHECK(e("bb") < 0.95);
  CHECK(aa / bb == Approx(1.0).epsilon(0.02));
}

// The gradient-geometry family on the LibTorch side: CATS's hook (dev gradients → Gram matrix →
// the pure (α, λ_c) update, α-weighted training, logged α/λ_c/curvature) and Sequential Reptile's
// (inner AdamW steps, outer interpolation, K = 1 and η = 1 as the plain step, gradient alignment on
// a toy problem, dev evaluations of θ mid-trajectory), both resumed bit for bit in the middle of
// their update intervals.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "cell_fixture.h"
#include "harness/train/step_hook.h"
#include "harness/train/step.h"
#include "methods/step_hook_factory.h"
#include "methods/cats.h"
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
namespace cats = longtail::methods::cats;
namespace json = boost::json;

namespace {

std::unique_ptr<train::StepHook> hook_for(methods::Method& m) {
  auto hook = methods::make_step_hook(m);
  REQUIRE(hook != nullptr);
  return hook;
}

// A cell's checkpoint read into fresh tensors: model, Adam and the hook's state tensors.
struct Loaded {
  train::CheckpointHeader header;
  train::NamedTensors tensors;
};
Loaded load_checkpoint_with_hook(const std::string& cell_dir) {
  const auto cfg = test_cell::read_json(cell_dir + "/config.json");
  const std::string method = std::string(cfg.at("method").at("name").as_string());
  model::Transformer m(model::model_from_json(cfg.at("model").as_object()), test_cell::kVocab, test_cell::kPad);
  train::Adam adam(parameters(m), {});
  methods::TrainingContext ctx{{"fr", "de", "kk"}, {40, 12, 5}, 30};
  auto mm = methods::make_method(method, cfg.at("method").at("params").as_object(), ctx);
  auto hook = hook_for(*mm);
  Loaded l;
  l.tensors = train::model_tensors(m);
  for (auto& t : adam.state()) l.tensors.push_back(t);
  for (auto& t : hook->state_tensors(adam.params())) l.tensors.push_back(t);
  l.header = train::load_checkpoint(cell_dir + "/ckpt/checkpoint.bin", l.tensors);
  return l;
}

// ---- the toy of two conflicting tasks through the scale symmetry u = x·y --------------------------
// L_1 = ½(u − 1)², L_2 = ½(2u + 1)²: multi-task training reaches u* = −0.2 anywhere on the curve
// x·y = u*, where g_1 = −g_2·(const) and ⟨g_1, g_2⟩ ∝ −‖∇u‖² = −(x² + y²). Which point it reaches
// depends on the optimiser's implicit bias; Reptile's inner-product term favours the balanced,
// flatter points with the larger (less negative) inner product.
struct Toy {
  torch::Tensor x = torch::full({1}, 3.0f).requires_grad_(true), y = torch::full({1}, 0.1f).requires_grad_(true);
  train::NamedTensors params() const { return {{"x", x}, {"y", y}}; }
  std::pair<torch::Tensor, torch::Tensor> losses() const {
    auto u = (x * y).sum();
    return {0.5 * (u - 1).pow(2), 0.5 * (2 * u + 1).pow(2)};
  }
  double inner_product() const {
    auto g1 = torch::autograd::grad({losses().first}, {x, y});  // separate graphs: each grad frees its own
    auto g2 = torch::autograd::grad({losses().second}, {x, y});
    return (g1[0] * g2[0] + g1[1] * g2[1]).sum().item<double>();
  }
  double u() const { return (x * y).sum().item<double>(); }
};

// Per-language losses of one toy step: language `lang` only (one-hot p) or both (p = q).
train::LanguageLosses toy_losses(const Toy& toy, const std::vector<double>& p) {
  auto [l1, l2] = toy.losses();
  const float a = p[0] > 0 ? 1.0f : 0.0f, b = p[1] > 0 ? 1.0f : 0.0f;
  return {torch::stack({a * l1, b * l2}), torch::tensor({a, b})};
}

// One step the way train_step runs it (no clipping): backward through the hook, then its update.
void hook_step(train::StepHook& hook, train::Adam& adam, const train::LanguageLosses& losses, int64_t step, int64_t total, double lr) {
  adam.zero_grad();
  train::StepInputs in;
  in.step = step;
  in.losses = &losses;
  in.weights = torch::ones({2});
  in.params = &adam.params();
  in.total_steps = total;
  hook.backward(in);
  if (!hook.apply_update(adam, lr, in)) adam.step(lr);
}

}  // namespace

TEST_CASE("sequential_reptile: K inner Adam steps, then θ ← θ + η(φ_K − θ), exactly", "[methods][reptile]") {
  methods::TrainingContext ctx{{"a", "b"}, {1, 1}, 11, {}, 0, {}, "", 5};
  auto method = methods::make_method("sequential_reptile", {{"inner_steps", 4}, {"outer_lr", 0.5}, {"inner_lr_scale", 2.0}}, ctx);
  auto hook = hook_for(*method);
  Toy a, b;
  train::Adam adam_a(a.params(), {}), adam_b(b.params(), {});
  hook->state_tensors(adam_a.params());
  torch::Tensor anchor_x, anchor_y;
  for (int64_t step = 0; step < 11; ++step) {  // two full trajectories and a final one of 3 steps
    const auto p = method->sampling_distribution(step);
    hook_step(*hook, adam_a, toy_losses(a, p), step, 11, 0.05);
    // By hand: remember θ, Adam with lr 2 × 0.05 on the drawn language, interpolate at the end.
    if (step % 4 == 0) anchor_x = b.x.detach().clone(), anchor_y = b.y.detach().clone();
    adam_b.zero_grad();
    train::weighted_objective(toy_losses(b, p), torch::ones({2})).backward();
    adam_b.step(0.1);
    if ((step + 1) % 4 == 0 || step == 10) {
      torch::NoGradGuard no_grad;
      b.x.copy_(anchor_x + 0.5 * (b.x - anchor_x));
      b.y.copy_(anchor_y + 0.5 * (b.y - anchor_y));
    }
    INFO("step " << step);
    CHECK(a.x.item<float>() == Approx(b.x.item<float>()).epsilon(1e-6));
    CHECK(a.y.item<float>() == Approx(b.y.item<float>()).epsilon(1e-6));
  }
  CHECK(adam_a.steps() == 11);  // one inner AdamW step per trainer step; its moments persist
  CHECK(std::abs(a.x.item<float>() - 3.0f) > 1e-3);
}

TEST_CASE("sequential_reptile with K = 1 and η = 1 is the plain step, bit for bit", "[methods][reptile]") {
  // Same inner optimizer (the trainer's Adam, lr scale 1), same batches (single_language = false
  // samples every example from q = proportional), so the whole cell equals `proportional`.
  auto make = [](const std::string& method, const json::object& params, const std::string& name) {
    CellSpec spec;
    spec.languages = {"fr", "de", "kk"};
    spec.train_pairs = {40, 12, 5};
    spec.method = method;
    spec.method_params = params;
    spec.model = {{"config", "tiny"}, {"dropout", 0.1}};
    spec.train = {{"steps", 20}, {"log_every", 4}, {"dev_every", 10}, {"checkpoint_every", 20}, {"batch_tokens", 120}};
    spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}};
    return test_cell::write_cell(test_cell::test_dir(name), spec);
  };
  const std::string plain = make("proportional", {}, "reptile_k1_plain");
  const std::string reptile = make("sequential_reptile", {{"inner_steps", 1}, {"outer_lr", 1.0}, {"single_language", false}}, "reptile_k1");
  const std::string outer = make("sequential_reptile", {{"inner_steps", 1}, {"outer_lr", 0.5}, {"single_language", false}}, "reptile_k1_eta");
  REQUIRE(run(plain) == 0);
  REQUIRE(run(reptile) == 0);
  REQUIRE(run(outer) == 0);
  CHECK(test_cell::metrics_without_time(plain) == test_cell::metrics_without_time(reptile));
  CHECK(test_cell::read_json(plain + "/cell.json").at("dev_loss") == test_cell::read_json(reptile + "/cell.json").at("dev_loss"));
  const auto a = test_cell::load_cell_checkpoint(plain);
  const auto b = load_checkpoint_with_hook(reptile);
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    INFO(a.tensors[i].first);
    REQUIRE(a.tensors[i].first == b.tensors[i].first);
    CHECK(torch::equal(a.tensors[i].second, b.tensors[i].second));
  }
  // η < 1 does change the trajectory (the comparison above is not vacuous).
  CHECK(test_cell::metrics_without_time(plain) != test_cell::metrics_without_time(outer));
}

namespace {

// A Sequential Reptile cell of 24 steps in trajectories of K = 8 (η = 0.5), dev losses every `dev_every`.
std::string reptile_cell(const std::string& name, int64_t dev_every) {
  CellSpec spec;
  spec.languages = {"fr", "de", "kk"};
  spec.train_pairs = {40, 12, 5};
  spec.method = "sequential_reptile";
  spec.method_params = {{"inner_steps", 8}, {"outer_lr", 0.5}};
  spec.model = {{"config", "tiny"}, {"dropout", 0.1}};
  spec.train = {{"steps", 24}, {"log_every", 4}, {"dev_every", dev_every}, {"checkpoint_every", 24}, {"batch_tokens", 120}};
  spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}};
  return test_cell::write_cell(test_cell::test_dir(name), spec);
}

// step → the dev line's per-language losses, and the train lines alone.
std::map<int64_t, json::value> dev_lines(const std::string& cell_dir) {
  std::map<int64_t, json::value> out;
  for (const auto& line : longtail::read_lines(cell_dir + "/metrics.jsonl")) {
    const auto o = json::parse(line).as_object();
    if (o.at("kind") == "dev") out[o.at("step").to_number<int64_t>()] = o.at("lang_loss");
  }
  return out;
}
std::vector<std::string> train_lines(const std::string& cell_dir) {
  std::vector<std::string> out;
  for (const auto& line : test_cell::metrics_without_time(cell_dir))
    if (json::parse(line).at("kind") == "train") out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("sequential_reptile: a dev evaluation in the middle of a trajectory sees θ, not φ_k", "[methods][reptile]") {
  // Trajectories [0, 8), [8, 16), [16, 24); dev losses after 4, 8, ..., 24 updates. After 12
  // updates the parameters are φ_4 of the second trajectory, whose anchor θ is what the model was
  // after 8: the two dev losses must be the same numbers.
  const std::string dir = reptile_cell("reptile_dev_theta", 4);
  REQUIRE(run(dir) == 0);
  const auto dev = dev_lines(dir);
  REQUIRE(dev.size() == 6);
  CHECK(dev.at(12) == dev.at(8));
  CHECK(dev.at(20) == dev.at(16));
  CHECK(dev.at(8) != dev.at(16));  // θ moved (the equalities are not of a frozen model)
  CHECK(dev.at(4) != dev.at(8));
}

TEST_CASE("sequential_reptile: evaluating θ mid-trajectory leaves training bit for bit unchanged", "[methods][reptile][resume]") {
  // Dev losses every 3 updates (5 of 8 mid-trajectory), and a stop + resume after 13, against dev
  // losses at the end only: the same training lines, final tensors, dev losses and hypotheses.
  const std::string quiet = reptile_cell("reptile_eval_quiet", 24);
  const std::string busy = reptile_cell("reptile_eval_busy", 3);
  REQUIRE(run(quiet) == 0);
  REQUIRE(run(busy, false, 13) == 0);
  REQUIRE(run(busy, true) == 0);
  CHECK(train_lines(quiet) == train_lines(busy));
  CHECK(dev_lines(busy).size() == 8);
  CHECK(dev_lines(quiet).at(24) == dev_lines(busy).at(24));
  check_same_tensors(load_checkpoint_with_hook(quiet), load_checkpoint_with_hook(busy));
  CHECK(test_cell::read_json(quiet + "/cell.json").at("dev_loss") == test_cell::read_json(busy + "/cell.json").at("dev_loss"));
  CHECK(longtail::read_lines(quiet + "/hyp_ids/fr.dev.txt") == longtail::read_lines(busy + "/hyp_ids/fr.dev.txt"));
}

TEST_CASE("sequential_reptile raises the inter-task gradient inner product over plain multi-task training", "[methods][reptile]") {
  const int64_t steps = 3000;
  const double lr = 0.03;
  // Plain multi-task training: Adam on (L_1 + L_2)/2 every step.
  Toy plain;
  train::Adam adam_p(plain.params(), {});
  for (int64_t t = 0; t < steps; ++t) {
    adam_p.zero_grad();
    train::weighted_objective(toy_losses(plain, {0.5, 0.5}), torch::ones({2})).backward();
    adam_p.step(lr);
  }
  // Sequential Reptile: one task per inner step drawn from q (uniform: equal sizes), K = 10, η = 0.5.
  methods::TrainingContext ctx{{"a", "b"}, {7, 7}, steps, {}, 0, {}, "", 1};
  auto method = methods::make_method("sequential_reptile", {{"inner_steps", 10}, {"outer_lr", 0.5}}, ctx);
  auto hook = hook_for(*method);
  Toy rep;
  train::Adam adam_r(rep.params(), {});
  hook->state_tensors(adam_r.params());
  for (int64_t t = 0; t < steps; ++t) hook_step(*hook, adam_r, toy_losses(rep, method->sampling_distribution(t)), t, steps, lr);

  const double ip_plain = plain.inner_product(), ip_rep = rep.inner_product();
  std::printf("toy u = xy: <g1,g2> plain multi-task %.4f (x %.3f, y %.3f), sequential reptile %.4f (x %.3f, y %.3f)\n", ip_plain,
              plain.x.item<float>(), plain.y.item<float>(), ip_rep, rep.x.item<float>(), rep.y.item<float>());
  // Both solve the multi-task problem: L_1 + L_2 within 1 % of its minimum 0.9 (at u* = −0.2) ...
  auto total = [](const Toy& t) { return 0.5 * std::pow(t.u() - 1, 2) + 0.5 * std::pow(2 * t.u() + 1, 2); };
  CHECK(total(plain) < 0.909);
  CHECK(total(rep) < 0.909);
  // ... but Reptile ends where the two tasks' gradients conflict far less.
  CHECK(ip_rep > ip_plain);
  CHECK(ip_rep > 0.5 * ip_plain);
}

TEST_CASE("cats hook: dev gradients averaged over the dev sample → Gram matrix → the pure update; α-weighted objective", "[methods][cats]") {
  const int64_t V = 30;
  auto fresh_model = [&] {
    torch::manual_seed(5);
    return model::Transformer(tiny(), V, 0);
  };
  methods::TrainingContext ctx{{"a", "b", "c"}, {30, 10, 5}, 20};
  train::StepConfig cfg;
  cfg.n_langs = 3;
  train::StepConfig dev_cfg = cfg;
  dev_cfg.label_smoothing = 0.0;
  // Each language's dev sample: three batches of different sizes (the trainer cuts the sample
  // into batches of train.batch_tokens).
  const std::vector<int64_t> rows{4, 3, 5};
  std::vector<std::vector<train::TensorBatch>> dev(3);
  for (int64_t l = 0; l < 3; ++l)
    for (int64_t b = 0; b < 3; ++b) dev[static_cast<size_t>(l)].push_back(examples(rows[static_cast<size_t>(b)], l, 500 + 10 * b, V));

  // Expected update at step 0, computed independently: ℓ_n and g_n = ∇ℓ_n of the mean per-token
  // loss over the first `batches` dev batches of each language, forwarded as one batch; the Gram
  // matrix in double; then cats::update from the initial state.
  cats::UpdateConfig ucfg;
  ucfg.eta_alpha = 5.0, ucfg.eta_lambda = 0.1, ucfg.epsilon_relative = 0, ucfg.epsilon = 0.0;
  struct Expected {
    cats::State state;
    double curvature;
  };
  auto expected_update = [&](size_t batches) {
    auto m = fresh_model();
    std::vector<double> losses, gram(9);
    std::vector<torch::Tensor> g;
    for (size_t l = 0; l < 3; ++l) {
      const auto whole = concat(std::vector<train::TensorBatch>(dev[l].begin(), dev[l].begin() + static_cast<long>(batches)));
      auto ll = train::language_losses(m, whole, dev_cfg);
      losses.push_back((ll.sum[static_cast<int64_t>(l)] / ll.tokens[static_cast<int64_t>(l)]).item<double>());
      g.push_back(train::per_language_gradients(ll, parameters(m))[l].to(torch::kDouble));
    }
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) gram[i * 3 + j] = torch::dot(g[i], g[j]).item<double>();
    Expected e{cats::initial_state(3, cats::Simplex::Softmax), 0};
    e.curvature = cats::update(e.state, losses, gram, ucfg);
    return e;
  };
  const Expected all = expected_update(3), two = expected_update(2), one = expected_update(1);
  // The comparisons below can tell the samples apart.
  REQUIRE(std::abs(all.curvature - one.curvature) > 1e-2 * all.curvature);
  REQUIRE(std::abs(all.curvature - two.curvature) > 1e-2 * all.curvature);
  REQUIRE(std::abs(all.state.alpha[0] - one.state.alpha[0]) > 1e-4);

  const auto batch = concat({examples(6, 0, 0, V), examples(3, 1, 0, V), examples(2, 2, 0, V)});
  const auto ones = torch::ones({3});
  for (const auto& [dev_batches, want] : std::vector<std::pair<int64_t, const Expected*>>{{0, &all}, {2, &two}, {1, &one}, {7, &all}}) {
    INFO("dev_batches " << dev_batches);
    auto m = fresh_model();
    train::Adam adam(parameters(m), {});
    auto method = methods::make_method("cats",
                                       {{"warmup_fraction", 0.0}, {"interval", 3}, {"lr_alpha", 5.0}, {"lr_lambda", 0.1},
                                        {"epsilon_relative", 0.0}, {"epsilon", 0.0}, {"dev_batches", dev_batches}},
                                       ctx);
    auto hook = hook_for(*method);
    int dev_calls = 0;
    train::StepInputs inputs;
    inputs.dev_batches = [&](int64_t lang) { return static_cast<int64_t>(dev[static_cast<size_t>(lang)].size()); };
    inputs.dev_losses = [&](int64_t lang, int64_t b) {
      ++dev_calls;
      return train::language_losses(m, dev[static_cast<size_t>(lang)][static_cast<size_t>(b)], dev_cfg);
    };
    // The step's objective, by hand: the batch was drawn from the α before the update (uniform),
    // so it is weighted by α_new / (1/3).
    double objective = 0;
    {
      const auto ll = train::language_losses(m, batch, cfg);
      for (int64_t l = 0; l < 3; ++l) objective += 3 * want->state.alpha[static_cast<size_t>(l)] * ll.sum[l].item<double>();
      objective /= ll.tokens.sum().item<double>();
    }
    inputs.step = 0;
    const auto r0 = train::train_step(m, adam, batch, ones, 1e-3, cfg, hook.get(), inputs);
    const int64_t used = dev_batches == 0 ? 3 : std::min<int64_t>(dev_batches, 3);
    CHECK(dev_calls == 3 * used);
    const auto after = method->metrics();
    for (int l = 0; l < 3; ++l)
      CHECK(after.at("alpha").at(std::string(1, static_cast<char>('a' + l))).to_number<double>() ==
            Approx(want->state.alpha[l]).epsilon(1e-5));
    CHECK(after.at("lambda_c").to_number<double>() == Approx(want->state.lambda).epsilon(1e-5));
    CHECK(after.at("curvature").to_number<double>() == Approx(want->curvature).epsilon(1e-4));
    CHECK(after.at("epsilon").to_number<double>() == 0.0);
    CHECK(after.at("updates").to_number<int64_t>() == 1);
    CHECK(want->state.lambda > 0);
    CHECK(std::abs(want->state.alpha[0] - 1.0 / 3) > 1e-4);  // the update moved α
    CHECK(r0.loss == Approx(objective).epsilon(1e-5));
    // From here on languages are drawn from the new α, with weights 1.
    const auto w = method->loss_weights(1);
    const auto p = method->sampling_distribution(1);
    for (int l = 0; l < 3; ++l) {
      CHECK(p[l] == after.at("alpha").at(std::string(1, static_cast<char>('a' + l))).to_number<double>());
      CHECK(w[l] == 1.0);
    }

    // No update at steps 1 and 2 (K = 3), the next at step 3.
    for (int64_t step = 1; step <= 3; ++step) {
      inputs.step = step;
      train::train_step(m, adam, batch, ones, 1e-3, cfg, hook.get(), inputs);
    }
    CHECK(dev_calls == 6 * used);
    CHECK(method->metrics().at("updates").to_number<int64_t>() == 2);
  }
}

TEST_CASE("cats in a cell: α on the simplex, λ_c ≥ 0 and the curvature proxy logged over time", "[methods][cats]") {
  CellSpec spec;
  spec.languages = {"fr", "de", "kk"};
  spec.train_pairs = {40, 12, 5};
  spec.method = "cats";
  spec.method_params = {{"interval", 4}, {"warmup_steps", 3}, {"lr_alpha", 1.0}, {"lr_lambda", 0.5}};
  spec.train = {{"steps", 30}, {"log_every", 5}, {"dev_every", 30}, {"checkpoint_every", 30}, {"batch_tokens", 120}};
  spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}, {"max_pairs", 2}};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("cats_cell"), spec);
  REQUIRE(run(dir) == 0);
  int lines = 0;
  std::vector<double> first_alpha;
  json::value first_update_curvature;
  bool alpha_moved = false;
  for (const auto& line : longtail::read_lines(dir + "/metrics.jsonl")) {
    const auto o = json::parse(line).as_object();
    if (o.at("kind") != "train") continue;
    ++lines;
    const auto& m = o.at("method").as_object();
    const int64_t step = o.at("step").to_number<int64_t>();
    CHECK(m.at("updates").to_number<int64_t>() == step / 4);  // updates at steps 3, 7, 11, ... (0-based) of steps 0..step−1
    double total = 0;
    std::vector<double> alpha;
    for (const char* l : {"fr", "de", "kk"}) {
      const double a = m.at("alpha").at(l).to_number<double>();
      CHECK(a > 0);
      alpha.push_back(a);
      total += a;
    }
    CHECK(total == Approx(1.0).epsilon(1e-12));
    CHECK(m.at("lambda_c").to_number<double>() >= 0);
    CHECK(m.at("curvature").to_number<double>() > 0);
    if (first_alpha.empty()) first_alpha = alpha, first_update_curvature = m.at("curvature");
    alpha_moved = alpha_moved || std::abs(alpha[2] - first_alpha[2]) > 1e-6;
  }
  CHECK(lines == 6);
  CHECK(alpha_moved);
  const auto d = test_cell::read_json(dir + "/cell.json").at("diagnostics").as_object();
  REQUIRE(d.contains("method"));
  CHECK(d.at("method").at("updates").to_number<int64_t>() == 7);  // steps 3, 7, ..., 27
  CHECK(d.at("method").at("curvature_mean").to_number<double>() > 0);
  CHECK(d.at("method").at("epsilon") == first_update_curvature);  // ε = 1 × the curvature at the first update
}

TEST_CASE("cats in a cell: the dev losses and gradients come from the whole dev sample", "[methods][cats]") {
  // Six dev pairs per language in batches of train.batch_tokens = 40 (two or three pairs each):
  // the first update (step 0, the same initial model in every cell) sees the whole sample with
  // dev_batches 0 or more batches than there are, only the first batch with dev_batches 1.
  auto make = [](int64_t dev_batches, const std::string& name) {
    CellSpec spec;
    spec.languages = {"fr", "de", "kk"};
    spec.train_pairs = {40, 12, 5};
    spec.dev_pairs = 6;
    spec.method = "cats";
    spec.method_params = {{"interval", 4}, {"warmup_fraction", 0.0}, {"dev_batches", dev_batches}};
    spec.train = {{"steps", 2}, {"log_every", 1}, {"dev_every", 2}, {"checkpoint_every", 2}, {"batch_tokens", 40}, {"dev_max_pairs", 6}};
    spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}, {"max_pairs", 1}};
    const std::string dir = test_cell::write_cell(test_cell::test_dir(name), spec);
    REQUIRE(run(dir) == 0);
    const auto first = json::parse(longtail::read_lines(dir + "/metrics.jsonl").at(0)).as_object();
    REQUIRE(first.at("kind") == "train");
    return first.at("method").at("curvature").to_number<double>();
  };
  const double whole = make(0, "cats_dev_all"), beyond = make(100, "cats_dev_beyond"), first = make(1, "cats_dev_first");
  CHECK(whole == beyond);
  CHECK(std::abs(whole - first) > 1e-3 * whole);
}

TEST_CASE("cats and sequential_reptile resume bit for bit in the middle of their intervals", "[methods][resume]") {
  struct Case {
    std::string method;
    json::object params;
  };
  for (const Case& c : std::vector<Case>{{"cats", {{"interval", 4}, {"warmup_steps", 3}, {"lr_alpha", 1.0}, {"lr_lambda", 0.5}}},
                                         {"cats", {{"interval", 5}, {"warmup_steps", 2}, {"simplex", "projection"}, {"alpha_min", 0.05}}},
                                         {"cats", {{"interval", 6}, {"warmup_steps", 5}, {"sampling", "temperature"}, {"tau", 2.0},
                                                   {"epsilon_relative", 0.5}, {"dev_batches", 1}, {"lr_alpha", 1.0}}},
                                         {"sequential_reptile", {{"inner_steps", 5}, {"outer_lr", 0.5}}},
                                         {"sequential_reptile", {{"inner_steps", 7}, {"outer_lr", 0.3}, {"single_language", false}}}}) {
    INFO(c.method << " " << json::serialize(c.params));
    CellSpec spec;
    spec.languages = {"fr", "de", "kk"};
    spec.train_pairs = {40, 12, 5};
    spec.method = c.method;
    spec.method_params = c.params;
    spec.model = {{"config", "tiny"}, {"dropout", 0.1}};
    spec.train = {{"steps", 30}, {"log_every", 4}, {"dev_every", 10}, {"checkpoint_every", 20}, {"batch_tokens", 120}, {"lang_grad_every", 7}};
    spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}};
    const std::string tag = c.method + (c.params.contains("sampling")                                          ? "_c"
                                        : c.params.contains("simplex") || c.params.contains("single_language") ? "_b"
                                                                                                               : "_a");
    const std::string full = test_cell::write_cell(test_cell::test_dir("geom_full_" + tag), spec);
    const std::string split = test_cell::write_cell(test_cell::test_dir("geom_split_" + tag), spec);
    REQUIRE(run(full) == 0);
    REQUIRE(run(split, false, 13) == 0);  // mid-interval / mid-trajectory
    REQUIRE(run(split, true, 17) == 0);
    REQUIRE(run(split, true, 22) == 0);
    REQUIRE(run(split, true) == 0);
    CHECK(test_cell::metrics_without_time(full) == test_cell::metrics_without_time(split));
    const auto a = load_checkpoint_with_hook(full), b = load_checkpoint_with_hook(split);
    check_same_tensors(a, b);
    CHECK(a.header.method_state == b.header.method_state);
    CHECK(test_cell::read_json(full + "/cell.json").at("diagnostics") == test_cell::read_json(split + "/cell.json").at("diagnostics"));
    CHECK(test_cell::read_json(full + "/cell.json").at("dev_loss") == test_cell::read_json(split + "/cell.json").at("dev_loss"));
  }
}

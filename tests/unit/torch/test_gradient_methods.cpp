// The gradient-geometry family on the LibTorch side: the per-language gradient machinery (parameter
// sets, sub-batches vs the step's graph, the reused buffer), the methods' mathematics on hand-made
// vectors (PCGrad's projection, GradVac's target cosine, CAGrad's constrained direction, GradNorm on
// a toy problem), the cosine diagnostic against a direct computation, and bit-exact resume of every
// method in a tiny cell.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <tuple>

#include "cell_fixture.h"
#include "harness/train/step_hook.h"
#include "harness/train/step.h"
#include "methods/step_hook_factory.h"
#include "methods/gradient_methods.h"
#include "methods/method.h"
#include "tiny_cell.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
using test_cell::CellSpec;
using test_cell::tiny;
using test_cell::parameters;
using test_cell::run;
using test_cell::check_same_tensors;
namespace json = boost::json;

namespace {

// A batch of several languages with different lengths (so sub-batches trim differently).
train::TensorBatch mixed_batch(const std::vector<int64_t>& per_lang, int64_t vocab, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<torch::Tensor> s, ti, to, l;
  for (size_t lang = 0; lang < per_lang.size(); ++lang) {
    const int64_t n = per_lang[lang];
    if (n == 0) continue;
    const int64_t ls = 4 + static_cast<int64_t>(lang), lt = 3 + static_cast<int64_t>(lang % 2);
    auto src = torch::randint(4, vocab, {n, ls}, gen, torch::kLong);
    auto tgt = torch::randint(4, vocab, {n, lt}, gen, torch::kLong);
    s.push_back(torch::constant_pad_nd(src, {0, 9 - ls}, 0));
    auto tin = torch::cat({torch::full({n, 1}, 2, torch::kLong), tgt.slice(1, 0, lt - 1)}, 1);
    ti.push_back(torch::constant_pad_nd(tin, {0, 6 - lt}, 0));
    to.push_back(torch::constant_pad_nd(tgt, {0, 6 - lt}, 0));
    l.push_back(torch::full({n}, static_cast<int64_t>(lang), torch::kLong));
  }
  train::TensorBatch b;
  b.src = torch::cat(s), b.tgt_in = torch::cat(ti), b.tgt_out = torch::cat(to), b.lang = torch::cat(l);
  return b;
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  const auto x = a.to(torch::kDouble), y = b.to(torch::kDouble);
  return (x.dot(y) / (x.norm() * y.norm())).item<double>();
}

std::unique_ptr<methods::Method> make(const std::string& name, const json::object& params, size_t n_langs) {
  methods::TrainingContext ctx;
  for (size_t l = 0; l < n_langs; ++l) ctx.languages.push_back("l" + std::to_string(l)), ctx.train_pairs.push_back(10);
  ctx.total_steps = 10;
  ctx.seed = 5;
  return methods::make_method(name, params, ctx);
}

double max_grad_difference(model::Transformer& a, model::Transformer& b, double* scale) {
  double d = 0, s = 0;
  auto pa = parameters(a), pb = parameters(b);
  for (size_t i = 0; i < pa.size(); ++i) {
    d = std::max(d, (pa[i].second.grad() - pb[i].second.grad()).abs().max().item<double>());
    s = std::max(s, pa[i].second.grad().abs().max().item<double>());
  }
  *scale = s;
  return d;
}

}  // namespace

TEST_CASE("parameter sets: all, encoder, decoder, last:K; layer blocks", "[gradient][machinery]") {
  torch::manual_seed(1);
  auto cfg = tiny();
  cfg.decoder_layers = 3;
  model::Transformer m(cfg, 30, 0);
  const auto all = parameters(m);
  const auto dec = train::select_parameters(all, "decoder");
  const auto enc = train::select_parameters(all, "encoder");
  const auto last = train::select_parameters(all, "last:1");
  CHECK(train::select_parameters(all, "all").size() == all.size());
  for (const auto& [n, p] : dec) CHECK((n.rfind("decoder_layers.", 0) == 0 || n.rfind("decoder_ln.", 0) == 0));
  for (const auto& [n, p] : enc) CHECK((n.rfind("encoder_layers.", 0) == 0 || n.rfind("encoder_ln.", 0) == 0));
  for (const auto& [n, p] : last) CHECK((n.rfind("decoder_layers.2.", 0) == 0 || n.rfind("decoder_ln.", 0) == 0));
  CHECK(last.size() < dec.size());
  CHECK(train::select_parameters(all, "last:9").size() == dec.size());
  CHECK(dec.size() + enc.size() + 1 == all.size());  // the tied embedding belongs to neither stack
  CHECK(train::other_parameters(all, dec).size() == all.size() - dec.size());
  CHECK_THROWS_AS(train::select_parameters(all, "last:0"), std::invalid_argument);
  CHECK_THROWS_AS(train::select_parameters(all, "middle"), std::invalid_argument);
  const auto blocks = train::layer_blocks(all);
  // embedding, 1 encoder layer, 3 decoder layers, 2 final layer norms
  CHECK(blocks.size() == 7);
  int64_t total = 0;
  for (const auto& [n, p] : all) total += p.numel();
  CHECK(blocks.front().first == 0);
  CHECK(blocks.back().second == total);
}

TEST_CASE("per-language gradients: sub-batches equal the step's graph; one reused buffer", "[gradient][machinery]") {
  const int64_t V = 30, L = 4;
  torch::manual_seed(2);
  model::Transformer m(tiny(), V, 0);
  const auto params = parameters(m);
  train::StepConfig cfg;
  cfg.n_langs = L;
  const auto batch = mixed_batch({3, 0, 2, 4}, V, 11);  // language 1 absent
  auto losses_of = [&](const train::TensorBatch& b) { return train::language_losses(m, b, cfg); };
  for (const char* scope : {"all", "decoder", "last:1"}) {
    INFO(scope);
    train::LanguageGradients graph, sub;
    graph.from_graph(train::language_losses(m, batch, cfg), params, scope);
    const auto own = sub.from_sub_batches(batch, L, 0, losses_of, params, scope);
    CHECK(sub.present() == std::vector<bool>{true, false, true, true});
    CHECK(graph.present() == sub.present());
    CHECK(sub.matrix()[1].abs().max().item<double>() == 0);
    const double scale = graph.matrix().abs().max().item<double>();
    CHECK(scale > 0);
    CHECK((graph.matrix() - sub.matrix()).abs().max().item<double>() < 1e-5 * scale);
    // The per-language loss sums match the whole batch's.
    const auto whole = train::language_losses(m, batch, cfg);
    CHECK(torch::allclose(own.sum, whole.sum.detach(), 1e-5, 1e-5));
    CHECK(torch::equal(own.tokens, whole.tokens.to(torch::kFloat)));
  }
  // The buffer is reused while the shape holds.
  train::LanguageGradients g;
  g.from_graph(train::language_losses(m, batch, cfg), params);
  const void* first = g.matrix().data_ptr();
  g.from_sub_batches(mixed_batch({1, 2, 3, 1}, V, 12), L, 0, losses_of, params);
  CHECK(g.matrix().data_ptr() == first);
  CHECK(g.computations() == 2);
  // The old interface still answers (undefined tensor for an absent language).
  const auto rows = train::per_language_gradients(train::language_losses(m, batch, cfg), params);
  CHECK(!rows[1].defined());
  CHECK(rows[0].numel() == g.matrix().size(1));
}

TEST_CASE("PCGrad projects conflicting pairs, in the given order", "[gradient][pcgrad]") {
  // g0·g1 = -1 < 0: g0 ← g0 − (−1/2) g1 = (0.5, 0.5); g1 ← g1 − (−1/1) g0 = (0, 1).
  const auto g = torch::tensor({1.0, 0.0, -1.0, 1.0}, torch::kDouble).view({2, 2});
  const auto pc = methods::pcgrad_project(g, {{1}, {0}});
  CHECK(torch::allclose(pc, torch::tensor({0.5, 0.5, 0.0, 1.0}, torch::kDouble).view({2, 2}), 0, 1e-12));
  // The projected vector no longer conflicts with the other.
  CHECK((pc[0].dot(g[1])).item<double>() == Approx(0).margin(1e-12));
  // No conflict: unchanged.
  const auto h = torch::tensor({1.0, 0.2, 0.3, 1.0}, torch::kDouble).view({2, 2});
  CHECK(torch::equal(methods::pcgrad_project(h, {{1}, {0}}), h));
  // Three vectors: the order matters, and the result equals a direct sequential projection.
  const auto t = torch::tensor({1.0, 0.0, 0.0, -0.8, 1.0, 0.1, -0.6, -0.7, 1.0}, torch::kDouble).view({3, 3});
  auto direct = [&](const std::vector<std::vector<int64_t>>& order) {
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < 3; ++i) {
      auto gi = t[i].clone();
      for (int64_t j : order[static_cast<size_t>(i)]) {
        const double d = gi.dot(t[j]).item<double>();
        if (d < 0) gi = gi - d / t[j].dot(t[j]).item<double>() * t[j];
      }
      out.push_back(gi);
    }
    return torch::stack(out);
  };
  const std::vector<std::vector<int64_t>> o1{{1, 2}, {0, 2}, {0, 1}}, o2{{2, 1}, {2, 0}, {1, 0}};
  CHECK(torch::allclose(methods::pcgrad_project(t, o1), direct(o1), 0, 1e-12));
  CHECK(torch::allclose(methods::pcgrad_project(t, o2), direct(o2), 0, 1e-12));
  CHECK(!torch::allclose(direct(o1), direct(o2), 0, 1e-6));
}

TEST_CASE("GradVac raises a pair's cosine to its target, then moves the target", "[gradient][gradvac]") {
  const auto g = torch::tensor({1.0, 0.0, 0.0, -0.5, 0.8, 0.3}, torch::kDouble).view({2, 3});
  const double phi = cosine(g[0], g[1]);
  REQUIRE(phi < 0);
  std::vector<double> targets{0, 0.3, 0.3, 0};
  const double beta = 0.01;
  const auto adjusted = methods::gradvac_adjust(g, {{1}, {0}}, targets, beta);
  CHECK(cosine(adjusted[0], g[1]) == Approx(0.3).epsilon(1e-10));
  CHECK(cosine(adjusted[1], g[0]) == Approx(0.3).epsilon(1e-10));
  // Only g_j was added: g_0' − g_0 ∥ g_1.
  CHECK(std::abs(cosine(adjusted[0] - g[0], g[1])) == Approx(1.0).epsilon(1e-10));
  CHECK(targets[1] == Approx((1 - beta) * 0.3 + beta * phi));
  // Above the target: untouched, the target still follows the EMA.
  std::vector<double> low{0, -0.9, -0.9, 0};
  CHECK(torch::equal(methods::gradvac_adjust(g, {{1}, {0}}, low, beta), g));
  CHECK(low[1] == Approx((1 - beta) * -0.9 + beta * phi));
}

TEST_CASE("CAGrad's direction satisfies its constraint and maximises the worst improvement", "[gradient][cagrad]") {
  auto gen = at::detail::createCPUGenerator(42);
  for (int trial = 0; trial < 5; ++trial) {
    const int64_t K = 3 + trial, P = 12;
    auto g = torch::randn({K, P}, gen, torch::kDouble);
    g[0] = -0.7 * g[1] + 0.1 * g[0];  // a strong conflict
    const double c = 0.5;
    const auto d = methods::cagrad_direction(g, c);
    const auto g0 = g.mean(0);
    const double r = c * g0.norm().item<double>();
    CHECK((d - g0).norm().item<double>() <= r * (1 + 1e-9));
    const double achieved = torch::matmul(g, d).min().item<double>();
    // No feasible direction does better: random points of the ball's boundary and interior.
    auto u = torch::randn({20000, P}, gen, torch::kDouble);
    u = u / u.norm(2, 1, true) * r * torch::rand({20000, 1}, gen, torch::kDouble).pow(1.0 / static_cast<double>(P));
    const double best_random = std::get<0>(torch::min(torch::matmul(g0.view({1, -1}) + u, g.t()), 1)).max().item<double>();
    CHECK(achieved >= best_random - 1e-9);
    // And the solver's own certificate: the duality gap is closed.
    std::vector<int64_t> rows(static_cast<size_t>(K));
    for (int64_t i = 0; i < K; ++i) rows[static_cast<size_t>(i)] = i;
    const auto s = methods::cagrad_solve(train::gram_matrix(g, rows), K, c);
    CHECK(s.dual - s.primal <= 1e-6 * g0.dot(g0).item<double>());
    CHECK(s.iterations < 5000);
    CHECK(s.primal == Approx(achieved).epsilon(1e-9));
    std::printf("CAGrad K=%lld: %d iterations, worst improvement %.6g (best of 20000 random feasible: %.6g)\n",
                static_cast<long long>(K), s.iterations, achieved, best_random);
  }
}

TEST_CASE("GradNorm moves the weights toward equal relative training rates (toy problem)", "[gradient][gradnorm]") {
  // Two tasks on their own coordinates, L_i = ½ a_i ‖θ_i‖², a = (1, 0.1): task 0 trains ten times
  // faster. GradNorm should raise w_1 and narrow the gap between L̃_0 and L̃_1 against fixed weights.
  auto train_toy = [](bool adapt) {
    const double a[2] = {1.0, 0.1};
    double theta[2] = {1.0, 1.0};
    std::vector<double> w{1, 1};
    const double l0[2] = {0.5 * a[0], 0.5 * a[1]};
    for (int step = 0; step < 200; ++step) {
      double loss[2], norm[2];
      for (int i = 0; i < 2; ++i) loss[i] = 0.5 * a[i] * theta[i] * theta[i], norm[i] = a[i] * std::abs(theta[i]);
      for (int i = 0; i < 2; ++i) theta[i] -= 0.05 * w[static_cast<size_t>(i)] * a[i] * theta[i];
      if (adapt) w = methods::gradnorm_update(w, {norm[0], norm[1]}, {loss[0] / l0[0], loss[1] / l0[1]}, {true, true}, 1.5, 0.025);
    }
    const double r0 = 0.5 * a[0] * theta[0] * theta[0] / l0[0], r1 = 0.5 * a[1] * theta[1] * theta[1] / l0[1];
    return std::make_tuple(w[0], w[1], r1 / r0);
  };
  const auto [w0, w1, spread_gradnorm] = train_toy(true);
  const auto [f0, f1, spread_fixed] = train_toy(false);
  std::printf("GradNorm toy: w = (%.3f, %.3f); L~1/L~0 = %.3g (fixed weights: %.3g)\n", w0, w1, spread_gradnorm, spread_fixed);
  CHECK(w1 > w0);
  CHECK(w0 + w1 == Approx(2.0));
  CHECK(spread_gradnorm < spread_fixed);
}

TEST_CASE("surgery with nothing to resolve is the ordinary step; subsets keep the rest ordinary", "[gradient][machinery]") {
  // CAGrad with c = 0 and token-share tasks is the ordinary step whatever the parameter set; so is
  // PCGrad on a single language. Compared through train_step with lr 0 (the gradients it leaves, clipped).
  const int64_t V = 30, L = 3;
  struct Case {
    const char* method;
    json::object params;
    std::vector<int64_t> per_lang;
  };
  for (const Case& c : std::vector<Case>{{"cagrad", {{"c", 0.0}, {"tasks", "share"}}, {3, 2, 4}},
                                         {"cagrad", {{"c", 0.0}, {"tasks", "share"}, {"params", "decoder"}}, {3, 2, 4}},
                                         {"pcgrad", {{"params", "last:1"}}, {0, 5, 0}},
                                         {"gradvac", {}, {4, 0, 0}}}) {
    INFO(c.method << " " << json::serialize(c.params));
    torch::manual_seed(3);
    model::Transformer a(tiny(), V, 0);
    torch::manual_seed(3);
    model::Transformer b(tiny(), V, 0);
    train::Adam adam_a(parameters(a), {}), adam_b(parameters(b), {});
    train::StepConfig cfg;
    cfg.n_langs = L;
    const auto weights = torch::tensor({1.0f, 2.0f, 0.5f});
    auto method = make(c.method, c.params, L);
    auto hook = methods::make_step_hook(*method);
    train::LanguageGradients buffer;
    for (int step = 0; step < 2; ++step) {
      const auto batch = mixed_batch(c.per_lang, V, 20 + static_cast<uint64_t>(step));
      const auto ra = train::train_step(a, adam_a, batch, weights, 0.0, cfg);
      train::StepInputs in;
      in.gradients = &buffer;
      const auto rb = train::train_step(b, adam_b, batch, weights, 0.0, cfg, hook.get(), in);
      CHECK(ra.loss == Approx(rb.loss).epsilon(1e-5));
      CHECK(ra.lang_tokens == rb.lang_tokens);
      double scale = 0;
      const double diff = max_grad_difference(a, b, &scale);
      CHECK(scale > 0);
      CHECK(diff < 2e-5 * scale);
    }
  }
}

namespace {

// What a hook that does its own forward passes needs to take step 0 of `batch` outside the trainer:
// the per-language losses of `losses_of`, and the buffers the trainer would lend it.
train::StepInputs sub_batch_inputs(const train::TensorBatch& batch, const train::NamedTensors& params, const torch::Tensor& weights,
                                   train::LanguageGradients& buffer, train::LanguageLosses& own,
                                   std::function<train::LanguageLosses(const train::TensorBatch&)> losses_of) {
  train::StepInputs in;
  in.step = 0;
  in.batch = &batch;
  in.pad_id = 0;
  in.params = &params;
  in.weights = weights;
  in.gradients = &buffer;
  in.own_losses = &own;
  in.losses_of = std::move(losses_of);
  return in;
}

// A linear toy problem for the hooks: parameters θ ∈ R^P, language l's loss per target token is
// G_l·θ, so ∇(L_l/N_l) = G_l exactly and the update a hook leaves in θ.grad() can be read off
// against hand-made G. Rows per language set the token shares (3 target tokens per row).
struct LinearTasks {
  torch::Tensor G;  // [L, P]
  train::NamedTensors params;
  train::TensorBatch batch;
  train::LanguageGradients buffer;
  train::LanguageLosses own;

  LinearTasks(const std::vector<std::vector<double>>& g, const std::vector<int64_t>& rows) {
    const auto L = static_cast<int64_t>(g.size()), P = static_cast<int64_t>(g[0].size());
    G = torch::empty({L, P}, torch::kFloat);
    for (int64_t l = 0; l < L; ++l)
      for (int64_t p = 0; p < P; ++p) G[l][p] = g[static_cast<size_t>(l)][static_cast<size_t>(p)];
    params.emplace_back("theta", torch::zeros({P}, torch::kFloat).requires_grad_(true));
    std::vector<torch::Tensor> lang;
    for (size_t l = 0; l < rows.size(); ++l) lang.push_back(torch::full({rows[l]}, static_cast<int64_t>(l), torch::kLong));
    batch.lang = torch::cat(lang);
    const int64_t n = batch.lang.size(0);
    batch.src = torch::full({n, 2}, 5, torch::kLong);
    batch.tgt_in = torch::full({n, 3}, 5, torch::kLong);
    batch.tgt_out = torch::full({n, 3}, 5, torch::kLong);
  }

  train::LanguageLosses losses_of(const train::TensorBatch& b) const {
    const auto tokens = (b.tgt_out != 0).sum(1).to(torch::kFloat);
    const auto per_token = (G.index_select(0, b.lang) * params[0].second).sum(1);
    const int64_t L = G.size(0);
    return {model::sum_by_language(per_token * tokens, b.lang, L), model::sum_by_language(tokens, b.lang, L)};
  }

  // The update direction the method's hook leaves in θ.grad() at step 0.
  torch::Tensor direction(const std::string& method, const json::object& params_json) {
    auto m = make(method, params_json, static_cast<size_t>(G.size(0)));
    auto hook = methods::make_step_hook(*m);
    const_cast<torch::Tensor&>(params[0].second).mutable_grad() = torch::Tensor();
    auto in = sub_batch_inputs(batch, params, torch::ones({G.size(0)}), buffer, own,
                               [this](const train::TensorBatch& b) { return losses_of(b); });
    in.dev_batches = [](int64_t) { return int64_t{1}; };
    in.dev_losses = [this](int64_t l, int64_t) {  // GradNorm's L_i(0): any positive loss
      train::LanguageLosses d{torch::zeros({G.size(0)}), torch::zeros({G.size(0)})};
      d.sum[l] = 2.0, d.tokens[l] = 1.0;
      return d;
    };
    hook->backward(in);
    return params[0].second.grad().to(torch::kDouble).clone();
  }
};

}  // namespace

TEST_CASE("tasks: equal makes every language one task, share its token share", "[gradient][tasks]") {
  // Three languages with token shares (0.8, 0.19, 0.01) and pairwise non-conflicting gradients, so
  // no rule has anything to resolve: the update is the tasks' mean, (1/K) Σ G_l with equal tasks
  // (the papers') and the ordinary proportional step Σ s_l G_l with token shares.
  LinearTasks t({{1.0, 0.0, 0.0}, {0.2, 1.0, 0.0}, {0.1, 0.1, 1.0}}, {80, 19, 1});
  const auto G = t.G.to(torch::kDouble);
  const auto mean = G.mean(0);
  const auto proportional = 0.8 * G[0] + 0.19 * G[1] + 0.01 * G[2];
  struct Case {
    const char* method;
    json::object params;
  };
  for (const Case& c : std::vector<Case>{{"pcgrad", {}},
                                         {"gradvac", {{"granularity", "model"}}},
                                         {"cagrad", {{"c", 0.0}}},
                                         {"gradnorm", {{"params", "all"}}}}) {
    INFO(c.method);
    json::object equal = c.params, share = c.params;
    share["tasks"] = "share";
    const auto d_default = t.direction(c.method, c.params);
    const auto d_equal = t.direction(c.method, [&] { equal["tasks"] = "equal"; return equal; }());
    const auto d_share = t.direction(c.method, share);
    CHECK(torch::allclose(d_default, d_equal));  // equal is the default
    CHECK(torch::allclose(d_equal, mean, 1e-5, 1e-6));
    CHECK(torch::allclose(d_share, proportional, 1e-5, 1e-6));
  }
}

TEST_CASE("CAGrad with equal tasks improves the worst-served language under skewed token shares", "[gradient][tasks][cagrad]") {
  // G_1 conflicts with the dominant G_0; G_2 is the rarest language. With equal tasks CAGrad raises
  // the worst task's improvement min_i G_i·d above that of the plain mean (its purpose). With token
  // shares its dual leans on the rarest language (smallest ‖g_i‖) and d is near the proportional
  // step plus a push toward G_2, which leaves language 1 almost unimproved, far below the mean's.
  LinearTasks t({{1.0, 0.0, 0.0}, {-0.6, 1.0, 0.0}, {0.1, 0.0, 1.0}}, {80, 19, 1});
  const auto G = t.G.to(torch::kDouble);
  const double worst_of_mean = torch::matmul(G, G.mean(0)).min().item<double>();
  const auto d = t.direction("cagrad", {{"c", 0.5}, {"rescale", false}});
  const auto improvement = torch::matmul(G, d);
  std::printf("CAGrad equal tasks: G·d = (%.4f, %.4f, %.4f); worst of the mean %.4f\n", improvement[0].item<double>(),
              improvement[1].item<double>(), improvement[2].item<double>(), worst_of_mean);
  CHECK(improvement.min().item<double>() > worst_of_mean + 1e-3);
  const auto d_share = t.direction("cagrad", {{"c", 0.5}, {"rescale", false}, {"tasks", "share"}});
  const auto share_improvement = torch::matmul(G, d_share);
  std::printf("CAGrad token-share tasks: G·d = (%.4f, %.4f, %.4f)\n", share_improvement[0].item<double>(),
              share_improvement[1].item<double>(), share_improvement[2].item<double>());
  CHECK(share_improvement.min().item<double>() < 0.5 * worst_of_mean);
}

TEST_CASE("CAGrad with c = 0 and equal tasks is the equal-task mean gradient of a real model", "[gradient][tasks][cagrad]") {
  const int64_t V = 30, L = 3;
  torch::manual_seed(3);
  model::Transformer m(tiny(), V, 0);
  train::StepConfig cfg;
  cfg.n_langs = L;
  const auto batch = mixed_batch({6, 2, 1}, V, 21);
  const auto weights = torch::tensor({1.0f, 2.0f, 0.5f});
  auto params = parameters(m);
  // Direct: (1/K) Σ_l w_l ∇(L_l/N_l) from the whole batch's graph.
  const auto rows = train::per_language_gradients(train::language_losses(m, batch, cfg), params);
  auto expected = torch::zeros_like(rows[0]);
  for (int64_t l = 0; l < L; ++l) expected += weights[l].item<double>() * rows[static_cast<size_t>(l)] / static_cast<double>(L);
  auto method = make("cagrad", {{"c", 0.0}}, L);
  auto hook = methods::make_step_hook(*method);
  train::LanguageGradients buffer;
  train::LanguageLosses own;
  auto in = sub_batch_inputs(batch, params, weights, buffer, own,
                             [&](const train::TensorBatch& b) { return train::language_losses(m, b, cfg); });
  const auto objective = hook->backward(in);
  std::vector<torch::Tensor> grads;
  for (const auto& [name, p] : params) grads.push_back(p.grad().reshape(-1));
  const auto got = torch::cat(grads);
  CHECK((got - expected).abs().max().item<double>() < 1e-5 * expected.abs().max().item<double>());
  // The objective reported is the tasks' mean loss, not the token-weighted one.
  double mean_loss = 0;
  for (int64_t l = 0; l < L; ++l) mean_loss += weights[l].item<double>() * (own.sum[l] / own.tokens[l]).item<double>() / L;
  CHECK(objective.item<double>() == Approx(mean_loss).epsilon(1e-5));
}

TEST_CASE("GradNorm takes L_i(0) for every language at step 0, also one absent from the first batch", "[gradient][gradnorm]") {
  const int64_t V = 30, L = 3;
  torch::manual_seed(7);
  model::Transformer m(tiny(), V, 0);
  train::StepConfig cfg;
  cfg.n_langs = L;
  auto params = parameters(m);
  auto method = make("gradnorm", {}, L);
  auto hook = methods::make_step_hook(*method);
  std::vector<train::TensorBatch> dev;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<int64_t> rows(static_cast<size_t>(L), 0);
    rows[static_cast<size_t>(l)] = 4;
    dev.push_back(mixed_batch(rows, V, 60 + static_cast<uint64_t>(l)));
  }
  std::vector<double> dev_loss;
  for (int64_t l = 0; l < L; ++l) {
    const auto d = train::held_out_language_losses(m, dev[static_cast<size_t>(l)], cfg);
    dev_loss.push_back((d.sum[l] / d.tokens[l]).item<double>());
    // At initialisation the smoothed and the plain cross-entropy agree (both ≈ log V), so L_i(0)
    // from the plain dev loss is on the scale of the smoothed training loss L_i(t).
    const auto smoothed = train::language_losses(m, dev[static_cast<size_t>(l)], cfg);
    CHECK((smoothed.sum[l] / smoothed.tokens[l]).item<double>() == Approx(dev_loss.back()).epsilon(0.02));
  }
  train::LanguageGradients buffer;
  train::LanguageLosses own;
  const auto batch = mixed_batch({5, 3, 0}, V, 71);  // language 2 is not in the first batch
  auto in = sub_batch_inputs(batch, params, torch::ones({L}), buffer, own,
                             [&](const train::TensorBatch& b) { return train::language_losses(m, b, cfg); });
  in.dev_batches = [](int64_t) { return int64_t{1}; };
  in.dev_losses = [&](int64_t l, int64_t) { return train::held_out_language_losses(m, dev[static_cast<size_t>(l)], cfg); };
  hook->backward(in);
  // State: "w_0 L_0(0) w_1 L_1(0) w_2 L_2(0)".
  std::istringstream state(method->save_state());
  for (int64_t l = 0; l < L; ++l) {
    std::string w, initial;
    state >> w >> initial;
    INFO("language " << l);
    REQUIRE(initial != "nan");
    CHECK(std::stod(initial) == Approx(dev_loss[static_cast<size_t>(l)]).epsilon(1e-6));
  }
}

TEST_CASE("gradient diagnostics: cosines equal a direct computation; the update is unchanged", "[gradient][diagnostics]") {
  const int64_t V = 30, L = 4;
  torch::manual_seed(4);
  model::Transformer m(tiny(), V, 0);
  train::Adam adam(parameters(m), {});
  train::StepConfig cfg;
  cfg.n_langs = L;
  cfg.lang_grad_norms = true;
  cfg.grad_cosine = true;
  const auto batch = mixed_batch({3, 2, 0, 4}, V, 31);
  const auto weights = torch::ones({L});
  // Direct: per-language gradients from the whole batch's graph, cosines in double.
  const auto direct = train::per_language_gradients(train::language_losses(m, batch, cfg), parameters(m));
  const auto r = train::train_step(m, adam, batch, weights, 0.0, cfg);
  REQUIRE(r.lang_grad_cosine.size() == static_cast<size_t>(L * L));
  int conflicts = 0, pairs = 0;
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = 0; j < L; ++j) {
      const double got = r.lang_grad_cosine[static_cast<size_t>(i * L + j)];
      if (!direct[static_cast<size_t>(i)].defined() || !direct[static_cast<size_t>(j)].defined()) {
        CHECK(std::isnan(got));
        continue;
      }
      const double want = cosine(direct[static_cast<size_t>(i)], direct[static_cast<size_t>(j)]);
      CHECK(got == Approx(want).margin(1e-5));
      if (i < j) ++pairs, conflicts += want < 0;
    }
  CHECK(r.grad_conflict_fraction == Approx(static_cast<double>(conflicts) / pairs));
  CHECK(r.lang_grad_norm[0] == Approx(direct[0].norm().item<double>()).epsilon(1e-5));
  CHECK(std::isnan(r.lang_grad_norm[2]));

  // With dropout, measuring changes nothing in the update (the generators are restored), also on a
  // decoder-only parameter set measured separately from the norms.
  for (const char* scope : {"all", "decoder"}) {
    INFO(scope);
    torch::manual_seed(5);
    model::Transformer x(tiny(0.3), V, 0);
    torch::manual_seed(5);
    model::Transformer y(tiny(0.3), V, 0);
    train::Adam ax(parameters(x), {}), ay(parameters(y), {});
    train::StepConfig plain;
    plain.n_langs = L;
    train::StepConfig measured = cfg;
    measured.grad_scope = scope;
    torch::manual_seed(6);
    for (int s = 0; s < 3; ++s) train::train_step(x, ax, mixed_batch({2, 2, 2, 2}, V, 40 + s), weights, 1e-3, plain);
    torch::manual_seed(6);
    for (int s = 0; s < 3; ++s) train::train_step(y, ay, mixed_batch({2, 2, 2, 2}, V, 40 + s), weights, 1e-3, measured);
    auto px = parameters(x), py = parameters(y);
    for (size_t i = 0; i < px.size(); ++i) CHECK(torch::equal(px[i].second, py[i].second));
  }
}

TEST_CASE("gradient methods resume bit for bit; the cosine diagnostic reaches metrics and cell.json", "[gradient][resume]") {
  struct Case {
    std::string method;
    json::object params;
  };
  for (const Case& c : std::vector<Case>{{"pcgrad", {}},
                                         {"gradvac", {}},
                                         {"gradvac", {{"granularity", "model"}, {"params", "decoder"}}},
                                         {"cagrad", {}},
                                         {"gradnorm", {}},
                                         {"proportional", {}}}) {
    const std::string label = c.method + (c.params.empty() ? "" : "_subset");
    INFO(label);
    CellSpec spec;
    spec.languages = {"fr", "de", "kk"};
    spec.train_pairs = {40, 12, 5};
    spec.method = c.method;
    spec.method_params = c.params;
    spec.model = {{"config", "tiny"}, {"dropout", 0.1}};
    spec.train = {{"steps", 24}, {"log_every", 4}, {"dev_every", 12}, {"checkpoint_every", 20}, {"batch_tokens", 120},
                  {"lang_grad_every", 6}, {"grad_cosine_every", 5}};
    spec.eval = {{"splits", json::array{"dev"}}, {"beam", 1}};
    const std::string full = test_cell::write_cell(test_cell::test_dir("grad_full_" + label), spec);
    const std::string split = test_cell::write_cell(test_cell::test_dir("grad_split_" + label), spec);
    REQUIRE(run(full) == 0);
    REQUIRE(run(split, false, 7) == 0);
    REQUIRE(run(split, true, 13) == 0);
    REQUIRE(run(split, true) == 0);
    CHECK(test_cell::metrics_without_time(full) == test_cell::metrics_without_time(split));
    const auto a = test_cell::load_cell_checkpoint(full), b = test_cell::load_cell_checkpoint(split);
    check_same_tensors(a, b);
    CHECK(a.header.method_state == b.header.method_state);
    const auto cell = test_cell::read_json(full + "/cell.json");
    CHECK(cell.at("status") == "ok");
    const auto diag = cell.at("diagnostics").as_object();
    CHECK(diag == test_cell::read_json(split + "/cell.json").at("diagnostics").as_object());
    CHECK(diag.at("grad_cosine_measurements").to_number<double>() == 4);  // steps 5, 10, 15, 20
    CHECK(diag.at("lang_grad_cosine_mean").at("fr").at("fr").to_number<double>() == Approx(1.0));
    CHECK(diag.at("grad_conflict_fraction_mean").is_number());
    int with_cosine = 0;
    for (const auto& line : longtail::read_lines(full + "/metrics.jsonl")) {
      const auto o = json::parse(line).as_object();
      if (o.at("kind") == "train" && o.contains("lang_grad_cosine")) {
        ++with_cosine;
        CHECK(o.contains("grad_conflict_fraction"));
      }
    }
    CHECK(with_cosine == 4);  // windows ending at 8, 12, 16, 20 hold steps 5, 10, 15, 20
    if (c.method != "proportional") CHECK(!a.header.method_state.empty());
  }
}

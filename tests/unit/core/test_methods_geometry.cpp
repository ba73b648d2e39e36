// The gradient-geometry family's LibTorch-free parts: CATS's primal-dual update of (α, λ_c) on
// two quadratic tasks of known curvature, its simplex handling and state; Sequential Reptile's
// per-step language draw; suite-level validation of both.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "harness/grid/suite.h"
#include "methods/cats.h"
#include "methods/method.h"
#include "suite_test_util.h"

using namespace longtail;
using namespace longtail::methods;
using longtail::test::suite_error;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

TrainingContext context(std::vector<int64_t> sizes, int64_t steps, uint64_t seed = 0) {
  TrainingContext c;
  for (size_t i = 0; i < sizes.size(); ++i) c.languages.push_back("l" + std::to_string(i));
  c.train_pairs = std::move(sizes);
  c.total_steps = steps;
  c.seed = seed;
  return c;
}

// Two quadratic tasks L_n(θ) = ½ h_n ‖θ − c_n‖² in R², c_1 = (r_1, 0), c_2 = (0, r_2), read at
// θ = 0: ℓ_n = ½ h_n r_n², g_1 = (−h_1 r_1, 0), g_2 = (0, −h_2 r_2) (orthogonal), so
// G = diag(h_1² r_1², h_2² r_2²). Task 1 is the sharp one (h_1 = 2 > h_2 = 1/2.2); by default
// ℓ = (1, 1.1) and G = diag(4, 1).
struct Toy {
  double h1 = 2, r1 = 1, h2 = 1 / 2.2, r2 = 2.2;
  std::vector<double> losses() const { return {0.5 * h1 * r1 * r1, 0.5 * h2 * r2 * r2}; }
  std::vector<double> gram() const { return {h1 * h1 * r1 * r1, 0, 0, h2 * h2 * r2 * r2}; }
};

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

std::string write_suite(const std::string& name, const std::string& methods, int steps = 100) {
  return test::write_method_suite("longtail-test-geometry-suites", name, methods, steps);
}

}  // namespace

TEST_CASE("cats: the primal-dual update converges to the KKT point of the curvature-constrained problem", "[methods][cats]") {
  // min_a a ℓ_1 + (1−a) ℓ_2  s.t.  a² A + (1−a)² B ≤ ε  (A = ‖g_1‖², B = ‖g_2‖²). Task 1 has the
  // lower loss, so without the constraint all weight would go to it; the constraint caps it where
  // the curvature proxy reaches ε: a* = (B + √(B² − (A+B)(B−ε))) / (A+B), λ* = (ℓ_2 − ℓ_1) / c'(a*).
  const Toy toy;
  const auto l = toy.losses(), G = toy.gram();
  const double A = G[0], B = G[3], eps = 1.5;
  REQUIRE(l[0] < l[1]);
  REQUIRE(A * B / (A + B) < eps);  // feasible
  REQUIRE(A > eps);                // a = 1 is not
  const double a_star = (B + std::sqrt(B * B - (A + B) * (B - eps))) / (A + B);
  const double lambda_star = (l[1] - l[0]) / (2 * a_star * A - 2 * (1 - a_star) * B);

  for (auto simplex : {cats::Simplex::Softmax, cats::Simplex::Projection}) {
    INFO((simplex == cats::Simplex::Softmax ? "softmax" : "projection"));
    cats::UpdateConfig cfg;
    cfg.eta_alpha = 0.1, cfg.eta_lambda = 0.01, cfg.epsilon_relative = 0, cfg.epsilon = eps, cfg.simplex = simplex;
    auto s = cats::initial_state(2, simplex);
    CHECK(s.alpha[0] == 0.5);
    CHECK(s.lambda == 0);
    double min_lambda = 0;
    for (int it = 0; it < 20000; ++it) {
      cats::update(s, l, G, cfg);
      CHECK(sum(s.alpha) == Approx(1.0).epsilon(1e-12));
      min_lambda = std::min(min_lambda, s.lambda);
      if (s.alpha[0] < 0 || s.alpha[1] < 0) FAIL("α left the simplex");
    }
    CHECK(min_lambda == 0);  // never negative
    CHECK(s.alpha[0] == Approx(a_star).epsilon(1e-6));
    CHECK(s.lambda == Approx(lambda_star).epsilon(1e-4));
    CHECK(cats::curvature(s.alpha, G) == Approx(eps).epsilon(1e-6));  // the constraint is active
  }
}

TEST_CASE("cats: weight moves to the low-curvature task under the constraint, to the low-loss task without", "[methods][cats]") {
  // Equal losses (ℓ_1 = ℓ_2) at a point where the sharp task's gradient is larger (same loss,
  // higher curvature ⇒ larger gradient: ‖g_n‖² = 2 h_n ℓ_n).
  Toy toy;
  toy.r1 = 0.5;
  toy.r2 = std::sqrt(toy.h1 / toy.h2) * toy.r1;
  const auto l = toy.losses(), G = toy.gram();
  REQUIRE(l[0] == Approx(l[1]));
  REQUIRE(G[0] > G[3]);
  cats::UpdateConfig cfg;
  cfg.epsilon_relative = 0, cfg.epsilon = 0.0;
  auto s = cats::initial_state(2, cats::Simplex::Softmax);
  s.lambda = 1.0;  // the curvature term matters
  cats::update(s, l, G, cfg);
  CHECK(s.alpha[1] > s.alpha[0]);  // flat task up
  CHECK(s.lambda > 1.0);           // the constraint is violated: λ_c ascends

  // λ_c = 0 and kept there (η_λ = 0): the objective is linear in α and α moves to the lower loss,
  // here the sharp task.
  const Toy lower;  // ℓ_1 < ℓ_2
  for (auto simplex : {cats::Simplex::Softmax, cats::Simplex::Projection}) {
    cats::UpdateConfig c0;
    c0.eta_lambda = 0.0, c0.eta_alpha = 0.5, c0.simplex = simplex;
    auto t = cats::initial_state(2, simplex);
    for (int i = 0; i < 1000; ++i) cats::update(t, lower.losses(), lower.gram(), c0);
    CHECK(t.lambda == 0);
    CHECK(t.alpha[0] > 0.9);
  }

  // A slack constraint keeps λ_c at 0 (projected ascent never goes negative).
  cats::UpdateConfig slack;
  slack.epsilon_relative = 0, slack.epsilon = 1e9;
  slack.simplex = cats::Simplex::Projection;
  auto u = cats::initial_state(2, cats::Simplex::Projection);
  cats::update(u, l, G, slack);
  CHECK(u.lambda == 0);
}

TEST_CASE("cats: with the default ε the constraint binds at the gradients' scale and λ_c settles", "[methods][cats]") {
  // Three languages with per-token gradients of realistic size (squared norms 0.8 to 3, mildly
  // aligned): the lowest-loss language has the largest gradient. An absolute ε = 1e-3 lies far
  // below min_α αᵀGα ≈ 0.64, so the constraint can never hold and λ_c grows by about η_λ·0.64 per
  // update for ever. The default ε (the curvature at the first update, α uniform) is feasible:
  // the primal-dual iteration reaches the KKT point, where λ_c is finite and α balances loss
  // against curvature.
  const std::vector<double> l{3.0, 4.5, 5.5};
  const std::vector<double> G{3.0, 0.6, 0.4, 0.6, 1.5, 0.3, 0.4, 0.3, 0.8};
  const cats::UpdateConfig cfg;  // the defaults
  auto s = cats::initial_state(3, cats::Simplex::Softmax);
  const double c0 = cats::curvature(s.alpha, G);
  double lambda_half = 0;
  for (int it = 0; it < 20000; ++it) {
    cats::update(s, l, G, cfg);
    if (it == 9999) lambda_half = s.lambda;
  }
  CHECK(s.lambda > 0);                                   // the constraint binds ...
  CHECK(s.lambda == Approx(lambda_half).epsilon(1e-6));  // ... and λ_c has settled
  CHECK(s.lambda < 10);
  CHECK(cats::curvature(s.alpha, G) == Approx(c0).epsilon(1e-6));  // active at ε = c0
  // Stationarity on the simplex: ℓ_n + 2λ_c (Gα)_n is the same for every language.
  std::vector<double> grad(3);
  for (int i = 0; i < 3; ++i) grad[i] = l[i] + 2 * s.lambda * (G[i * 3] * s.alpha[0] + G[i * 3 + 1] * s.alpha[1] + G[i * 3 + 2] * s.alpha[2]);
  CHECK(grad[1] == Approx(grad[0]).epsilon(1e-6));
  CHECK(grad[2] == Approx(grad[0]).epsilon(1e-6));
  // Curvature holds the weight back from the low-loss, sharp language (λ_c = 0 would give it all).
  CHECK(s.alpha[0] < 1.0 / 3);
}

TEST_CASE("cats: ε is fixed at the first update, relative to its curvature or absolute", "[methods][cats]") {
  const std::vector<double> l{1.0, 2.0};
  const std::vector<double> G{4.0, 0.5, 0.5, 1.0}, G_later{9.0, 0.0, 0.0, 9.0};
  const double c0 = cats::curvature({0.5, 0.5}, G);
  for (double fraction : {1.0, 0.5, 2.0}) {
    cats::UpdateConfig cfg;
    cfg.epsilon_relative = fraction;
    auto s = cats::initial_state(2, cats::Simplex::Softmax);
    CHECK(std::isnan(s.epsilon));
    cats::update(s, l, G, cfg);
    CHECK(s.epsilon == fraction * c0);
    CHECK(s.lambda == std::max(0.0, cfg.eta_lambda * (c0 - fraction * c0)));
    cats::update(s, l, G_later, cfg);  // later curvature does not move ε
    CHECK(s.epsilon == fraction * c0);
  }
  cats::UpdateConfig absolute;
  absolute.epsilon_relative = 0, absolute.epsilon = 0.25, absolute.simplex = cats::Simplex::Projection;
  auto s = cats::initial_state(2, cats::Simplex::Projection);
  cats::update(s, l, G, absolute);
  CHECK(s.epsilon == 0.25);
  CHECK(s.lambda == Approx(absolute.eta_lambda * (c0 - 0.25)));
}

TEST_CASE("cats: projection onto the simplex with a floor", "[methods][cats]") {
  auto p = cats::project_to_simplex({0.5, 0.5, 0.5});
  for (double x : p) CHECK(x == Approx(1.0 / 3));
  p = cats::project_to_simplex({2.0, 0.0, -1.0});
  CHECK(p == std::vector<double>{1.0, 0.0, 0.0});
  p = cats::project_to_simplex({0.6, 0.5, -3.0});
  CHECK(p[0] == Approx(0.55));
  CHECK(p[1] == Approx(0.45));
  CHECK(p[2] == 0.0);
  p = cats::project_to_simplex({2.0, 0.0, -1.0}, 0.1);
  CHECK(sum(p) == Approx(1.0));
  CHECK(p[0] == Approx(0.8));
  CHECK(p[2] == Approx(0.1));
  CHECK_THROWS(cats::project_to_simplex({1, 2, 3}, 0.5));
}

TEST_CASE("cats: by default languages are sampled from α, so no loss weight differs from 1", "[methods][cats]") {
  // Before the first update α is uniform. Sampling proportionally and weighting by α_n / p_n would
  // give the smallest language a weight of 1/(L·p_min) = 1110/30 = 37 (importance-weighted
  // uniform scalarization); sampling from α itself estimates the same Σ α_n L_n with weights 1.
  const auto ctx = context({1000, 100, 10}, 1000);
  auto m = make_method("cats", {}, ctx);
  const auto p = m->sampling_distribution(0);
  const auto w = m->loss_weights(0);
  REQUIRE(w.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(p[i] == Approx(1.0 / 3));
    CHECK(w[i] == 1.0);
  }
  // After an update the distribution is the new α and the weights stay 1.
  auto m2 = make_method("cats", {}, ctx);
  m2->load_state("1 0x1p+0 0x1p+0 0x0p+0 0x1p+0 0x1p-1 0x1p-2 0x1p-2 0x0p+0 0x0p+0 0x0p+0");
  CHECK(m2->sampling_distribution(5) == std::vector<double>{0.5, 0.25, 0.25});
  CHECK(m2->loss_weights(5) == std::vector<double>{1.0, 1.0, 1.0});
}

TEST_CASE("cats: the method trains on Σ α_n L_n through w_n = α_n / p_n; its state round-trips exactly", "[methods][cats]") {
  const auto ctx = context({1000, 100, 10}, 1000);
  auto m = make_method("cats", {{"sampling", "temperature"}, {"tau", 1.0}}, ctx);
  CHECK(m->takes_over_step());
  const auto p = m->sampling_distribution(0);
  CHECK(p[0] == Approx(1000.0 / 1110));
  const auto w = m->loss_weights(0);
  for (size_t i = 0; i < 3; ++i) CHECK(w[i] * p[i] == Approx(1.0 / 3));  // α uniform at the start
  CHECK(w[2] == Approx(1110.0 / 30));                                     // 1/(L·p_min)
  const auto metrics = m->metrics();
  CHECK(metrics.at("lambda_c").to_number<double>() == 0);
  CHECK(metrics.at("alpha").at("l2").to_number<double>() == Approx(1.0 / 3));
  CHECK(metrics.at("curvature").is_null());
  CHECK(metrics.at("epsilon").is_null());  // fixed by the first update
  CHECK(metrics.at("updates").to_number<int64_t>() == 0);

  // State: a method restored from another's state gives the same weights and metrics, bit for bit.
  auto m2 = make_method("cats", {}, ctx);
  const std::string fake =
      "3 0x1.8p+0 0x1.2p+2 0x1.999999999999ap-4 0x1.4p+0 0x1.5555555555555p-2 0x1p-1 0x1.5555555555555p-3 0x1p-3 -0x1p-2 0x0p+0";
  m2->load_state(fake);
  CHECK(m2->save_state() == fake);
  CHECK(m2->metrics().at("lambda_c").to_number<double>() == 0.1);
  CHECK(m2->metrics().at("epsilon").to_number<double>() == 1.25);
  CHECK(m2->metrics().at("curvature_mean").to_number<double>() == Approx(4.5 / 3));
  CHECK_THROWS(m2->load_state("3 0x1p+0"));
  // Before the first update ε is not yet set: NaN in the state, null in the metrics.
  auto m3 = make_method("cats", {}, ctx);
  CHECK(m3->save_state().find("nan") != std::string::npos);
  m2->load_state(m3->save_state());
  CHECK(m2->save_state() == m3->save_state());
  CHECK(m2->metrics().at("epsilon").is_null());

  const auto* spec = find_method("cats");
  REQUIRE(spec != nullptr);
  CHECK_FALSE(spec->paper.empty());
}

TEST_CASE("sequential_reptile: one language per inner step, drawn from q by the step", "[methods][reptile]") {
  const auto ctx = context({1000, 300, 100, 0}, 10000, 42);
  auto m = make_method("sequential_reptile", {{"tau", 1.0}, {"inner_steps", 10}}, ctx);
  CHECK(m->takes_over_step());
  CHECK(m->save_state().empty());  // a pure function of the step
  const auto q = temperature_distribution(ctx.train_pairs, 1.0);
  std::vector<double> count(4, 0.0);
  const int n = 20000;
  for (int t = 0; t < n; ++t) {
    const auto p = m->sampling_distribution(t);
    CHECK(sum(p) == 1.0);
    size_t hot = 0;
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] == 1.0) hot = i;
    if (p[hot] != 1.0) FAIL("not one-hot at step " << t);
    count[hot] += 1;
  }
  CHECK(count[3] == 0);  // an empty language is never drawn
  double chi2 = 0;
  for (size_t i = 0; i < 3; ++i) chi2 += (count[i] - n * q[i]) * (count[i] - n * q[i]) / (n * q[i]);
  CHECK(chi2 < 13.8);  // χ²(2) at p = 0.001
  // The same (seed, step) draws the same language; another seed another sequence.
  auto same = make_method("sequential_reptile", {{"inner_steps", 10}}, ctx);
  auto other = make_method("sequential_reptile", {{"inner_steps", 10}}, context({1000, 300, 100, 0}, 10000, 43));
  int differ = 0;
  for (int t = 0; t < 200; ++t) {
    CHECK(same->sampling_distribution(t) == m->sampling_distribution(t));
    differ += other->sampling_distribution(t) != m->sampling_distribution(t);
  }
  CHECK(differ > 50);
  // Mixed batches: every example from q.
  auto mixed = make_method("sequential_reptile", {{"single_language", false}, {"inner_steps", 10}}, ctx);
  CHECK(mixed->sampling_distribution(5) == q);
}

TEST_CASE("sequential_reptile: the shipped suites, all from scratch, set K and η instead of the fine-tuning defaults", "[methods][reptile][suite]") {
  // K = 1000, η = 0.1 (the method's defaults, the paper's) are fine-tuning values: from scratch θ
  // keeps a tenth of each trajectory. Every suite here trains from scratch, so each one that runs
  // Sequential Reptile must say its own K and η (docs/methods.md, "Sequential Reptile").
  const auto* spec = find_method("sequential_reptile");
  REQUIRE(spec != nullptr);
  auto default_of = [&](const std::string& key) {
    for (const auto& o : spec->params)
      if (o.name == key) return o.default_value;
    FAIL("no option " << key);
    return json::value();
  };
  const test::SuiteDataVars data_vars;
  int uses = 0;
  for (const auto& entry : fs::directory_iterator(std::string(LONGTAIL_SOURCE_DIR) + "/suites")) {
    if (entry.path().extension() != ".json") continue;
    const grid::Suite suite = grid::load_suite(entry.path().string());
    for (const auto& m : suite.methods) {
      if (m.name != "sequential_reptile") continue;
      INFO(entry.path().filename().string() << " " << m.json_path);
      ++uses;
      CHECK(m.params.at("inner_steps") != default_of("inner_steps"));
      CHECK(m.params.at("outer_lr") != default_of("outer_lr"));
      // At least 10 outer steps in the budget, and θ keeps at least half of each trajectory.
      CHECK(m.params.at("inner_steps").to_number<int64_t>() * 10 <= suite.train.at("steps").to_number<int64_t>());
      CHECK(m.params.at("outer_lr").to_number<double>() >= 0.5);
    }
  }
  CHECK(uses >= 2);  // gradient.json and ted8-diverse.json
}

TEST_CASE("gradient-geometry methods: bad hyper-parameters are suite errors naming the JSON path", "[methods][suite]") {
  struct Bad {
    const char* methods;
    const char* expected_path;
    const char* expected_what;
  };
  for (const Bad& b : std::vector<Bad>{
           {R"([{"name": "cats", "params": {"interval": 0}}])", "$.methods[0].params.interval", ">= 1"},
           {R"([{"name": "cats", "params": {"lr_alpha": -0.1}}])", "$.methods[0].params.lr_alpha", ">= 0"},
           {R"([{"name": "cats", "params": {"lr_lambda": -1}}])", "$.methods[0].params.lr_lambda", ">= 0"},
           {R"([{"name": "cats", "params": {"epsilon": -1e-3}}])", "$.methods[0].params.epsilon", ">= 0"},
           {R"([{"name": "cats", "params": {"simplex": "sparsemax"}}])", "$.methods[0].params.simplex", "one of softmax, projection"},
           {R"([{"name": "cats", "params": {"warmup_steps": 101}}])", "$.methods[0].params.warmup_steps", "beyond the step budget"},
           {R"([{"name": "cats", "params": {"alpha_min": 0.1}}])", "$.methods[0].params.alpha_min", "only used with"},
           {R"([{"name": "cats", "params": {"simplex": "projection", "alpha_min": 0.4}}])", "$.methods[0].params.alpha_min", "< 1"},
           {R"([{"name": "cats", "params": {"K": 10}}])", "$.methods[0].params.K", "unknown key"},
           {R"([{"name": "cats", "params": {"epsilon": 0.01}}])", "$.methods[0].params.epsilon", "only used with"},
           {R"([{"name": "cats", "params": {"epsilon_relative": -1}}])", "$.methods[0].params.epsilon_relative", ">= 0"},
           {R"([{"name": "cats", "params": {"tau": 5}}])", "$.methods[0].params.tau", "only used with"},
           {R"([{"name": "cats", "params": {"sampling": "uniform"}}])", "$.methods[0].params.sampling", "one of alpha, temperature"},
           {R"([{"name": "cats", "params": {"dev_batches": -1}}])", "$.methods[0].params.dev_batches", ">= 0"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 0}}])", "$.methods[0].params.inner_steps", ">= 1"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": -5}}])", "$.methods[0].params.inner_steps", ">= 1"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 101}}])", "$.methods[0].params.inner_steps", "exceed the step budget"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 10, "outer_lr": 0}}])", "$.methods[0].params.outer_lr", "> 0"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 10, "outer_lr": 1.5}}])", "$.methods[0].params.outer_lr", "<= 1"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 10, "inner_lr_scale": -1}}])", "$.methods[0].params.inner_lr_scale", "> 0"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 10, "eta": 0.5}}])", "$.methods[0].params.eta", "unknown key"},
           {R"([{"name": "sequential_reptile", "params": {"inner_steps": 10, "single_language": "yes"}}])", "$.methods[0].params.single_language", "bool"},
       }) {
    INFO(b.methods);
    const std::string file = write_suite("bad.json", b.methods);
    const std::string err = suite_error(file);
    CHECK_THAT(err, Catch::StartsWith(file) && Catch::Contains(b.expected_path) && Catch::Contains(b.expected_what));
  }
  CHECK(suite_error(write_suite("good.json", R"([{"name": "cats"}, {"name": "cats", "label": "cats_projection", "params": {"simplex": "projection", "alpha_min": 0.05,
      "interval": 10, "warmup_steps": 100}}, {"name": "sequential_reptile", "params": {"inner_steps": 100, "outer_lr": 1}}])")) == "");
}

// The gradient-geometry family on the LibTorch-free side: registration, defaults, parameter sets,
// the Gram-space mathematics that has no tensors (CAGrad's dual solver, GradNorm's weight update)
// and suite-level validation of their hyper-parameters.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "harness/grid/suite.h"
#include "methods/gradient_math.h"
#include "methods/method.h"
#include "suite_test_util.h"

using namespace longtail;
using namespace longtail::methods;
using longtail::test::suite_error;
namespace fs = std::filesystem;

namespace {

std::string write_suite(const std::string& name, const std::string& methods, const std::string& train = "") {
  return test::write_method_suite("longtail-test-gradient-suites", name, methods, 100, train);
}

}  // namespace

TEST_CASE("gradient family: registered with paper, defaults and a step hook flag", "[methods][gradient]") {
  TrainingContext ctx;
  ctx.languages = {"a", "b", "c"};
  ctx.train_pairs = {100, 10, 1};
  ctx.total_steps = 10;
  for (const char* name : {"pcgrad", "gradvac", "cagrad", "gradnorm"}) {
    INFO(name);
    const MethodSpec* spec = find_method(name);
    REQUIRE(spec);
    CHECK(!spec->paper.empty());
    const auto m = make_method(name, {}, ctx);
    CHECK(m->takes_over_step());
    // τ = 1 by default: proportional sampling, so the references isolate the method's update.
    CHECK(m->sampling_distribution(0)[0] == Approx(100.0 / 111.0));
  }
  auto default_of = [](const char* method, const char* key) {
    for (const auto& o : find_method(method)->params)
      if (o.name == key) return o.default_value;
    return boost::json::value(nullptr);
  };
  CHECK(default_of("gradnorm", "alpha").to_number<double>() == 1.5);
  CHECK(default_of("gradvac", "beta").to_number<double>() == 0.01);
  CHECK(default_of("cagrad", "c").to_number<double>() == 0.5);
  CHECK(default_of("gradnorm", "params").as_string() == "last:1");
  CHECK(make_method("gradnorm", {}, ctx)->loss_weights(0) == std::vector<double>{1, 1, 1});
}

TEST_CASE("parameter sets are checked without LibTorch", "[methods][gradient]") {
  for (const char* ok : {"all", "encoder", "decoder", "last:1", "last:12", "lora", "adapter"}) CHECK(parameter_scope_error(ok).empty());
  for (const char* bad : {"", "middle", "last:", "last:0", "last:-1", "last:x", "last:1.5", "Decoder", "LoRA", "adapters"}) {
    INFO(bad);
    CHECK(!parameter_scope_error(bad).empty());
  }
}

TEST_CASE("CAGrad's dual solver: feasible, optimal to its duality gap", "[methods][gradient][cagrad]") {
  // Two conflicting gradients in the plane: g1 = (1, 0), g2 = (-0.5, 1).
  const std::vector<double> gram{1.0, -0.5, -0.5, 1.25};
  const auto s = cagrad_solve(gram, 2, 0.5);
  CHECK(s.dual - s.primal <= 1e-6 * (0.25 * 0.25 + 0.5 * 0.5));  // ‖g0‖²
  CHECK(s.iterations < 5000);
  CHECK(s.w[0] >= 0);
  CHECK(s.w[1] >= 0);
  CHECK(s.w[0] + s.w[1] == Approx(1.0));
  // d = Σ coef_i g_i; check the constraint ‖d − g0‖ ≤ c‖g0‖ and the worst improvement by brute
  // force over the ball's boundary (where the optimum of a linear-min objective lies).
  const double d[2] = {s.coef[0] * 1.0 + s.coef[1] * -0.5, s.coef[1] * 1.0};
  const double g0[2] = {0.25, 0.5};
  const double r = 0.5 * std::hypot(g0[0], g0[1]);
  CHECK(std::hypot(d[0] - g0[0], d[1] - g0[1]) <= r * (1 + 1e-9));
  auto worst = [](double x, double y) { return std::min(x, -0.5 * x + y); };
  double best = -1e9;
  for (int a = 0; a < 100000; ++a) {
    const double t = 2 * M_PI * a / 100000.0;
    best = std::max(best, worst(g0[0] + r * std::cos(t), g0[1] + r * std::sin(t)));
  }
  CHECK(worst(d[0], d[1]) >= best - 1e-9);
  CHECK(worst(d[0], d[1]) == Approx(s.primal).epsilon(1e-9));
  // c = 0: the average gradient.
  const auto zero = cagrad_solve(gram, 2, 0.0);
  CHECK(zero.coef == std::vector<double>{0.5, 0.5});
}

TEST_CASE("GradNorm's update raises the slower language's weight and keeps Σ w = L", "[methods][gradient][gradnorm]") {
  // Equal gradient norms; language 1 trains slower (higher loss ratio) → its weight goes up.
  const auto w = gradnorm_update({1, 1, 1}, {1, 1, 1}, {0.5, 0.9, 0.7}, {true, true, false}, 1.5, 0.1);
  CHECK(w[1] > w[0]);
  CHECK(w[0] + w[1] + w[2] == Approx(3.0));
  CHECK(w[2] / w[0] > 1.0);  // absent: kept (then renormalised with the others)
}

TEST_CASE("bad gradient-family hyper-parameters are suite errors naming the JSON path", "[methods][gradient][suite]") {
  struct Bad {
    const char* methods;
    const char* train;
    const char* expected_path;
    const char* expected_what;
  };
  for (const Bad& b : std::vector<Bad>{
           {R"([{"name": "gradnorm", "params": {"alpha": -1}}])", "", "$.methods[0].params.alpha", ">= 0"},
           {R"([{"name": "gradnorm", "params": {"weight_lr": 0}}])", "", "$.methods[0].params.weight_lr", "> 0"},
           {R"([{"name": "gradnorm", "params": {"params": "last:0"}}])", "", "$.methods[0].params.params", "last:K"},
           {R"([{"name": "uniform"}, {"name": "pcgrad", "params": {"params": "middle"}}])", "", "$.methods[1].params.params", "encoder, decoder"},
           {R"([{"name": "pcgrad", "params": {"tau": 0}}])", "", "$.methods[0].params.tau", "> 0"},
           {R"([{"name": "gradvac", "params": {"beta": 0}}])", "", "$.methods[0].params.beta", "> 0"},
           {R"([{"name": "gradvac", "params": {"beta": 1.5}}])", "", "$.methods[0].params.beta", "<= 1"},
           {R"([{"name": "gradvac", "params": {"granularity": "matrix"}}])", "", "$.methods[0].params.granularity", "layer"},
           {R"([{"name": "cagrad", "params": {"c": -0.5}}])", "", "$.methods[0].params.c", ">= 0"},
           {R"([{"name": "cagrad", "params": {"rescale": 1}}])", "", "$.methods[0].params.rescale", "bool"},
           {R"([{"name": "proportional"}])", R"(, "grad_cosine_params": "last:none")", "$.train.grad_cosine_params", "last:K"},
           {R"([{"name": "proportional"}])", R"(, "grad_cosine_every": -1)", "$.train.grad_cosine_every", ">= 0"},
       }) {
    INFO(b.methods << b.train);
    const std::string file = write_suite("bad.json", b.methods, b.train);
    const std::string err = suite_error(file);
    CHECK_THAT(err, Catch::StartsWith(file) && Catch::Contains(b.expected_path) && Catch::Contains(b.expected_what));
  }
  CHECK(suite_error(write_suite("good.json", R"([{"name": "gradnorm", "params": {"params": "decoder"}},
      {"name": "pcgrad", "params": {"params": "last:2"}}, {"name": "gradvac", "params": {"granularity": "model"}},
      {"name": "cagrad", "params": {"c": 0.4, "rescale": false}}])", R"(, "grad_cosine_every": 10, "grad_cosine_params": "encoder")")) == "");
}

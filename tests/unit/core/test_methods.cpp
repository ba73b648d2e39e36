// The sampling methods of the foundation: registry, parameters, distributions.
#include <catch2/catch.hpp>

#include <cmath>

#include "methods/method.h"

using namespace longtail;
using namespace longtail::methods;

namespace {
TrainingContext skewed() { return TrainingContext{{"a", "b", "c"}, {10000, 1000, 100}, 100}; }
}  // namespace

TEST_CASE("the three foundation methods are registered with their tables", "[methods]") {
  for (const char* name : {"proportional", "temperature", "uniform"}) {
    const MethodSpec* spec = find_method(name);
    REQUIRE(spec != nullptr);
    CHECK_FALSE(spec->paper.empty());
  }
  CHECK(find_method("nope") == nullptr);
  REQUIRE(find_method("temperature")->params.size() == 1);
  CHECK(find_method("temperature")->params[0].default_value.to_number<double>() == 5.0);
}

TEST_CASE("temperature distribution p_i ∝ n_i^(1/τ)", "[methods]") {
  auto p1 = temperature_distribution({10000, 1000, 100}, 1.0);
  CHECK(p1[0] == Approx(10000.0 / 11100));
  CHECK(p1[2] == Approx(100.0 / 11100));
  auto p5 = temperature_distribution({10000, 1000, 100}, 5.0);
  double z = std::pow(10000, 0.2) + std::pow(1000, 0.2) + std::pow(100, 0.2);
  CHECK(p5[1] == Approx(std::pow(1000, 0.2) / z));
  auto big = temperature_distribution({10000, 1000, 100}, 1e6);
  CHECK(big[0] == Approx(1.0 / 3).epsilon(1e-4));
  CHECK_THROWS(temperature_distribution({1, 2}, 0.0));
}

TEST_CASE("methods supply their distribution and default loss weights", "[methods]") {
  auto ctx = skewed();
  auto prop = make_method("proportional", {}, ctx);
  CHECK(prop->sampling_distribution(0)[0] == Approx(10000.0 / 11100));
  auto uni = make_method("uniform", {}, ctx);
  for (double p : uni->sampling_distribution(7)) CHECK(p == Approx(1.0 / 3));
  auto temp = make_method("temperature", {{"tau", 2.0}}, ctx);
  auto p = temp->sampling_distribution(3);
  CHECK(p[0] / p[1] == Approx(std::sqrt(10.0)));
  CHECK(temp->loss_weights(0).empty());  // plain cross-entropy
  CHECK_THROWS_AS(make_method("temperature", {{"tau", -1.0}}, ctx, "$.methods[0]"), ConfigError);
  CHECK_THROWS_WITH(make_method("temperature", {{"beta", 1.0}}, ctx, "$.methods[0]"),
                    Catch::Contains("$.methods[0].params.beta"));
}

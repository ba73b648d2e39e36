// Random loss weighting (methods/random_weighting.cpp): w = L · softmax(z), z ~ N(0, I) per step,
// from a generator seeded with the cell's seed and carried by the method state.
#include <catch2/catch.hpp>

#include <cmath>

#include "methods/method.h"

using namespace longtail;
using namespace longtail::methods;

namespace {

TrainingContext context(uint64_t seed) {
  TrainingContext ctx;
  ctx.languages = {"a", "b", "c", "d", "e"};
  ctx.train_pairs = {1000, 300, 100, 30, 10};
  ctx.total_steps = 100;
  ctx.seed = seed;
  return ctx;
}

// The weights of steps 0..n-1, observing each step as the trainer does.
std::vector<std::vector<double>> run(Method& m, int64_t from, int64_t n) {
  std::vector<std::vector<double>> out;
  for (int64_t t = from; t < from + n; ++t) {
    out.push_back(m.loss_weights(t));
    StepFeedback fb;
    fb.step = t;
    m.observe(fb);
  }
  return out;
}

}  // namespace

TEST_CASE("random_weighting: w = L·softmax(z), fresh every step, from the cell's seed", "[methods][random_weighting]") {
  const MethodSpec* spec = find_method("random_weighting");
  REQUIRE(spec);
  CHECK(spec->paper.find("arXiv:2111.10603") != std::string::npos);
  auto m = make_method("random_weighting", {}, context(7));
  CHECK(!m->takes_over_step());
  // τ = 1 by default: proportional sampling.
  const auto p = m->sampling_distribution(0);
  CHECK(p[0] == Approx(1000.0 / 1440));
  CHECK(make_method("random_weighting", {{"tau", 2.0}}, context(7))->sampling_distribution(0)[0] / p[0] < 1.0);

  const auto steps = run(*m, 0, 50);
  for (const auto& w : steps) {
    REQUIRE(w.size() == 5);
    double total = 0;
    for (double x : w) {
      CHECK(x > 0);
      total += x;
    }
    CHECK(total == Approx(5.0).epsilon(1e-12));
  }
  for (size_t t = 1; t < steps.size(); ++t) CHECK(steps[t] != steps[t - 1]);
  // Not all mass on one language on average: the mean weight of each language is near 1.
  for (size_t l = 0; l < 5; ++l) {
    double mean = 0;
    for (const auto& w : steps) mean += w[l] / static_cast<double>(steps.size());
    CHECK(mean > 0.3);
    CHECK(mean < 3.0);
  }

  // Seeded: the same seed gives the same stream bit for bit, another seed another one.
  auto again = make_method("random_weighting", {}, context(7));
  CHECK(run(*again, 0, 50) == steps);
  auto other = make_method("random_weighting", {}, context(8));
  CHECK(run(*other, 0, 1)[0] != steps[0]);
}

TEST_CASE("random_weighting: a resume through save/load_state continues the same stream", "[methods][random_weighting]") {
  auto a = make_method("random_weighting", {}, context(11));
  const auto head = run(*a, 0, 17);
  const std::string state = a->save_state();
  CHECK(!state.empty());
  const auto tail = run(*a, 17, 20);

  // A fresh method (as a resumed cell builds it) with the checkpoint's state.
  auto b = make_method("random_weighting", {}, context(11));
  b->load_state(state);
  CHECK(run(*b, 17, 20) == tail);
  CHECK(tail[0] != head.back());
}

TEST_CASE("random_weighting: a bad tau is a ConfigError naming its JSON path", "[methods][random_weighting]") {
  for (double tau : {0.0, -1.0}) {
    INFO(tau);
    CHECK_THROWS_AS(make_method("random_weighting", {{"tau", tau}}, context(1), "$.methods[3]"), ConfigError);
    CHECK_THROWS_WITH(make_method("random_weighting", {{"tau", tau}}, context(1), "$.methods[3]"),
                      Catch::Contains("$.methods[3].params.tau"));
  }
  CHECK_THROWS_WITH(validate_method("random_weighting", {{"tau", "hot"}}, SuiteFacts{100, {}}, "$.methods[0]"),
                    Catch::Contains("$.methods[0].params.tau"));
}

// Statistics over seeds (reports/seed_stats.h): known values, one seed, bad input, and the example
// report's summary recomputed from its cells.
#include <catch2/catch.hpp>

#include "example_report.h"

#include <cmath>

#include "harness/common/json_util.h"
#include "reports/seed_stats.h"

using namespace longtail;
using namespace longtail::reports;
namespace json = boost::json;

TEST_CASE("seed_stats: mean, sample std and Student-t interval of a known sample", "[seed_stats]") {
  const SeedStats s = seed_stats({1, 2, 3, 4});
  CHECK(s.n == 4);
  CHECK(s.mean == Approx(2.5).epsilon(1e-15));
  REQUIRE(s.std);
  CHECK(*s.std == Approx(1.2909944487358056).epsilon(1e-15));
  REQUIRE(s.ci95);
  // t(0.975, 3) = 3.1824463052837096 (to 17 digits, from the CDF solved at 40 digits); tables that
  // print 3.182446305284263 are off by 5e-13.
  const double h = 3.1824463052837096 * 1.2909944487358056 / 2.0;
  CHECK(s.ci95->first == Approx(2.5 - h).epsilon(1e-14));
  CHECK(s.ci95->second == Approx(2.5 + h).epsilon(1e-14));
}

TEST_CASE("seed_stats: Student-t quantiles", "[seed_stats]") {
  // Reference values solved at 40 digits; df 1 and 2 have closed forms (tan(π(p-½)) and
  // (2p-1)·sqrt(2/(4p(1-p)))). SciPy's 4.302652729911275 for df 2 is off by 1.6e-10.
  CHECK(student_t_quantile(0.975, 3) == Approx(3.1824463052837096).epsilon(1e-15));
  CHECK(student_t_quantile(0.975, 3) == Approx(3.182446305284263).epsilon(1e-12));  // the usual table value
  CHECK(student_t_quantile(0.975, 2) == Approx(4.3026527297494639).epsilon(1e-15));
  CHECK(student_t_quantile(0.975, 1) == Approx(12.706204736174707).epsilon(1e-14));
  CHECK(student_t_quantile(0.5, 7) == Approx(0.0).margin(1e-14));
  CHECK_THROWS_AS(student_t_quantile(1.0, 3), std::invalid_argument);
  CHECK_THROWS_AS(student_t_quantile(0.975, 0), std::invalid_argument);
}

TEST_CASE("seed_stats: one seed has a mean but no std and no interval", "[seed_stats]") {
  const SeedStats s = seed_stats({17.25});
  CHECK(s.mean == 17.25);
  CHECK_FALSE(s.std);
  CHECK_FALSE(s.ci95);
  json::object o;
  put_seed_stats(o, "bleu", s);
  CHECK(o.at("bleu_mean").as_double() == 17.25);
  CHECK(o.at("bleu_std").is_null());
  CHECK(o.at("bleu_ci95").is_null());
  // Standard error with one seed: only the measurement (test-set) variance is left.
  CHECK(seed_standard_error(s) == 0.0);
  CHECK(seed_standard_error(s, 0.25) == Approx(0.5));
}

TEST_CASE("seed_stats: identical values have std 0 and a zero-width interval", "[seed_stats]") {
  const SeedStats s = seed_stats({3, 3, 3});
  REQUIRE(s.std);
  CHECK(*s.std == 0.0);
  CHECK(s.ci95->first == 3.0);
  CHECK(s.ci95->second == 3.0);
}

TEST_CASE("seed_stats: no values or a non-finite value is an error", "[seed_stats]") {
  CHECK_THROWS_AS(seed_stats({}), std::invalid_argument);
  CHECK_THROWS_AS(seed_stats({1.0, std::nan("")}), std::invalid_argument);
  CHECK_THROWS_AS(seed_stats({1.0, INFINITY}), std::invalid_argument);
}

TEST_CASE("seed_stats: standard error and its inverse", "[seed_stats]") {
  const SeedStats s = seed_stats({1, 2, 3, 4});
  CHECK(seed_standard_error(s) == Approx(1.2909944487358056 / 2).epsilon(1e-14));
  const double se = seed_standard_error(s, 2.0);
  CHECK(se == Approx(std::sqrt((5.0 / 3.0 + 2.0) / 4.0)).epsilon(1e-14));
  CHECK(measurement_variance_from_se(s, se) == Approx(2.0).epsilon(1e-12));
  // A standard error below what the seeds alone give: no negative variance.
  CHECK(measurement_variance_from_se(s, 0.1) == 0.0);
}

TEST_CASE("seed_stats: reproduces the example report's summary from its cells", "[seed_stats]") {
  const json::object r = test::example_report();
  int compared = 0;
  for (const auto& sv : r.at("summary").as_array()) {
    const json::object& e = sv.as_object();
    for (const auto& lv : e.at("languages").as_object()) {
      std::vector<double> bleu;
      for (const auto& cv : r.at("cells").as_array()) {
        const json::object& c = cv.as_object();
        if (c.at("status") == "ok" && c.at("imbalance") == e.at("imbalance") && c.at("method") == e.at("method"))
          bleu.push_back(c.at("languages").at(lv.key()).at("bleu").to_number<double>());
      }
      const SeedStats s = seed_stats(bleu);
      const json::object& want = lv.value().as_object();
      CHECK(s.mean == Approx(want.at("bleu_mean").as_double()).epsilon(1e-12));
      CHECK(*s.std == Approx(want.at("bleu_std").as_double()).epsilon(1e-12));
      // The generator used SciPy's t(0.975, 2) (1.6e-10 too large): intervals agree to 1e-9.
      CHECK(s.ci95->first == Approx(want.at("bleu_ci95").at(0).as_double()).margin(1e-9));
      CHECK(s.ci95->second == Approx(want.at("bleu_ci95").at(1).as_double()).margin(1e-9));
      ++compared;
    }
  }
  CHECK(compared == 36);
}

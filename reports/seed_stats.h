// Statistics over seeds: the mean of a quantity measured once per seed, its sample standard
// deviation and its Student-t 95% confidence interval, and the standard error of the mean. One
// function, so report.json's summary and the results store's leaderboard agree to the last bit.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string>
#include <optional>
#include <utility>
#include <vector>

namespace longtail::reports {

struct SeedStats {
  std::size_t n = 0;                                 // seeds
  double mean = 0;
  std::optional<double> std;                         // sample standard deviation (n-1); none with one seed
  std::optional<std::pair<double, double>> ci95;     // mean ± t(0.975, n-1)·std/√n; none with one seed
};

// Mean, sample std and 95% Student-t interval of one value per seed. Throws std::invalid_argument
// when `per_seed_values` is empty or holds a value that is not finite.
SeedStats seed_stats(const std::vector<double>& per_seed_values);

// The two-sided Student-t quantile t(p, df), e.g. t(0.975, 3) = 3.182446305284263 (boost::math).
double student_t_quantile(double p, double df);

// The standard error of the mean over seeds when each seed's value is itself measured with noise
// (a test set): sqrt(std²/n + mean_measurement_variance/n), std taken as 0 with one seed. With
// mean_measurement_variance = 0 it is the plain std/√n. report.json's bleu_se follows this
// definition with the mean bootstrap variance of the test set (docs/report.schema.json).
double seed_standard_error(const SeedStats& s, double mean_measurement_variance = 0);

// The inverse: the mean measurement variance that, with these seed statistics, gives standard
// error `se` (n·se² − std²), floored at 0. The results store keeps it per row so that standard
// errors can be recombined when a leaderboard mixes seeds of several runs.
double measurement_variance_from_se(const SeedStats& s, double se);

// Sample variance (n - 1) of values; 0 for fewer than two (a bootstrap's resampled scores).
double sample_variance(const std::vector<double>& values);

// Writes <prefix>_mean, <prefix>_std and <prefix>_ci95 (null where the statistics have none), the
// keys of report.json's summary ("bleu_mean", "bleu_std", "bleu_ci95").
void put_seed_stats(boost::json::object& out, const std::string& prefix, const SeedStats& s);

}  // namespace longtail::reports

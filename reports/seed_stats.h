// Mean, sample standard deviation and Student-t 95% confidence interval of a metric over seeds.
#pragma once

#include <optional>
#include <utility>
#include <vector>

namespace longtail::reports {

struct SeedStats {
  double mean = 0;
  std::optional<double> std;                          // sample (n - 1); none with one value
  std::optional<std::pair<double, double>> ci95;      // mean ± t(0.975, n-1)·std/√n; none with one value
};

// Throws std::invalid_argument for no values.
SeedStats seed_stats(const std::vector<double>& values);

// The two-sided Student-t quantile t(1 - alpha/2, dof) (dof ≥ 1).
double student_t_quantile(double alpha, double dof);

// Sample variance (n - 1) of values; 0 for fewer than two.
double sample_variance(const std::vector<double>& values);

}  // namespace longtail::reports

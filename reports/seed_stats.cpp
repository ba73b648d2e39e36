#include "reports/seed_stats.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <stdexcept>

namespace longtail::reports {

double student_t_quantile(double alpha, double dof) {
  return boost::math::quantile(boost::math::complement(boost::math::students_t(dof), alpha / 2));
}

double sample_variance(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= double(values.size());
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  return ss / double(values.size() - 1);
}

SeedStats seed_stats(const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("seed_stats: no values");
  SeedStats s;
  for (double v : values) s.mean += v;
  s.mean /= double(values.size());
  if (values.size() < 2) return s;
  const double n = double(values.size());
  s.std = std::sqrt(sample_variance(values));
  const double half = student_t_quantile(0.05, n - 1) * *s.std / std::sqrt(n);
  s.ci95 = std::make_pair(s.mean - half, s.mean + half);
  return s;
}

}  // namespace longtail::reports

#include "reports/seed_stats.h"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace longtail::reports {

double student_t_quantile(double p, double df) {
  if (!(df > 0)) throw std::invalid_argument("student_t_quantile: degrees of freedom must be > 0");
  if (!(p > 0 && p < 1)) throw std::invalid_argument("student_t_quantile: p must be in (0, 1)");
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
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

SeedStats seed_stats(const std::vector<double>& v) {
  if (v.empty()) throw std::invalid_argument("seed_stats: no values");
  for (double x : v)
    if (!std::isfinite(x)) throw std::invalid_argument("seed_stats: a value is not finite");
  SeedStats s;
  s.n = v.size();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / double(s.n);
  if (s.n >= 2) {
    const double sd = std::sqrt(sample_variance(v));
    s.std = sd;
    const double h = student_t_quantile(0.975, double(s.n - 1)) * sd / std::sqrt(double(s.n));
    s.ci95 = std::make_pair(s.mean - h, s.mean + h);
  }
  return s;
}

double seed_standard_error(const SeedStats& s, double mean_measurement_variance) {
  if (s.n == 0) throw std::invalid_argument("seed_standard_error: no seeds");
  const double sd = s.std.value_or(0.0);
  return std::sqrt((sd * sd + std::max(0.0, mean_measurement_variance)) / double(s.n));
}

double measurement_variance_from_se(const SeedStats& s, double se) {
  if (s.n == 0) throw std::invalid_argument("measurement_variance_from_se: no seeds");
  const double sd = s.std.value_or(0.0);
  return std::max(0.0, double(s.n) * se * se - sd * sd);
}

void put_seed_stats(boost::json::object& out, const std::string& prefix, const SeedStats& s) {
  out[prefix + "_mean"] = s.mean;
  out[prefix + "_std"] = s.std ? boost::json::value(*s.std) : boost::json::value(nullptr);
  out[prefix + "_ci95"] = s.ci95 ? boost::json::value(boost::json::array{s.ci95->first, s.ci95->second})
                                 : boost::json::value(nullptr);
}

}  // namespace longtail::reports

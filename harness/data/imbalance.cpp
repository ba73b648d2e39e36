#include "harness/data/imbalance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "harness/common/hash.h"

namespace longtail::data {
namespace {

// Uniform integer in [0, bound) by rejection, so no modulo bias and no dependence on the
// library's (unspecified) uniform_int_distribution algorithm.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

std::vector<std::string> rank_by_size(const std::map<std::string, int64_t>& natural) {
  std::vector<std::string> ranking;
  for (const auto& entry : natural) ranking.push_back(entry.first);
  std::stable_sort(ranking.begin(), ranking.end(),
                   [&](const std::string& a, const std::string& b) { return natural.at(a) > natural.at(b); });
  return ranking;  // the map iterates by name, so ties stay in name order
}

// The unclipped target of rank r among k languages.
double profile_target(const ImbalanceSpec& spec, double largest, size_t r, size_t k) {
  if (spec.profile == "exponential") {
    if (k == 1) return largest;
    return largest * std::pow(spec.ratio, -static_cast<double>(r) / static_cast<double>(k - 1));
  }
  return largest / std::pow(static_cast<double>(r + 1), spec.exponent);  // zipf
}

void check_spec(const ImbalanceSpec& spec) {
  if (spec.profile != "natural" && spec.profile != "exponential" && spec.profile != "zipf")
    throw ConfigError("imbalance.profile", fmt::format("unknown profile \"{}\" (natural, exponential, zipf)", spec.profile));
  if (spec.ratio < 1.0) throw ConfigError("imbalance.ratio", fmt::format("must be >= 1, got {}", spec.ratio));
  if (spec.exponent <= 0.0) throw ConfigError("imbalance.exponent", fmt::format("must be > 0, got {}", spec.exponent));
  if (spec.largest < 0) throw ConfigError("imbalance.largest", fmt::format("must be >= 0, got {}", spec.largest));
}

}  // namespace

OptionTable imbalance_options() {
  return {
      {"profile", OptType::String, "natural",
       "training sizes per language: natural (the corpus as is), exponential (geometric from largest down to "
       "largest/ratio over languages ranked by size), zipf (largest / rank^exponent)",
       std::nullopt, std::nullopt, false, {"natural", "exponential", "zipf"}},
      {"largest", OptType::Int, 0, "pairs of the largest language; 0 = its natural size", 0.0},
      {"ratio", OptType::Float, 100.0, "exponential: size of the largest / size of the smallest language", 1.0},
      {"exponent", OptType::Float, 1.0, "zipf: exponent s in largest / rank^s", 0.0, std::nullopt, true},
  };
}

ImbalanceSpec imbalance_from_options(const Options& resolved) {
  ImbalanceSpec s;
  s.profile = resolved.get_string("profile");
  s.largest = resolved.get_int("largest");
  s.ratio = resolved.get_float("ratio");
  s.exponent = resolved.get_float("exponent");
  return s;
}

boost::json::object to_json(const ImbalanceSpec& s) {
  return {{"profile", s.profile}, {"largest", s.largest}, {"ratio", s.ratio}, {"exponent", s.exponent}};
}

ImbalancePlan plan_imbalance(const ImbalanceSpec& spec, const std::map<std::string, int64_t>& natural) {
  check_spec(spec);
  if (natural.empty()) throw ConfigError("imbalance", "no languages to size");
  ImbalancePlan plan;
  plan.ranking = rank_by_size(natural);
  if (spec.profile == "natural") {
    plan.sizes = natural;
    return plan;
  }
  const double largest = static_cast<double>(spec.largest > 0 ? spec.largest : natural.at(plan.ranking.front()));
  for (size_t r = 0; r < plan.ranking.size(); ++r) {
    const std::string& lang = plan.ranking[r];
    const int64_t target = std::max<int64_t>(1, std::llround(profile_target(spec, largest, r, plan.ranking.size())));
    const int64_t have = natural.at(lang);
    plan.sizes[lang] = std::min(target, have);
    if (target > have) plan.clipped[lang] = {target, have};
  }
  return plan;
}

std::vector<int64_t> subset_indices(int64_t n, int64_t m, uint64_t seed, const std::string& lang) {
  if (m < 0 || m > n)
    throw std::invalid_argument(fmt::format("subset of {} pairs asked of {} (language {})", m, n, lang));
  std::mt19937_64 rng(mix64(seed ^ fnv1a64(lang)));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  // Forward Fisher-Yates: after step i, perm[0..i] is final, so m steps give the first m.
  for (int64_t i = 0; i < m && i + 1 < n; ++i) {
    const auto j = i + static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(n - i)));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  perm.resize(static_cast<size_t>(m));
  std::sort(perm.begin(), perm.end());
  return perm;
}

std::vector<int64_t> partition_order(int64_t n, uint64_t seed, const std::string& lang) {
  if (n < 0) throw std::invalid_argument(fmt::format("partition of {} pairs (language {})", n, lang));
  std::mt19937_64 rng(mix64(seed ^ fnv1a64(lang) ^ 0x7061727469746e6fULL));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  for (int64_t i = 0; i + 1 < n; ++i) {
    const auto j = i + static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(n - i)));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

}  // namespace longtail::data

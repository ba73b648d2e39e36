// Imbalance profiles: how many training pairs each language gets in a grid cell, derived from
// the natural (corpus) training sizes n_i, and the deterministic subsets that realise them.
//
//   natural      size_i = n_i
//   exponential  languages ranked by n_i (largest first, ties by name); rank r of K gets
//                largest * ratio^(-r/(K-1)): the largest language gets `largest`, the smallest
//                largest/ratio, geometric in between
//   zipf         rank r (0-based) gets largest / (r+1)^exponent
// Targets are rounded to the nearest integer, at least 1, and never above n_i: a target above
// the natural size is clipped and reported (ImbalancePlan::clipped).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/common/options.h"

namespace longtail::data {

struct ImbalanceSpec {
  std::string profile = "natural";  // natural | exponential | zipf
  int64_t largest = 0;              // 0: the natural size of the largest language
  double ratio = 100.0;             // exponential: largest / smallest
  double exponent = 1.0;            // zipf: s
};

// A suite's imbalance entry: {"profile": "exponential", "largest": 20000, "ratio": 50}.
OptionTable imbalance_options();
ImbalanceSpec imbalance_from_options(const Options& resolved);
boost::json::object to_json(const ImbalanceSpec& s);

struct ClippedSize {
  int64_t target = 0;   // what the profile asked for
  int64_t natural = 0;  // what the corpus has (and the language gets)
};

struct ImbalancePlan {
  std::map<std::string, int64_t> sizes;          // training pairs per language
  std::vector<std::string> ranking;              // languages by natural size, largest first
  std::map<std::string, ClippedSize> clipped;    // languages whose target exceeded n_i
};

// Throws ConfigError on an unknown profile, ratio < 1, exponent <= 0, or no languages.
ImbalancePlan plan_imbalance(const ImbalanceSpec& spec, const std::map<std::string, int64_t>& natural);

// The training subset of one language: the first m indices of a permutation of [0, n), drawn by a
// hand-written Fisher-Yates shuffle from std::mt19937_64 seeded with mix64(seed ^ fnv1a64(lang))
// (so it is identical on every standard library), returned sorted. Throws std::invalid_argument
// when m > n or m < 0.
std::vector<int64_t> subset_indices(int64_t n, int64_t m, uint64_t seed, const std::string& lang);

// A seeded permutation of [0, n) for language `lang`: the order in which a continual suite hands a
// language's training subset to its stages (stage 0 takes a prefix, each update stage the next
// slice), so the stages' pairs are disjoint (docs/continual.md).
std::vector<int64_t> partition_order(int64_t n, uint64_t seed, const std::string& lang);

}  // namespace longtail::data

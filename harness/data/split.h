// Deterministic train/dev/test split, keyed by the English side so that no English segment that
// is held out (dev or test) in any language is trained on in any language.
//
// Every English segment e gets a key h(e) = mix64(fnv1a64(e) ^ split_seed) and a held-out kind
// (test or dev, from one more bit of the key), identical for every language. Languages choose
// their held-out pairs one after another, smallest first; each fills
//   quota = min(dev_max | test_max, floor(n * dev_fraction | test_fraction))
// per kind in ascending key order, first from English segments that earlier languages already
// hold out (their pairs could not be trained on anyway), then from the rest. The held-out set H
// is the union of all choices; a language's pairs whose English is in H but that it did not hold
// out itself are dropped ("held_out_elsewhere"), and every other pair is training data. Languages
// with fewer than min_pairs pairs are dropped before any of this.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/common/options.h"
#include "harness/data/corpus.h"
#include "harness/data/normalize.h"

namespace longtail::data {

// Changes whenever split_corpus can assign a pair differently; part of every cache key.
constexpr int kSplitRulesVersion = 2;

struct SplitOptions {
  int64_t min_pairs = 1000;     // languages with fewer (deduplicated) pairs are dropped
  int64_t dev_max = 500;        // cap on each language's dev set
  int64_t test_max = 500;       // cap on each language's test set
  double dev_fraction = 0.1;    // ... and at most this share of the language's pairs
  double test_fraction = 0.1;
  uint64_t split_seed = 0;      // another seed gives another (equally leak-free) split
};

// The suite's "corpus" object: the split options above plus the normalisation cap.
OptionTable corpus_options();
SplitOptions split_options_from(const Options& resolved);
NormalizeOptions normalize_options_from(const Options& resolved);
boost::json::object to_json(const SplitOptions& o);  // with "rules_version"

// The key of an English segment (exposed for tests and tools).
uint64_t split_key(const std::string& en, uint64_t split_seed);

struct SplitReport {
  std::vector<std::string> dropped_languages;           // fewer than min_pairs
  std::map<std::string, int64_t> held_out_elsewhere;    // pairs lost to other languages' held-out sets
};

// Splits deduplicated pairs per language. Dev and test come out in key order, train in input order.
std::map<std::string, SplitPairs> split_corpus(const std::map<std::string, std::vector<Pair>>& langs,
                                               const SplitOptions& opt, SplitReport* report = nullptr);

}  // namespace longtail::data

#include "harness/data/split.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "harness/common/hash.h"

namespace longtail::data {
namespace {

enum class HeldOut { Dev, Test };

// The held-out kind depends on the English segment only, so a segment held out in several
// languages is dev in all of them or test in all of them.
HeldOut held_out_kind(uint64_t key) { return (mix64(key ^ 0x5bd1e995ULL) & 1) ? HeldOut::Dev : HeldOut::Test; }

int64_t quota(int64_t n, int64_t cap, double fraction) {
  return std::min(cap, static_cast<int64_t>(std::floor(static_cast<double>(n) * fraction)));
}

struct KeyedIndex {
  uint64_t key;
  size_t index;
};

// Pair indices in ascending key order; ties (the same English) broken by the translation.
std::vector<KeyedIndex> key_order(const std::vector<Pair>& pairs, uint64_t seed) {
  std::vector<KeyedIndex> order(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) order[i] = {split_key(pairs[i].en, seed), i};
  std::sort(order.begin(), order.end(), [&](const KeyedIndex& a, const KeyedIndex& b) {
    if (a.key != b.key) return a.key < b.key;
    return pairs[a.index].xx < pairs[b.index].xx;
  });
  return order;
}

// One language's own choice of dev and test pairs (indices, in key order).
struct HeldOutChoice {
  std::vector<size_t> dev, test;
};

// Fills the language's dev and test quotas in key order, first with English segments other
// languages already hold out (those pairs could not be trained on anyway), then with the rest.
HeldOutChoice choose_held_out(const std::vector<Pair>& pairs, const SplitOptions& opt,
                              const std::unordered_set<uint64_t>& held_out_keys) {
  const auto n = static_cast<int64_t>(pairs.size());
  const int64_t dev_quota = quota(n, opt.dev_max, opt.dev_fraction);
  const int64_t test_quota = quota(n, opt.test_max, opt.test_fraction);
  const std::vector<KeyedIndex> order = key_order(pairs, opt.split_seed);
  std::vector<bool> taken(pairs.size(), false);
  HeldOutChoice choice;
  const auto take_in_order = [&](bool only_shared) {
    for (const KeyedIndex& k : order) {
      const bool dev_full = static_cast<int64_t>(choice.dev.size()) >= dev_quota;
      const bool test_full = static_cast<int64_t>(choice.test.size()) >= test_quota;
      if (dev_full && test_full) return;
      if (taken[k.index] || (only_shared && !held_out_keys.count(k.key))) continue;
      const bool is_dev = held_out_kind(k.key) == HeldOut::Dev;
      if (is_dev ? dev_full : test_full) continue;
      (is_dev ? choice.dev : choice.test).push_back(k.index);
      taken[k.index] = true;
    }
  };
  take_in_order(true);
  take_in_order(false);
  // Back to key order, so that the sets do not depend on which pass found a pair.
  std::vector<size_t> rank(pairs.size());
  for (size_t r = 0; r < order.size(); ++r) rank[order[r].index] = r;
  for (auto* chosen : {&choice.dev, &choice.test})
    std::sort(chosen->begin(), chosen->end(), [&](size_t a, size_t b) { return rank[a] < rank[b]; });
  return choice;
}

// Smallest languages first: they have the fewest segments to choose from, and the larger ones
// then reuse their choices.
std::vector<std::string> by_ascending_size(const std::map<std::string, std::vector<Pair>>& langs) {
  std::vector<std::string> order;
  for (const auto& entry : langs) order.push_back(entry.first);
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return langs.at(a).size() < langs.at(b).size(); });
  return order;
}

std::vector<Pair> pick(const std::vector<Pair>& pairs, const std::vector<size_t>& indices) {
  std::vector<Pair> out;
  out.reserve(indices.size());
  for (size_t i : indices) out.push_back(pairs[i]);
  return out;
}

}  // namespace

uint64_t split_key(const std::string& en, uint64_t split_seed) { return mix64(fnv1a64(en) ^ split_seed); }

OptionTable corpus_options() {
  return {
      {"min_pairs", OptType::Int, 1000, "languages with fewer pairs (after normalisation and dedup) are dropped", 0.0},
      {"dev_max", OptType::Int, 500, "largest dev set of a language", 0.0},
      {"test_max", OptType::Int, 500, "largest test set of a language", 0.0},
      {"dev_fraction", OptType::Float, 0.1, "a language's dev set is at most this share of its pairs", 0.0, 0.5},
      {"test_fraction", OptType::Float, 0.1, "a language's test set is at most this share of its pairs", 0.0, 0.5},
      {"split_seed", OptType::Int, 0, "seed of the English-keyed split; another value gives another split", 0.0},
      {"max_chars", OptType::Int, 400, "pairs with a side longer than this many characters are dropped", 1.0},
  };
}

SplitOptions split_options_from(const Options& resolved) {
  SplitOptions o;
  o.min_pairs = resolved.get_int("min_pairs");
  o.dev_max = resolved.get_int("dev_max");
  o.test_max = resolved.get_int("test_max");
  o.dev_fraction = resolved.get_float("dev_fraction");
  o.test_fraction = resolved.get_float("test_fraction");
  o.split_seed = static_cast<uint64_t>(resolved.get_int("split_seed"));
  return o;
}

NormalizeOptions normalize_options_from(const Options& resolved) {
  NormalizeOptions o;
  o.max_chars = resolved.get_int("max_chars");
  return o;
}

boost::json::object to_json(const SplitOptions& o) {
  return {{"rules_version", kSplitRulesVersion},
          {"min_pairs", o.min_pairs},       {"dev_max", o.dev_max},
          {"test_max", o.test_max},         {"dev_fraction", o.dev_fraction},
          {"test_fraction", o.test_fraction}, {"split_seed", o.split_seed}};
}

std::map<std::string, SplitPairs> split_corpus(const std::map<std::string, std::vector<Pair>>& langs,
                                               const SplitOptions& opt, SplitReport* report) {
  SplitReport local_report;
  SplitReport& rep = report ? *report : local_report;
  rep = SplitReport{};

  // Each language picks its own held-out pairs; the union of their English keys is held out
  // everywhere.
  std::map<std::string, HeldOutChoice> choices;
  std::unordered_set<uint64_t> held_out_keys;
  for (const auto& [lang, pairs] : langs)
    if (static_cast<int64_t>(pairs.size()) < opt.min_pairs) rep.dropped_languages.push_back(lang);
  for (const std::string& lang : by_ascending_size(langs)) {
    const std::vector<Pair>& pairs = langs.at(lang);
    if (static_cast<int64_t>(pairs.size()) < opt.min_pairs) continue;
    HeldOutChoice& choice = choices[lang] = choose_held_out(pairs, opt, held_out_keys);
    for (const auto* chosen : {&choice.dev, &choice.test})
      for (size_t i : *chosen) held_out_keys.insert(split_key(pairs[i].en, opt.split_seed));
  }

  std::map<std::string, SplitPairs> out;
  for (const auto& [lang, choice] : choices) {
    const std::vector<Pair>& pairs = langs.at(lang);
    SplitPairs& sp = out[lang];
    sp.dev = pick(pairs, choice.dev);
    sp.test = pick(pairs, choice.test);
    std::vector<bool> own(pairs.size(), false);
    for (const auto* chosen : {&choice.dev, &choice.test})
      for (size_t i : *chosen) own[i] = true;
    int64_t lost = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (own[i]) continue;
      if (held_out_keys.count(split_key(pairs[i].en, opt.split_seed))) {
        ++lost;
      } else {
        sp.train.push_back(pairs[i]);
      }
    }
    rep.held_out_elsewhere[lang] = lost;
  }
  return out;
}

}  // namespace longtail::data

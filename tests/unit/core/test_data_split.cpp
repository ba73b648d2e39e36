// English-keyed splits and imbalance profiles.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "harness/common/options.h"
#include "harness/data/imbalance.h"
#include "harness/data/split.h"
#include "test_data_util.h"

using namespace longtail;
using namespace longtail::data;
using longtail::test::numbered_pairs;

namespace {

// Languages sharing most English segments, as gettext catalogs do, with different sizes.
std::map<std::string, std::vector<Pair>> overlapping_languages() {
  std::map<std::string, std::vector<Pair>> langs;
  langs["fr"] = numbered_pairs(6000, "fr");
  langs["de"] = numbered_pairs(3000, "de");
  langs["ja"] = numbered_pairs(1500, "ja");
  std::vector<Pair> it = numbered_pairs(1200, "it");
  for (Pair& p : numbered_pairs(800, "it", "other")) it.push_back(p);  // English the others lack
  langs["it"] = it;
  langs["xx"] = numbered_pairs(999, "xx");  // below min_pairs
  return langs;
}

std::set<std::string> english_of(const std::vector<Pair>& pairs) {
  std::set<std::string> s;
  for (const Pair& p : pairs) s.insert(p.en);
  return s;
}

}  // namespace

TEST_CASE("split: no held-out English segment is trained on in any language", "[data][split]") {
  SplitReport report;
  const auto split = split_corpus(overlapping_languages(), SplitOptions{}, &report);
  std::set<std::string> held_out, trained;
  for (const auto& [lang, sp] : split) {
    for (const auto* part : {&sp.dev, &sp.test})
      for (const std::string& en : english_of(*part)) held_out.insert(en);
    for (const std::string& en : english_of(sp.train)) trained.insert(en);
  }
  REQUIRE_FALSE(held_out.empty());
  for (const std::string& en : held_out) CHECK(trained.count(en) == 0);
  // A segment is dev everywhere or test everywhere.
  std::set<std::string> dev_en, test_en;
  for (const auto& [lang, sp] : split) {
    for (const std::string& en : english_of(sp.dev)) dev_en.insert(en);
    for (const std::string& en : english_of(sp.test)) test_en.insert(en);
  }
  for (const std::string& en : dev_en) CHECK(test_en.count(en) == 0);
  // Larger languages reuse the smaller ones' held-out English, so the union stays small.
  size_t held_out_pairs = 0;
  for (const auto& [lang, sp] : split) held_out_pairs += sp.dev.size() + sp.test.size();
  CHECK(double(held_out.size()) < 0.6 * double(held_out_pairs));
}

TEST_CASE("split: caps, fractions and min_pairs", "[data][split]") {
  SplitReport report;
  const auto split = split_corpus(overlapping_languages(), SplitOptions{}, &report);
  CHECK(split.count("xx") == 0);
  CHECK(report.dropped_languages == std::vector<std::string>{"xx"});
  CHECK(split.at("fr").dev.size() == 500);  // dev_max
  CHECK(split.at("fr").test.size() == 500);
  CHECK(split.at("ja").dev.size() == 150);  // 10% of 1500
  CHECK(split.at("ja").test.size() == 150);
  for (const auto& [lang, sp] : split) {
    const auto n = overlapping_languages().at(lang).size();
    CHECK(sp.train.size() + sp.dev.size() + sp.test.size() + report.held_out_elsewhere.at(lang) == n);
  }
  SplitOptions strict;
  strict.min_pairs = 2000;
  strict.dev_max = 10;
  strict.test_max = 20;
  const auto small = split_corpus(overlapping_languages(), strict);
  CHECK(small.size() == 3);  // fr, de, it (2000 pairs)
  CHECK(small.at("de").dev.size() == 10);
  CHECK(small.at("de").test.size() == 20);
}

TEST_CASE("split: deterministic, and another seed gives another split", "[data][split]") {
  const auto a = split_corpus(overlapping_languages(), SplitOptions{});
  const auto b = split_corpus(overlapping_languages(), SplitOptions{});
  CHECK(english_of(a.at("de").test) == english_of(b.at("de").test));
  CHECK(a.at("de").train.front().en == b.at("de").train.front().en);
  SplitOptions other;
  other.split_seed = 7;
  const auto c = split_corpus(overlapping_languages(), other);
  CHECK(english_of(a.at("de").test) != english_of(c.at("de").test));
  // Input order does not matter for the held-out choice.
  auto shuffled = overlapping_languages();
  std::reverse(shuffled["de"].begin(), shuffled["de"].end());
  CHECK(english_of(split_corpus(shuffled, SplitOptions{}).at("de").test) == english_of(a.at("de").test));
}

TEST_CASE("split: the corpus option table resolves to the defaults", "[data][split]") {
  const Options o(resolve_options(corpus_options(), {{"min_pairs", 50}}, "corpus"));
  const SplitOptions s = split_options_from(o);
  CHECK(s.min_pairs == 50);
  CHECK(s.dev_max == 500);
  CHECK(s.test_fraction == Approx(0.1));
  CHECK(normalize_options_from(o).max_chars == 400);
  CHECK_THROWS_AS(resolve_options(corpus_options(), {{"dev_fraction", 0.9}}, "corpus"), ConfigError);
}

TEST_CASE("imbalance: exponential hits largest and ratio", "[data][imbalance]") {
  std::map<std::string, int64_t> natural = {{"a", 100000}, {"b", 80000}, {"c", 60000}, {"d", 50000}, {"e", 40000}};
  ImbalanceSpec spec;
  spec.profile = "exponential";
  spec.largest = 20000;
  spec.ratio = 50;
  const ImbalancePlan plan = plan_imbalance(spec, natural);
  CHECK(plan.ranking == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(plan.sizes.at("a") == 20000);
  CHECK(plan.sizes.at("e") == 400);  // 20000 / 50
  CHECK(plan.sizes.at("c") == std::llround(20000 / std::sqrt(50.0)));
  CHECK(plan.clipped.empty());
  // Geometric: equal ratios between neighbours.
  CHECK(double(plan.sizes.at("a")) / plan.sizes.at("b") == Approx(double(plan.sizes.at("d")) / plan.sizes.at("e")).epsilon(0.01));
}

TEST_CASE("imbalance: targets above the natural size are clipped and reported", "[data][imbalance]") {
  std::map<std::string, int64_t> natural = {{"a", 1000}, {"b", 900}, {"c", 5}};
  ImbalanceSpec spec;
  spec.profile = "exponential";
  spec.ratio = 10;  // largest defaults to the natural largest: 1000, 316, 100
  const ImbalancePlan plan = plan_imbalance(spec, natural);
  CHECK(plan.sizes.at("a") == 1000);
  CHECK(plan.sizes.at("b") == 316);
  CHECK(plan.sizes.at("c") == 5);
  REQUIRE(plan.clipped.count("c"));
  CHECK(plan.clipped.at("c").target == 100);
  CHECK(plan.clipped.at("c").natural == 5);
}

TEST_CASE("imbalance: zipf and natural", "[data][imbalance]") {
  std::map<std::string, int64_t> natural = {{"a", 9000}, {"b", 9000}, {"c", 9000}, {"d", 9000}};
  ImbalanceSpec spec;
  spec.profile = "zipf";
  spec.largest = 6000;
  spec.exponent = 1.0;
  ImbalancePlan plan = plan_imbalance(spec, natural);
  CHECK(plan.ranking == std::vector<std::string>{"a", "b", "c", "d"});  // ties by name
  CHECK(plan.sizes.at("a") == 6000);
  CHECK(plan.sizes.at("b") == 3000);
  CHECK(plan.sizes.at("c") == 2000);
  CHECK(plan.sizes.at("d") == 1500);
  spec.exponent = 2.0;
  CHECK(plan_imbalance(spec, natural).sizes.at("b") == 1500);
  spec.profile = "natural";
  CHECK(plan_imbalance(spec, natural).sizes == natural);
  spec.profile = "cubic";
  CHECK_THROWS_WITH(plan_imbalance(spec, natural), Catch::Contains("cubic"));
}

TEST_CASE("imbalance: option table", "[data][imbalance]") {
  const Options o(resolve_options(imbalance_options(), {{"profile", "exponential"}, {"largest", 20000}, {"ratio", 50}}, "imbalance"));
  const ImbalanceSpec s = imbalance_from_options(o);
  CHECK(s.profile == "exponential");
  CHECK(s.largest == 20000);
  CHECK(s.ratio == 50.0);
  CHECK(s.exponent == 1.0);
  CHECK_THROWS_AS(resolve_options(imbalance_options(), {{"profile", "cubic"}}, "imbalance"), ConfigError);
  CHECK_THROWS_AS(resolve_options(imbalance_options(), {{"ratio", 0.5}}, "imbalance"), ConfigError);
}

TEST_CASE("imbalance: subsets are deterministic, sorted, and differ across seeds and languages", "[data][imbalance]") {
  const std::vector<int64_t> a = subset_indices(1000, 100, 1, "fr");
  CHECK(a == subset_indices(1000, 100, 1, "fr"));
  CHECK(a.size() == 100);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(std::set<int64_t>(a.begin(), a.end()).size() == 100);
  CHECK(a.front() >= 0);
  CHECK(a.back() < 1000);
  CHECK(a != subset_indices(1000, 100, 2, "fr"));
  CHECK(a != subset_indices(1000, 100, 1, "de"));
  // Nested: a larger subset under the same seed extends the smaller one (first m of one permutation).
  const std::vector<int64_t> b = subset_indices(1000, 300, 1, "fr");
  CHECK(std::includes(b.begin(), b.end(), a.begin(), a.end()));
  CHECK(subset_indices(5, 5, 9, "x") == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(subset_indices(5, 0, 9, "x").empty());
  CHECK_THROWS_AS(subset_indices(5, 6, 9, "x"), std::invalid_argument);
  // Pinned values: the same on every standard library (hand-written shuffle, explicit engine).
  CHECK(subset_indices(50, 5, 42, "fr") == std::vector<int64_t>{14, 18, 19, 39, 46});
  CHECK(subset_indices(1000000, 3, 1, "de") == std::vector<int64_t>{895367, 899824, 999417});
}

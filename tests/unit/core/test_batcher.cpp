// The language-sampled, token-budget batcher (pure C++).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "harness/train/batcher.h"

using longtail::train::Batch;
using longtail::train::Batcher;
using longtail::train::ExampleLengths;

namespace {

// Deterministic pseudo-random lengths in [lo, hi].
ExampleLengths synthetic_lengths(const std::vector<size_t>& sizes, int32_t lo, int32_t hi) {
  ExampleLengths l;
  uint32_t x = 12345;
  auto next = [&] {
    x = x * 1664525u + 1013904223u;
    return lo + static_cast<int32_t>((x >> 8) % static_cast<uint32_t>(hi - lo + 1));
  };
  for (size_t n : sizes) {
    std::vector<int32_t> s(n), t(n);
    for (size_t i = 0; i < n; ++i) s[i] = next(), t[i] = next();
    l.src_len.push_back(std::move(s));
    l.tgt_len.push_back(std::move(t));
  }
  return l;
}

bool same_batch(const Batch& a, const Batch& b) {
  if (a.padded_tokens != b.padded_tokens || a.examples.size() != b.examples.size()) return false;
  for (size_t i = 0; i < a.examples.size(); ++i)
    if (a.examples[i].lang != b.examples[i].lang || a.examples[i].index != b.examples[i].index) return false;
  return true;
}

}  // namespace

TEST_CASE("batcher: every batch respects the token budget and reports its padded size", "[batcher]") {
  const auto lengths = synthetic_lengths({300, 200, 50}, 3, 40);
  Batcher b(lengths, 512, 8, 7);
  const std::vector<double> p{0.5, 0.3, 0.2};
  for (int i = 0; i < 300; ++i) {
    const Batch batch = b.next(p);
    REQUIRE(!batch.examples.empty());
    int32_t max_s = 0, max_t = 0;
    for (const auto& e : batch.examples) {
      max_s = std::max(max_s, lengths.src_len[e.lang][e.index]);
      max_t = std::max(max_t, lengths.tgt_len[e.lang][e.index]);
    }
    const int64_t padded = static_cast<int64_t>(batch.examples.size()) * (max_s + max_t);
    CHECK(batch.padded_tokens == padded);
    CHECK(padded <= 512);
  }
}

TEST_CASE("batcher: an example longer than the budget becomes a batch of its own", "[batcher]") {
  ExampleLengths l;
  l.src_len = {{100, 5, 5}};
  l.tgt_len = {{100, 5, 5}};
  Batcher b(l, 64, 1, 3);
  bool saw_big = false;
  for (int i = 0; i < 20; ++i) {
    const Batch batch = b.next({1.0});
    for (const auto& e : batch.examples)
      if (e.index == 0) {
        saw_big = true;
        CHECK(batch.examples.size() == 1);
        CHECK(batch.padded_tokens == 200);
      }
  }
  CHECK(saw_big);
}

TEST_CASE("batcher: empirical language frequencies match p (chi-square, fixed seed)", "[batcher]") {
  const auto lengths = synthetic_lengths({500, 300, 100, 20}, 5, 30);
  const std::vector<double> p{0.4, 0.3, 0.2, 0.1};
  Batcher b(lengths, 1024, 16, 2024);
  std::vector<double> count(p.size(), 0.0);
  double total = 0;
  while (total < 20000) {
    for (const auto& e : b.next(p).examples) {
      count[static_cast<size_t>(e.lang)] += 1;
      total += 1;
    }
  }
  double chi2 = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double expected = p[i] * total;
    chi2 += (count[i] - expected) * (count[i] - expected) / expected;
  }
  // 3 degrees of freedom: P(χ² > 16.27) = 0.001.
  CHECK(chi2 < 16.27);
}

TEST_CASE("batcher: a language with p = 0 is never drawn", "[batcher]") {
  const auto lengths = synthetic_lengths({50, 50}, 4, 10);
  Batcher b(lengths, 256, 4, 1);
  for (int i = 0; i < 50; ++i)
    for (const auto& e : b.next({1.0, 0.0}).examples) CHECK(e.lang == 0);
}

TEST_CASE("batcher: each epoch visits every example of a language exactly once", "[batcher]") {
  const auto lengths = synthetic_lengths({37}, 4, 12);
  Batcher b(lengths, 40, 1, 99);  // pools of a few examples, so the draws are returned promptly
  std::multiset<int64_t> seen;
  while (b.consumed()[0] < 37 * 3) {
    for (const auto& e : b.next({1.0}).examples) seen.insert(e.index);
  }
  // The last pool may still hold undelivered draws of the third epoch; the first two are complete.
  for (int64_t i = 0; i < 37; ++i) CHECK(seen.count(i) >= 2);
  CHECK(b.epochs()[0] >= 2);
}

TEST_CASE("batcher: the same seed gives the same batches, another seed different ones", "[batcher]") {
  const auto lengths = synthetic_lengths({100, 100}, 3, 20);
  const std::vector<double> p{0.7, 0.3};
  Batcher a(lengths, 300, 4, 5), b(lengths, 300, 4, 5), c(lengths, 300, 4, 6);
  bool differs = false;
  for (int i = 0; i < 40; ++i) {
    const Batch x = a.next(p), y = b.next(p), z = c.next(p);
    CHECK(same_batch(x, y));
    differs = differs || !same_batch(x, z);
  }
  CHECK(differs);
}

TEST_CASE("batcher: saved state continues identically, mid-pool and across epochs", "[batcher]") {
  const auto lengths = synthetic_lengths({60, 25, 10}, 3, 25);
  const std::vector<double> p{0.5, 0.3, 0.2};
  Batcher ref(lengths, 200, 4, 11);
  for (int i = 0; i < 17; ++i) ref.next(p);  // stop inside a pool
  const std::string state = ref.save_state();

  Batcher restored(lengths, 200, 4, 11);
  restored.next(p);  // its own history must not matter once the state is loaded
  restored.load_state(state);
  CHECK(restored.save_state() == state);
  for (int i = 0; i < 200; ++i) REQUIRE(same_batch(ref.next(p), restored.next(p)));
  CHECK(ref.consumed() == restored.consumed());
  CHECK(ref.epochs() == restored.epochs());
  CHECK(ref.epochs()[2] > 0);
}

TEST_CASE("batcher: loading a state saved with other settings fails clearly", "[batcher]") {
  const auto lengths = synthetic_lengths({20}, 3, 10);
  Batcher a(lengths, 200, 4, 1);
  a.next({1.0});
  Batcher other_budget(lengths, 300, 4, 1);
  CHECK_THROWS_WITH(other_budget.load_state(a.save_state()), Catch::Contains("batch_tokens"));
  Batcher b(lengths, 200, 4, 1);
  CHECK_THROWS(b.load_state("garbage"));
  const auto fewer = synthetic_lengths({19}, 3, 10);
  Batcher c(fewer, 200, 4, 1);
  CHECK_THROWS_WITH(c.load_state(a.save_state()), Catch::Contains("examples"));
}

TEST_CASE("batcher: rejects a distribution of the wrong size or a language without data", "[batcher]") {
  ExampleLengths l;
  l.src_len = {{5, 6}, {}};
  l.tgt_len = {{5, 6}, {}};
  Batcher b(l, 100, 2, 1);
  CHECK_THROWS(b.next({1.0}));
  CHECK_THROWS(b.next({0.5, 0.5}));
  CHECK_NOTHROW(b.next({1.0, 0.0}));
}

// Batcher throughput on synthetic lengths: how many token-budget batches per second the sampler
// produces (language draw, per-language permutation streams, length bucketing, shuffling). The
// trainer asks for one batch per step, so this only has to beat the model by a wide margin.
//
//   bench_data_loading
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "harness/train/batcher.h"

using longtail::train::Batcher;
using longtail::train::ExampleLengths;

namespace {

// `langs` languages with a long-tailed number of examples (100k, 50k, 33k, ...), lengths 4..100.
ExampleLengths synthetic(int langs) {
  ExampleLengths l;
  uint64_t x = 88172645463325252ULL;
  auto next = [&] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  for (int i = 0; i < langs; ++i) {
    const size_t n = 100000 / static_cast<size_t>(i + 1);
    std::vector<int32_t> s(n), t(n);
    for (size_t j = 0; j < n; ++j) {
      s[j] = static_cast<int32_t>(4 + next() % 97);
      t[j] = static_cast<int32_t>(4 + next() % 97);
    }
    l.src_len.push_back(std::move(s));
    l.tgt_len.push_back(std::move(t));
  }
  return l;
}

void BM_BatcherNext(benchmark::State& state) {
  const int langs = static_cast<int>(state.range(0));
  const int64_t budget = state.range(1);
  Batcher b(synthetic(langs), budget, 16, 1);
  const std::vector<double> p(static_cast<size_t>(langs), 1.0 / langs);
  int64_t examples = 0, padded = 0;
  for (auto _ : state) {
    auto batch = b.next(p);
    examples += static_cast<int64_t>(batch.examples.size());
    padded += batch.padded_tokens;
    benchmark::DoNotOptimize(batch);
  }
  state.counters["batches/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["examples/s"] = benchmark::Counter(static_cast<double>(examples), benchmark::Counter::kIsRate);
  state.counters["padded_tokens/batch"] = static_cast<double>(padded) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_BatcherNext)->Args({4, 4096})->Args({20, 4096})->Args({20, 16384});

void BM_BatcherSaveLoad(benchmark::State& state) {
  auto lengths = synthetic(20);
  Batcher b(lengths, 4096, 16, 1);
  const std::vector<double> p(20, 0.05);
  b.next(p);
  Batcher other(lengths, 4096, 16, 1);
  for (auto _ : state) other.load_state(b.save_state());  // what a checkpoint costs the sampler
}
BENCHMARK(BM_BatcherSaveLoad)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

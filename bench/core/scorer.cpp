// Scorer throughput on the 16 WMT17 en-de systems (3004 segments each, one reference), in
// segments per second: corpus BLEU (13a), chrF2, chrF2++, TER, the 13a tokenizer alone, and the
// harness facade (BLEU + chrF), one system per call; and BLEU / chrF2 / chrF2++ of all 16 systems
// in one corpus_score_systems() call (references counted once). Data: $LONGTAIL_WMT17_DIR, default
// ../shared/data/wmt17-en-de beside the source tree. Figures and the sacreBLEU comparison
// (bench_scorer_vs_sacrebleu) are in docs/scorer.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "bench/wmt17.h"
#include "eval/scorer/scorer.h"
#include "eval/scorer/ter.h"
#include "eval/scorer/unicode.h"

namespace {

using namespace longtail::eval;

// The data, or why it could not be read (the benchmarks then report it and skip).
struct Wmt17 : longtail::bench::Wmt17 {
  std::string error;
};

const Wmt17& wmt17() {
  static const Wmt17 data = []() -> Wmt17 {
    const char* env = std::getenv("LONGTAIL_WMT17_DIR");
    const std::string dir = env ? env : LONGTAIL_WMT17_DEFAULT;
    try {
      return {longtail::bench::read_wmt17(dir), ""};
    } catch (const std::exception& e) {
      return {{}, e.what()};
    }
  }();
  return data;
}

// Runs `score(system)` over all systems per iteration; reports segments/s.
template <typename F>
void run_all_systems(benchmark::State& state, F score) {
  const Wmt17& data = wmt17();
  if (!data.error.empty() || data.systems.empty()) {
    state.SkipWithError(("WMT17 data unavailable: " + data.error).c_str());
    return;
  }
  for (auto _ : state)
    for (const auto& system : data.systems) benchmark::DoNotOptimize(score(system));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data.systems.size() * data.reference.size()));
}

void BM_Bleu(benchmark::State& state) {
  const Bleu bleu;
  const std::vector<std::vector<std::string>> refs{wmt17().reference};
  run_all_systems(state, [&](const auto& hyps) { return bleu.corpus_score(hyps, refs).score; });
}

void BM_Chrf(benchmark::State& state) {
  const Chrf chrf;
  const std::vector<std::vector<std::string>> refs{wmt17().reference};
  run_all_systems(state, [&](const auto& hyps) { return chrf.corpus_score(hyps, refs).score; });
}

void BM_ChrfPlusPlus(benchmark::State& state) {
  ChrfOptions opt;
  opt.word_order = 2;
  const Chrf chrf(opt);
  const std::vector<std::vector<std::string>> refs{wmt17().reference};
  run_all_systems(state, [&](const auto& hyps) { return chrf.corpus_score(hyps, refs).score; });
}

// All systems in one call: each segment's references are preprocessed once.
template <typename Metric>
void run_systems_call(benchmark::State& state, const Metric& metric) {
  const Wmt17& data = wmt17();
  if (!data.error.empty() || data.systems.empty()) {
    state.SkipWithError(("WMT17 data unavailable: " + data.error).c_str());
    return;
  }
  const std::vector<std::vector<std::string>> refs{data.reference};
  for (auto _ : state) benchmark::DoNotOptimize(metric.corpus_score_systems(data.systems, refs));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data.systems.size() * data.reference.size()));
}

void BM_BleuSystems(benchmark::State& state) { run_systems_call(state, Bleu()); }

void BM_ChrfSystems(benchmark::State& state) { run_systems_call(state, Chrf()); }

void BM_ChrfPlusPlusSystems(benchmark::State& state) {
  ChrfOptions opt;
  opt.word_order = 2;
  run_systems_call(state, Chrf(opt));
}

void BM_Ter(benchmark::State& state) {
  const Ter ter;
  const std::vector<std::vector<std::string>> refs{wmt17().reference};
  run_all_systems(state, [&](const auto& hyps) { return ter.corpus_score(hyps, refs).score; });
}

void BM_Tokenize13a(benchmark::State& state) {
  const Tokenizer13a tok;
  run_all_systems(state, [&](const auto& hyps) {
    std::size_t bytes = 0;
    for (const auto& line : hyps) bytes += tok.tokenize(line).size();
    return bytes;
  });
}

void BM_ScoreCorpus(benchmark::State& state) {
  run_all_systems(state, [&](const auto& hyps) { return score_corpus(hyps, wmt17().reference).bleu; });
}

}  // namespace

BENCHMARK(BM_Bleu)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Chrf)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChrfPlusPlus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BleuSystems)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChrfSystems)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChrfPlusPlusSystems)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ter)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Tokenize13a)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScoreCorpus)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

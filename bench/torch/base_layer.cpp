// Cost of a BASE layer (docs/sparse.md): the training step (train::train_step: forward, loss,
// backward, clipping, Adam) of `small` with one decoder BASE layer of E = 8 experts against the
// dense model with the same active parameters (the same model in its dense pre-training phase: one
// dense residual FFN block where the BASE layer sits, no routing), and the balanced assignment
// alone on [T, 8] affinities. Prints the step-time ratio and the assignment's share of the step.
//
//   bench_base_layer [--benchmark_filter=assign]
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "harness/model/balanced_assignment.h"
#include "harness/model/compat.h"
#include "harness/model/model_config.h"
#include "harness/model/transformer.h"
#include "harness/train/step.h"
#include "bench/torch/synthetic_batch.h"

using namespace longtail;
namespace compat = longtail::model::compat;

namespace {

constexpr int64_t kVocab = bench::kBenchVocab;
constexpr int64_t kLangs = 4;
constexpr int64_t kExperts = 8;

std::map<std::string, double> g_seconds;  // benchmark name → mean seconds per iteration

train::TensorBatch make_batch(int64_t rows, int64_t len, const torch::Device& device) {
  return bench::synthetic_batch(rows, len, kLangs, device);
}

void record(benchmark::State& state, const std::string& key, double seconds) {
  if (state.iterations() > 0) g_seconds[key] = seconds / static_cast<double>(state.iterations());
}

// sparse: E = 8 experts routed; otherwise the dense phase of the same model (same active parameters).
void BM_Step(benchmark::State& state, bool sparse, const std::string& device_name, int64_t batch_tokens) {
  const torch::Device device = compat::select_device(device_name);
  const bool bf16 = compat::select_precision("auto", device) == compat::Precision::BF16;
  torch::manual_seed(1);
  const auto cfg = model::resolve_model(
      boost::json::object{{"config", "small"}, {"experts", kExperts}, {"dense_pretrain", sparse ? 0.0 : 0.5}}, "$.model");
  model::Transformer m(cfg, kVocab, 0);
  m->to(device);
  m->train();
  train::NamedTensors params;
  for (const auto& item : m->named_parameters(true)) params.emplace_back(item.key(), item.value());
  train::Adam adam(params, {});
  const int64_t len = 32;
  const auto batch = make_batch(batch_tokens / (2 * len), len, device);
  const auto weights = torch::ones({kLangs}).to(device);
  train::StepConfig sc;
  sc.n_langs = kLangs;
  sc.bf16 = bf16;
  train::train_step(m, adam, batch, weights, 1e-4, sc);  // warm-up
  double seconds = 0.0;
  int64_t rounds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    train::train_step(m, adam, batch, weights, 1e-4, sc);  // syncs (loss to host)
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (sparse) rounds += m->base_layers()[0]->last_routing().iterations;
  }
  record(state, std::string(sparse ? "base8" : "dense") + "/" + device_name + "/" + std::to_string(batch_tokens), seconds);
  if (sparse) state.counters["auction_rounds"] = static_cast<double>(rounds) / static_cast<double>(state.iterations());
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch.tokens), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(device_name + (bf16 ? " bf16" : " fp32"));
}

// The assignment alone: affinities of T tokens (d = 64, like small) with 8 orthogonal centroids.
void BM_Assign(benchmark::State& state, const std::string& device_name, int64_t tokens) {
  const torch::Device device = compat::select_device(device_name);
  torch::manual_seed(2);
  auto centroids = torch::empty({kExperts, 64});
  torch::nn::init::orthogonal_(centroids, 0.1);
  const auto scores = torch::matmul(torch::randn({tokens, 64}), centroids.t()).to(device);
  int64_t rounds = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = model::route_balanced(scores);
    benchmark::DoNotOptimize(r.order.sum().item<int64_t>());  // waits for the device
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rounds += r.iterations;
  }
  record(state, "assign/" + device_name + "/" + std::to_string(tokens), seconds);
  state.counters["auction_rounds"] = static_cast<double>(rounds) / static_cast<double>(state.iterations());
  state.SetLabel(device_name);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> devices = bench::start_torch_benchmark(&argc, argv);
  for (const auto& dev : devices) {
    const bool cpu = dev == "cpu";
    // Batches count source + target tokens; the BASE layer routes the target half.
    for (const int64_t batch : cpu ? std::vector<int64_t>{4096, 32768} : std::vector<int64_t>{8192, 32768}) {
      for (const bool sparse : {false, true})
        benchmark::RegisterBenchmark(("step/small/" + std::string(sparse ? "base8" : "dense") + "/" + dev + "/" +
                                      std::to_string(batch)).c_str(),
                                     BM_Step, sparse, dev, batch)
            ->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    for (const int64_t tokens : {2048, 16384})
      benchmark::RegisterBenchmark(("assign/" + dev + "/" + std::to_string(tokens)).c_str(), BM_Assign, dev, tokens)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (const auto& dev : devices)
    for (const int64_t batch : dev == "cpu" ? std::vector<int64_t>{4096, 32768} : std::vector<int64_t>{8192, 32768}) {
      const auto d = g_seconds.find("dense/" + dev + "/" + std::to_string(batch));
      const auto s = g_seconds.find("base8/" + dev + "/" + std::to_string(batch));
      const auto a = g_seconds.find("assign/" + dev + "/" + std::to_string(batch / 2));
      if (d == g_seconds.end() || s == g_seconds.end()) continue;
      std::printf("%s, %lld tokens (%lld routed): BASE E=8 step / dense step = %.3f", dev.c_str(),
                  static_cast<long long>(batch), static_cast<long long>(batch / 2), s->second / d->second);
      if (a != g_seconds.end()) std::printf("; assignment = %.1f%% of the BASE step", 100.0 * a->second / s->second);
      std::printf("\n");
    }
  return 0;
}

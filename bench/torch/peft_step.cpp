// Cost of a parameter-efficient update (docs/continual.md): the training step (train::train_step:
// forward, loss, backward, clipping, Adam) of the `base` config (6+6, d 512) with every parameter
// trainable, against the same model with LoRA (rank 8 on W_q, W_v of every attention) or
// bottleneck adapters (width 64 after every FFN sublayer) where only those are trainable: the base
// parameters have requires_grad false and are not in the optimiser. Prints each step-time ratio.
//
//   bench_peft_step [--benchmark_filter=cpu]
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "harness/model/compat.h"
#include "harness/model/model_config.h"
#include "harness/model/transformer.h"
#include "harness/train/step.h"
#include "harness/train/step_hook.h"
#include "bench/torch/synthetic_batch.h"

using namespace longtail;
namespace compat = longtail::model::compat;

namespace {

constexpr int64_t kVocab = bench::kBenchVocab;
constexpr int64_t kLangs = 4;

std::map<std::string, double> g_seconds;  // "<update>/<device>/<tokens>" → mean seconds per step

// update: "full" (plain model, all trainable), "lora" (rank 8), "adapter" (width 64).
void BM_Step(benchmark::State& state, const std::string& update, const std::string& device_name, int64_t batch_tokens) {
  const torch::Device device = compat::select_device(device_name);
  const bool bf16 = compat::select_precision("auto", device) == compat::Precision::BF16;
  torch::manual_seed(1);
  boost::json::object given{{"config", "base"}};
  if (update == "lora") given["lora_rank"] = 8;
  if (update == "adapter") given["adapter_dim"] = 64;
  model::Transformer m(model::resolve_model(given, "$.model"), kVocab, 0);
  m->to(device);
  m->train();
  train::NamedTensors all, trainable;
  for (const auto& item : m->named_parameters(true)) all.emplace_back(item.key(), item.value());
  trainable = update == "full" ? all : train::select_parameters(all, update);
  int64_t n_trainable = 0;
  for (const auto& [name, p] : train::other_parameters(all, trainable)) const_cast<torch::Tensor&>(p).set_requires_grad(false);
  for (const auto& [name, p] : trainable) n_trainable += p.numel();
  train::Adam adam(trainable, {});
  const int64_t len = 32;
  const auto batch = bench::synthetic_batch(batch_tokens / (2 * len), len, kLangs, device);
  const auto weights = torch::ones({kLangs}).to(device);
  train::StepConfig sc;
  sc.n_langs = kLangs;
  sc.bf16 = bf16;
  train::train_step(m, adam, batch, weights, 1e-4, sc);  // warm-up
  double seconds = 0.0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    train::train_step(m, adam, batch, weights, 1e-4, sc);  // syncs (loss to host)
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  if (state.iterations() > 0) g_seconds[update + "/" + device_name + "/" + std::to_string(batch_tokens)] = seconds / static_cast<double>(state.iterations());
  state.counters["trainable"] = static_cast<double>(n_trainable);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch.tokens), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(device_name + (bf16 ? " bf16" : " fp32"));
}

std::vector<int64_t> batches(const std::string& device) {
  return device == "cpu" ? std::vector<int64_t>{4096} : std::vector<int64_t>{8192, 32768};
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> devices = bench::start_torch_benchmark(&argc, argv);
  const std::vector<std::string> updates{"full", "lora", "adapter"};
  for (const auto& dev : devices)
    for (const int64_t batch : batches(dev))
      for (const auto& update : updates)
        benchmark::RegisterBenchmark(("step/base/" + update + "/" + dev + "/" + std::to_string(batch)).c_str(), BM_Step,
                                     update, dev, batch)
            ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(dev == "cpu" ? 5.0 : 1.0);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (const auto& dev : devices)
    for (const int64_t batch : batches(dev)) {
      const auto full = g_seconds.find("full/" + dev + "/" + std::to_string(batch));
      if (full == g_seconds.end()) continue;
      for (const char* update : {"lora", "adapter"}) {
        const auto u = g_seconds.find(std::string(update) + "/" + dev + "/" + std::to_string(batch));
        if (u == g_seconds.end()) continue;
        std::printf("%s, %lld tokens: %s step / full step = %.3f (%.1f ms vs %.1f ms)\n", dev.c_str(), static_cast<long long>(batch),
                    update, u->second / full->second, 1e3 * u->second, 1e3 * full->second);
      }
    }
  return 0;
}

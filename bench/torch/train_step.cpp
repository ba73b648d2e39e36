// Training-step throughput of the real step (train::train_step: forward, per-language loss,
// backward, clipping, Adam) for the tiny/small/base presets, on the CPU and, when this LibTorch sees
// a GPU, on CUDA with bf16 autocast. Counter "tokens/s" = non-pad source + target tokens per
// second, the same figure cell.json reports.
//
//   bench_train_step [--benchmark_filter=small]
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <string>

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

train::TensorBatch make_batch(int64_t rows, int64_t len, const torch::Device& device) {
  return bench::synthetic_batch(rows, len, kLangs, device);
}

void BM_TrainStep(benchmark::State& state, const std::string& preset, const std::string& device_name, int64_t batch_tokens) {
  const torch::Device device = compat::select_device(device_name);
  const bool bf16 = compat::select_precision("auto", device) == compat::Precision::BF16;
  torch::manual_seed(1);
  const auto cfg = model::resolve_model(boost::json::object{{"config", preset}}, "$.model");
  model::Transformer m(cfg, kVocab, 0);
  m->to(device);
  m->train();
  train::NamedTensors params;
  for (const auto& item : m->named_parameters(true)) params.emplace_back(item.key(), item.value());
  train::Adam adam(params, {});
  const int64_t len = 32;  // ~ a subtitle/UI-string corpus segment in pieces
  const auto batch = make_batch(batch_tokens / (2 * len), len, device);
  const auto weights = torch::ones({kLangs}).to(device);
  train::StepConfig sc;
  sc.n_langs = kLangs;
  sc.bf16 = bf16;
  train::train_step(m, adam, batch, weights, 1e-4, sc);  // warm-up: allocator, kernels, autotuning
  for (auto _ : state) train::train_step(m, adam, batch, weights, 1e-4, sc);  // syncs (loss to host)
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(batch.tokens), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["batch_tokens"] = static_cast<double>(batch.tokens);
  int64_t params_count = 0;
  for (const auto& p : params) params_count += p.second.numel();
  state.counters["params"] = static_cast<double>(params_count);  // checked against bench/reference/train_step.py
  state.SetLabel(device_name + (bf16 ? " bf16" : " fp32"));
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> devices = bench::start_torch_benchmark(&argc, argv);
  benchmark::AddCustomContext("attention", compat::attention_impl_name());
  for (const auto& dev : devices) {
    // On the CPU the base model takes many seconds per step: a smaller batch and two iterations.
    const bool cpu = dev == "cpu";
    benchmark::RegisterBenchmark(("train_step/tiny/" + dev).c_str(), BM_TrainStep, "tiny", dev, cpu ? 2048 : 8192)
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark(("train_step/small/" + dev).c_str(), BM_TrainStep, "small", dev, cpu ? 2048 : 8192)
        ->Unit(benchmark::kMillisecond)->UseRealTime();
    auto* base = benchmark::RegisterBenchmark(("train_step/base/" + dev).c_str(), BM_TrainStep, "base", dev, cpu ? 1024 : 8192)
                     ->Unit(benchmark::kMillisecond)->UseRealTime();
    if (cpu) base->Iterations(2);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

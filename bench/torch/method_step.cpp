// Step cost of the balancing methods relative to proportional sampling, on the `small` preset at 8
// and 32 languages (CPU; CUDA too when this LibTorch sees a GPU), through the trainer's real step
// (train::train_step with the method's step hook and the reused per-language gradient buffer). A
// method that does its expensive work every N steps (an update interval) runs at least N steps per
// measurement, so the figure is amortised over the interval. After the runs it prints each method's
// time per step divided by proportional's at the same language count.
//
// The "parts" benchmarks split where the time goes: the ordinary forward + backward, per-language
// gradients over all parameters from per-language sub-batches (what PCGrad, GradVac and CAGrad
// and GradNorm use) and from the step's graph (one backward per language through the whole batch),
// also restricted to the last decoder layer, and the L × L Gram matrix the surgery works on.
// Under load from other processes the wall time varies: run with --benchmark_repetitions=3, the
// ratios use each case's fastest repetition; the process CPU time (all threads) is printed beside.
//
//   bench_method_step [--benchmark_filter=langs:8] [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "harness/model/compat.h"
#include "harness/model/model_config.h"
#include "harness/model/transformer.h"
#include "harness/train/step_hook.h"
#include "harness/train/step.h"
#include "methods/step_hook_factory.h"
#include "methods/method.h"
#include "bench/torch/synthetic_batch.h"

using namespace longtail;
namespace compat = longtail::model::compat;
namespace json = boost::json;

namespace {

constexpr int64_t kVocab = bench::kBenchVocab;
constexpr int64_t kLen = 16;  // tokens per side of every pair

struct MethodCase {
  const char* name;
  json::object params;
  int64_t interval;  // steps over which its expensive work repeats (amortised)
};

// One line per method; a method not registered in this build is skipped.
const std::vector<MethodCase>& method_cases() {
  static const std::vector<MethodCase> cases{
      {"proportional", {}, 1},
      {"temperature", {}, 1},
      {"gradnorm", {}, 1},
      {"pcgrad", {}, 1},
      {"gradvac", {}, 1},
      {"cagrad", {}, 1},
      // CATS at its default K = 100, its first update at step 1 so the timed window holds one.
      {"cats", {{"warmup_steps", 1}}, 100},
      // Reptile's outer step every K = 10 inner steps (default 1000): a conservative amortisation.
      {"sequential_reptile", {{"inner_steps", 10}}, 10},
  };
  return cases;
}

train::TensorBatch make_batch(int64_t rows, int64_t langs, const torch::Device& device) {
  return bench::synthetic_batch(rows, kLen, langs, device);
}

struct Setup {
  model::Transformer model{nullptr};
  std::unique_ptr<train::Adam> adam;
  train::TensorBatch batch;
  torch::Tensor weights;
  train::StepConfig sc;
  Setup(int64_t langs, int64_t batch_tokens, const torch::Device& device) {
    torch::manual_seed(1);
    model = model::Transformer(model::resolve_model(json::object{{"config", "small"}}, "$.model"), kVocab, 0);
    model->to(device);
    model->train();
    train::NamedTensors params;
    for (const auto& item : model->named_parameters(true)) params.emplace_back(item.key(), item.value());
    adam = std::make_unique<train::Adam>(params, train::AdamOptions{});
    batch = make_batch(batch_tokens / (2 * kLen), langs, device);
    weights = torch::ones({langs}).to(device);
    sc.n_langs = langs;
    sc.bf16 = compat::select_precision("auto", device) == compat::Precision::BF16;
  }
};

struct Timing {
  double wall = 0, cpu = 0;  // seconds per step
};
std::map<std::string, Timing>& seconds_per_step() {  // "device/langs/method" → s
  static std::map<std::string, Timing> m;
  return m;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

void BM_MethodStep(benchmark::State& state, const MethodCase& mc, int64_t langs, const std::string& device_name) {
  const torch::Device device = compat::select_device(device_name);
  Setup s(langs, 4096, device);
  methods::TrainingContext ctx;
  for (int64_t l = 0; l < langs; ++l) ctx.languages.push_back("l" + std::to_string(l)), ctx.train_pairs.push_back(1000 * (l + 1));
  ctx.total_steps = 100000;
  ctx.seed = 1;
  auto method = methods::make_method(mc.name, mc.params, ctx);
  std::unique_ptr<train::StepHook> hook = methods::make_step_hook(*method);
  // CATS's held-out batches as the trainer builds them at train.dev_max_pairs' default: 200 dev
  // pairs per language, cut into batches of train.batch_tokens (here 128 + 72 pairs).
  constexpr int64_t kDevPairs = 200;
  std::vector<std::vector<train::TensorBatch>> dev_batches(static_cast<size_t>(langs));
  for (int64_t l = 0; l < langs; ++l)
    for (int64_t done = 0; done < kDevPairs;) {
      const int64_t rows = std::min(s.batch.src.size(0), kDevPairs - done);
      train::TensorBatch b = make_batch(rows, langs, device);
      b.lang = torch::full_like(b.lang, l);
      dev_batches[static_cast<size_t>(l)].push_back(std::move(b));
      done += rows;
    }
  train::LanguageGradients buffer;
  int64_t step = 0;
  auto one_step = [&] {
    std::vector<double> w = method->loss_weights(step);
    const auto weights = w.empty() ? s.weights : torch::tensor(w, torch::kFloat).to(device);
    train::StepInputs in;
    in.step = step;
    in.gradients = &buffer;
    if (hook) {
      in.next_batch = [&] { return s.batch; };
      in.losses_of = [&](const train::TensorBatch& b) { return train::language_losses(s.model, b, s.sc); };
      // CATS's held-out losses: one-language batches, no dropout, as the trainer's.
      in.dev_batches = [&](int64_t lang) { return static_cast<int64_t>(dev_batches.at(static_cast<size_t>(lang)).size()); };
      in.dev_losses = [&](int64_t lang, int64_t b) {
        return train::held_out_language_losses(s.model, dev_batches.at(static_cast<size_t>(lang)).at(static_cast<size_t>(b)), s.sc);
      };
    }
    const auto r = train::train_step(s.model, *s.adam, s.batch, weights, 1e-5, s.sc, hook.get(), in);
    methods::StepFeedback fb;
    fb.step = step++;
    fb.examples.assign(static_cast<size_t>(langs), s.batch.src.size(0) / langs);
    fb.loss_sum = r.lang_loss_sum, fb.tokens = r.lang_tokens, fb.grad_norm = r.grad_norm;
    method->observe(fb);
  };
  one_step();  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = process_cpu_seconds();
  for (auto _ : state) one_step();
  const double n = static_cast<double>(state.iterations());
  // The fastest repetition (--benchmark_repetitions): the least disturbed by other processes.
  const Timing t{std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / n, (process_cpu_seconds() - c0) / n};
  auto [it, fresh] = seconds_per_step().emplace(device_name + "/" + std::to_string(langs) + "/" + mc.name, t);
  if (!fresh) it->second = Timing{std::min(it->second.wall, t.wall), std::min(it->second.cpu, t.cpu)};
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(s.batch.tokens), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(device_name);
}

// Where the time goes: the parts of a per-language-gradient step, each alone.
void BM_Part(benchmark::State& state, const std::string& part, int64_t langs, const std::string& device_name) {
  const torch::Device device = compat::select_device(device_name);
  Setup s(langs, 4096, device);
  const auto& params = s.adam->params();
  auto losses_of = [&](const train::TensorBatch& b) { return train::language_losses(s.model, b, s.sc); };
  train::LanguageGradients g;
  auto run = [&] {
    if (part == "forward_backward") {
      s.adam->zero_grad();
      train::weighted_objective(train::language_losses(s.model, s.batch, s.sc), s.weights).backward();
    } else if (part == "sub_batches_all") {
      g.from_sub_batches(s.batch, langs, 0, losses_of, params, "all");
    } else if (part == "graph_all") {
      g.from_graph(train::language_losses(s.model, s.batch, s.sc), params, "all");
    } else if (part == "graph_last1") {
      g.from_graph(train::language_losses(s.model, s.batch, s.sc), params, "last:1");
    } else if (part == "gram") {  // the surgery's pairwise algebra: one L × L Gram matrix
      benchmark::DoNotOptimize(train::gram_matrix(g.matrix(), g.present_indices()));
    }
    if (device.is_cuda()) torch::cuda::synchronize();
  };
  if (part == "gram") g.from_sub_batches(s.batch, langs, 0, losses_of, params, "all");
  run();
  for (auto _ : state) run();
  state.SetLabel(device_name);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> devices = bench::start_torch_benchmark(&argc, argv);
  for (const auto& dev : devices)
    for (int64_t langs : {8, 32}) {
      for (const auto& mc : method_cases()) {
        if (!methods::find_method(mc.name)) continue;
        const std::string name = "method_step/" + std::string(mc.name) + "/langs:" + std::to_string(langs) + "/" + dev;
        benchmark::RegisterBenchmark(name.c_str(), BM_MethodStep, mc, langs, dev)
            ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(std::max<int64_t>(mc.interval, dev == "cpu" ? 8 : 50));
      }
      for (const char* part : {"forward_backward", "sub_batches_all", "graph_all", "graph_last1", "gram"})
        benchmark::RegisterBenchmark(("part/" + std::string(part) + "/langs:" + std::to_string(langs) + "/" + dev).c_str(),
                                     BM_Part, std::string(part), langs, dev)
            ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(dev == "cpu" ? 5 : 50);
    }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Ratios to proportional sampling at the same device and language count.
  std::printf("\nstep time relative to proportional (amortised over each method's update interval):\n");
  std::printf("  %-36s %10s %7s %10s %7s\n", "device/languages/method", "wall ms", "ratio", "cpu ms", "ratio");
  for (const auto& [key, t] : seconds_per_step()) {
    const auto slash = key.rfind('/');
    const auto base = seconds_per_step().find(key.substr(0, slash) + "/proportional");
    if (base == seconds_per_step().end()) continue;
    std::printf("  %-36s %10.1f %6.2fx %10.1f %6.2fx\n", key.c_str(), 1e3 * t.wall, t.wall / base->second.wall, 1e3 * t.cpu,
                t.cpu / base->second.cpu);
  }
  return 0;
}

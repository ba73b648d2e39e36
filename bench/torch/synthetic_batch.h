// The batch the LibTorch benchmarks train on: `rows` sentence pairs of `len` random tokens on each
// side (no padding, so rows·2·len tokens), languages round-robin over `langs`.
#pragma once

#include <torch/torch.h>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "harness/model/compat.h"
#include "harness/train/collate.h"

namespace longtail::bench {

constexpr int64_t kBenchVocab = 8000;  // a typical SentencePiece vocabulary of the suites

inline train::TensorBatch synthetic_batch(int64_t rows, int64_t len, int64_t langs, const torch::Device& device) {
  train::TensorBatch b;
  b.src = torch::randint(4, kBenchVocab, {rows, len}, torch::kLong).to(device);
  b.tgt_out = torch::randint(4, kBenchVocab, {rows, len}, torch::kLong).to(device);
  b.tgt_in = torch::cat({torch::full({rows, 1}, 2, torch::kLong).to(device), b.tgt_out.narrow(1, 0, len - 1)}, 1);
  b.lang = torch::arange(rows, torch::kLong).remainder(langs).to(device);
  b.tokens = rows * 2 * len;
  return b;
}

// Google Benchmark's start, with LibTorch's version and threads in the context; returns the devices
// to measure on: the CPU always, CUDA when present.
inline std::vector<std::string> start_torch_benchmark(int* argc, char** argv) {
  benchmark::Initialize(argc, argv);
  benchmark::AddCustomContext("torch_version", model::compat::torch_version());
  benchmark::AddCustomContext("torch_threads", std::to_string(at::get_num_threads()));
  std::vector<std::string> devices{"cpu"};
  if (torch::cuda::is_available()) devices.push_back("cuda");
  return devices;
}

}  // namespace longtail::bench

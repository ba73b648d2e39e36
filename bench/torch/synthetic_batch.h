// The batch the LibTorch benchmarks train on: `rows` sentence pairs of `len` random tokens on each
// side (no padding, so rows·2·len tokens), languages round-robin over `langs`.
#pragma once

#include <torch/torch.h>

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

}  // namespace longtail::bench

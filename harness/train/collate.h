// Examples as model input: the protocol sequences of a shard row and batches of them as tensors.
//   en→X: source "<2xx> en </s>", target "xx </s>";  X→en: source "xx </s>", target "en </s>";
//   the decoder input is "<s>" + the target without its final "</s>".
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "harness/data/shard.h"

namespace longtail::train {

// A batch as tensors on the training device.
struct TensorBatch {
  torch::Tensor src;      // [B,S] int64, right-padded
  torch::Tensor tgt_in;   // [B,T] BOS + target
  torch::Tensor tgt_out;  // [B,T] target + EOS
  torch::Tensor lang;     // [B] int64 language index
  int64_t tokens = 0;     // non-pad source + target tokens
};

struct Pair {
  std::vector<int64_t> src, tgt;  // tgt ends with EOS; the decoder input is BOS + tgt[:-1]
};

// The pair of shard row `row` (tag: the target language's tag id, used for en→X).
Pair make_pair(const data::Shard& s, size_t row, bool en_to_x, int64_t tag, int64_t eos);

// Pads and stacks `pairs` (language index of each in `langs`) into tensors on `device`.
TensorBatch collate(const std::vector<const Pair*>& pairs, const std::vector<int64_t>& langs, int64_t pad, int64_t bos,
                    const torch::Device& device);

}  // namespace longtail::train

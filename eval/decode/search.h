// Batched greedy and beam search over model::Transformer's incremental decoder (CPU or CUDA: the
// tensors live on the model's device; the bookkeeping is on the host).
//
// Conventions (fairseq's): a hypothesis is at most max_len = ⌊a·|src| + b⌋ tokens (|src| without
// padding, capped so BOS + max_len + EOS fit max_positions), then EOS is forced; EOS is not allowed
// as the first token (no empty outputs); PAD and BOS are never produced. The score of a finished
// hypothesis is Σ log p / (tokens incl. EOS)^α. Beam search keeps `beam` live hypotheses, finishes
// an EOS candidate only when it ranks among the top `beam`, and stops a sentence once `beam`
// hypotheses have finished (so beam 1 is exactly greedy search).
//
// Precision: the caller wraps the call in compat::AutocastGuard when decoding in bf16; scores are
// always computed in fp32.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "harness/model/transformer.h"

namespace longtail::eval {

struct SearchOptions {
  int64_t beam = 5;              // 1 = greedy
  double length_penalty = 1.0;   // α
  double max_len_a = 1.2;
  int64_t max_len_b = 10;
  int64_t bos = 2, eos = 3, pad = 0;
};

struct Hypothesis {
  std::vector<int32_t> tokens;  // without BOS and EOS
  double score = 0;             // length-normalised log-probability
};

// src: int64 [B,S] on the model's device, right-padded with opts.pad. One hypothesis per row.
std::vector<Hypothesis> greedy_search(model::Transformer& model, const torch::Tensor& src, const SearchOptions& opts);
std::vector<Hypothesis> beam_search(model::Transformer& model, const torch::Tensor& src, const SearchOptions& opts);
// beam <= 1 → greedy_search, else beam_search.
std::vector<Hypothesis> search(model::Transformer& model, const torch::Tensor& src, const SearchOptions& opts);

// Per-row maximum output length (tokens without EOS) for a source batch.
std::vector<int64_t> max_output_lengths(const torch::Tensor& src, const SearchOptions& opts, int64_t max_positions);

}  // namespace longtail::eval

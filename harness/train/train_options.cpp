#include "harness/train/train_options.h"

namespace longtail::train {

const OptionTable& train_options() {
  // clang-format off
  static const OptionTable table = {
    {"steps", OptType::Int, 1000, "optimizer updates (the step budget)", 1, 1e9},
    {"batch_tokens", OptType::Int, 4096, "token budget of one batch: padded source + target tokens", 16, 1e8},
    {"max_len", OptType::Int, 128, "longest segment (tokens, either side) used for training; longer pairs are skipped", 4, 65536},
    {"lr", OptType::Float, 5e-4, "peak learning rate (Adam, inverse-sqrt schedule)", 0.0, 10.0, true},
    {"warmup", OptType::Int, 4000, "linear warm-up updates before the inverse-sqrt decay", 0, 1e9},
    {"adam_beta1", OptType::Float, 0.9, "Adam β1", 0.0, 1.0},
    {"adam_beta2", OptType::Float, 0.98, "Adam β2", 0.0, 1.0},
    {"adam_eps", OptType::Float, 1e-8, "Adam ε", 0.0, 1.0, true},
    {"weight_decay", OptType::Float, 0.0, "decoupled weight decay", 0.0, 1.0},
    {"clip_norm", OptType::Float, 1.0, "clip the global gradient norm to this (0 = off)", 0.0, 1e6},
    {"label_smoothing", OptType::Float, 0.1, "label smoothing ε of the cross-entropy", 0.0, 0.99},
    {"log_every", OptType::Int, 10, "write per-language train loss to metrics.jsonl every N steps", 1, 1e9},
    {"dev_every", OptType::Int, 200, "per-language dev loss every N steps (and at the end)", 1, 1e9},
    {"dev_max_pairs", OptType::Int, 200, "dev pairs per language used for the dev loss", 1, 1e9},
    {"checkpoint_every", OptType::Int, 500, "write a resumable checkpoint every N steps (and at the end)", 1, 1e9},
    {"lang_grad_every", OptType::Int, 100, "every N steps also measure each language's gradient norm over all parameters (from the method's per-language gradients when it has them, else one extra forward + backward over per-language sub-batches; 0 = never)", 0, 1e9},
    {"grad_cosine_every", OptType::Int, 100, "every N steps also measure the cosines between the languages' gradients and the share of conflicting pairs (cos < 0); from the method's per-language gradients when it has them, else one extra forward + backward over per-language sub-batches (0 = never)", 0, 1e9},
    {"grad_cosine_params", OptType::String, "all", "parameters the gradient cosines are taken over: all, encoder, decoder or last:K (the last K decoder layers)"},
    {"pool_batches", OptType::Int, 16, "batches drawn at once from the sampler, then length-bucketed", 1, 4096},
    {"device", OptType::String, "auto", "auto (CUDA when available), cpu or cuda", {}, {}, false, {"auto", "cpu", "cuda"}},
    {"precision", OptType::String, "auto", "auto (bf16 autocast on CUDA, fp32 on CPU), fp32 or bf16", {}, {}, false, {"auto", "fp32", "bf16"}},
    {"threads", OptType::Int, 0, "intra-op CPU threads (0 = LibTorch default)", 0, 1024},
  };
  // clang-format on
  return table;
}

const OptionTable& eval_options() {
  // clang-format off
  static const OptionTable table = {
    {"splits", OptType::StringList, boost::json::array{"test"}, "splits decoded and scored at the end", {}, {}, false, {"dev", "test"}},
    {"beam", OptType::Int, 5, "beam size (1 = greedy search)", 1, 128},
    {"length_penalty", OptType::Float, 1.0, "length penalty α: scores are divided by length^α", 0.0, 10.0},
    {"max_len_a", OptType::Float, 1.2, "maximum output length = a·source length + b", 0.0, 100.0},
    {"max_len_b", OptType::Int, 10, "maximum output length = a·source length + b", 0, 10000},
    {"max_pairs", OptType::Int, 0, "score at most this many pairs per language and split (0 = all)", 0, 1e9},
    {"batch_sentences", OptType::Int, 64, "sentences decoded together", 1, 65536},
  };
  // clang-format on
  return table;
}

}  // namespace longtail::train

// The optimiser side of a step: Adam with decoupled weight decay, the learning-rate schedule and
// gradient clipping.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "harness/train/checkpoint.h"

namespace longtail::train {

// Adam with decoupled weight decay and explicit state (moments and step count as tensors), so the
// checkpoint holds exactly what the next update reads.
struct AdamOptions {
  double beta1 = 0.9, beta2 = 0.98, eps = 1e-8, weight_decay = 0.0;
};

class Adam {
 public:
  Adam(NamedTensors params, AdamOptions opts);
  void zero_grad();      // drops gradients, so every backward allocates them the same way
  void step(double lr);  // one update from the current .grad() of every parameter
  int64_t steps() const { return step_.item<int64_t>(); }
  const NamedTensors& params() const { return params_; }
  NamedTensors state() const;  // "adam.step", "adam.exp_avg.<name>", "adam.exp_avg_sq.<name>"

  // A new parameter set (the dense→sparse switch replaces the dense FFN blocks by experts): a
  // parameter whose name was there keeps its moments; a new one starts as Adam starts, with zero
  // moments and its own bias correction counted from update `start_step`, as if the optimiser had
  // been created for it then; a name no longer there is dropped. The update count stays.
  void replace_params(NamedTensors params, int64_t start_step);

 private:
  NamedTensors params_;
  std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;
  std::vector<int64_t> start_step_;  // per parameter: updates done before it joined (0: from the start)
  torch::Tensor step_;  // int64 scalar on the CPU
  AdamOptions opts_;
};

// Linear warm-up to `peak` over `warmup` updates, then peak·√(warmup/t); t is the 1-based update.
// warmup = 0 decays from the first update: peak/√t.
double learning_rate(int64_t t, double peak, int64_t warmup);

// Global L2 norm of all gradients (fp32), then scales them so it is at most max_norm (0 = no clip).
torch::Tensor clip_grad_norm(const NamedTensors& params, double max_norm);

}  // namespace longtail::train

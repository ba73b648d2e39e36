// What the BASE layers routed in training forwards (docs/sparse.md "Diagnostics"): per layer, the
// real tokens each expert took (the load, exactly balanced per forward up to the dummy tokens of
// T mod E), the tokens of each language per expert (which languages go where), the token-weighted
// routing entropy and the auction rounds. Kept as tensors on the model's device and added to
// without host syncs; the tensors go into the checkpoint, so a resumed run logs the same figures.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/model/transformer.h"
#include "harness/train/checkpoint.h"

namespace longtail::train {

class RoutingTally {
 public:
  struct Layer {
    std::string name;     // "decoder_base.0"
    torch::Tensor load;   // [E] int64: tokens per expert
    torch::Tensor usage;  // [L, E] int64: tokens of language l per expert
    torch::Tensor entropy_sum;  // [] double: Σ over routed tokens of the routing entropy (nats)
    torch::Tensor counts;  // [2] int64 on the CPU: forwards counted, auction rounds summed
  };

  // Sized for the model's BASE layers (none for a dense model: empty()), zeroed.
  void reset(const model::Transformer& model, int64_t n_langs);
  void zero();
  void add(const RoutingTally& other);  // the same layers (a window into the run's total)
  bool empty() const { return layers_.empty(); }
  const std::vector<Layer>& layers() const { return layers_; }

  // After a training forward of rows whose languages are `lang` [B]: adds what every sparse BASE
  // layer routed (a layer still dense, in dense pre-training, routes nothing). Nothing while paused.
  void add(const model::Transformer& model, const torch::Tensor& lang);

  // "routing.<prefix>.<layer>.<field>" tensors, for the checkpoint.
  NamedTensors state(const std::string& prefix) const;

  // Forward passes that are not part of training (the trainer's gradient diagnostics) are not
  // counted while a Pause lives.
  class Pause {
   public:
    explicit Pause(RoutingTally* t) : t_(t), was_(t && t->paused_) {
      if (t_) t_->paused_ = true;
    }
    ~Pause() {
      if (t_) t_->paused_ = was_;
    }
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    RoutingTally* t_;
    bool was_;
  };

 private:
  std::vector<Layer> layers_;
  bool paused_ = false;
};

}  // namespace longtail::train

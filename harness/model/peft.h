// Parameter-efficient updates of a trained Transformer (docs/continual.md):
//
//   LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models", arXiv 2106.09685):
//   a frozen projection W x becomes W x + (α/r)·B(A x), A ∈ R^{r×in}, B ∈ R^{out×r}. A starts as
//   nn.Linear's default (Kaiming-uniform, a = √5, the reference implementation loralib's choice),
//   B at zero, so a fresh LoRA leaves the model unchanged. After training, (α/r)·B·A folds into W
//   (TransformerImpl::merge_lora) and inference costs nothing extra.
//
//   Bottleneck adapter (Bapna & Firat 2019, "Simple, Scalable Adaptation for Neural Machine
//   Translation"; Houlsby et al. 2019): x + W_up relu(W_down LN(x)) after a layer's FFN sublayer,
//   W_up and its bias zero-initialised, so a fresh adapter is the identity.
//
// Both modules live under the model's top-level "lora" / "adapter" modules (registered after every
// base parameter); the layers only hold non-owning handles to them (attach_*).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace longtail::model {

class LoraImpl : public torch::nn::Module {
 public:
  LoraImpl(int64_t in, int64_t out, int64_t rank, double alpha);
  // (α/r)·B(A x): the update to add to W x.
  torch::Tensor forward(const torch::Tensor& x);
  // (α/r)·B·A [out, in]: the same update as a weight, to fold into W.
  torch::Tensor delta_weight() const;

  torch::Tensor lora_a, lora_b;  // [r, in], [out, r]
  double scale;                  // α/r
};
TORCH_MODULE(Lora);

class AdapterImpl : public torch::nn::Module {
 public:
  AdapterImpl(int64_t d_model, int64_t dim);
  // x + W_up relu(W_down LN(x))
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::LayerNorm ln_{nullptr};
  torch::nn::Linear down_{nullptr}, up_{nullptr};
};
TORCH_MODULE(Adapter);

// x + lora(x) when the handle is set (a LoRA on this projection), x otherwise.
inline torch::Tensor plus_lora(const torch::Tensor& base, Lora& lora, const torch::Tensor& x) {
  return lora ? base + lora->forward(x) : base;
}

}  // namespace longtail::model

#include "harness/model/peft.h"

#include <cmath>

namespace longtail::model {

LoraImpl::LoraImpl(int64_t in, int64_t out, int64_t rank, double alpha)
    : scale(alpha / static_cast<double>(rank)) {
  lora_a = register_parameter("lora_a", torch::empty({rank, in}));
  lora_b = register_parameter("lora_b", torch::zeros({out, rank}));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(lora_a, std::sqrt(5.0));
}

torch::Tensor LoraImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::linear(F::linear(x, lora_a), lora_b) * scale;
}

torch::Tensor LoraImpl::delta_weight() const { return torch::matmul(lora_b, lora_a) * scale; }

AdapterImpl::AdapterImpl(int64_t d_model, int64_t dim) {
  ln_ = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  down_ = register_module("down", torch::nn::Linear(d_model, dim));
  up_ = register_module("up", torch::nn::Linear(dim, d_model));
  torch::NoGradGuard no_grad;
  // The Transformer's own initialisation for the down projection (Xavier-uniform, zero bias);
  // the up projection at zero makes a fresh adapter the identity.
  torch::nn::init::xavier_uniform_(down_->weight);
  torch::nn::init::zeros_(down_->bias);
  torch::nn::init::zeros_(up_->weight);
  torch::nn::init::zeros_(up_->bias);
}

torch::Tensor AdapterImpl::forward(const torch::Tensor& x) { return x + up_(torch::relu(down_(ln_(x)))); }

}  // namespace longtail::model

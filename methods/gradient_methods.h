// The gradient-geometry methods' mathematics on tensors (rows = vectors), for tests and hooks:
// wrappers of methods/gradient_math.h defined in the methods' LONGTAIL_WITH_TORCH sections.
#pragma once

#include <torch/torch.h>

#include "methods/gradient_math.h"

namespace longtail::methods {

// PCGrad: the projected vectors [K, P] of g [K, P].
torch::Tensor pcgrad_project(const torch::Tensor& g, const std::vector<std::vector<int64_t>>& order);
// GradVac: the adjusted vectors [K, P]; targets (K × K) updated in place.
torch::Tensor gradvac_adjust(const torch::Tensor& g, const std::vector<std::vector<int64_t>>& order,
                             std::vector<double>& targets, double beta);
// CAGrad: d [P] (before any rescaling).
torch::Tensor cagrad_direction(const torch::Tensor& g, double c);

}  // namespace longtail::methods

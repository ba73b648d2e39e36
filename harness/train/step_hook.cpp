#include "harness/train/step_hook.h"

#include <map>
#include <stdexcept>

namespace longtail::train {

namespace {
std::map<std::string, StepHookFactory>& hooks() {
  static std::map<std::string, StepHookFactory> h;
  return h;
}
}  // namespace

void register_step_hook(const std::string& method_name, StepHookFactory factory) {
  if (!hooks().emplace(method_name, std::move(factory)).second)
    throw std::logic_error("step hook registered twice: " + method_name);
}

const StepHookFactory* find_step_hook(const std::string& method_name) {
  auto it = hooks().find(method_name);
  return it == hooks().end() ? nullptr : &it->second;
}

std::vector<torch::Tensor> per_language_gradients(const LanguageLosses& losses, const NamedTensors& params) {
  std::vector<torch::Tensor> inputs;
  for (const auto& [name, p] : params) inputs.push_back(p);
  const auto tokens = losses.tokens.detach().to(torch::kCPU, torch::kDouble);
  const auto t = tokens.accessor<double, 1>();
  std::vector<torch::Tensor> out;
  for (int64_t l = 0; l < losses.sum.size(0); ++l) {
    if (t[l] <= 0) {
      out.emplace_back();
      continue;
    }
    auto mean = losses.sum[l] / t[l];
    auto grads = torch::autograd::grad({mean}, inputs, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    std::vector<torch::Tensor> flat;
    for (size_t i = 0; i < grads.size(); ++i)
      flat.push_back(grads[i].defined() ? grads[i].reshape(-1).to(torch::kFloat) : torch::zeros({inputs[i].numel()}, inputs[i].options().dtype(torch::kFloat)));
    out.push_back(torch::cat(flat));
  }
  return out;
}

void set_gradients(const NamedTensors& params, const torch::Tensor& flat) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const auto& [name, p] : params) {
    const int64_t n = p.numel();
    const_cast<torch::Tensor&>(p).mutable_grad() = flat.slice(0, offset, offset + n).view(p.sizes()).to(p.dtype()).clone();
    offset += n;
  }
  if (offset != flat.numel()) throw std::invalid_argument("set_gradients: flat vector does not match the parameters");
}

}  // namespace longtail::train

#include "harness/train/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace longtail::train {

Adam::Adam(NamedTensors params, AdamOptions opts) : params_(std::move(params)), opts_(opts) {
  for (const auto& [name, p] : params_) {
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
  }
  start_step_.assign(params_.size(), 0);
  step_ = torch::zeros({}, torch::kLong);
}

void Adam::replace_params(NamedTensors params, int64_t start_step) {
  std::map<std::string, size_t> old;
  for (size_t i = 0; i < params_.size(); ++i) old.emplace(params_[i].first, i);
  std::vector<torch::Tensor> exp_avg, exp_avg_sq;
  std::vector<int64_t> start;
  for (const auto& [name, p] : params) {
    const auto it = old.find(name);
    if (it != old.end() && params_[it->second].second.sizes() == p.sizes()) {
      exp_avg.push_back(exp_avg_[it->second]);
      exp_avg_sq.push_back(exp_avg_sq_[it->second]);
      start.push_back(start_step_[it->second]);
    } else {
      exp_avg.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
      exp_avg_sq.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
      start.push_back(start_step);
    }
  }
  params_ = std::move(params);
  exp_avg_ = std::move(exp_avg);
  exp_avg_sq_ = std::move(exp_avg_sq);
  start_step_ = std::move(start);
}

void Adam::zero_grad() {
  for (auto& [name, p] : params_) p.mutable_grad() = torch::Tensor();
}

void Adam::step(double lr) {
  torch::NoGradGuard no_grad;
  const int64_t t = step_.item<int64_t>() + 1;
  step_.fill_(t);
  const double b1 = opts_.beta1, b2 = opts_.beta2;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i].second;
    const auto& g = p.grad();
    if (!g.defined()) continue;
    // Bias correction over the updates this parameter has had (all of them, unless it joined
    // later through replace_params).
    const auto ti = static_cast<double>(t - start_step_[i]);
    const double step_size = lr / (1.0 - std::pow(b1, ti));
    const double bc2_sqrt = std::sqrt(1.0 - std::pow(b2, ti));
    exp_avg_[i].mul_(b1).add_(g, 1.0 - b1);
    exp_avg_sq_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    if (opts_.weight_decay > 0) p.mul_(1.0 - lr * opts_.weight_decay);  // decoupled (AdamW)
    auto denom = (exp_avg_sq_[i].sqrt() / bc2_sqrt).add_(opts_.eps);
    p.addcdiv_(exp_avg_[i], denom, -step_size);
  }
}

NamedTensors Adam::state() const {
  NamedTensors s{{"adam.step", step_}};
  for (size_t i = 0; i < params_.size(); ++i) {
    s.emplace_back("adam.exp_avg." + params_[i].first, exp_avg_[i]);
    s.emplace_back("adam.exp_avg_sq." + params_[i].first, exp_avg_sq_[i]);
  }
  return s;
}

double learning_rate(int64_t t, double peak, int64_t warmup) {
  if (warmup > 0 && t < warmup) return peak * static_cast<double>(t) / static_cast<double>(warmup);
  return peak * std::sqrt(static_cast<double>(std::max<int64_t>(warmup, 1)) / static_cast<double>(t));
}

torch::Tensor clip_grad_norm(const NamedTensors& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& [name, p] : params)
    if (p.grad().defined()) {
      grads.push_back(p.grad());
      norms.push_back(p.grad().norm(2).to(torch::kFloat));
    }
  if (norms.empty()) return torch::zeros({});
  auto total = torch::stack(norms).norm(2);
  if (max_norm > 0) {
    // Always multiply (by ≤ 1) instead of branching on the value: no host sync needed here.
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.mul_(coef);
  }
  return total;
}

}  // namespace longtail::train

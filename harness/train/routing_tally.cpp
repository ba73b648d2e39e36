#include "harness/train/routing_tally.h"

namespace longtail::train {

void RoutingTally::reset(const model::Transformer& model, int64_t n_langs) {
  layers_.clear();
  for (const auto& [name, layer] : model->named_base_layers()) {
    const auto device = layer->parameters().front().device();
    const auto longs = torch::TensorOptions().dtype(torch::kLong).device(device);
    Layer l;
    l.name = name;
    l.load = torch::zeros({layer->experts()}, longs);
    l.usage = torch::zeros({n_langs, layer->experts()}, longs);
    l.entropy_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
    l.counts = torch::zeros({2}, torch::kLong);
    layers_.push_back(std::move(l));
  }
}

void RoutingTally::zero() {
  for (auto& l : layers_) {
    l.load.zero_();
    l.usage.zero_();
    l.entropy_sum.zero_();
    l.counts.zero_();
  }
}

void RoutingTally::add(const RoutingTally& other) {
  if (other.layers_.size() != layers_.size()) throw std::logic_error("routing tally: adding a tally of another model");
  for (size_t k = 0; k < layers_.size(); ++k) {
    layers_[k].load.add_(other.layers_[k].load);
    layers_[k].usage.add_(other.layers_[k].usage);
    layers_[k].entropy_sum.add_(other.layers_[k].entropy_sum);
    layers_[k].counts.add_(other.layers_[k].counts);
  }
}

void RoutingTally::add(const model::Transformer& model, const torch::Tensor& lang) {
  if (paused_ || layers_.empty()) return;
  torch::NoGradGuard no_grad;
  const auto base = model->base_layers();
  if (base.size() != layers_.size()) throw std::logic_error("routing tally: sized for another model");
  for (size_t k = 0; k < base.size(); ++k) {
    const model::RoutingStats& s = base[k]->last_routing();
    if (!s.load.defined()) continue;  // dense block, or no real token
    Layer& l = layers_[k];
    l.load.add_(s.load);
    l.usage.index_add_(0, lang.to(l.usage.device()), s.row_usage);
    l.entropy_sum.add_(s.entropy.to(torch::kDouble) * s.load.sum());
    auto c = l.counts.accessor<int64_t, 1>();
    c[0] += 1;
    c[1] += s.iterations;
  }
}

NamedTensors RoutingTally::state(const std::string& prefix) const {
  NamedTensors out;
  for (const auto& l : layers_) {
    const std::string p = "routing." + prefix + "." + l.name + ".";
    out.emplace_back(p + "load", l.load);
    out.emplace_back(p + "usage", l.usage);
    out.emplace_back(p + "entropy_sum", l.entropy_sum);
    out.emplace_back(p + "counts", l.counts);
  }
  return out;
}

}  // namespace longtail::train

// One test body for every device this LibTorch sees (CTranslate2's way): the CPU always, CUDA when
// the build has a GPU (scripts/gpu-check.sh runs these there). On CUDA the training step must give
// what the CPU gives, in fp32 to rounding and in bf16 autocast close to it.
#include <torch/torch.h>

#include <vector>

#include "harness/model/compat.h"
#include "harness/model/model_config.h"
#include "harness/model/transformer.h"
#include "harness/train/optimizer.h"
#include "harness/train/step.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
namespace compat = longtail::model::compat;

namespace {

std::vector<torch::Device> test_devices() {
  std::vector<torch::Device> d{torch::kCPU};
  if (torch::cuda::is_available()) d.emplace_back(torch::kCUDA, 0);
  return d;
}

model::ModelConfig config() {
  model::ModelConfig c{};
  c.name = "test";
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.d_model = 32;
  c.ffn_dim = 64;
  c.heads = 4;
  c.dropout = 0.0;  // dropout masks come from each device's own generator
  c.attention_dropout = 0.0;
  c.max_positions = 64;
  return c;
}

constexpr int64_t kVocab = 50, kLangs = 3;

// Right-padded pairs of varied lengths (the attention masks matter), languages round-robin.
train::TensorBatch make_batch() {
  torch::manual_seed(7);
  const std::vector<int64_t> src_len{9, 4, 12, 7, 3, 10}, tgt_len{6, 11, 5, 8, 2, 9};
  const int64_t rows = 6, s = 12, t = 11;
  train::TensorBatch b;
  b.src = torch::zeros({rows, s}, torch::kLong);
  b.tgt_out = torch::zeros({rows, t}, torch::kLong);
  for (int64_t i = 0; i < rows; ++i) {
    b.src[i].narrow(0, 0, src_len[i]).copy_(torch::randint(4, kVocab, {src_len[i]}, torch::kLong));
    b.tgt_out[i].narrow(0, 0, tgt_len[i]).copy_(torch::randint(4, kVocab, {tgt_len[i]}, torch::kLong));
    b.tokens += src_len[i] + tgt_len[i];
  }
  b.tgt_in = torch::cat({torch::full({rows, 1}, 2, torch::kLong), b.tgt_out.narrow(1, 0, t - 1)}, 1);
  b.lang = torch::arange(rows, torch::kLong).remainder(kLangs);
  return b;
}

struct Run {
  std::vector<double> losses, grad_norms;
  torch::Tensor params;  // all parameters after the steps, flattened, on the CPU
};

Run train_on(const torch::Device& device, bool bf16, int steps) {
  torch::manual_seed(1);
  model::Transformer m(config(), kVocab, 0);  // initialised on the CPU: the same weights everywhere
  m->to(device);
  m->train();
  train::NamedTensors params;
  for (const auto& item : m->named_parameters(true)) params.emplace_back(item.key(), item.value());
  train::Adam adam(params, {});
  auto b = make_batch();
  b.src = b.src.to(device), b.tgt_in = b.tgt_in.to(device), b.tgt_out = b.tgt_out.to(device), b.lang = b.lang.to(device);
  const auto weights = torch::tensor({1.0, 0.5, 2.0}).to(torch::kFloat).to(device);
  train::StepConfig sc;
  sc.n_langs = kLangs;
  sc.bf16 = bf16;
  Run r;
  for (int i = 0; i < steps; ++i) {
    const auto s = train::train_step(m, adam, b, weights, 3e-3, sc);
    r.losses.push_back(s.loss);
    r.grad_norms.push_back(s.grad_norm);
  }
  std::vector<torch::Tensor> flat;
  for (const auto& p : params) flat.push_back(p.second.detach().to(torch::kCPU).flatten());
  r.params = torch::cat(flat);
  return r;
}

}  // namespace

TEST_CASE("devices: the training step on each device gives the CPU's losses and parameters", "[devices][cuda]") {
  // fp32 matrix products on CUDA, not TF32: the comparison is to rounding.
  const bool tf32 = at::globalContext().allowTF32CuBLAS();
  at::globalContext().setAllowTF32CuBLAS(false);
  const Run cpu = train_on(torch::kCPU, false, 5);
  // On every device the objective falls on a batch it keeps training on.
  CHECK(cpu.losses.back() < cpu.losses.front() - 0.1);
  for (const auto& device : test_devices()) {
    CAPTURE(device.str());
    const Run run = train_on(device, false, 5);
    for (size_t i = 0; i < cpu.losses.size(); ++i) {
      CHECK(run.losses[i] == Approx(cpu.losses[i]).epsilon(1e-5));
      CHECK(run.grad_norms[i] == Approx(cpu.grad_norms[i]).epsilon(1e-4));
    }
    CHECK((run.params - cpu.params).abs().max().item<double>() < 1e-4);
  }
  at::globalContext().setAllowTF32CuBLAS(tf32);
}

TEST_CASE("devices: bf16 autocast where the device has it trains close to fp32", "[devices][cuda]") {
  for (const auto& device : test_devices()) {
    if (compat::select_precision("auto", device) != compat::Precision::BF16) continue;  // CPUs: fp32 (compat.h)
    CAPTURE(device.str());
    const Run fp32 = train_on(device, false, 5), bf16 = train_on(device, true, 5);
    for (size_t i = 0; i < fp32.losses.size(); ++i) CHECK(bf16.losses[i] == Approx(fp32.losses[i]).epsilon(0.02));
    CHECK(bf16.losses.back() < bf16.losses.front() - 0.1);
  }
  // The CPU never autocasts by default: a CPU run is fp32 whatever the LibTorch.
  CHECK(compat::select_precision("auto", torch::kCPU) == compat::Precision::FP32);
}

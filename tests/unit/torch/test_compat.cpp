// The version shims: every path that runs on this machine is checked against the plain one.
#include <torch/torch.h>
#include <torch/version.h>

#include "harness/model/compat.h"
#include "catch_torch.h"  // last: see there

namespace compat = longtail::model::compat;

namespace {
double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }
}  // namespace

TEST_CASE("compat: fused attention equals the math fallback", "[compat]") {
  torch::manual_seed(3);
  const int64_t B = 3, H = 2, T = 5, S = 7, D = 8;
  auto q = torch::randn({B, H, T, D}), k = torch::randn({B, H, S, D}), v = torch::randn({B, H, S, D});
  auto lens = torch::tensor({7, 4, 1});
  auto key_mask = (torch::arange(S).view({1, S}) < lens.view({B, 1})).view({B, 1, 1, S});

  SECTION("no mask") {
    auto a = compat::attention(q, k, v, {}, 0.0, false, compat::AttentionImpl::Fused);
    auto b = compat::attention(q, k, v, {}, 0.0, false, compat::AttentionImpl::Math);
    CHECK(max_diff(a, b) < 1e-5);
  }
  SECTION("key padding mask") {
    auto a = compat::attention(q, k, v, key_mask, 0.0, false, compat::AttentionImpl::Fused);
    auto b = compat::attention(q, k, v, key_mask, 0.0, false, compat::AttentionImpl::Math);
    CHECK(max_diff(a, b) < 1e-5);
    // Masked keys do not matter: changing them leaves the output unchanged.
    auto v2 = v.clone();
    v2.index_put_({2, torch::indexing::Slice(), torch::indexing::Slice(1)}, 100.0);
    auto c = compat::attention(q, k, v2, key_mask, 0.0, false, compat::AttentionImpl::Fused);
    CHECK(max_diff(a, c) < 1e-5);
  }
  SECTION("causal") {
    auto qs = torch::randn({B, H, S, D});
    auto a = compat::attention(qs, k, v, {}, 0.0, true, compat::AttentionImpl::Fused);
    auto b = compat::attention(qs, k, v, {}, 0.0, true, compat::AttentionImpl::Math);
    CHECK(max_diff(a, b) < 1e-5);
    // Position 0 sees only key 0.
    CHECK(max_diff(a.select(2, 0), v.select(2, 0)) < 1e-5);
  }
  SECTION("causal together with a mask") {
    auto qs = torch::randn({B, H, S, D});
    auto a = compat::attention(qs, k, v, key_mask, 0.0, true, compat::AttentionImpl::Fused);
    auto b = compat::attention(qs, k, v, key_mask, 0.0, true, compat::AttentionImpl::Math);
    CHECK(max_diff(a, b) < 1e-5);
  }
  SECTION("gradients agree") {
    auto q1 = q.clone().requires_grad_(true), q2 = q.clone().requires_grad_(true);
    compat::attention(q1, k, v, key_mask, 0.0, false, compat::AttentionImpl::Fused).pow(2).sum().backward();
    compat::attention(q2, k, v, key_mask, 0.0, false, compat::AttentionImpl::Math).pow(2).sum().backward();
    CHECK(max_diff(q1.grad(), q2.grad()) < 1e-4);
  }
  SECTION("dropout is seeded") {
    torch::manual_seed(11);
    auto a = compat::attention(q, k, v, {}, 0.5, false);
    torch::manual_seed(11);
    auto b = compat::attention(q, k, v, {}, 0.5, false);
    CHECK(torch::equal(a, b));
    CHECK(max_diff(a, compat::attention(q, k, v, {}, 0.0, false)) > 1e-3);
  }
}

TEST_CASE("compat: AutocastGuard makes a Linear bf16 on CPU and restores the state", "[compat]") {
  torch::nn::Linear lin(4, 3);
  auto x = torch::randn({2, 4});
  REQUIRE_FALSE(compat::autocast_enabled(torch::kCPU));
  const auto dtype_before = compat::autocast_dtype(torch::kCPU);
  {
    compat::AutocastGuard guard(torch::kCPU, true, at::kBFloat16);
    CHECK(compat::autocast_enabled(torch::kCPU));
    CHECK(lin(x).scalar_type() == at::kBFloat16);
    {
      compat::AutocastGuard off(torch::kCPU, false);  // disabled guard: a no-op
      CHECK(lin(x).scalar_type() == at::kBFloat16);
    }
  }
  CHECK_FALSE(compat::autocast_enabled(torch::kCPU));
  CHECK(compat::autocast_dtype(torch::kCPU) == dtype_before);
  CHECK(lin(x).scalar_type() == at::kFloat);
}

TEST_CASE("compat: bf16 attention stays close to fp32", "[compat]") {
  torch::manual_seed(5);
  auto q = torch::randn({2, 2, 6, 8}), k = torch::randn({2, 2, 6, 8}), v = torch::randn({2, 2, 6, 8});
  auto ref = compat::attention(q, k, v, {}, 0.0, true, compat::AttentionImpl::Math);
  auto lo = compat::attention(q.to(at::kBFloat16), k.to(at::kBFloat16), v.to(at::kBFloat16), {}, 0.0, true,
                              compat::AttentionImpl::Math);
  CHECK(lo.scalar_type() == at::kBFloat16);
  CHECK(max_diff(ref, lo.to(at::kFloat)) < 5e-2);
}

TEST_CASE("compat: device and precision selection", "[compat]") {
  CHECK(compat::select_device("cpu").is_cpu());
  CHECK(compat::select_precision("auto", torch::Device(torch::kCPU)) == compat::Precision::FP32);
  CHECK(compat::select_precision("auto", torch::Device(torch::kCUDA, 0)) == compat::Precision::BF16);
  CHECK(compat::select_precision("bf16", torch::Device(torch::kCPU)) == compat::Precision::BF16);
  CHECK(compat::precision_name(compat::Precision::FP32) == "fp32");
  CHECK_THROWS(compat::select_device("tpu"));
  if (torch::cuda::is_available()) {
    CHECK(compat::select_device("auto").is_cuda());
  } else {
    CHECK(compat::select_device("auto").is_cpu());
    CHECK_THROWS_WITH(compat::select_device("cuda"), Catch::Contains("no CUDA"));
  }
  CHECK(compat::torch_version() == TORCH_VERSION);
}

TEST_CASE("compat: generator state round-trips", "[compat]") {
  torch::manual_seed(42);
  torch::randn({10});
  const std::string state = compat::rng_state(torch::kCPU);
  auto a = torch::randn({16});
  torch::randn({100});
  compat::set_rng_state(torch::kCPU, state);
  auto b = torch::randn({16});
  CHECK(torch::equal(a, b));
}

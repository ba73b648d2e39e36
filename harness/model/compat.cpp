#include "harness/model/compat.h"

#include <ATen/autocast_mode.h>
#include <sys/resource.h>
#include <torch/version.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

// LibTorch 2.4 replaced the per-device autocast setters (set_enabled = CUDA, set_cpu_enabled, ...)
// with set_autocast_enabled(DeviceType, bool); the old names became deprecated shims.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define LONGTAIL_AUTOCAST_BY_DEVICE 1
#else
#define LONGTAIL_AUTOCAST_BY_DEVICE 0
#endif

namespace longtail::model::compat {

std::string torch_version() { return TORCH_VERSION; }

// ------------------------------------------------------------------------------------------------
// Attention

namespace {

// Folds `causal` into the boolean mask so every path receives one mask and no causal flag; used
// when both are given (the fused kernels reject attn_mask together with is_causal).
torch::Tensor combine_causal(const torch::Tensor& mask, int64_t tq, int64_t tk, const torch::Device& dev) {
  auto tril = torch::ones({tq, tk}, torch::TensorOptions().dtype(torch::kBool).device(dev)).tril();
  return mask.defined() ? mask.logical_and(tril) : tril;
}

torch::Tensor attention_math(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& mask, double dropout_p) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = torch::matmul(q * scale, k.transpose(-2, -1));
  // Softmax in fp32 whatever the autocast dtype: bf16 exponentials lose the small weights.
  scores = scores.to(torch::kFloat);
  if (mask.defined()) scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  auto weights = torch::softmax(scores, -1);
  if (dropout_p > 0.0) weights = torch::dropout(weights, dropout_p, /*train=*/true);
  return torch::matmul(weights.to(v.scalar_type()), v);
}

torch::Tensor attention_fused(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& mask, double dropout_p, bool causal) {
  c10::optional<torch::Tensor> m;
  if (mask.defined()) m = mask;
#if TORCH_VERSION_MAJOR >= 2
  // Public op; `scale` defaults to 1/√Dh (and did not exist before 2.1), so it is not passed.
  return at::scaled_dot_product_attention(q, k, v, m, dropout_p, causal);
#else
  // 1.13: private op returning (output, weights); need_attn_weights=false skips the second.
  return std::get<0>(at::_scaled_dot_product_attention(q, k, v, m, dropout_p, /*need_attn_weights=*/false, causal));
#endif
}

}  // namespace

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& mask, double dropout_p, bool causal, AttentionImpl impl) {
  torch::Tensor m = mask;
  if (causal && (mask.defined() || impl == AttentionImpl::Math)) {
    m = combine_causal(mask, q.size(-2), k.size(-2), q.device());
    causal = false;
  }
  if (impl == AttentionImpl::Math) return attention_math(q, k, v, m, dropout_p);
  return attention_fused(q, k, v, m, dropout_p, causal);
}

std::string attention_impl_name() {
#if TORCH_VERSION_MAJOR >= 2
  return "fused (at::scaled_dot_product_attention)";
#else
  return "fused (at::_scaled_dot_product_attention)";
#endif
}

// ------------------------------------------------------------------------------------------------
// Autocast

namespace {

#if LONGTAIL_AUTOCAST_BY_DEVICE
bool get_enabled(torch::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void put_enabled(torch::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
at::ScalarType get_dtype(torch::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void put_dtype(torch::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
void check_device(torch::DeviceType d) {
  if (d != torch::kCPU && d != torch::kCUDA)
    throw std::invalid_argument("autocast: only CPU and CUDA are supported");
}
bool get_enabled(torch::DeviceType d) {
  check_device(d);
  return d == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void put_enabled(torch::DeviceType d, bool on) {
  check_device(d);
  if (d == torch::kCUDA) at::autocast::set_enabled(on);
  else at::autocast::set_cpu_enabled(on);
}
at::ScalarType get_dtype(torch::DeviceType d) {
  check_device(d);
  return d == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void put_dtype(torch::DeviceType d, at::ScalarType t) {
  check_device(d);
  if (d == torch::kCUDA) at::autocast::set_autocast_gpu_dtype(t);
  else at::autocast::set_autocast_cpu_dtype(t);
}
#endif

}  // namespace

AutocastGuard::AutocastGuard(torch::DeviceType device, bool enabled, at::ScalarType dtype) : device_(device) {
  if (!enabled) return;
  prev_enabled_ = get_enabled(device);
  prev_dtype_ = get_dtype(device);
  put_enabled(device, true);
  put_dtype(device, dtype);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // The cast cache holds bf16 copies of the weights; it is only valid inside the region.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  put_enabled(device_, prev_enabled_);
  put_dtype(device_, prev_dtype_);
}

bool autocast_enabled(torch::DeviceType device) { return get_enabled(device); }
at::ScalarType autocast_dtype(torch::DeviceType device) { return get_dtype(device); }

// ------------------------------------------------------------------------------------------------
// Device, precision, determinism

torch::Device select_device(const std::string& option) {
  if (option == "cpu") return torch::Device(torch::kCPU);
  bool gpu = torch::cuda::is_available();
  if (option == "cuda") {
    if (!gpu) throw std::runtime_error("train.device is \"cuda\" but this LibTorch sees no CUDA GPU");
    return torch::Device(torch::kCUDA, 0);
  }
  if (option == "auto") return gpu ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  throw std::invalid_argument("unknown device option \"" + option + "\" (auto, cpu, cuda)");
}

std::string device_name(const torch::Device& d) { return d.is_cuda() ? "cuda:" + std::to_string(d.index() < 0 ? 0 : d.index()) : "cpu"; }

Precision select_precision(const std::string& option, const torch::Device& device) {
  if (option == "fp32") return Precision::FP32;
  if (option == "bf16") return Precision::BF16;
  if (option == "auto") return device.is_cuda() ? Precision::BF16 : Precision::FP32;
  throw std::invalid_argument("unknown precision option \"" + option + "\" (auto, fp32, bf16)");
}

std::string precision_name(Precision p) { return p == Precision::BF16 ? "bf16" : "fp32"; }

void manual_seed(uint64_t seed) {
  torch::manual_seed(seed);
  if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

void set_deterministic(bool on) {
  // cuBLAS picks its workspace layout at handle creation; without this it refuses (or silently
  // varies) under deterministic mode. Harmless on CPU.
  if (on) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  at::globalContext().setDeterministicAlgorithms(on, /*warn_only=*/false);
  at::globalContext().setDeterministicCuDNN(on);
  at::globalContext().setBenchmarkCuDNN(!on);
}

void set_threads(int64_t n) {
  if (n > 0) at::set_num_threads(static_cast<int>(n));
}

namespace {
at::Generator default_generator(torch::DeviceType device) {
  if (device == torch::kCPU) return at::globalContext().defaultGenerator(torch::Device(torch::kCPU));
  if (device == torch::kCUDA) return at::globalContext().defaultGenerator(torch::Device(torch::kCUDA, 0));
  throw std::invalid_argument("rng state: only CPU and CUDA generators are saved");
}
}  // namespace

std::string rng_state(torch::DeviceType device) {
  at::Generator gen = default_generator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  at::Tensor st = gen.get_state().contiguous();
  return std::string(reinterpret_cast<const char*>(st.data_ptr<uint8_t>()), static_cast<size_t>(st.numel()));
}

void set_rng_state(torch::DeviceType device, const std::string& state) {
  at::Generator gen = default_generator(device);
  at::Tensor st = torch::empty({static_cast<int64_t>(state.size())}, torch::kUInt8);
  std::memcpy(st.data_ptr<uint8_t>(), state.data(), state.size());
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(st);
}

int64_t peak_host_memory_bytes() {
  struct rusage ru {};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace longtail::model::compat

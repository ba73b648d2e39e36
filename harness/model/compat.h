// The one place that knows which LibTorch it is compiled against. longtail-cell builds against
// Debian's LibTorch 1.13 (CPU) and a CUDA LibTorch 2.x; every call whose name or signature differs
// between them (fused attention, autocast, generators) lives in compat.cpp behind
// TORCH_VERSION_* checks, so the model and trainer read the same on both.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace longtail::model::compat {

// "1.13.0" (compile-time headers); the runtime library is the same file on both targets.
std::string torch_version();

// --- attention ---------------------------------------------------------------------------------

enum class AttentionImpl {
  Auto,   // fused when this LibTorch has it, else math
  Fused,  // at::_scaled_dot_product_attention (1.13) / at::scaled_dot_product_attention (2.x)
  Math,   // softmax(q·kᵀ/√d + mask)·v written out; the reference the fused path is tested against
};

// Scaled dot-product attention. q: [B,H,Tq,Dh], k/v: [B,H,Tk,Dh]. mask: undefined, or bool
// broadcastable to [B,H,Tq,Tk] with true = attend. causal: query i attends keys ≤ i (Tq == Tk).
// Dropout on the attention weights is applied whenever dropout_p > 0, so pass 0 in eval mode.
// Every query row must keep at least one key (a fully masked row is NaN on every path).
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& mask, double dropout_p, bool causal,
                        AttentionImpl impl = AttentionImpl::Auto);

// Which path Auto takes ("fused" or "math"); recorded in cell.json.
std::string attention_impl_name();

// --- precision -----------------------------------------------------------------------------------

// RAII autocast region for one device type. enabled=false is a no-op, so call sites need no `if`.
// Restores the previous enabled flag and dtype on exit and clears the cast cache, because autocast
// state is thread-local and a leaked region would silently change later computations.
class AutocastGuard {
 public:
  AutocastGuard(torch::DeviceType device, bool enabled, at::ScalarType dtype = at::kBFloat16);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  torch::DeviceType device_;
  bool active_ = false;
  bool prev_enabled_ = false;
  at::ScalarType prev_dtype_ = at::kFloat;
};

// Whether autocast is on for this device type in the calling thread (tests check restoration).
bool autocast_enabled(torch::DeviceType device);
at::ScalarType autocast_dtype(torch::DeviceType device);

// --- device, precision, determinism --------------------------------------------------------------

// "auto" → CUDA when this LibTorch sees a GPU, else CPU; "cuda" without a GPU throws.
torch::Device select_device(const std::string& option);
std::string device_name(const torch::Device& d);  // "cpu" or "cuda:0 (<GPU name when known>)"

enum class Precision { FP32, BF16 };
// "auto" → bf16 autocast on CUDA, fp32 on CPU (bf16 matmuls on CPU are slower, not faster).
Precision select_precision(const std::string& option, const torch::Device& device);
std::string precision_name(Precision p);  // "fp32" or "bf16"

// Seeds the CPU generator and, when present, every CUDA generator.
void manual_seed(uint64_t seed);
// Deterministic kernels; on CUDA also sets CUBLAS_WORKSPACE_CONFIG (unless already set) which
// cuBLAS reads at initialisation, so call this before the first CUDA op.
void set_deterministic(bool on);
// Intra-op threads; n <= 0 keeps LibTorch's default. A fixed count keeps CPU reductions (and so a
// resumed run) bit-identical.
void set_threads(int64_t n);

// Raw state of the default generator of a device type (CPU, or CUDA device 0), for checkpoints.
std::string rng_state(torch::DeviceType device);
void set_rng_state(torch::DeviceType device, const std::string& state);

// Peak resident memory of this process (bytes); on CUDA, the peak of LibTorch's allocator is not
// reachable without the CUDA headers, so this is host memory only.
int64_t peak_host_memory_bytes();

}  // namespace longtail::model::compat

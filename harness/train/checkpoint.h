// Resumable checkpoints: everything a run needs to continue bit for bit on CPU.
//
// File layout (little-endian; strings and blobs are u64 length + bytes):
//   magic "LTCKPT\0\0" | u32 version | u32 flags (0) | i64 step | u64 metrics_offset
//   blob cpu_rng | blob cuda_rng | blob batcher_state | blob method_state | blob trainer_state
//   blob model_signature
//   u64 n_tensors, then per tensor: str name | str dtype ("Float", "Long", ...) | u32 ndim |
//     i64 sizes[ndim] | u64 nbytes | raw contiguous bytes
//   end marker "LTCKEND\0"
//   (version 2) u32 CRC-32 (zlib) of every byte before it
// Written to "<path>.tmp" and renamed, so a crash leaves the previous checkpoint intact. Loading
// checks the CRC (version 2; version 1 has none and still loads) and refuses non-finite values in
// any floating-point tensor, naming the checkpoint.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace longtail::train {

constexpr uint32_t kCheckpointVersion = 2;  // 1: the same without the trailing CRC-32 (still read)

class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CheckpointHeader {
  uint32_t version = kCheckpointVersion;  // as read (written: always kCheckpointVersion)
  int64_t step = 0;              // optimizer updates done
  uint64_t metrics_offset = 0;   // size of metrics.jsonl (bytes) right after this step's lines
  std::string cpu_rng;           // compat::rng_state(kCPU)
  std::string cuda_rng;          // compat::rng_state(kCUDA) when training on CUDA, else empty
  std::string batcher_state;     // Batcher::save_state()
  std::string method_state;      // hook for stateful methods; empty for the stateless ones
  std::string trainer_state;     // the trainer's own counters (opaque here)
  std::string model_signature;   // model config + vocabulary size; must match on resume
};

// Tensors by name. Saving reads them (any device); loading copies into them in place, so the
// caller passes its live parameters, buffers and optimizer state.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

void save_checkpoint(const std::string& path, const CheckpointHeader& header, const NamedTensors& tensors);

// Restores every tensor of `into` and returns the header. Throws CheckpointError naming the file
// and the problem: bad magic, unsupported version, truncation, a missing/unexpected tensor, or a
// dtype/shape that differs from the live one.
// `may_be_absent`, when given, names tensors of `into` that the file need not hold (they keep
// their values): the modules an update stage adds to the previous stage's model.
CheckpointHeader load_checkpoint(const std::string& path, const NamedTensors& into,
                                 const std::function<bool(const std::string&)>& may_be_absent = nullptr);

// Header only (no tensors read).
CheckpointHeader read_checkpoint_header(const std::string& path);

// Little-endian packing, shared with the trainer's state blob.
class ByteWriter {
 public:
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }  // bit-exact
  void str(const std::string& s) {
    u64(s.size());
    data_.append(s);
  }
  void raw(const void* p, size_t n) { data_.append(static_cast<const char*>(p), n); }
  const std::string& data() const { return data_; }

 private:
  std::string data_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string data, std::string what = "state") : data_(std::move(data)), what_(std::move(what)) {}
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  int64_t i64() { return get<int64_t>(); }
  double f64() { return get<double>(); }
  std::string str() {
    const uint64_t n = u64();
    need(n);
    std::string s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  void need(uint64_t n) const {
    if (n > data_.size() - pos_) throw CheckpointError(what_ + ": truncated");
  }
  std::string data_;
  std::string what_;
  size_t pos_ = 0;
};

}  // namespace longtail::train

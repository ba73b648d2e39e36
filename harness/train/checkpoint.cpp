#include "harness/train/checkpoint.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace longtail::train {

namespace {

constexpr char kMagic[8] = {'L', 'T', 'C', 'K', 'P', 'T', '\0', '\0'};
constexpr char kEnd[8] = {'L', 'T', 'C', 'K', 'E', 'N', 'D', '\0'};

class FileReader {
 public:
  explicit FileReader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw CheckpointError(path + ": cannot open checkpoint");
  }
  void read(void* p, size_t n) {
    if (!in_.read(static_cast<char*>(p), static_cast<std::streamsize>(n)))
      throw CheckpointError(path_ + ": truncated checkpoint");
    crc_ = ::crc32_z(crc_, static_cast<const Bytef*>(p), n);
  }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }
  template <class T>
  T get() {
    T v;
    read(&v, sizeof v);
    return v;
  }
  std::string str(uint64_t limit = uint64_t{1} << 32) {
    const auto n = get<uint64_t>();
    if (n > limit) throw CheckpointError(path_ + ": corrupt checkpoint (string of " + std::to_string(n) + " bytes)");
    std::string s(n, '\0');
    read(s.data(), n);
    return s;
  }
  const std::string& path() const { return path_; }
  // Bytes left after the current position (a complete checkpoint has none).
  int64_t remaining() {
    const auto here = in_.tellg();
    in_.seekg(0, std::ios::end);
    const auto end = in_.tellg();
    in_.seekg(here);
    return static_cast<int64_t>(end - here);
  }

 private:
  std::string path_;
  std::ifstream in_;
  uLong crc_ = ::crc32_z(0L, Z_NULL, 0);
};

// Writes to a file and keeps the CRC-32 of everything written.
class FileWriter {
 public:
  explicit FileWriter(const std::string& path) : path_(path), out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw CheckpointError(path + ": cannot write checkpoint: " + std::strerror(errno));
  }
  void write(const void* p, size_t n) {
    out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
    crc_ = ::crc32_z(crc_, static_cast<const Bytef*>(p), n);
  }
  void write(const std::string& s) { write(s.data(), s.size()); }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }
  void finish() {
    out_.flush();
    if (!out_) throw CheckpointError(path_ + ": write failed: " + std::strerror(errno) + " (disk full?)");
  }

 private:
  std::string path_;
  std::ofstream out_;
  uLong crc_ = ::crc32_z(0L, Z_NULL, 0);
};

CheckpointHeader read_header(FileReader& r) {
  char magic[8];
  r.read(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) throw CheckpointError(r.path() + ": not a longtail checkpoint (bad magic)");
  const auto version = r.get<uint32_t>();
  if (version < 1 || version > kCheckpointVersion)
    throw CheckpointError(r.path() + ": checkpoint version " + std::to_string(version) + ", this build reads versions 1 to " +
                          std::to_string(kCheckpointVersion));
  r.get<uint32_t>();  // flags
  CheckpointHeader h;
  h.version = version;
  h.step = r.get<int64_t>();
  h.metrics_offset = r.get<uint64_t>();
  h.cpu_rng = r.str();
  h.cuda_rng = r.str();
  h.batcher_state = r.str();
  h.method_state = r.str();
  h.trainer_state = r.str();
  h.model_signature = r.str();
  return h;
}

std::string hex32(uint32_t x) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", x);
  return buf;
}

std::string shape_string(const std::vector<int64_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointHeader& h, const NamedTensors& tensors) {
  const std::string tmp = path + ".tmp";
  {
    FileWriter out(tmp);
    ByteWriter w;
    w.raw(kMagic, sizeof kMagic);
    w.u32(kCheckpointVersion);
    w.u32(0);
    w.i64(h.step);
    w.u64(h.metrics_offset);
    for (const auto* s : {&h.cpu_rng, &h.cuda_rng, &h.batcher_state, &h.method_state, &h.trainer_state, &h.model_signature})
      w.str(*s);
    w.u64(tensors.size());
    out.write(w.data());
    for (const auto& [name, t] : tensors) {
      auto cpu = t.detach().to(torch::kCPU).contiguous();
      ByteWriter tw;
      tw.str(name);
      tw.str(c10::toString(cpu.scalar_type()));
      tw.u32(static_cast<uint32_t>(cpu.dim()));
      for (int64_t s : cpu.sizes()) tw.i64(s);
      const uint64_t nbytes = static_cast<uint64_t>(cpu.numel()) * cpu.element_size();
      tw.u64(nbytes);
      out.write(tw.data());
      out.write(cpu.data_ptr(), nbytes);
    }
    out.write(kEnd, sizeof kEnd);
    const uint32_t crc = out.crc();
    out.write(&crc, sizeof crc);  // version 2: CRC-32 of every byte before it
    out.finish();
  }
  std::filesystem::rename(tmp, path);
}

CheckpointHeader read_checkpoint_header(const std::string& path) {
  FileReader r(path);
  return read_header(r);
}

CheckpointHeader load_checkpoint(const std::string& path, const NamedTensors& into,
                                 const std::function<bool(const std::string&)>& may_be_absent) {
  FileReader r(path);
  CheckpointHeader h = read_header(r);
  std::map<std::string, torch::Tensor> live;
  for (const auto& [name, t] : into) live[name] = t;

  const auto n = r.get<uint64_t>();
  std::map<std::string, bool> seen;
  torch::NoGradGuard no_grad;
  for (uint64_t i = 0; i < n; ++i) {
    const std::string name = r.str(1 << 16);
    const std::string dtype = r.str(64);
    const auto ndim = r.get<uint32_t>();
    if (ndim > 16) throw CheckpointError(path + ": corrupt checkpoint (tensor " + name + ")");
    std::vector<int64_t> sizes(ndim);
    for (auto& s : sizes) s = r.get<int64_t>();
    const auto nbytes = r.get<uint64_t>();
    auto it = live.find(name);
    if (it == live.end()) throw CheckpointError(path + ": unexpected tensor \"" + name + "\" (different model or method?)");
    const torch::Tensor& dst = it->second;
    if (dtype != c10::toString(dst.scalar_type()))
      throw CheckpointError(path + ": tensor \"" + name + "\" is " + dtype + ", the model has " + c10::toString(dst.scalar_type()));
    if (sizes != dst.sizes().vec())
      throw CheckpointError(path + ": tensor \"" + name + "\" has shape " + shape_string(sizes) + ", the model has " +
                            shape_string(dst.sizes().vec()) + " (checkpoint of a different model configuration?)");
    auto cpu = torch::empty(sizes, torch::TensorOptions().dtype(dst.scalar_type()));
    if (nbytes != static_cast<uint64_t>(cpu.numel()) * cpu.element_size())
      throw CheckpointError(path + ": corrupt checkpoint (size of tensor " + name + ")");
    r.read(cpu.data_ptr(), nbytes);
    if (cpu.is_floating_point() && !torch::isfinite(cpu).all().item<bool>())
      throw CheckpointError(path + ": tensor \"" + name + "\" holds non-finite values (NaN or inf); the checkpoint is damaged");
    dst.copy_(cpu);
    seen[name] = true;
  }
  for (const auto& [name, t] : into)
    if (!seen.count(name) && !(may_be_absent && may_be_absent(name)))
      throw CheckpointError(path + ": tensor \"" + name + "\" is missing from the checkpoint");
  char end[8];
  r.read(end, sizeof end);
  if (std::memcmp(end, kEnd, sizeof end) != 0) throw CheckpointError(path + ": corrupt checkpoint (no end marker)");
  if (h.version >= 2) {
    const uint32_t computed = r.crc();
    const auto stored = r.get<uint32_t>();
    if (stored != computed)
      throw CheckpointError(path + ": checksum mismatch (stored " + hex32(stored) + ", contents " + hex32(computed) +
                            "); the checkpoint is damaged");
  }
  // Bytes after the end (an appended or concatenated file) are damage too: nothing checks them.
  if (const int64_t extra = r.remaining(); extra > 0)
    throw CheckpointError(path + ": " + std::to_string(extra) + " bytes after the end of the checkpoint; the file is damaged");
  return h;
}

}  // namespace longtail::train

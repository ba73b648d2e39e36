#include "harness/data/shard.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <type_traits>
#include <stdexcept>

#include "harness/common/fs_util.h"

namespace longtail::data {
namespace {

constexpr char kShardMagic[8] = {'L', 'T', 'S', 'H', 'A', 'R', 'D', '\0'};
constexpr size_t kHeaderSize = 8 + 4 + 4 + 8 + 8;  // magic, version, flags, vocab, n

// Little-endian encoding whatever the host's byte order.
template <typename T>
void put_le(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(value);
  for (size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((u >> (8 * i)) & 0xff);
}

template <typename T>
T get_le(const char* p) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(static_cast<unsigned char>(p[i])) << (8 * i);
  return static_cast<T>(u);
}

uint32_t shard_crc(const char* data, size_t n) {
  return static_cast<uint32_t>(::crc32_z(::crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data), n));
}

// Sequential reader over a shard's bytes that names the file in every error.
class ShardBytes {
 public:
  ShardBytes(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  template <typename T>
  T next() {
    require(sizeof(T), "header");
    T v = get_le<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  template <typename T>
  void next_array(std::vector<T>& out, uint64_t count, const char* what) {
    if (count > (bytes_.size() - pos_) / sizeof(T)) fail_truncated(what);
    out.resize(count);
    for (uint64_t i = 0; i < count; ++i) out[i] = get_le<T>(bytes_.data() + pos_ + i * sizeof(T));
    pos_ += count * sizeof(T);
  }

  void require(size_t n, const char* what) const {
    if (bytes_.size() - pos_ < n) fail_truncated(what);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(fmt::format("{}: bad shard: {}", path_, what));
  }
  [[noreturn]] void fail_truncated(const char* what) const {
    fail(fmt::format("truncated in the {} ({} bytes)", what, bytes_.size()));
  }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  const std::string& bytes_;
  const std::string& path_;
  size_t pos_ = 0;
};

void check_offsets(const ShardBytes& in, const std::vector<uint64_t>& off, const char* side) {
  if (off.front() != 0) in.fail(fmt::format("{} offsets do not start at 0", side));
  for (size_t i = 1; i < off.size(); ++i)
    if (off[i] < off[i - 1]) in.fail(fmt::format("{} offsets decrease at pair {}", side, i - 1));
}

}  // namespace

void Shard::add(const std::vector<int32_t>& en_piece_ids, const std::vector<int32_t>& xx_piece_ids) {
  en_ids.insert(en_ids.end(), en_piece_ids.begin(), en_piece_ids.end());
  xx_ids.insert(xx_ids.end(), xx_piece_ids.begin(), xx_piece_ids.end());
  en_off.push_back(en_ids.size());
  xx_off.push_back(xx_ids.size());
}

void write_shard(const std::string& path, const Shard& s) {
  if (s.en_off.size() != s.xx_off.size() || s.en_off.empty() || s.en_off.back() != s.en_ids.size() ||
      s.xx_off.back() != s.xx_ids.size())
    throw std::invalid_argument(fmt::format("{}: inconsistent shard (offsets do not match the ids)", path));
  std::string out;
  out.reserve(kHeaderSize + 16 * s.en_off.size() + 4 * (s.en_ids.size() + s.xx_ids.size()));
  out.append(kShardMagic, sizeof kShardMagic);
  put_le<uint32_t>(out, kShardVersion);
  put_le<uint32_t>(out, 0);  // flags
  put_le<uint64_t>(out, s.vocab_hash);
  put_le<uint64_t>(out, s.size());
  for (uint64_t v : s.en_off) put_le(out, v);
  for (uint64_t v : s.xx_off) put_le(out, v);
  for (int32_t v : s.en_ids) put_le(out, v);
  for (int32_t v : s.xx_ids) put_le(out, v);
  put_le<uint32_t>(out, shard_crc(out.data(), out.size()));  // version 2: CRC-32 of everything before it
  write_file_atomic(path, out);
}

Shard read_shard(const std::string& path, uint64_t expected_vocab_hash) {
  const std::string bytes = read_file(path);
  ShardBytes in(bytes, path);
  in.require(sizeof kShardMagic, "header");
  if (std::memcmp(bytes.data(), kShardMagic, sizeof kShardMagic) != 0) in.fail("bad magic (not a longtail shard)");
  for (size_t i = 0; i < sizeof kShardMagic; ++i) in.next<uint8_t>();
  const auto version = in.next<uint32_t>();
  if (version < 1 || version > kShardVersion)
    in.fail(fmt::format("version {}, this build reads versions 1 to {}", version, kShardVersion));
  const auto flags = in.next<uint32_t>();
  if (flags != 0) in.fail(fmt::format("unknown flags 0x{:x}", flags));
  Shard s;
  s.vocab_hash = in.next<uint64_t>();
  if (expected_vocab_hash != 0 && s.vocab_hash != expected_vocab_hash)
    in.fail(fmt::format("built with vocabulary {:016x}, expected {:016x} (re-encode the corpus)", s.vocab_hash,
                        expected_vocab_hash));
  const auto n = in.next<uint64_t>();
  if (n >= in.remaining() / 16) in.fail_truncated("offset tables");
  in.next_array(s.en_off, n + 1, "English offsets");
  in.next_array(s.xx_off, n + 1, "translation offsets");
  check_offsets(in, s.en_off, "English");
  check_offsets(in, s.xx_off, "translation");
  in.next_array(s.en_ids, s.en_off.back(), "English ids");
  in.next_array(s.xx_ids, s.xx_off.back(), "translation ids");
  if (version == 1) {
    if (in.remaining() != 0) in.fail(fmt::format("{} unexpected bytes after the ids", in.remaining()));
    return s;
  }
  // Version 2 ends with a CRC-32 of every byte before it: in-range corruption (ids changed but
  // still inside the vocabulary) passes every check above and only this one finds it.
  if (in.remaining() < 4) in.fail_truncated("checksum");
  const auto stored = in.next<uint32_t>();
  if (in.remaining() != 0) in.fail(fmt::format("{} unexpected bytes after the checksum", in.remaining()));
  const uint32_t computed = shard_crc(bytes.data(), bytes.size() - 4);
  if (stored != computed)
    in.fail(fmt::format("checksum mismatch (stored {:08x}, contents {:08x}); the shard is damaged: remove its vocabulary "
                        "directory from the cache to rebuild it", stored, computed));
  return s;
}

uint32_t shard_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot read the shard");
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (size < static_cast<std::streamoff>(kHeaderSize + 4)) throw std::runtime_error(path + ": truncated shard");
  char tail[4];
  in.seekg(size - 4);
  in.read(tail, 4);
  return get_le<uint32_t>(tail);
}

std::string shard_file(const std::string& dir, const std::string& lang, const std::string& split) {
  return dir + "/" + lang + "." + split + ".bin";
}

}  // namespace longtail::data

// Hashes used for content addressing (caches, fingerprints) and deterministic splits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace longtail {

std::string sha256_hex(std::string_view data);
std::string sha256_file_hex(const std::string& path);
// Incremental SHA-256 for fingerprints over many pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex();  // finalises
 private:
  void* ctx_;
};
// 64-bit FNV-1a: cheap, stable across platforms; used to key splits and subsampling.
uint64_t fnv1a64(std::string_view data, uint64_t seed = 0xcbf29ce484222325ULL);
// SplitMix64 finaliser: mixes a seed into a well-distributed 64-bit value.
uint64_t mix64(uint64_t x);

}  // namespace longtail

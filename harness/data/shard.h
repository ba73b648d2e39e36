// Token-id shards: the binarised form of one language's split, written by longtail-text and
// memory-read by longtail-cell. Little-endian:
//
//   magic   "LTSHARD\0"   8 bytes
//   version uint32        (kShardVersion)
//   flags   uint32        (0)
//   vocab   uint64        hash of the vocabulary that produced the ids (must match at load)
//   n       uint64        number of pairs
//   en_off  uint64[n+1]   offsets into en_ids
//   xx_off  uint64[n+1]   offsets into xx_ids
//   en_ids  int32[en_off[n]]
//   xx_ids  int32[xx_off[n]]
//   crc     uint32        (version 2) CRC-32 (zlib) of every byte before it, checked at load
//
// Ids are SentencePiece pieces without BOS/EOS/language tags; the trainer adds those.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longtail::data {

constexpr uint32_t kShardVersion = 2;  // 1: the same without the trailing CRC-32 (still read)

struct Shard {
  uint64_t vocab_hash = 0;
  std::vector<uint64_t> en_off{0}, xx_off{0};
  std::vector<int32_t> en_ids, xx_ids;

  size_t size() const { return en_off.size() - 1; }
  // Views of pair i.
  const int32_t* en(size_t i) const { return en_ids.data() + en_off[i]; }
  size_t en_len(size_t i) const { return en_off[i + 1] - en_off[i]; }
  const int32_t* xx(size_t i) const { return xx_ids.data() + xx_off[i]; }
  size_t xx_len(size_t i) const { return xx_off[i + 1] - xx_off[i]; }
  void add(const std::vector<int32_t>& en_piece_ids, const std::vector<int32_t>& xx_piece_ids);
};

void write_shard(const std::string& path, const Shard& s);  // atomic
// Throws std::runtime_error naming the file on a bad magic, version, truncation, a checksum
// mismatch (version 2) or (when expected_vocab_hash != 0) a vocabulary mismatch.
Shard read_shard(const std::string& path, uint64_t expected_vocab_hash = 0);

// The stored CRC-32 of a version-2 shard (its last 4 bytes; no full read): what a data
// fingerprint over the shards is made of.
uint32_t shard_checksum(const std::string& path);

// Shard file name inside a shard directory: "<lang>.<split>.bin".
std::string shard_file(const std::string& dir, const std::string& lang, const std::string& split);

}  // namespace longtail::data

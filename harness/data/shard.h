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
//
// Ids are SentencePiece pieces without BOS/EOS/language tags; the trainer adds those.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longtail::data {

constexpr uint32_t kShardVersion = 1;

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
// Throws std::runtime_error naming the file on a bad magic, version, truncation or (when
// expected_vocab_hash != 0) a vocabulary mismatch.
Shard read_shard(const std::string& path, uint64_t expected_vocab_hash = 0);

// Shard file name inside a shard directory: "<lang>.<split>.bin".
std::string shard_file(const std::string& dir, const std::string& lang, const std::string& split);

}  // namespace longtail::data

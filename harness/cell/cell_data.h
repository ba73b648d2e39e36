// A cell's data: the vocabulary's special ids and language tags, and per language the training
// rows (the seeded subset of the shard minus over-long pairs) and the dev pairs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/data/shard.h"
#include "harness/records/cell_config.h"
#include "harness/train/batcher.h"
#include "harness/train/collate.h"

namespace longtail::cell {

struct Vocab {
  int64_t size = 0, pad = 0, unk = 1, bos = 2, eos = 3;
  uint64_t hash = 0;  // 0 = unknown: shards are not checked against it
  std::map<std::string, int64_t> lang_tags;
};

// vocab.json (written by longtail-text train-vocab). Throws ConfigError naming the file.
Vocab read_vocab(const std::string& path);

struct LanguageData {
  std::string code;
  int64_t tag = -1;  // en→X: the target-language tag id
  data::Shard train;
  std::vector<int64_t> rows;  // shard rows used for training: the seeded subset minus over-long pairs
  int64_t skipped_long = 0;
  // Continual stages: the shard rows of the previous stage and of every earlier stage (over-long
  // pairs removed), for the update methods that look back (EWC's Fisher, replay).
  std::vector<int64_t> previous_rows, earlier_rows;
  std::vector<train::Pair> dev;  // first train.dev_max_pairs dev pairs that fit max_positions
};

// Which of a language's training rows: this stage's (every cell), the previous stage's or every
// earlier stage's (update stages of continual learning).
enum class RowSet { Stage, Previous, Earlier };
const std::vector<int64_t>& rows_of(const LanguageData& d, RowSet set);

// Reads and checks every language's shards (ids inside the vocabulary, enough pairs).
std::vector<LanguageData> load_languages(const records::CellConfig& cfg, const Vocab& vocab);

// The pair of training row `row` of a language.
train::Pair training_pair(const LanguageData& d, size_t row, const records::CellConfig& cfg, const Vocab& vocab);

// Source and target lengths of every example of `set`, one stream per language, as the batcher sees them.
train::ExampleLengths example_lengths(const std::vector<LanguageData>& langs, const records::CellConfig& cfg, const Vocab& vocab,
                                      RowSet set = RowSet::Stage);

}  // namespace longtail::cell

// From a suite's dataset entry to a built corpus and the languages a grid trains on.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/data/corpus.h"
#include "harness/grid/suite.h"

namespace longtail::grid {

struct PreparedDataset {
  data::CorpusInfo corpus;
  std::vector<std::string> languages;       // training languages, largest first
  std::map<std::string, int64_t> natural;   // training pairs per language in the corpus
};

// Builds or imports the corpus (cached), then selects the languages. Unknown requested languages
// and missing data are ConfigErrors naming the suite file and JSON path.
PreparedDataset prepare_dataset(const DatasetSpec& ds, const std::string& suite_file);

// The same against a corpus that is already built or imported (nothing is built): none when it
// is not there yet (a dry run's language check).
std::optional<PreparedDataset> check_built_dataset(const DatasetSpec& ds, const std::string& suite_file);

// Training pairs per language under an imbalance profile (deterministic; never above natural).
std::map<std::string, int64_t> profile_sizes(const ImbalanceSpec& im, const PreparedDataset& d);

// A dataset ready for its cells: the corpus and languages, the training sizes under every
// imbalance profile of the suite, and the vocabulary and shards (longtail-text; cached by
// everything that determines them).
struct PreparedData {
  PreparedDataset data;
  std::string vocab_dir, shard_dir;
  std::string vocab_sha256;  // of the SentencePiece model (vocab.json "sha256")
  std::string shards_fingerprint;  // shards_fingerprint(shard_dir)
  std::map<std::string, std::map<std::string, int64_t>> sizes;  // by imbalance label
};

// SHA-256 over the shard files' names and stored CRC-32s: what the cells trained on.
std::string shards_fingerprint(const std::string& shard_dir);

// Prepares `ds` for `suite`; longtail-text's output goes to log_dir/prepare.log.
PreparedData prepare_data(const Suite& suite, const DatasetSpec& ds, const std::string& log_dir);

}  // namespace longtail::grid

// Vocabulary training, binarisation and detokenisation with SentencePiece. Lives in its own
// executable (longtail-text): Debian's libsentencepiece and LibTorch each carry a protobuf and
// crash when loaded into one process.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/data/corpus.h"

namespace longtail::text {

struct VocabOptions {
  int64_t size = 8000;
  std::string model_type = "unigram";
  double temperature = 5.0;
  int64_t sample_sentences = 200000;
  double character_coverage = 0.9995;
  uint64_t seed = 1;
};
VocabOptions vocab_options_from_json(const boost::json::object& o);

// The language tag that asks the decoder for language `lang`.
std::string lang_tag(const std::string& lang);

// Number of sentences drawn from each side for the vocabulary sample: languages (and English as
// one more "language" sized like the largest) get p ∝ n^(1/T) of the budget, capped at what they
// have. Returned in the order of `sizes`.
std::vector<int64_t> sample_quota(const std::vector<int64_t>& sizes, double temperature, int64_t budget);

// Trains spm.model on a temperature-balanced, seeded sample of the training text of `langs` and
// writes out_dir/{spm.model, vocab.json}. Deterministic for a given corpus, options and seed.
boost::json::object train_vocab(const data::CorpusInfo& corpus, const std::vector<std::string>& langs,
                                const VocabOptions& opt, const std::string& out_dir);

// Encodes train/dev/test of every language into out_dir/<lang>.<split>.bin.
void encode_corpus(const data::CorpusInfo& corpus, const std::vector<std::string>& langs, const std::string& vocab_dir,
                   const std::string& out_dir);

// Turns files of space-separated piece ids into detokenised text, line by line.
void decode_file(const std::string& vocab_dir, const std::string& ids_path, const std::string& text_path);

}  // namespace longtail::text

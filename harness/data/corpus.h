// A built corpus on disk. Every source (gettext catalogs, TED TSV, OPUS-100, plain aligned text)
// is imported into this one layout, so everything downstream reads corpora the same way:
//
//   <dir>/manifest.json            name, fingerprint, source description, per-language counts
//   <dir>/<lang>/train.en          one English segment per line (UTF-8, no tabs/newlines inside)
//   <dir>/<lang>/train.<lang>      the aligned non-English segment
//   <dir>/<lang>/{dev,test}.{en,<lang>}
//
// Pairs are always stored English ↔ X; the direction (en→X or X→en) is chosen at training time.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace longtail::data {

struct Pair {
  std::string en;
  std::string xx;
};

enum class Split { Train, Dev, Test };
const char* split_name(Split s);

struct LanguageCounts {
  int64_t train = 0, dev = 0, test = 0;
};

struct CorpusInfo {
  std::string name;
  std::string dir;
  std::string fingerprint;  // sha256 hex over the corpus contents (every result carries it)
  std::map<std::string, LanguageCounts> languages;
  boost::json::object manifest;  // the whole manifest.json
};

// Reads <dir>/manifest.json. Throws ConfigError naming the file when absent or malformed.
CorpusInfo load_corpus(const std::string& dir);

// Reads the pairs of one language and split.
std::vector<Pair> read_pairs(const CorpusInfo& c, const std::string& lang, Split split);

// Paths of the two sides of one language and split.
std::string side_path(const CorpusInfo& c, const std::string& lang, Split split, bool english);

// Writes a corpus directory (files via temporary names) from per-language split pairs, computes
// the fingerprint over the written contents and writes manifest.json last (its presence marks the
// corpus complete). `source` is recorded as manifest["source"].
struct SplitPairs {
  std::vector<Pair> train, dev, test;
};
CorpusInfo write_corpus(const std::string& dir, const std::string& name,
                        const std::map<std::string, SplitPairs>& langs, boost::json::object source);

}  // namespace longtail::data

#include "harness/text/vocab.h"

#include <fmt/format.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/progress.h"
#include "harness/data/shard.h"

namespace longtail::text {

namespace json = boost::json;
namespace fs = std::filesystem;

// Fixed special ids: the trainer and decoder rely on them (docs/cell-protocol.md).
constexpr int kPad = 0, kUnk = 1, kBos = 2, kEos = 3;

VocabOptions vocab_options_from_json(const json::object& o) {
  VocabOptions v;
  v.size = o.at("size").to_number<int64_t>();
  v.model_type = json::value_to<std::string>(o.at("model_type"));
  v.temperature = o.at("temperature").to_number<double>();
  v.sample_sentences = o.at("sample_sentences").to_number<int64_t>();
  v.character_coverage = o.at("character_coverage").to_number<double>();
  v.seed = o.at("seed").to_number<uint64_t>();
  return v;
}

std::string lang_tag(const std::string& lang) { return "<2" + lang + ">"; }

std::vector<int64_t> sample_quota(const std::vector<int64_t>& sizes, double temperature, int64_t budget) {
  std::vector<int64_t> quota(sizes.size(), 0);
  int64_t largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
  if (largest <= 0) return quota;
  std::vector<double> p(sizes.size());
  double total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    p[i] = sizes[i] > 0 ? std::pow(double(sizes[i]) / double(largest), 1.0 / temperature) : 0.0;
    total += p[i];
  }
  for (size_t i = 0; i < sizes.size(); ++i)
    quota[i] = std::min<int64_t>(sizes[i], std::llround(p[i] / total * double(budget)));
  return quota;
}

namespace {

// k distinct indices of [0, n), chosen by a seeded partial Fisher–Yates (same on every platform).
std::vector<size_t> seeded_choice(size_t n, size_t k, uint64_t seed) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  std::mt19937_64 rng(seed);
  k = std::min(k, n);
  for (size_t i = 0; i < k; ++i) {
    size_t j = i + static_cast<size_t>(rng() % (n - i));
    std::swap(idx[i], idx[j]);
  }
  idx.resize(k);
  std::sort(idx.begin(), idx.end());
  return idx;
}

// SentencePiece's messages about a vocabulary size that does not fit the corpus, said in terms of
// the suite's options.
void explain_size_error(const sentencepiece::util::Status& st, int64_t size) {
  if (st.ok()) return;
  const std::string m = st.ToString();
  long a = 0, b = 0;
  if (const auto at = m.find("Vocabulary size is smaller than required_chars. "); at != std::string::npos &&
      std::sscanf(m.c_str() + at + 48, "%ld vs %ld", &a, &b) == 2)
    throw ConfigError("$.vocab.size", fmt::format("{} pieces are too few for this corpus: its characters and the special "
                                                  "pieces need at least {}; raise vocab.size or lower vocab.character_coverage",
                                                  size, b));
  if (const auto at = m.find("Vocabulary size too high ("); at != std::string::npos) {
    const auto le = m.find("<= ", at);
    if (le != std::string::npos && std::sscanf(m.c_str() + le + 3, "%ld", &b) == 1)
      throw ConfigError("$.vocab.size", fmt::format("{} pieces are more than this corpus can fill (at most {}); lower vocab.size "
                                                    "or use more vocab.sample_sentences", size, b));
  }
}

void check_status(const sentencepiece::util::Status& st, const std::string& what) {
  if (!st.ok()) throw std::runtime_error(what + ": " + st.ToString());
}

std::vector<int32_t> encode(const sentencepiece::SentencePieceProcessor& sp, const std::string& s) {
  std::vector<int> ids;
  check_status(sp.Encode(s, &ids), "SentencePiece encode");
  return std::vector<int32_t>(ids.begin(), ids.end());
}

}  // namespace

json::object train_vocab(const data::CorpusInfo& corpus, const std::vector<std::string>& langs, const VocabOptions& opt,
                         const std::string& out_dir) {
  make_dirs(out_dir);
  // Sizes: every X side, then English (its text is the union of all English sides).
  std::vector<int64_t> sizes;
  std::set<std::string> english;
  std::vector<std::vector<data::Pair>> train;
  for (const auto& l : langs) {
    train.push_back(data::read_pairs(corpus, l, data::Split::Train));
    sizes.push_back(static_cast<int64_t>(train.back().size()));
    for (const auto& p : train.back()) english.insert(p.en);
  }
  std::vector<std::string> english_list(english.begin(), english.end());  // sorted: deterministic
  sizes.push_back(*std::max_element(sizes.begin(), sizes.end()));
  std::vector<int64_t> quota = sample_quota(sizes, opt.temperature, opt.sample_sentences);
  quota.back() = std::min<int64_t>(quota.back(), static_cast<int64_t>(english_list.size()));

  std::string sample;
  json::object drawn;
  for (size_t i = 0; i < langs.size(); ++i) {
    for (size_t k : seeded_choice(train[i].size(), quota[i], mix64(opt.seed ^ fnv1a64(langs[i])))) {
      sample += train[i][k].xx;
      sample += '\n';
    }
    drawn[langs[i]] = quota[i];
  }
  for (size_t k : seeded_choice(english_list.size(), quota.back(), mix64(opt.seed ^ fnv1a64("en")))) {
    sample += english_list[k];
    sample += '\n';
  }
  drawn["en"] = quota.back();
  std::string sample_path = out_dir + "/sample.txt";
  write_file_atomic(sample_path, sample);

  std::vector<std::string> tags;
  for (const auto& l : langs) tags.push_back(lang_tag(l));
  std::string args = fmt::format(
      "--input=sample.txt --model_prefix=spm --vocab_size={} --model_type={} --character_coverage={} "
      "--pad_id={} --unk_id={} --bos_id={} --eos_id={} --user_defined_symbols={} "
      "--input_sentence_size=0 --shuffle_input_sentence=false --hard_vocab_limit=false "
      "--max_sentence_length=8192 --num_threads=1 --minloglevel=1",
      opt.size, opt.model_type, opt.character_coverage, kPad, kUnk, kBos, kEos,
      fmt::join(tags, ","));
  // SentencePiece's own randomness (seed pieces, sampling) is global: pin it.
  sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(opt.seed));
  spdlog::info("training a {}-piece {} vocabulary on {} sampled sentences", opt.size, opt.model_type,
               std::count(sample.begin(), sample.end(), '\n'));
  // The model file records its input and prefix paths: train inside out_dir with relative names
  // so the same data gives a byte-identical model wherever the cache lives.
  fs::path previous = fs::current_path();
  fs::current_path(out_dir);
  auto status = sentencepiece::SentencePieceTrainer::Train(args);
  fs::current_path(previous);
  explain_size_error(status, opt.size);
  check_status(status, "SentencePiece training");
  fs::remove(out_dir + "/spm.vocab");

  sentencepiece::SentencePieceProcessor sp;
  check_status(sp.Load(out_dir + "/spm.model"), "loading " + out_dir + "/spm.model");
  std::string sha = sha256_file_hex(out_dir + "/spm.model");
  json::object tag_ids;
  for (const auto& l : langs) {
    int id = sp.PieceToId(lang_tag(l));
    if (id == sp.unk_id()) throw std::runtime_error("language tag missing from the vocabulary: " + lang_tag(l));
    tag_ids[l] = id;
  }
  json::object info{{"size", sp.GetPieceSize()}, {"hash", sha.substr(0, 16)}, {"pad", kPad}, {"unk", kUnk},
                    {"bos", kBos}, {"eos", kEos}, {"lang_tags", tag_ids}, {"model", "spm.model"},
                    {"sha256", sha}, {"sample", drawn}, {"corpus_fingerprint", corpus.fingerprint},
                    {"options", json::object{{"size", opt.size}, {"model_type", opt.model_type},
                                             {"temperature", opt.temperature},
                                             {"sample_sentences", opt.sample_sentences},
                                             {"character_coverage", opt.character_coverage},
                                             {"seed", opt.seed}}}};
  fs::remove(sample_path);
  write_json_file(out_dir + "/vocab.json", info);
  return info;
}

namespace {
std::unique_ptr<sentencepiece::SentencePieceProcessor> load_processor(const std::string& vocab_dir, uint64_t* hash) {
  json::value info = read_json_file(vocab_dir + "/vocab.json");
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  check_status(sp->Load(vocab_dir + "/spm.model"), "loading " + vocab_dir + "/spm.model");
  if (hash) *hash = std::stoull(json::value_to<std::string>(info.at("hash")), nullptr, 16);
  return sp;
}
}  // namespace

void encode_corpus(const data::CorpusInfo& corpus, const std::vector<std::string>& langs, const std::string& vocab_dir,
                   const std::string& out_dir) {
  uint64_t hash = 0;
  auto sp_ptr = load_processor(vocab_dir, &hash);
  const auto& sp = *sp_ptr;
  make_dirs(out_dir);
  int64_t total = 0;
  for (const auto& l : langs) {
    const auto& c = corpus.languages.at(l);
    total += c.train + c.dev + c.test;
  }
  Progress progress("encoding", total, "pairs");
  int64_t done = 0;
  for (const auto& l : langs) {
    for (data::Split split : {data::Split::Train, data::Split::Dev, data::Split::Test}) {
      data::Shard shard;
      shard.vocab_hash = hash;
      for (const auto& p : data::read_pairs(corpus, l, split)) {
        shard.add(encode(sp, p.en), encode(sp, p.xx));
        if (++done % 1000 == 0) progress.update(done, l);
      }
      data::write_shard(data::shard_file(out_dir, l, data::split_name(split)), shard);
    }
  }
  progress.finish();
}

void decode_file(const std::string& vocab_dir, const std::string& ids_path, const std::string& text_path) {
  auto sp_ptr = load_processor(vocab_dir, nullptr);
  const auto& sp = *sp_ptr;
  std::vector<std::string> out;
  int64_t line_no = 0;
  for (const auto& line : read_lines(ids_path)) {
    ++line_no;
    std::vector<int> ids;
    std::istringstream in(line);
    std::string tok;
    while (in >> tok) {
      char* end = nullptr;
      long id = std::strtol(tok.c_str(), &end, 10);
      if (*end != '\0' || id < 0 || id >= sp.GetPieceSize())
        throw std::runtime_error(fmt::format("{}:{}: expected piece ids in [0, {}), got \"{}\"", ids_path, line_no,
                                             sp.GetPieceSize(), tok));
      ids.push_back(static_cast<int>(id));
    }
    std::string text;
    check_status(sp.Decode(ids, &text), fmt::format("{}:{}: decoding", ids_path, line_no));
    out.push_back(text);
  }
  write_lines_atomic(text_path, out);
}

}  // namespace longtail::text

// Test fixtures for longtail-cell: a synthetic two-language task written as shards, vocab.json and
// a fully resolved config.json, plus helpers to compare runs. Shards are written here with the
// documented layout (harness/data/shard.h) so the tests do not depend on the writer.
#pragma once

#include <boost/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "harness/common/fs_util.h"
#include "harness/common/options.h"
#include "harness/model/model_config.h"
#include "harness/train/checkpoint.h"
#include "harness/train/train_options.h"
#include "harness/train/step.h"

namespace test_cell {

namespace json = boost::json;
namespace fs = std::filesystem;

using Ids = std::vector<int32_t>;
struct PairIds {
  Ids en, xx;
};

constexpr int64_t kPad = 0, kUnk = 1, kBos = 2, kEos = 3;
constexpr int64_t kFirstWord = 8;  // 4..7 are language tags
constexpr int64_t kVocab = 40;

inline std::string test_dir(const std::string& name) {
  std::string d = std::string(LONGTAIL_BUILD_DIR) + "/test_tmp/" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Little-endian shard in the LTSHARD v1 layout.
inline void write_shard_file(const std::string& path, const std::vector<PairIds>& pairs, uint64_t vocab_hash) {
  std::ofstream out(path, std::ios::binary);
  auto put = [&](const void* p, size_t n) { out.write(static_cast<const char*>(p), static_cast<std::streamsize>(n)); };
  put("LTSHARD\0", 8);
  const uint32_t version = 1, flags = 0;
  put(&version, 4);
  put(&flags, 4);
  put(&vocab_hash, 8);
  const uint64_t n = pairs.size();
  put(&n, 8);
  for (int side = 0; side < 2; ++side) {
    uint64_t off = 0;
    put(&off, 8);
    for (const auto& p : pairs) {
      off += (side == 0 ? p.en : p.xx).size();
      put(&off, 8);
    }
  }
  for (const auto& p : pairs) put(p.en.data(), p.en.size() * 4);
  for (const auto& p : pairs) put(p.xx.data(), p.xx.size() * 4);
}

// A deterministic toy translation: the "xx" side is the English side reversed, each word shifted
// by a per-language offset (mod the word range). Learnable by a tiny model, not trivially copyable.
inline std::vector<PairIds> make_pairs(int lang, int n, uint32_t seed, int min_words = 3, int max_words = 8) {
  std::vector<PairIds> out;
  uint32_t x = seed * 2654435761u + 17u;
  auto rnd = [&] {
    x = x * 1664525u + 1013904223u;
    return x >> 8;
  };
  const int64_t words = kVocab - kFirstWord;
  for (int i = 0; i < n; ++i) {
    PairIds p;
    const int len = min_words + static_cast<int>(rnd() % static_cast<uint32_t>(max_words - min_words + 1));
    for (int j = 0; j < len; ++j) p.en.push_back(static_cast<int32_t>(kFirstWord + rnd() % words));
    for (int j = len - 1; j >= 0; --j)
      p.xx.push_back(static_cast<int32_t>(kFirstWord + (p.en[j] - kFirstWord + 3 + 5 * lang) % words));
    out.push_back(std::move(p));
  }
  return out;
}

struct CellSpec {
  std::vector<std::string> languages{"fr", "de"};
  std::vector<int> train_pairs{12, 8};  // per language; the shard holds train_pairs + 4 (a subset is used)
  bool test_is_train = false;           // test split = the training subset's shard rows (overfitting)
  std::vector<std::pair<int, int>> words;  // per language: words per training pair (min, max); empty = 3..8
  int dev_pairs = 6, test_pairs = 5;
  std::string method = "temperature";
  json::object method_params{{"tau", 2.0}};
  json::object model{{"config", "tiny"}};
  json::object train;  // overrides of train_options()
  json::object eval;   // overrides of eval_options()
  uint64_t seed = 1;
};

// Writes shards + vocab.json + config.json into `dir` and returns the cell directory.
inline std::string write_cell(const std::string& dir, const CellSpec& spec) {
  const uint64_t vocab_hash = 0x0123456789abcdefULL;
  const std::string shards = dir + "/shards";
  fs::create_directories(shards);
  json::object tags, train_pairs, natural;
  for (size_t l = 0; l < spec.languages.size(); ++l) {
    const auto& code = spec.languages[l];
    tags[code] = static_cast<int64_t>(4 + l);
    const int n_train = spec.test_is_train ? spec.train_pairs[l] : spec.train_pairs[l] + 4;
    const auto [lo, hi] = spec.words.empty() ? std::make_pair(3, 8) : spec.words[l];
    auto train = make_pairs(static_cast<int>(l), n_train, 100 + static_cast<uint32_t>(l), lo, hi);
    write_shard_file(shards + "/" + code + ".train.bin", train, vocab_hash);
    write_shard_file(shards + "/" + code + ".dev.bin", make_pairs(static_cast<int>(l), spec.dev_pairs, 200 + static_cast<uint32_t>(l)), vocab_hash);
    write_shard_file(shards + "/" + code + ".test.bin",
                     spec.test_is_train ? train : make_pairs(static_cast<int>(l), spec.test_pairs, 300 + static_cast<uint32_t>(l)),
                     vocab_hash);
    train_pairs[code] = spec.train_pairs[l];
    natural[code] = n_train;
  }
  json::object vocab{{"size", kVocab}, {"hash", "0123456789abcdef"}, {"pad", kPad}, {"unk", kUnk}, {"bos", kBos},
                     {"eos", kEos}, {"lang_tags", tags}, {"model", "spm.model"}, {"sha256", "test"}};
  longtail::write_file_atomic(dir + "/vocab.json", json::serialize(vocab));

  json::object train = spec.train;
  // Small, fast defaults for tests unless the spec overrides them.
  for (auto [k, v] : std::map<std::string, json::value>{{"steps", 40}, {"batch_tokens", 200}, {"warmup", 10},
                                                        {"lr", 3e-3}, {"log_every", 5}, {"dev_every", 10},
                                                        {"checkpoint_every", 20}, {"pool_batches", 4},
                                                        {"device", "cpu"}, {"threads", 1}, {"dev_max_pairs", 4}})
    if (!train.contains(k)) train[k] = v;
  json::object eval = spec.eval;
  if (!eval.contains("splits")) eval["splits"] = json::array{"dev", "test"};
  if (!eval.contains("beam")) eval["beam"] = 2;

  const auto model = longtail::model::resolve_model(spec.model, "$.model");
  json::object config{
      {"cell", {{"suite", "test"}, {"dataset", "synthetic"}, {"imbalance", "natural"}, {"method", spec.method},
                {"seed", spec.seed}, {"id", "synthetic/natural/" + spec.method + "/seed" + std::to_string(spec.seed)}}},
      {"method", {{"name", spec.method}, {"params", spec.method_params}}},
      {"model", longtail::model::to_json(model)},
      {"train", longtail::resolve_options(longtail::train::train_options(), train, "$.train")},
      {"eval", longtail::resolve_options(longtail::train::eval_options(), eval, "$.eval")},
      {"data", {{"direction", "en-x"}, {"languages", json::value_from(spec.languages)}, {"train_pairs", train_pairs},
                {"natural_pairs", natural}, {"subsample_seed", 1}, {"shards", shards}, {"vocab", dir + "/vocab.json"},
                {"corpus_fingerprint", "test"}}}};
  longtail::write_file_atomic(dir + "/config.json", json::serialize(config));
  return dir;
}

inline json::object read_json(const std::string& path) {
  return json::parse(longtail::read_file(path)).as_object();
}

// metrics.jsonl without the wall-clock field, which is the only thing allowed to differ.
inline std::vector<std::string> metrics_without_time(const std::string& cell_dir) {
  std::vector<std::string> out;
  for (const auto& line : longtail::read_lines(cell_dir + "/metrics.jsonl")) {
    auto o = json::parse(line).as_object();
    o.erase("elapsed_s");
    out.push_back(json::serialize(o));
  }
  return out;
}

// Reads a cell's checkpoint into a fresh model + optimizer of the cell's configuration.
struct LoadedCheckpoint {
  longtail::model::Transformer model{nullptr};
  std::unique_ptr<longtail::train::Adam> adam;
  longtail::train::CheckpointHeader header;
  longtail::train::NamedTensors tensors;
  longtail::train::RoutingTally window, run;
};

// A sparse model's checkpoint also holds the routing tallies (window, run); one written after the
// dense→sparse switch holds the upcycled model.
inline LoadedCheckpoint load_cell_checkpoint(const std::string& cell_dir) {
  const auto cfg = read_json(cell_dir + "/config.json");
  const std::string path = cell_dir + "/ckpt/checkpoint.bin";
  LoadedCheckpoint c;
  const auto model_config = longtail::model::model_from_json(cfg.at("model").as_object());
  c.model = longtail::model::Transformer(model_config, kVocab, kPad);
  const int64_t switch_step = longtail::model::dense_switch_step(model_config, cfg.at("train").at("steps").to_number<int64_t>());
  if (switch_step >= 0 && longtail::train::read_checkpoint_header(path).step > switch_step) c.model->upcycle();
  longtail::train::NamedTensors params;
  for (const auto& item : c.model->named_parameters(true)) params.emplace_back(item.key(), item.value());
  c.adam = std::make_unique<longtail::train::Adam>(params, longtail::train::AdamOptions{});
  c.tensors = longtail::train::model_tensors(c.model);
  for (auto& t : c.adam->state()) c.tensors.push_back(t);
  const int64_t n_langs = static_cast<int64_t>(cfg.at("data").at("languages").as_array().size());
  c.window.reset(c.model, n_langs);
  c.run.reset(c.model, n_langs);
  for (auto& t : c.window.state("window")) c.tensors.push_back(t);
  for (auto& t : c.run.state("run")) c.tensors.push_back(t);
  // A restricted update (a continual stage's LoRA, a frozen set) has Adam state for its trainable
  // parameters only; the others' stay zero here.
  c.header = longtail::train::load_checkpoint(path, c.tensors, [](const std::string& name) { return name.rfind("adam.", 0) == 0; });
  return c;
}

// Corpus BLEU (4-gram, brevity penalty, no smoothing) on id sequences, in percent.
inline double bleu(const std::vector<Ids>& hyps, const std::vector<Ids>& refs) {
  double log_prec = 0;
  int64_t hyp_len = 0, ref_len = 0;
  for (int n = 1; n <= 4; ++n) {
    int64_t match = 0, total = 0;
    for (size_t s = 0; s < hyps.size(); ++s) {
      std::map<Ids, int64_t> ref_counts;
      for (size_t i = 0; i + n <= refs[s].size(); ++i) ref_counts[Ids(refs[s].begin() + i, refs[s].begin() + i + n)]++;
      for (size_t i = 0; i + n <= hyps[s].size(); ++i) {
        auto it = ref_counts.find(Ids(hyps[s].begin() + i, hyps[s].begin() + i + n));
        if (it != ref_counts.end() && it->second > 0) --it->second, ++match;
        ++total;
      }
    }
    if (match == 0) return 0.0;
    log_prec += std::log(static_cast<double>(match) / static_cast<double>(total)) / 4.0;
  }
  for (size_t s = 0; s < hyps.size(); ++s) hyp_len += static_cast<int64_t>(hyps[s].size()), ref_len += static_cast<int64_t>(refs[s].size());
  const double bp = hyp_len >= ref_len ? 1.0 : std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(hyp_len));
  return 100.0 * bp * std::exp(log_prec);
}

inline std::vector<Ids> read_ids(const std::string& path) {
  std::vector<Ids> out;
  for (const auto& line : longtail::read_lines(path)) {
    Ids ids;
    size_t pos = 0;
    while (pos < line.size()) {
      size_t end = line.find(' ', pos);
      if (end == std::string::npos) end = line.size();
      if (end > pos) ids.push_back(std::stoi(line.substr(pos, end - pos)));
      pos = end + 1;
    }
    out.push_back(std::move(ids));
  }
  return out;
}

}  // namespace test_cell

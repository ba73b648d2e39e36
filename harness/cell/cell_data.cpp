#include "harness/cell/cell_data.h"

#include <algorithm>

#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/common/strcat.h"
#include "harness/data/imbalance.h"
#include "harness/train/step.h"

namespace longtail::cell {

namespace json = boost::json;
using train::Pair;
using train::TrainingFailure;

Vocab read_vocab(const std::string& path) {
  using namespace json_fields;
  const auto v = read_json_file(path);
  if (!v.is_object()) throw ConfigError(path, "expected an object");
  const auto& o = v.get_object();
  Vocab r;
  r.size = need_int(o, "size", path);
  r.pad = need_int(o, "pad", path);
  r.unk = need_int(o, "unk", path);
  r.bos = need_int(o, "bos", path);
  r.eos = need_int(o, "eos", path);
  if (auto it = o.find("hash"); it != o.end() && it->value().is_string()) {
    try {
      r.hash = std::stoull(std::string(it->value().get_string()), nullptr, 16);
    } catch (const std::exception&) {
      throw ConfigError(path + ": $.hash", "expected 16 hex digits");
    }
  }
  if (auto it = o.find("lang_tags"); it != o.end() && it->value().is_object())
    for (const auto& kv : it->value().get_object()) r.lang_tags[std::string(kv.key())] = kv.value().to_number<int64_t>();
  for (int64_t id : {r.pad, r.unk, r.bos, r.eos})
    if (id < 0 || id >= r.size) throw ConfigError(path, str::cat("special id ", id, " outside the vocabulary of ", r.size));
  return r;
}

namespace {

void check_ids(const data::Shard& s, int64_t vocab_size, const std::string& file) {
  for (const auto* ids : {&s.en_ids, &s.xx_ids})
    for (int32_t id : *ids)
      if (id < 0 || id >= vocab_size) throw TrainingFailure(str::cat(file, ": token id ", id, " outside the vocabulary of ", vocab_size));
}

}  // namespace

Pair training_pair(const LanguageData& d, size_t row, const records::CellConfig& cfg, const Vocab& vocab) {
  return train::make_pair(d.train, row, cfg.en_to_x(), d.tag, vocab.eos);
}

std::vector<LanguageData> load_languages(const records::CellConfig& cfg, const Vocab& vocab) {
  const int64_t max_len = std::min(cfg.train.get_int("max_len"), cfg.model.max_positions);
  const int64_t dev_max = cfg.train.get_int("dev_max_pairs");
  std::vector<LanguageData> langs;
  for (const auto& code : cfg.data.languages) {
    LanguageData d;
    d.code = code;
    if (cfg.en_to_x()) {
      auto it = vocab.lang_tags.find(d.code);
      if (it == vocab.lang_tags.end()) throw TrainingFailure(str::cat(cfg.data.vocab, ": no language tag for \"", d.code, "\""));
      d.tag = it->second;
    }
    const std::string train_file = data::shard_file(cfg.data.shards, d.code, "train");
    d.train = data::read_shard(train_file, vocab.hash);
    check_ids(d.train, vocab.size, train_file);
    const auto n = static_cast<int64_t>(d.train.size());
    const int64_t m = cfg.data.train_pairs.at(code);
    if (m > n) throw TrainingFailure(str::cat(train_file, ": ", n, " pairs, but the cell asks for ", m));
    const std::vector<int64_t> subset = data::subset_indices(n, m, static_cast<uint64_t>(cfg.data.subsample_seed), d.code);
    // The decoder input is as long as the target (BOS replaces the final EOS).
    auto fits = [&](int64_t row) {
      Pair p = training_pair(d, static_cast<size_t>(row), cfg, vocab);
      return static_cast<int64_t>(p.src.size()) <= max_len && static_cast<int64_t>(p.tgt.size()) <= max_len;
    };
    if (!cfg.stage.enabled) {
      for (int64_t row : subset) {
        if (fits(row)) d.rows.push_back(row);
        else ++d.skipped_long;
      }
    } else {
      // A stage's pairs: ranges of the language's partition order of its subset (shard rows, ascending).
      const std::vector<int64_t> order = data::partition_order(m, cfg.stage.partition_seed, d.code);
      auto stage_rows = [&](const records::CellConfig::Ranges& ranges, int64_t* skipped) {
        std::vector<int64_t> rows;
        if (auto it = ranges.find(code); it != ranges.end())
          for (const auto& [b, e] : it->second) {
            if (e > m) throw TrainingFailure(str::cat(cfg.cell.id, ": stage range [", b, ", ", e, ") of ", code, " beyond its ", m, " pairs"));
            for (int64_t k = b; k < e; ++k) {
              const int64_t row = subset[static_cast<size_t>(order[static_cast<size_t>(k)])];
              if (fits(row)) rows.push_back(row);
              else if (skipped) ++*skipped;
            }
          }
        std::sort(rows.begin(), rows.end());
        return rows;
      };
      d.rows = stage_rows(cfg.stage.train, &d.skipped_long);
      d.previous_rows = stage_rows(cfg.stage.previous, nullptr);
      d.earlier_rows = stage_rows(cfg.stage.earlier, nullptr);
    }
    const std::string dev_file = data::shard_file(cfg.data.shards, d.code, "dev");
    data::Shard dev = data::read_shard(dev_file, vocab.hash);
    check_ids(dev, vocab.size, dev_file);
    for (size_t i = 0; i < dev.size() && static_cast<int64_t>(d.dev.size()) < dev_max; ++i) {
      Pair p = train::make_pair(dev, i, cfg.en_to_x(), d.tag, vocab.eos);
      if (static_cast<int64_t>(std::max(p.src.size(), p.tgt.size())) <= cfg.model.max_positions) d.dev.push_back(std::move(p));
    }
    langs.push_back(std::move(d));
  }
  return langs;
}

const std::vector<int64_t>& rows_of(const LanguageData& d, RowSet set) {
  switch (set) {
    case RowSet::Previous: return d.previous_rows;
    case RowSet::Earlier: return d.earlier_rows;
    case RowSet::Stage: break;
  }
  return d.rows;
}

train::ExampleLengths example_lengths(const std::vector<LanguageData>& langs, const records::CellConfig& cfg, const Vocab& vocab,
                                      RowSet set) {
  train::ExampleLengths lengths;
  for (const auto& d : langs) {
    std::vector<int32_t> s, t;
    for (int64_t row : rows_of(d, set)) {
      Pair p = training_pair(d, static_cast<size_t>(row), cfg, vocab);
      s.push_back(static_cast<int32_t>(p.src.size()));
      t.push_back(static_cast<int32_t>(p.tgt.size()));
    }
    lengths.src_len.push_back(std::move(s));
    lengths.tgt_len.push_back(std::move(t));
  }
  return lengths;
}

}  // namespace longtail::cell

// A cell's evaluation: per-language dev losses during training, the held-out batches a method may
// ask for, and beam-search decoding of dev/test into hyp_ids/ at the end.
#include <algorithm>
#include <numeric>

#include "eval/decode/search.h"
#include "harness/cell/cell_run.h"
#include "harness/common/fs_util.h"
#include "harness/common/progress.h"
#include "harness/common/strcat.h"

namespace longtail::cell {

namespace json = boost::json;
namespace compat = model::compat;

namespace {

// The pairs order[i], order[i + 1], ... whose padded batch (rows × (longest source + longest
// target)) fits `budget` tokens, at least one; advances i past them.
std::vector<const train::Pair*> fill_batch(const std::vector<train::Pair>& pairs, const std::vector<size_t>& order, size_t& i,
                                           int64_t budget) {
  std::vector<const train::Pair*> rows;
  size_t max_s = 0, max_t = 0;
  for (; i < order.size(); ++i) {
    const train::Pair& p = pairs[order[i]];
    const size_t s = std::max(max_s, p.src.size()), t = std::max(max_t, p.tgt.size());
    if (!rows.empty() && static_cast<int64_t>((rows.size() + 1) * (s + t)) > budget) break;
    max_s = s, max_t = t;
    rows.push_back(&p);
  }
  return rows;
}

}  // namespace

// Per-language dev NLL per target token (no label smoothing, no dropout), of the method's iterate
// (its step hook may swap it in for the duration: Sequential Reptile's θ mid-trajectory).
std::vector<double> CellRun::dev_losses() {
  const train::EvaluationScope iterate(hook_.get(), adam_->params(), step_);
  torch::NoGradGuard no_grad;
  model_->eval();
  const int64_t budget = cfg_.train.get_int("batch_tokens");
  std::vector<double> out;
  for (size_t l = 0; l < langs_.size(); ++l) {
    const auto& dev = langs_[l].dev;
    std::vector<size_t> order(dev.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return dev[a].src.size() < dev[b].src.size(); });
    double nll = 0, tokens = 0;
    for (size_t i = 0; i < order.size();) {
      const auto rows = fill_batch(dev, order, i, budget);
      auto b = train::collate(rows, std::vector<int64_t>(rows.size(), static_cast<int64_t>(l)), vocab_.pad, vocab_.bos, device_);
      torch::Tensor logits;
      {
        compat::AutocastGuard autocast(device_.type(), precision_ == compat::Precision::BF16);
        logits = model_->forward(b.src, b.tgt_in);
      }
      auto ex = model::label_smoothed_loss(logits, b.tgt_out, vocab_.pad, 0.0);
      nll += ex.nll.sum().item<double>();
      tokens += ex.tokens.sum().item<double>();
    }
    out.push_back(tokens > 0 ? nll / tokens : std::nan(""));
  }
  model_->train();
  return out;
}

json::object CellRun::dev_record() {
  last_dev_ = dev_losses();
  dev_done_ = true;
  json::object lang;
  for (size_t l = 0; l < langs_.size(); ++l) lang[langs_[l].code] = number_or_null(last_dev_[l]);
  return json::object{{"step", step_}, {"kind", "dev"}, {"lang_loss", lang}};
}

// A hook's held-out batches: each language's dev sample in file order, cut into consecutive
// batches whose padded size fits train.batch_tokens (as a training batch), built once.
const std::vector<std::vector<train::TensorBatch>>& CellRun::hook_dev_batches() {
  if (dev_batches_.empty()) {
    const int64_t budget = cfg_.train.get_int("batch_tokens");
    for (size_t l = 0; l < langs_.size(); ++l) {
      const auto& dev = langs_[l].dev;
      if (dev.empty()) throw train::TrainingFailure(str::cat("method ", cfg_.method, " needs dev pairs, but ", langs_[l].code, " has none"));
      std::vector<size_t> order(dev.size());
      std::iota(order.begin(), order.end(), size_t{0});
      std::vector<train::TensorBatch> batches;
      for (size_t i = 0; i < order.size();) {
        const auto rows = fill_batch(dev, order, i, budget);
        batches.push_back(train::collate(rows, std::vector<int64_t>(rows.size(), static_cast<int64_t>(l)), vocab_.pad, vocab_.bos, device_));
      }
      dev_batches_.push_back(std::move(batches));
    }
  }
  return dev_batches_;
}

// Batch `batch` of language `lang`'s held-out batches; no dropout, no label smoothing.
train::LanguageLosses CellRun::dev_batch_losses(int64_t lang, int64_t batch, const train::StepConfig& sc) {
  const auto& batches = hook_dev_batches().at(static_cast<size_t>(lang));
  return train::held_out_language_losses(model_, batches.at(static_cast<size_t>(batch)), sc);
}

void CellRun::decode_split(const LanguageData& lang, const std::string& split) {
  const data::Shard shard = data::read_shard(data::shard_file(cfg_.data.shards, lang.code, split), vocab_.hash);
  int64_t n = static_cast<int64_t>(shard.size());
  if (const int64_t cap = cfg_.eval.get_int("max_pairs"); cap > 0) n = std::min(n, cap);
  const int64_t max_pos = cfg_.model.max_positions;
  std::vector<std::vector<int64_t>> src(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    src[static_cast<size_t>(i)] = train::make_pair(shard, static_cast<size_t>(i), cfg_.en_to_x(), lang.tag, vocab_.eos).src;
    auto& s = src[static_cast<size_t>(i)];
    if (static_cast<int64_t>(s.size()) > max_pos) {  // the encoder stops at max_positions: keep the head + EOS
      s.resize(static_cast<size_t>(max_pos));
      s.back() = vocab_.eos;
    }
  }
  // Longest first, so padding is small and a memory problem shows up in the first batch.
  std::vector<size_t> order(src.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return src[a].size() > src[b].size(); });

  eval::SearchOptions so;
  so.beam = cfg_.eval.get_int("beam");
  so.length_penalty = cfg_.eval.get_float("length_penalty");
  so.max_len_a = cfg_.eval.get_float("max_len_a");
  so.max_len_b = cfg_.eval.get_int("max_len_b");
  so.bos = vocab_.bos, so.eos = vocab_.eos, so.pad = vocab_.pad;
  const auto per_batch = static_cast<size_t>(cfg_.eval.get_int("batch_sentences"));

  std::vector<std::string> lines(src.size());
  Progress progress(str::cat("decode ", lang.code, ".", split), n, "sentences");
  for (size_t i = 0; i < order.size(); i += per_batch) {
    const size_t end = std::min(order.size(), i + per_batch);
    const size_t width = src[order[i]].size();
    auto t = torch::full({static_cast<int64_t>(end - i), static_cast<int64_t>(width)}, vocab_.pad, torch::kLong);
    auto ta = t.accessor<int64_t, 2>();
    for (size_t r = i; r < end; ++r)
      for (size_t j = 0; j < src[order[r]].size(); ++j) ta[static_cast<int64_t>(r - i)][static_cast<int64_t>(j)] = src[order[r]][j];
    std::vector<eval::Hypothesis> hyps;
    {
      compat::AutocastGuard autocast(device_.type(), precision_ == compat::Precision::BF16);
      hyps = eval::search(model_, t.to(device_), so);
    }
    for (size_t r = i; r < end; ++r) {
      std::string& line = lines[order[r]];
      for (int32_t id : hyps[r - i].tokens) line += (line.empty() ? "" : " ") + std::to_string(id);
    }
    progress.update(static_cast<int64_t>(end));
  }
  progress.finish();
  write_lines_atomic(str::cat(dir_, "/hyp_ids/", lang.code, ".", split, ".txt"), lines);
}

void CellRun::decode_all() {
  const train::EvaluationScope iterate(hook_.get(), adam_->params(), step_);
  model_->eval();
  make_dirs(dir_ + "/hyp_ids");
  json::array files;
  for (const auto& split : cfg_.eval.get_strings("splits"))
    for (const auto& lang : langs_) {
      decode_split(lang, split);
      files.emplace_back(str::cat("hyp_ids/", lang.code, ".", split, ".txt"));
    }
  report["hyp_ids"] = files;
}

}  // namespace longtail::cell

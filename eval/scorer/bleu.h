// Corpus BLEU exactly as sacreBLEU 2.6.0 (`sacrebleu/metrics/bleu.py`): same preprocessing
// (lowercase -> rstrip -> tokenizer -> whitespace split), clipping against the max count over all
// references, closest reference length (ties to the shorter), smoothing, effective order, the
// text line and the signature.
//
//   Bleu bleu;                                   // sacreBLEU defaults: 13a, exp smoothing
//   BleuScore s = bleu.corpus_score(hyps, {refs});
//   s.format()                  -> "BLEU = 24.33 57.2/30.4/18.5/12.0 (BP = 1.000 ratio = ...)"
//   bleu.signature(1).format()  -> "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
//
// Statistics are integer counts and additive: BleuStats of disjoint parts of a corpus can be
// summed (sharding, per-language totals, bootstrap resampling) before score_from_stats().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/metric.h"
#include "eval/scorer/tokenizer.h"

namespace longtail::eval {

enum class SmoothMethod { kNone, kFloor, kAddK, kExp };

// "none", "floor", "add-k", "exp"; parse throws std::invalid_argument on anything else.
std::string to_string(SmoothMethod method);
SmoothMethod parse_smooth_method(std::string_view name);
// sacreBLEU's SMOOTH_DEFAULTS: floor 0.1, add-k 1; none and exp take no value.
std::optional<double> default_smooth_value(SmoothMethod method);

struct BleuOptions {
  bool lowercase = false;
  // Tokenizer name; empty = sacreBLEU's default: `13a`, or zh / ja-mecab / ko-mecab when
  // trg_lang is zh / ja / ko.
  std::string tokenize;
  std::string trg_lang;
  SmoothMethod smooth_method = SmoothMethod::kExp;
  std::optional<double> smooth_value;  // empty = default_smooth_value(smooth_method)
  int max_ngram_order = 4;
  bool effective_order = false;
};

// Per-order counts plus lengths, as sacreBLEU's segment statistics list
// [sys_len, ref_len, correct_1..N, total_1..N].
struct BleuStats {
  explicit BleuStats(int max_ngram_order = 4);
  std::int64_t sys_len = 0;
  std::int64_t ref_len = 0;  // sum of per-segment closest reference lengths
  std::vector<std::int64_t> matches;  // clipped n-gram matches, index n-1
  std::vector<std::int64_t> totals;   // hypothesis n-grams, index n-1
  int max_ngram_order() const { return static_cast<int>(matches.size()); }
  // Throws std::invalid_argument if the orders differ.
  BleuStats& operator+=(const BleuStats& other);
  bool operator==(const BleuStats& other) const;
};
BleuStats operator+(BleuStats a, const BleuStats& b);

struct BleuScore {
  double score = 0.0;  // percent, 0..100
  // counts/totals as sacreBLEU reports them: after add-k smoothing added k for orders >= 2.
  std::vector<double> counts;
  std::vector<double> totals;
  std::vector<double> precisions;  // percent
  double bp = 0.0;
  double ratio = 0.0;  // sys_len / ref_len, 0 if ref_len == 0
  std::int64_t sys_len = 0;
  std::int64_t ref_len = 0;

  // "57.2/30.4/18.5/12.0 (BP = 1.000 ratio = 1.003 hyp_len = 62131 ref_len = 61918)"
  std::string verbose() const;
  // sacreBLEU's Score.format(): "BLEU = 24.33 <verbose>" (width 2 as the API; the CLI uses 1),
  // "BLEU|<signature> = 24.3 <verbose>" with a signature, the bare number with score_only.
  std::string format(int width = 2, const std::string& signature = "", bool score_only = false) const;
};

class Bleu : public CorpusScoring<Bleu, BleuScore> {
 public:
  // Throws std::invalid_argument for an unknown tokenizer or max_ngram_order < 1.
  explicit Bleu(BleuOptions options = {});

  const BleuOptions& options() const { return options_; }
  std::string name() const { return "BLEU"; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  // Statistics of one segment against its references (at least one; "" is a valid reference).
  BleuStats segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const;
  // Sum of segment statistics; ref_streams[k][i] is the k-th reference of segment i. Throws
  // std::invalid_argument on no reference stream or a line-count mismatch, Utf8Error (naming the
  // line) on invalid UTF-8.
  BleuStats corpus_stats(const std::vector<std::string>& hyps,
                         const std::vector<std::vector<std::string>>& ref_streams) const;
  // Per-segment statistics (what sacreBLEU's _extract_corpus_statistics returns).
  std::vector<BleuStats> segment_stats(const std::vector<std::string>& hyps,
                                       const std::vector<std::vector<std::string>>& ref_streams) const;

  // Several systems against the same references: one BleuStats / BleuScore per system, each equal
  // to what corpus_stats() / corpus_score() gives for that system alone. Each segment's references
  // are preprocessed and counted once for all systems (sacreBLEU's CLI caches them the same way
  // with `references=`). Invalid UTF-8 names the system ("system 2 hypothesis line 7").
  std::vector<BleuStats> corpus_stats_systems(const std::vector<std::vector<std::string>>& systems,
                                              const std::vector<std::vector<std::string>>& ref_streams) const;

  BleuScore score_from_stats(const BleuStats& stats) const;
  // corpus_score, sentence_score, corpus_score_systems: CorpusScoring (metric.h). Sentence BLEU is
  // the corpus formula on one segment; sacreBLEU's sentence-level users usually turn
  // effective_order on.

  // nrefs:N|case:..|eff:..|tok:..|smooth:..|version:2.6.0 (num_refs < 0 prints nrefs:var).
  Signature signature(int num_refs) const;

  // sacreBLEU's static BLEU.compute_bleu() on raw numbers, with this object's smoothing and
  // effective-order options.
  static BleuScore compute_bleu(const BleuStats& stats, SmoothMethod method, std::optional<double> smooth_value,
                                bool effective_order);

 private:
  class Workspace;
  // lowercase -> rstrip -> tokenize, as BLEU._preprocess_segment.
  std::string preprocess(std::string_view segment) const;
  // The same, into the workspace's buffers when the tokenizer allows (13a, none).
  std::string_view preprocess(Workspace& ws, std::string_view segment) const;
  // Statistics of one segment for several hypotheses (one per system), into stats[0..hyps.size()).
  void segment_stats(Workspace& ws, const std::vector<std::string_view>& hyps,
                     const std::vector<std::string_view>& refs, BleuStats* stats) const;
  // The general path for segments whose n-grams cannot be packed into 64 bits.
  BleuStats segment_stats_general(Workspace& ws, std::string_view hyp, const std::vector<std::string_view>& refs) const;
  template <typename Emit>
  void for_each_segment(const std::vector<const std::vector<std::string>*>& systems,
                        const std::vector<std::vector<std::string>>& ref_streams, Emit&& emit) const;

  BleuOptions options_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  enum class FastTokenizer { kNo, k13a, kNone } fast_tokenizer_ = FastTokenizer::kNo;
};

// The tokenizer sacreBLEU picks for these options (`tokenize`, else by trg_lang, else 13a).
std::string resolve_bleu_tokenizer(const BleuOptions& options);

}  // namespace longtail::eval

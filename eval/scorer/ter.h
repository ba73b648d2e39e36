// TER (translation edit rate) exactly as sacreBLEU 2.6.0 (`sacrebleu/metrics/ter.py`,
// `metrics/lib_ter.py`, `tokenizers/tokenizer_ter.py`).
//
// Defaults are sacreBLEU's (= tercom 0.7.25): case-insensitive, no normalisation, punctuation kept.
// Per segment: the fewest edits (word insertions, deletions, substitutions and block shifts) over
// the references and the average reference length; corpus TER = 100 * Σ edits / Σ average length.
// The shift search is sacreBLEU's greedy one, with its limits (blocks of at most 10 words moved at
// most 50 positions, a beam of 25 around the length-ratio diagonal, at most 1,000 shift candidates
// per hypothesis/reference pair, the best shift of the call that reaches the cap dropped) and its
// tie-breaks, so edit counts equal sacreBLEU's, not tercom's, where the two differ.
//
//   Ter ter;
//   TerScore s = ter.corpus_score(hyps, {refs});
//   s.format()                 -> "TER = 69.05"
//   ter.signature(1).format()  -> "nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0"
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/metric.h"
#include "eval/scorer/tokenizer.h"

namespace longtail::eval {

struct TerOptions {
  bool normalized = false;      // tercom's normalisation (entities, punctuation split off)
  bool no_punct = false;        // delete . , ? : ; ! " ( )
  bool asian_support = false;   // CJK: with normalized, split CJK characters; with no_punct, drop CJK punctuation
  bool case_sensitive = false;  // false: lowercase (Python str.lower())
};

// sacreBLEU's TercomTokenizer.__call__: lowercase unless case_sensitive, then the optional
// normalisation / punctuation removal, then ' '.join(s.split()). (TER applies it to rstrip()ped
// segments.) Signature `tercom`; not in the BLEU tokenizer registry.
class TercomTokenizer final : public Tokenizer {
 public:
  explicit TercomTokenizer(TerOptions options = {}) : options_(options) {}
  std::string name() const override { return "tercom"; }
  std::string tokenize(std::string_view line) const override;
  // The same text before the final whitespace join (its split() gives the same words), into `out`.
  void normalize(std::string_view line, std::string& out) const;

 private:
  TerOptions options_;
};

// Segment statistics [num_edits, ref_length] as sacreBLEU's: the fewest edits over the references
// (the first minimum) and the average of all reference lengths. Additive; ref_length is summed
// in double, segment by segment, as sacreBLEU sums it.
struct TerStats {
  std::int64_t edits = 0;
  double ref_length = 0.0;
  TerStats& operator+=(const TerStats& o) {
    edits += o.edits;
    ref_length += o.ref_length;
    return *this;
  }
  bool operator==(const TerStats& o) const { return edits == o.edits && ref_length == o.ref_length; }
};
inline TerStats operator+(TerStats a, const TerStats& b) { return a += b; }

struct TerScore {
  double score = 0.0;           // percent (may exceed 100)
  std::int64_t num_edits = 0;   // Σ edits
  double ref_length = 0.0;      // Σ average reference lengths
  // "TER = 69.05" (width 2 as the API), "TER|<signature> = 69.0", or the bare number.
  std::string format(int width = 2, const std::string& signature = "", bool score_only = false) const;
};

// lib_ter.translation_edit_rate on word ids: edits (shifts + edit distance of the shifted
// hypothesis) and the reference length. An empty reference gives {hypothesis length, 0}.
struct TerEdits {
  std::int64_t edits = 0;
  std::int64_t ref_length = 0;
  bool operator==(const TerEdits& o) const { return edits == o.edits && ref_length == o.ref_length; }
};

// The shift search with reusable scratch space (not thread-safe; one per thread).
class TranslationEditRate {
 public:
  TranslationEditRate();
  ~TranslationEditRate();
  TranslationEditRate(TranslationEditRate&&) noexcept;
  TranslationEditRate& operator=(TranslationEditRate&&) noexcept;
  TerEdits operator()(const std::vector<std::uint32_t>& hyp, const std::vector<std::uint32_t>& ref);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience on words (interned here; words are equal iff their bytes are).
TerEdits translation_edit_rate(const std::vector<std::string_view>& hyp, const std::vector<std::string_view>& ref);

// The longest segment (hypothesis or reference, in words after tokenisation) TER scores; a longer
// one throws std::length_error at once. WMT segments have tens of words.
inline constexpr std::size_t kTerMaxSegmentWords = 20000;

class Ter : public CorpusScoring<Ter, TerScore> {
 public:
  explicit Ter(TerOptions options = {}) : options_(options), tokenizer_(options) {}

  const TerOptions& options() const { return options_; }
  std::string name() const { return "TER"; }
  const TercomTokenizer& tokenizer() const { return tokenizer_; }

  // Statistics of one segment against its references (at least one; "" is a valid reference).
  TerStats segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const;
  // Sum of segment statistics; ref_streams[k][i] is the k-th reference of segment i. Throws
  // std::invalid_argument on no reference stream or a line-count mismatch, Utf8Error (naming the
  // line) on invalid UTF-8.
  TerStats corpus_stats(const std::vector<std::string>& hyps,
                        const std::vector<std::vector<std::string>>& ref_streams) const;
  std::vector<TerStats> segment_stats(const std::vector<std::string>& hyps,
                                      const std::vector<std::vector<std::string>>& ref_streams) const;

  // sacreBLEU's _compute_score_from_stats: 100 * edits / ref_length; if ref_length is 0, 100 when
  // there are edits, else 0.
  TerScore score_from_stats(const TerStats& stats) const;
  // corpus_score, sentence_score: CorpusScoring (metric.h).

  // nrefs:N|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0
  Signature signature(int num_refs) const;

 private:
  class Workspace;
  TerStats segment_stats(Workspace& ws, std::string_view hyp, const std::vector<std::string_view>& refs) const;

  TerOptions options_;
  TercomTokenizer tokenizer_;
};

}  // namespace longtail::eval

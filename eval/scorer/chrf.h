// chrF / chrF++ exactly as sacreBLEU 2.6.0 (`sacrebleu/metrics/chrf.py`).
//
// Defaults are sacreBLEU's: character n-grams 1..6 over code points with all (Python) whitespace
// removed, no word n-grams (word_order 2 gives chrF++), beta 2, and the "effective order"
// averaging (F of the P and R averaged over orders where hypothesis and reference both have
// n-grams; signature eff:yes). eps_smoothing switches to the mean of per-order F (eff:no).
//
//   Chrf chrf;
//   ChrfScore s = chrf.corpus_score(hyps, {refs});
//   s.format()                  -> "chrF2 = 52.03"
//   chrf.signature(1).format()  -> "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/metric.h"

namespace longtail::eval {

struct ChrfOptions {
  int char_order = 6;
  int word_order = 0;  // 2 = chrF++
  int beta = 2;        // an int as in sacreBLEU's CLI; it appears in the name (chrF2)
  bool lowercase = false;
  bool whitespace = false;  // keep whitespace characters in character n-grams
  bool eps_smoothing = false;
};

// Per order (char orders 1..char_order, then word orders 1..word_order): hypothesis n-grams
// (zeroed when the reference has none of that order, as sacreBLEU does), reference n-grams and
// clipped matches.
struct ChrfOrderStats {
  std::int64_t hyp = 0;
  std::int64_t ref = 0;
  std::int64_t match = 0;
  bool operator==(const ChrfOrderStats& o) const { return hyp == o.hyp && ref == o.ref && match == o.match; }
};

struct ChrfStats {
  explicit ChrfStats(std::size_t num_orders = 6) : orders(num_orders) {}
  std::vector<ChrfOrderStats> orders;
  // Throws std::invalid_argument if the number of orders differs.
  ChrfStats& operator+=(const ChrfStats& other);
  bool operator==(const ChrfStats& other) const { return orders == other.orders; }
};
ChrfStats operator+(ChrfStats a, const ChrfStats& b);

struct ChrfScore {
  std::string name;  // chrF2, chrF2++, ...
  double score = 0.0;
  int char_order = 6, word_order = 0, beta = 2;
  // "chrF2 = 52.03" (width 2 as the API), "chrF2|<signature> = 52.0", or the bare number.
  std::string format(int width = 2, const std::string& signature = "", bool score_only = false) const;
};

class Chrf : public CorpusScoring<Chrf, ChrfScore> {
 public:
  // Throws std::invalid_argument for char_order < 0, word_order < 0, both 0, or beta < 0.
  explicit Chrf(ChrfOptions options = {});

  const ChrfOptions& options() const { return options_; }
  // chrF{beta} followed by one '+' per word order.
  std::string name() const;

  // Statistics of one segment: with several references, those of the first reference with the
  // highest sentence score.
  ChrfStats segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const;
  // Sum of segment statistics; ref_streams[k][i] is the k-th reference of segment i. Throws
  // std::invalid_argument on no stream or a line-count mismatch, Utf8Error on invalid UTF-8.
  ChrfStats corpus_stats(const std::vector<std::string>& hyps,
                         const std::vector<std::vector<std::string>>& ref_streams) const;
  std::vector<ChrfStats> segment_stats(const std::vector<std::string>& hyps,
                                       const std::vector<std::vector<std::string>>& ref_streams) const;

  // Several systems against the same references: one result per system, each equal to
  // corpus_stats() / corpus_score() of that system alone; each segment's references are counted
  // once for all systems (as sacreBLEU's CLI caches them with `references=`).
  std::vector<ChrfStats> corpus_stats_systems(const std::vector<std::vector<std::string>>& systems,
                                              const std::vector<std::vector<std::string>>& ref_streams) const;

  // sacreBLEU's _compute_f_score on (summed) statistics, in percent.
  double f_score(const ChrfStats& stats) const;
  ChrfScore score_from_stats(const ChrfStats& stats) const;
  // corpus_score, sentence_score: CorpusScoring (metric.h).

  // nrefs:N|case:..|eff:..|nc:..|nw:..|space:..|version:2.6.0
  Signature signature(int num_refs) const;

 private:
  class Workspace;
  // Statistics of one segment for several hypotheses (one per system), into stats[0..hyps.size()).
  void segment_stats(Workspace& ws, const std::vector<std::string_view>& hyps,
                     const std::vector<std::string_view>& refs, ChrfStats* stats) const;
  // The general path for segments whose n-grams cannot be packed into 64 bits.
  ChrfStats segment_stats_general(Workspace& ws, std::string_view hyp, const std::vector<std::string_view>& refs) const;
  template <typename Emit>
  void for_each_segment(const std::vector<const std::vector<std::string>*>& systems,
                        const std::vector<std::vector<std::string>>& ref_streams, Emit&& emit) const;
  std::size_t num_orders() const { return static_cast<std::size_t>(options_.char_order + options_.word_order); }

  ChrfOptions options_;
};

}  // namespace longtail::eval

// Pieces shared by the metrics: sacreBLEU's signature strings and score lines
// (`sacrebleu/metrics/base.py`: Signature.format, Score.format), and the scoring entry points every
// metric derives from its statistics (Metric.corpus_score / sentence_score).
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eval/scorer/unicode.h"

namespace longtail::eval {

// The sacreBLEU release whose behaviour (and signature `version:`) this scorer reproduces.
inline constexpr const char* kSacrebleuVersion = "2.6.0";

// Python f"{x:.{digits}f}": correctly rounded (half-even on the binary value), as glibc printf.
inline std::string format_fixed(double x, int digits) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// An ordered `key:value|...` signature. sacreBLEU prints `nrefs` first, then the optional
// bootstrap/paired-test keys, the metric's own keys, and `version` last; each key also has the
// short name used by the CLI's text output (`#:1|c:mixed|...|v:2.6.0`).
class Signature {
 public:
  // `num_refs` < 0 means a varying number of references per segment (`nrefs:var`).
  explicit Signature(int num_refs) { add("nrefs", "#", num_refs < 0 ? "var" : std::to_string(num_refs)); }
  Signature& add(std::string key, std::string short_key, std::string value) {
    entries_.push_back({std::move(key), std::move(short_key), std::move(value)});
    return *this;
  }
  Signature& add(std::string key, std::string short_key, bool value) {
    return add(std::move(key), std::move(short_key), std::string(value ? "yes" : "no"));
  }
  std::string format(bool short_form = false) const {
    std::string out;
    for (const auto& e : entries_) out += (short_form ? e.short_key : e.key) + ":" + e.value + "|";
    return out + (short_form ? "v:" : "version:") + kSacrebleuVersion;
  }

 private:
  struct Entry {
    std::string key, short_key, value;
  };
  std::vector<Entry> entries_;
};

// Score.format(width, score_only, signature) for text output: `NAME|SIG = 20.80 VERBOSE`,
// or just the number when score_only. (JSON output and the bootstrap "(μ = ...)" part come with
// the CLI.)
inline std::string format_score_line(const std::string& name, double score, int width,
                                     const std::string& signature, const std::string& verbose,
                                     bool score_only) {
  const std::string number = format_fixed(score, width);
  if (score_only) return number;
  std::string line = signature.empty() ? name : name + "|" + signature;
  line += " = " + number;
  if (!verbose.empty()) line += " " + verbose;
  return line;
}

// Metrics reject corpora whose streams differ in length (sacreBLEU's CLI exits with an error;
// its API would silently truncate with zip()).
inline void check_same_length(std::size_t hyps, std::size_t refs, std::size_t stream) {
  if (hyps != refs)
    throw std::invalid_argument("line count mismatch: " + std::to_string(hyps) + " hypotheses but " +
                                std::to_string(refs) + " lines in reference stream " + std::to_string(stream + 1));
}

// The metrics' public segment_stats() overloads: validate the inputs, then hand each segment to
// the metric's private `segment(ws, hyp, refs)` with one `Workspace` reused across segments.
// `Workspace` is default-constructible; `segment` returns the metric's Stats.

// One segment: checks `hyp` and `refs` for valid UTF-8 ("hypothesis", "reference K").
template <typename Workspace, typename Segment>
auto checked_segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs, Segment&& segment) {
  check_utf8(hyp, "hypothesis");
  for (std::size_t k = 0; k < refs.size(); ++k) check_utf8(refs[k], "reference " + std::to_string(k + 1));
  Workspace ws;
  return segment(ws, hyp, refs);
}

// A corpus, one Stats per segment: throws std::invalid_argument on no reference stream
// ("`metric` needs at least one reference stream") or a line-count mismatch, Utf8Error naming the
// line ("hypothesis line I", "reference stream K line I") on invalid UTF-8.
template <typename Workspace, typename Segment>
auto checked_corpus_segment_stats(const char* metric, const std::vector<std::string>& hyps,
                                  const std::vector<std::vector<std::string>>& ref_streams, Segment&& segment) {
  if (ref_streams.empty()) throw std::invalid_argument(std::string(metric) + " needs at least one reference stream");
  for (std::size_t k = 0; k < ref_streams.size(); ++k) check_same_length(hyps.size(), ref_streams[k].size(), k);
  const auto line = [](const std::string& kind, std::size_t i) { return kind + " line " + std::to_string(i + 1); };
  Workspace ws;
  std::vector<std::string_view> refs(ref_streams.size());
  std::vector<decltype(segment(ws, std::string_view(), refs))> out;
  out.reserve(hyps.size());
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    check_utf8(hyps[i], line("hypothesis", i));
    for (std::size_t k = 0; k < ref_streams.size(); ++k) {
      refs[k] = ref_streams[k][i];
      check_utf8(refs[k], line("reference stream " + std::to_string(k + 1), i));
    }
    out.push_back(segment(ws, hyps[i], refs));
  }
  return out;
}

// The scoring façade of a metric M with score type Score, from M's statistics functions
// (segment_stats, corpus_stats, corpus_stats_systems, score_from_stats): what sacreBLEU's Metric
// base class does for BLEU, chrF and TER alike. M derives from CorpusScoring<M, Score>.
template <class M, class Score>
class CorpusScoring {
 public:
  // The corpus score of hyps against the reference streams (ref_streams[k][i]: the k-th reference
  // of segment i). Throws std::invalid_argument on an empty corpus.
  Score corpus_score(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& ref_streams) const {
    if (hyps.empty()) throw std::invalid_argument("cannot score an empty corpus");
    return self().score_from_stats(self().corpus_stats(hyps, ref_streams));
  }
  // The corpus formula on one segment (sacreBLEU's sentence_score).
  Score sentence_score(std::string_view hyp, const std::vector<std::string_view>& refs) const {
    return self().score_from_stats(self().segment_stats(hyp, refs));
  }
  // One score per system against the same references (M::corpus_stats_systems), each equal to
  // corpus_score() of that system alone.
  std::vector<Score> corpus_score_systems(const std::vector<std::vector<std::string>>& systems,
                                          const std::vector<std::vector<std::string>>& ref_streams) const {
    for (const auto& system : systems)
      if (system.empty()) throw std::invalid_argument("cannot score an empty corpus");
    std::vector<Score> scores;
    for (const auto& st : self().corpus_stats_systems(systems, ref_streams)) scores.push_back(self().score_from_stats(st));
    return scores;
  }

 private:
  const M& self() const { return static_cast<const M&>(*this); }
};

}  // namespace longtail::eval

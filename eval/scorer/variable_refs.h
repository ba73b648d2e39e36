// Variable numbers of references per segment, as sacreBLEU's API allows: a reference stream may
// hold None where a segment lacks that reference. sacreBLEU (Metric._cache_references) drops the
// None entries of each segment, scores the segment against the rest (an empty string is a
// reference), and signs with nrefs:var unless every segment has the same number of references.
//
//   OptionalRefStreams refs = {{"a b", "c d"}, {"a c", std::nullopt}};
//   Bleu bleu;
//   BleuStats st = corpus_stats_var(bleu, hyps, refs);       // also Chrf, Ter
//   bleu.signature(count_refs(refs)).format();                // "nrefs:var|case:mixed|..."
//
// Header-only over the metrics' per-segment segment_stats(hyp, refs).
#pragma once

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/metric.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval {

using OptionalRefStreams = std::vector<std::vector<std::optional<std::string>>>;

// sacreBLEU's num_refs: the number of present references if it is the same for every segment,
// else -1 (signature `nrefs:var`).
inline int count_refs(const OptionalRefStreams& streams) {
  std::set<std::size_t> counts;
  const std::size_t n = streams.empty() ? 0 : streams[0].size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t present = 0;
    for (const auto& s : streams)
      if (i < s.size() && s[i]) ++present;
    counts.insert(present);
  }
  return counts.size() == 1 ? static_cast<int>(*counts.begin()) : -1;
}

// Per-segment statistics with the missing references left out. Throws std::invalid_argument on
// no stream, a line-count mismatch or a segment without any reference (sacreBLEU scores such a
// segment with nonsense: BLEU's closest reference length is -1), Utf8Error naming the line.
template <typename Metric>
auto segment_stats_var(const Metric& metric, const std::vector<std::string>& hyps, const OptionalRefStreams& streams) {
  if (streams.empty()) throw std::invalid_argument("at least one reference stream is needed");
  for (std::size_t k = 0; k < streams.size(); ++k) check_same_length(hyps.size(), streams[k].size(), k);
  std::vector<decltype(metric.segment_stats(std::string_view(), std::vector<std::string_view>{}))> out;
  out.reserve(hyps.size());
  std::vector<std::string_view> refs;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    const std::string line = " line " + std::to_string(i + 1);
    check_utf8(hyps[i], "hypothesis" + line);
    refs.clear();
    for (std::size_t k = 0; k < streams.size(); ++k) {
      if (!streams[k][i]) continue;
      check_utf8(*streams[k][i], "reference stream " + std::to_string(k + 1) + line);
      refs.push_back(*streams[k][i]);
    }
    if (refs.empty()) throw std::invalid_argument("segment " + std::to_string(i + 1) + " has no reference");
    out.push_back(metric.segment_stats(hyps[i], refs));
  }
  return out;
}

// Their sum, in segment order (what corpus_score(hyps, refs) scores).
template <typename Metric>
auto corpus_stats_var(const Metric& metric, const std::vector<std::string>& hyps, const OptionalRefStreams& streams) {
  auto segments = segment_stats_var(metric, hyps, streams);
  if (segments.empty()) throw std::invalid_argument("cannot score an empty corpus");
  auto total = segments[0];
  for (std::size_t i = 1; i < segments.size(); ++i) total += segments[i];
  return total;
}

}  // namespace longtail::eval

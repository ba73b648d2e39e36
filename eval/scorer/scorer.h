// What the training harness calls per language: corpus BLEU and chrF with sacreBLEU's defaults
// (BLEU: 13a, mixed case, exp smoothing; chrF2: char order 6, no words, whitespace removed), one
// reference per segment. For other options use Bleu / Chrf directly.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"

namespace longtail::eval {

struct CorpusScores {
  double bleu = 0.0;  // percent, full precision (round for display only)
  double chrf = 0.0;  // percent
  std::string bleu_signature;  // nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0
  std::string chrf_signature;  // nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0
  BleuScore bleu_detail;       // precisions, BP, lengths; bleu_detail.format() is sacreBLEU's line
  ChrfScore chrf_detail;
  // Additive statistics, so languages or shards can be pooled and rescored with
  // Bleu().score_from_stats() / Chrf().score_from_stats().
  BleuStats bleu_stats;
  ChrfStats chrf_stats;
};

// Throws std::invalid_argument on a line-count mismatch (naming both counts) or an empty corpus,
// Utf8Error (an std::invalid_argument) naming the line and byte offset on invalid UTF-8.
inline CorpusScores score_corpus(const std::vector<std::string>& hyps, const std::vector<std::string>& refs) {
  if (hyps.size() != refs.size())
    throw std::invalid_argument("score_corpus: " + std::to_string(hyps.size()) + " hypotheses but " +
                                std::to_string(refs.size()) + " references");
  if (hyps.empty()) throw std::invalid_argument("score_corpus: empty corpus");
  const std::vector<std::vector<std::string>> streams{refs};
  const Bleu bleu;
  const Chrf chrf;
  CorpusScores out;
  out.bleu_stats = bleu.corpus_stats(hyps, streams);
  out.chrf_stats = chrf.corpus_stats(hyps, streams);
  out.bleu_detail = bleu.score_from_stats(out.bleu_stats);
  out.chrf_detail = chrf.score_from_stats(out.chrf_stats);
  out.bleu = out.bleu_detail.score;
  out.chrf = out.chrf_detail.score;
  out.bleu_signature = bleu.signature(1).format();
  out.chrf_signature = chrf.signature(1).format();
  return out;
}

}  // namespace longtail::eval

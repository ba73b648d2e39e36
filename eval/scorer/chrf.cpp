#include "eval/scorer/chrf.h"

#include <stdexcept>

#include "eval/scorer/ngram.h"
#include "eval/scorer/unicode.h"

// Scores must equal Python's bit for bit: no fused multiply-add (see bleu.cpp).
#if defined(__FMA__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace longtail::eval {

// ---- statistics and score ----

ChrfStats& ChrfStats::operator+=(const ChrfStats& other) {
  if (other.orders.size() != orders.size())
    throw std::invalid_argument("cannot add chrF statistics of " + std::to_string(orders.size()) + " and " +
                                std::to_string(other.orders.size()) + " orders");
  for (std::size_t i = 0; i < orders.size(); ++i) {
    orders[i].hyp += other.orders[i].hyp;
    orders[i].ref += other.orders[i].ref;
    orders[i].match += other.orders[i].match;
  }
  return *this;
}

ChrfStats operator+(ChrfStats a, const ChrfStats& b) { return a += b; }

std::string ChrfScore::format(int width, const std::string& signature, bool score_only) const {
  return format_score_line(name, score, width, signature, "", score_only);
}

namespace {

// string.punctuation, which chrF++ splits off the ends of words.
bool is_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// CHRF._remove_punctuation: one trailing, else one leading punctuation mark becomes its own word.
// The marks are ASCII, so byte tests equal Python's code-point tests (a one-code-point non-ASCII
// word has no punctuation to split either).
void words_for_chrf(std::string_view sentence, std::vector<std::string_view>& words) {
  std::vector<std::string_view> raw;
  split_whitespace(sentence, raw);
  words.clear();
  for (std::string_view w : raw) {
    if (w.size() > 1 && is_punct(w.back())) {
      words.push_back(w.substr(0, w.size() - 1));
      words.push_back(w.substr(w.size() - 1));
    } else if (w.size() > 1 && is_punct(w.front())) {
      words.push_back(w.substr(0, 1));
      words.push_back(w.substr(1));
    } else {
      words.push_back(w);
    }
  }
}

}  // namespace

// ---- metric ----

// N-gram ids and counts of one text (characters, then words), all orders.
struct ChrfNgrams {
  std::vector<std::vector<std::uint32_t>> by_order;  // char orders, then word orders
  std::vector<std::int64_t> totals;                  // n-grams per order
};

class Chrf::Workspace {
 public:
  void begin_segment(std::size_t num_texts) {
    words.clear();
    ngrams.clear();
    texts.resize(num_texts);
  }
  // Interns the n-grams of texts[index] (already lowercased if needed).
  void extract(const ChrfOptions& opt, std::size_t index, ChrfNgrams& out) {
    chars.clear();
    decode_utf8(texts[index], decoded);
    for (char32_t cp : decoded)
      if (opt.whitespace || !is_python_space(cp)) chars.push_back(cp);
    ngrams.ids(chars, opt.char_order, ngram::kRootA, out.by_order);
    if (opt.word_order > 0) {
      words_for_chrf(texts[index], word_views);
      word_ids.clear();
      for (std::string_view w : word_views) word_ids.push_back(words.intern(w));
      ngrams.ids(word_ids, opt.word_order, ngram::kRootB, word_by_order);
      out.by_order.resize(static_cast<std::size_t>(opt.char_order));
      out.by_order.insert(out.by_order.end(), word_by_order.begin(), word_by_order.end());
    }
    out.totals.clear();
    for (const auto& ids : out.by_order) out.totals.push_back(static_cast<std::int64_t>(ids.size()));
  }

  std::vector<std::string> texts;  // [0] hypothesis, [1..] references, lowercased if needed
  std::u32string decoded;
  std::vector<char32_t> chars;
  std::vector<std::string_view> word_views;
  std::vector<std::uint32_t> word_ids;
  std::vector<std::vector<std::uint32_t>> word_by_order;
  ngram::WordIds words;
  ngram::NgramIds ngrams;
  ChrfNgrams hyp_ngrams, ref_ngrams;
  std::vector<ngram::Counts> hyp_counts;  // one per order
  ngram::Counts ref_counts;               // all orders (ids of different orders never collide)
};

Chrf::Chrf(ChrfOptions options) : options_(options) {
  if (options_.char_order < 0 || options_.word_order < 0 || options_.char_order + options_.word_order == 0)
    throw std::invalid_argument("chrF needs char_order >= 0, word_order >= 0 and at least one order");
  if (options_.beta < 0) throw std::invalid_argument("chrF beta must be >= 0");
}

std::string Chrf::name() const {
  return "chrF" + std::to_string(options_.beta) + std::string(static_cast<std::size_t>(options_.word_order), '+');
}

double Chrf::f_score(const ChrfStats& stats) const {
  // Line by line _compute_f_score, including its operation order (results are compared exactly).
  const double eps = 1e-16;
  const std::int64_t factor = static_cast<std::int64_t>(options_.beta) * options_.beta;
  double score = 0.0, avg_prec = 0.0, avg_rec = 0.0;
  int effective_order = 0;
  for (const ChrfOrderStats& o : stats.orders) {
    const double prec = o.hyp > 0 ? static_cast<double>(o.match) / static_cast<double>(o.hyp) : eps;
    const double rec = o.ref > 0 ? static_cast<double>(o.match) / static_cast<double>(o.ref) : eps;
    const double denom = static_cast<double>(factor) * prec + rec;
    score += denom > 0 ? static_cast<double>(1 + factor) * prec * rec / denom : eps;
    if (o.hyp > 0 && o.ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (options_.eps_smoothing) return 100 * score / static_cast<double>(stats.orders.size());
  if (effective_order == 0) {
    avg_prec = avg_rec = 0.0;
  } else {
    avg_prec /= effective_order;
    avg_rec /= effective_order;
  }
  if (avg_prec + avg_rec == 0.0) return 0.0;
  score = static_cast<double>(1 + factor) * avg_prec * avg_rec;
  score /= (static_cast<double>(factor) * avg_prec) + avg_rec;
  return 100 * score;
}

ChrfStats Chrf::segment_stats(Workspace& ws, std::string_view hyp, const std::vector<std::string_view>& refs) const {
  if (refs.empty()) throw std::invalid_argument("chrF needs at least one reference per segment");
  const std::size_t orders = num_orders();
  ws.begin_segment(refs.size() + 1);
  auto preprocess = [this](std::string_view s) { return options_.lowercase ? to_lower(s) : std::string(s); };

  ws.texts[0] = preprocess(hyp);
  ws.extract(options_, 0, ws.hyp_ngrams);
  ws.hyp_counts.resize(orders);
  for (std::size_t n = 0; n < orders; ++n) {
    ws.hyp_counts[n].fit(ws.ngrams.size());
    ws.hyp_counts[n].add(ws.hyp_ngrams.by_order[n]);
  }

  // The first reference with the strictly best sentence score wins.
  ChrfStats best(orders);
  double best_f = -1.0;
  for (std::size_t k = 0; k < refs.size(); ++k) {
    ws.texts[k + 1] = preprocess(refs[k]);
    ws.extract(options_, k + 1, ws.ref_ngrams);
    ws.ref_counts.fit(ws.ngrams.size());
    for (const auto& ids : ws.ref_ngrams.by_order) ws.ref_counts.add(ids);
    ChrfStats stats(orders);
    for (std::size_t n = 0; n < orders; ++n) {
      ChrfOrderStats& o = stats.orders[n];
      o.ref = ws.ref_ngrams.totals[n];
      o.hyp = o.ref > 0 ? ws.hyp_ngrams.totals[n] : 0;  // hyp n-grams count only if the ref has some
      o.match = ngram::clipped_matches(ws.hyp_counts[n], ws.ref_counts);
    }
    ws.ref_counts.clear();
    const double f = f_score(stats);
    if (f > best_f) {
      best_f = f;
      best = stats;
    }
  }
  for (auto& counts : ws.hyp_counts) counts.clear();
  return best;
}

ChrfStats Chrf::segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const {
  return checked_segment_stats<Workspace>(
      hyp, refs, [this](Workspace& ws, std::string_view h, const std::vector<std::string_view>& r) {
        return segment_stats(ws, h, r);
      });
}

std::vector<ChrfStats> Chrf::segment_stats(const std::vector<std::string>& hyps,
                                           const std::vector<std::vector<std::string>>& ref_streams) const {
  return checked_corpus_segment_stats<Workspace>(
      "chrF", hyps, ref_streams, [this](Workspace& ws, std::string_view h, const std::vector<std::string_view>& r) {
        return segment_stats(ws, h, r);
      });
}

ChrfStats Chrf::corpus_stats(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams) const {
  ChrfStats total(num_orders());
  for (const ChrfStats& s : segment_stats(hyps, ref_streams)) total += s;
  return total;
}

ChrfScore Chrf::score_from_stats(const ChrfStats& stats) const {
  ChrfScore s;
  s.name = name();
  s.score = f_score(stats);
  s.char_order = options_.char_order;
  s.word_order = options_.word_order;
  s.beta = options_.beta;
  return s;
}

ChrfScore Chrf::corpus_score(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams) const {
  if (hyps.empty()) throw std::invalid_argument("cannot score an empty corpus");
  return score_from_stats(corpus_stats(hyps, ref_streams));
}

ChrfScore Chrf::sentence_score(std::string_view hyp, const std::vector<std::string_view>& refs) const {
  return score_from_stats(segment_stats(hyp, refs));
}

Signature Chrf::signature(int num_refs) const {
  Signature sig(num_refs);
  sig.add("case", "c", std::string(options_.lowercase ? "lc" : "mixed"))
      .add("eff", "e", !options_.eps_smoothing)
      .add("nc", "nc", std::to_string(options_.char_order))
      .add("nw", "nw", std::to_string(options_.word_order))
      .add("space", "s", options_.whitespace);
  return sig;
}

}  // namespace longtail::eval

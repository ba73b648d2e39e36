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

// Code point of the valid UTF-8 sequence at s[i]; i moves past it.
inline char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto at = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  char32_t cp;
  if (b0 < 0xE0) {
    cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | at(1);
    i += 2;
  } else if (b0 < 0xF0) {
    cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (at(1) << 6) | at(2);
    i += 3;
  } else {
    cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3);
    i += 4;
  }
  return cp;
}

// id(cp) of every code point of `text` (Python whitespace dropped unless keep_space), appended.
template <typename Id>
void char_ids(std::string_view text, bool keep_space, Id&& id, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    char32_t cp;
    if (b < 0x80) {
      cp = b;
      ++i;
    } else {
      cp = next_code_point(text, i);
    }
    if (keep_space || !is_python_space(cp)) out.push_back(id(cp));
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
  // Fast path: the current segment's references as local ids (flat, one range per reference).
  std::vector<std::string> ref_lowered;
  std::vector<std::uint32_t> ref_chars, ref_words, hyp_chars, hyp_words;
  std::vector<std::size_t> ref_char_ends, ref_word_ends;
  std::vector<std::string_view> word_views;
  std::string lowered;
  ngram::LocalChars chars;
  ngram::LocalWords vocab;
  std::vector<ngram::PackedNgrams> char_tables, word_tables;  // one per reference
  std::vector<std::int64_t> matches;

  // General path (segment_stats_general).
  void begin_segment(std::size_t num_texts) {
    words.clear();
    ngrams.clear();
    texts.resize(num_texts);
  }
  // Interns the n-grams of texts[index] (already lowercased if needed).
  void extract(const ChrfOptions& opt, std::size_t index, ChrfNgrams& out) {
    chars_general.clear();
    decode_utf8(texts[index], decoded);
    for (char32_t cp : decoded)
      if (opt.whitespace || !is_python_space(cp)) chars_general.push_back(cp);
    ngrams.ids(chars_general, opt.char_order, ngram::kRootA, out.by_order);
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
  std::vector<char32_t> chars_general;
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

ChrfStats Chrf::segment_stats_general(Workspace& ws, std::string_view hyp,
                                      const std::vector<std::string_view>& refs) const {
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

void Chrf::segment_stats(Workspace& ws, const std::vector<std::string_view>& hyps,
                         const std::vector<std::string_view>& refs, ChrfStats* stats) const {
  if (refs.empty()) throw std::invalid_argument("chrF needs at least one reference per segment");
  const int char_order = options_.char_order, word_order = options_.word_order;
  const std::size_t orders = num_orders();

  // References: code points and words -> local ids.
  ws.chars.clear();
  ws.vocab.clear();
  ws.ref_chars.clear();
  ws.ref_words.clear();
  ws.ref_char_ends.clear();
  ws.ref_word_ends.clear();
  ws.ref_lowered.resize(refs.size());
  for (std::size_t k = 0; k < refs.size(); ++k) {
    std::string_view text = refs[k];
    if (options_.lowercase) text = ws.ref_lowered[k] = to_lower(text);  // word views stay valid
    if (char_order > 0)
      char_ids(text, options_.whitespace, [&](char32_t cp) { return ws.chars.intern(cp); }, ws.ref_chars);
    ws.ref_char_ends.push_back(ws.ref_chars.size());
    if (word_order > 0) {
      words_for_chrf(text, ws.word_views);
      for (std::string_view w : ws.word_views) ws.ref_words.push_back(ws.vocab.intern(w));
    }
    ws.ref_word_ends.push_back(ws.ref_words.size());
  }
  const int char_bits = ngram::packed_bits(ws.chars.size(), char_order);
  const int word_bits = ngram::packed_bits(ws.vocab.size(), word_order);
  if (char_bits == 0 || word_bits == 0) {
    for (std::size_t s = 0; s < hyps.size(); ++s) stats[s] = segment_stats_general(ws, hyps[s], refs);
    return;
  }
  if (ws.char_tables.size() < refs.size()) ws.char_tables.resize(refs.size());
  if (ws.word_tables.size() < refs.size()) ws.word_tables.resize(refs.size());
  for (std::size_t k = 0; k < refs.size(); ++k) {
    const std::size_t c0 = k ? ws.ref_char_ends[k - 1] : 0, w0 = k ? ws.ref_word_ends[k - 1] : 0;
    const std::size_t clen = ws.ref_char_ends[k] - c0, wlen = ws.ref_word_ends[k] - w0;
    if (char_order > 0) {
      ws.char_tables[k].reset(clen * static_cast<std::size_t>(char_order));
      ws.char_tables[k].add_reference_ngrams(ws.ref_chars.data() + c0, clen, char_order, char_bits);
    }
    if (word_order > 0) {
      ws.word_tables[k].reset(wlen * static_cast<std::size_t>(word_order));
      ws.word_tables[k].add_reference_ngrams(ws.ref_words.data() + w0, wlen, word_order, word_bits);
    }
  }

  // Hypotheses: symbols that no reference has get the absent id L+1.
  const std::uint32_t absent_char = ws.chars.size() + 1, absent_word = ws.vocab.size() + 1;
  ws.matches.resize(orders);
  for (std::size_t s = 0; s < hyps.size(); ++s) {
    std::string_view text = hyps[s];
    if (options_.lowercase) text = ws.lowered = to_lower(text);
    ws.hyp_chars.clear();
    ws.hyp_words.clear();
    if (char_order > 0)
      char_ids(
          text, options_.whitespace,
          [&](char32_t cp) {
            const std::uint32_t id = ws.chars.find(cp);
            return id ? id : absent_char;
          },
          ws.hyp_chars);
    if (word_order > 0) {
      words_for_chrf(text, ws.word_views);
      for (std::string_view w : ws.word_views) {
        const std::uint32_t id = ws.vocab.find(w);
        ws.hyp_words.push_back(id ? id : absent_word);
      }
    }

    // The first reference with the strictly best sentence score wins.
    ChrfStats candidate(orders);
    double best_f = -1.0;
    for (std::size_t k = 0; k < refs.size(); ++k) {
      const std::size_t c0 = k ? ws.ref_char_ends[k - 1] : 0, w0 = k ? ws.ref_word_ends[k - 1] : 0;
      const std::size_t clen = ws.ref_char_ends[k] - c0, wlen = ws.ref_word_ends[k] - w0;
      std::fill(ws.matches.begin(), ws.matches.end(), 0);
      if (char_order > 0)
        ws.char_tables[k].match_ngrams(ws.hyp_chars.data(), ws.hyp_chars.size(), char_order, char_bits,
                                       ws.matches.data());
      if (word_order > 0)
        ws.word_tables[k].match_ngrams(ws.hyp_words.data(), ws.hyp_words.size(), word_order, word_bits,
                                       ws.matches.data() + char_order);
      for (std::size_t n = 0; n < orders; ++n) {
        const bool is_char = n < static_cast<std::size_t>(char_order);
        const int order = static_cast<int>(is_char ? n + 1 : n - static_cast<std::size_t>(char_order) + 1);
        ChrfOrderStats& o = candidate.orders[n];
        o.ref = ngram::ngram_count(is_char ? clen : wlen, order);
        // hyp n-grams count only if the ref has some
        o.hyp = o.ref > 0 ? ngram::ngram_count(is_char ? ws.hyp_chars.size() : ws.hyp_words.size(), order) : 0;
        o.match = ws.matches[n];
      }
      const double f = refs.size() == 1 ? 0.0 : f_score(candidate);  // one reference: no choice to make
      if (f > best_f) {
        best_f = f;
        stats[s] = candidate;
      }
    }
  }
}

template <typename Emit>
void Chrf::for_each_segment(const std::vector<const std::vector<std::string>*>& systems,
                            const std::vector<std::vector<std::string>>& ref_streams, Emit&& emit) const {
  Workspace ws;
  std::vector<ChrfStats> stats(systems.size(), ChrfStats(num_orders()));
  ngram::for_each_segment("chrF", systems, ref_streams,
                          [&](std::size_t i, const std::vector<std::string_view>& hyps,
                              const std::vector<std::string_view>& refs) {
                            segment_stats(ws, hyps, refs, stats.data());
                            for (std::size_t s = 0; s < systems.size(); ++s) emit(s, i, stats[s]);
                          });
}

ChrfStats Chrf::segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const {
  check_utf8(hyp, "hypothesis");
  for (std::size_t k = 0; k < refs.size(); ++k) check_utf8(refs[k], "reference " + std::to_string(k + 1));
  Workspace ws;
  ChrfStats stats(num_orders());
  segment_stats(ws, {hyp}, refs, &stats);
  return stats;
}

std::vector<ChrfStats> Chrf::segment_stats(const std::vector<std::string>& hyps,
                                           const std::vector<std::vector<std::string>>& ref_streams) const {
  std::vector<ChrfStats> out;
  out.reserve(hyps.size());
  for_each_segment({&hyps}, ref_streams, [&](std::size_t, std::size_t, const ChrfStats& s) { out.push_back(s); });
  return out;
}

ChrfStats Chrf::corpus_stats(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams) const {
  ChrfStats total(num_orders());
  for_each_segment({&hyps}, ref_streams, [&](std::size_t, std::size_t, const ChrfStats& s) { total += s; });
  return total;
}

std::vector<ChrfStats> Chrf::corpus_stats_systems(const std::vector<std::vector<std::string>>& systems,
                                                  const std::vector<std::vector<std::string>>& ref_streams) const {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& system : systems) pointers.push_back(&system);
  std::vector<ChrfStats> totals(systems.size(), ChrfStats(num_orders()));
  for_each_segment(pointers, ref_streams, [&](std::size_t s, std::size_t, const ChrfStats& st) { totals[s] += st; });
  return totals;
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

#include "eval/scorer/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "eval/scorer/ngram.h"
#include "eval/scorer/tokenizer_13a.h"
#include "eval/scorer/unicode.h"

// Scores must equal Python's bit for bit, so no fused multiply-add. Baseline x86-64 has no FMA;
// a build for a target with FMA (-march=native) would let GCC contract `a * b + c`.
#if defined(__FMA__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace longtail::eval {

// ---- options ----

std::string to_string(SmoothMethod method) {
  switch (method) {
    case SmoothMethod::kNone: return "none";
    case SmoothMethod::kFloor: return "floor";
    case SmoothMethod::kAddK: return "add-k";
    case SmoothMethod::kExp: return "exp";
  }
  return "?";
}

SmoothMethod parse_smooth_method(std::string_view name) {
  for (SmoothMethod m : {SmoothMethod::kNone, SmoothMethod::kFloor, SmoothMethod::kAddK, SmoothMethod::kExp})
    if (name == to_string(m)) return m;
  throw std::invalid_argument("unknown BLEU smoothing method '" + std::string(name) +
                              "' (known: none, floor, add-k, exp)");
}

std::optional<double> default_smooth_value(SmoothMethod method) {
  if (method == SmoothMethod::kFloor) return 0.1;
  if (method == SmoothMethod::kAddK) return 1.0;
  return std::nullopt;
}

std::string resolve_bleu_tokenizer(const BleuOptions& options) {
  if (!options.tokenize.empty()) return options.tokenize;
  if (options.trg_lang == "zh") return "zh";
  if (options.trg_lang == "ja") return "ja-mecab";
  if (options.trg_lang == "ko") return "ko-mecab";
  return "13a";
}

// ---- statistics ----

BleuStats::BleuStats(int max_ngram_order)
    : matches(static_cast<std::size_t>(max_ngram_order), 0), totals(static_cast<std::size_t>(max_ngram_order), 0) {}

BleuStats& BleuStats::operator+=(const BleuStats& other) {
  if (other.matches.size() != matches.size())
    throw std::invalid_argument("cannot add BLEU statistics of max n-gram orders " + std::to_string(matches.size()) +
                                " and " + std::to_string(other.matches.size()));
  sys_len += other.sys_len;
  ref_len += other.ref_len;
  for (std::size_t n = 0; n < matches.size(); ++n) {
    matches[n] += other.matches[n];
    totals[n] += other.totals[n];
  }
  return *this;
}

bool BleuStats::operator==(const BleuStats& other) const {
  return sys_len == other.sys_len && ref_len == other.ref_len && matches == other.matches && totals == other.totals;
}

BleuStats operator+(BleuStats a, const BleuStats& b) { return a += b; }

// ---- score ----

std::string BleuScore::verbose() const {
  std::string out;
  for (std::size_t n = 0; n < precisions.size(); ++n) out += (n ? "/" : "") + format_fixed(precisions[n], 1);
  out += " (BP = " + format_fixed(bp, 3) + " ratio = " + format_fixed(ratio, 3) +
         " hyp_len = " + std::to_string(sys_len) + " ref_len = " + std::to_string(ref_len) + ")";
  return out;
}

std::string BleuScore::format(int width, const std::string& signature, bool score_only) const {
  return format_score_line("BLEU", score, width, signature, verbose(), score_only);
}

namespace {

// my_log() of sacreBLEU: log(0) is the integer -9999999999, so a zero precision gives score 0.
double sacrebleu_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

// Closest reference length; ties go to the shorter reference.
std::int64_t closest_ref_len(std::int64_t hyp_len, const std::vector<std::int64_t>& ref_lens) {
  std::int64_t best_diff = -1, best_len = -1;
  for (std::int64_t len : ref_lens) {
    const std::int64_t diff = std::llabs(hyp_len - len);
    if (best_diff == -1 || diff < best_diff) {
      best_diff = diff;
      best_len = len;
    } else if (diff == best_diff) {
      best_len = std::min(best_len, len);
    }
  }
  return best_len;
}

}  // namespace

BleuScore Bleu::compute_bleu(const BleuStats& stats, SmoothMethod method, std::optional<double> smooth_value,
                             bool effective_order) {
  const int order = stats.max_ngram_order();
  const double value = smooth_value ? *smooth_value : default_smooth_value(method).value_or(0.0);
  BleuScore s;
  s.sys_len = stats.sys_len;
  s.ref_len = stats.ref_len;
  s.counts.assign(stats.matches.begin(), stats.matches.end());
  s.totals.assign(stats.totals.begin(), stats.totals.end());
  s.precisions.assign(static_cast<std::size_t>(order), 0.0);
  s.ratio = s.ref_len ? static_cast<double>(s.sys_len) / static_cast<double>(s.ref_len) : 0.0;
  s.bp = 1.0;
  if (s.sys_len < s.ref_len)
    s.bp = s.sys_len > 0 ? std::exp(1.0 - static_cast<double>(s.ref_len) / static_cast<double>(s.sys_len)) : 0.0;

  // No match of any order: 0 whatever the smoothing (sacreBLEU #141).
  if (std::all_of(stats.matches.begin(), stats.matches.end(), [](std::int64_t c) { return c == 0; })) return s;

  double smooth_mteval = 1.0;
  int eff_order = order;
  for (int n = 1; n <= order; ++n) {
    double& correct = s.counts[static_cast<std::size_t>(n - 1)];
    double& total = s.totals[static_cast<std::size_t>(n - 1)];
    double& precision = s.precisions[static_cast<std::size_t>(n - 1)];
    if (method == SmoothMethod::kAddK && n > 1) {  // in place: visible in the reported counts
      correct += value;
      total += value;
    }
    if (total == 0) break;
    if (effective_order) eff_order = n;
    if (correct == 0) {
      if (method == SmoothMethod::kExp) {
        smooth_mteval *= 2;
        precision = 100. / (smooth_mteval * total);
      } else if (method == SmoothMethod::kFloor) {
        precision = 100. * value / total;
      }
    } else {
      precision = 100. * correct / total;
    }
  }
  // Python's built-in sum() on 3.11 (the reference): naive left-to-right addition.
  double log_sum = 0.0;
  for (int n = 0; n < eff_order; ++n) log_sum += sacrebleu_log(s.precisions[static_cast<std::size_t>(n)]);
  s.score = s.bp * std::exp(log_sum / eff_order);
  return s;
}

// ---- metric ----

// Per-call scratch space, reused across the segments of a corpus.
class Bleu::Workspace {
 public:
  // Preprocessing buffers.
  std::string lowered, text;
  detail::Tokenize13aBuffers tokenize_13a;
  // Fast path: the current segment's preprocessed references (their words are viewed by `vocab`).
  std::vector<std::string> ref_texts;
  std::vector<std::string_view> tokens;
  std::vector<std::uint32_t> ids;
  std::vector<std::int64_t> ref_lens;
  std::vector<std::size_t> ref_ends;  // ids[ref_ends[k-1] .. ref_ends[k]) are reference k's
  std::vector<std::int64_t> matches;
  ngram::LocalWords vocab;
  ngram::PackedNgrams table;

  // General path (segment_stats_general).
  void begin_segment(std::size_t num_texts) {
    words.clear();
    ngrams.clear();
    texts.resize(num_texts);  // texts only change by assignment below: word views stay valid
  }
  // Token ids of `text`, which must live until the next begin_segment().
  const std::vector<std::uint32_t>& token_ids(std::string_view text) {
    tokens.clear();
    split_whitespace(text, tokens);
    symbols.clear();
    for (std::string_view token : tokens) symbols.push_back(words.intern(token));
    return symbols;
  }
  std::vector<std::string> texts;  // [0] hypothesis, [1..] references, preprocessed
  std::vector<std::uint32_t> symbols;
  std::vector<std::vector<std::uint32_t>> by_order;
  ngram::WordIds words;
  ngram::NgramIds ngrams;
  ngram::Counts ref, ref_max, hyp;
};

Bleu::Bleu(BleuOptions options) : options_(std::move(options)) {
  if (options_.max_ngram_order < 1)
    throw std::invalid_argument("BLEU max_ngram_order must be >= 1, got " + std::to_string(options_.max_ngram_order));
  try {
    tokenizer_ = make_tokenizer(resolve_bleu_tokenizer(options_));
  } catch (const std::invalid_argument& e) {
    if (!options_.tokenize.empty()) throw;
    // trg_lang ja / ko select ja-mecab / ko-mecab, which are not built in.
    throw std::invalid_argument("BLEU with trg_lang '" + options_.trg_lang + "': " + e.what() +
                                "; choose a tokenizer explicitly");
  }
  // By type, not name: a tokenizer registered under "13a" by someone else takes the virtual call.
  if (dynamic_cast<const Tokenizer13a*>(tokenizer_.get())) fast_tokenizer_ = FastTokenizer::k13a;
  if (dynamic_cast<const TokenizerNone*>(tokenizer_.get())) fast_tokenizer_ = FastTokenizer::kNone;
}

std::string Bleu::preprocess(std::string_view segment) const {
  if (!options_.lowercase) return tokenizer_->tokenize(rstrip(segment));
  const std::string lowered = to_lower(segment);
  return tokenizer_->tokenize(rstrip(lowered));
}

std::string_view Bleu::preprocess(Workspace& ws, std::string_view segment) const {
  if (options_.lowercase) {
    ws.lowered = to_lower(segment);
    segment = ws.lowered;
  }
  segment = rstrip(segment);
  switch (fast_tokenizer_) {
    case FastTokenizer::k13a: return detail::tokenize_13a_unjoined(segment, ws.tokenize_13a);
    case FastTokenizer::kNone: return segment;  // split() follows
    case FastTokenizer::kNo: break;
  }
  ws.text = tokenizer_->tokenize(segment);
  return ws.text;
}

BleuStats Bleu::segment_stats_general(Workspace& ws, std::string_view hyp,
                                      const std::vector<std::string_view>& refs) const {
  const int order = options_.max_ngram_order;
  ws.begin_segment(refs.size() + 1);

  // Reference n-grams: max count over the references (clipping counts) and their lengths.
  std::vector<std::int64_t> ref_lens;
  for (std::size_t k = 0; k < refs.size(); ++k) {
    ws.texts[k + 1] = preprocess(refs[k]);
    const auto& symbols = ws.token_ids(ws.texts[k + 1]);
    ref_lens.push_back(static_cast<std::int64_t>(symbols.size()));
    ws.ngrams.ids(symbols, order, ngram::kRootA, ws.by_order);
    ws.ref.fit(ws.ngrams.size());
    ws.ref_max.fit(ws.ngrams.size());
    for (const auto& ids : ws.by_order) ws.ref.add(ids);
    ws.ref_max.max_with(ws.ref);
    ws.ref.clear();
  }

  ws.texts[0] = preprocess(hyp);
  const auto& symbols = ws.token_ids(ws.texts[0]);
  ws.ngrams.ids(symbols, order, ngram::kRootA, ws.by_order);
  ws.hyp.fit(ws.ngrams.size());
  ws.ref_max.fit(ws.ngrams.size());

  BleuStats stats(order);
  stats.sys_len = static_cast<std::int64_t>(symbols.size());
  stats.ref_len = closest_ref_len(stats.sys_len, ref_lens);
  for (int n = 0; n < order; ++n) {
    const auto& ids = ws.by_order[static_cast<std::size_t>(n)];
    ws.hyp.add(ids);
    stats.totals[static_cast<std::size_t>(n)] = static_cast<std::int64_t>(ids.size());
    stats.matches[static_cast<std::size_t>(n)] = ngram::clipped_matches(ws.hyp, ws.ref_max);
    ws.hyp.clear();
  }
  ws.ref_max.clear();
  return stats;
}

void Bleu::segment_stats(Workspace& ws, const std::vector<std::string_view>& hyps,
                         const std::vector<std::string_view>& refs, BleuStats* stats) const {
  if (refs.empty()) throw std::invalid_argument("BLEU needs at least one reference per segment");
  const int order = options_.max_ngram_order;

  // References: words -> local ids 1..L, lengths.
  ws.vocab.clear();
  ws.ids.clear();
  ws.ref_lens.clear();
  ws.ref_ends.clear();
  ws.ref_texts.resize(refs.size());
  for (std::size_t k = 0; k < refs.size(); ++k) {
    ws.ref_texts[k].assign(preprocess(ws, refs[k]));
    const std::size_t begin = ws.ids.size();
    for_each_word(ws.ref_texts[k], [&](std::string_view token) { ws.ids.push_back(ws.vocab.intern(token)); });
    ws.ref_lens.push_back(static_cast<std::int64_t>(ws.ids.size() - begin));
    ws.ref_ends.push_back(ws.ids.size());
  }
  const int bits = ngram::packed_bits(ws.vocab.size(), order);
  if (bits == 0) {
    for (std::size_t s = 0; s < hyps.size(); ++s) stats[s] = segment_stats_general(ws, hyps[s], refs);
    return;
  }
  ws.table.reset(ws.ids.size() * static_cast<std::size_t>(order));
  for (std::size_t k = 0, begin = 0; k < refs.size(); begin = ws.ref_ends[k++])
    ws.table.add_reference_ngrams(ws.ids.data() + begin, ws.ref_ends[k] - begin, order, bits);

  // Hypotheses: their words that no reference has get the absent id L+1.
  const std::uint32_t absent = ws.vocab.size() + 1;
  ws.matches.resize(static_cast<std::size_t>(order));
  for (std::size_t s = 0; s < hyps.size(); ++s) {
    ws.ids.clear();
    for_each_word(preprocess(ws, hyps[s]), [&](std::string_view token) {
      const std::uint32_t id = ws.vocab.find(token);
      ws.ids.push_back(id ? id : absent);
    });
    std::fill(ws.matches.begin(), ws.matches.end(), 0);
    ws.table.match_ngrams(ws.ids.data(), ws.ids.size(), order, bits, ws.matches.data());
    BleuStats& st = stats[s];
    st.sys_len = static_cast<std::int64_t>(ws.ids.size());
    st.ref_len = closest_ref_len(st.sys_len, ws.ref_lens);
    for (int n = 0; n < order; ++n) {
      st.totals[static_cast<std::size_t>(n)] = ngram::ngram_count(ws.ids.size(), n + 1);
      st.matches[static_cast<std::size_t>(n)] = ws.matches[static_cast<std::size_t>(n)];
    }
  }
}

template <typename Emit>
void Bleu::for_each_segment(const std::vector<const std::vector<std::string>*>& systems,
                            const std::vector<std::vector<std::string>>& ref_streams, Emit&& emit) const {
  Workspace ws;
  std::vector<BleuStats> stats(systems.size(), BleuStats(options_.max_ngram_order));
  ngram::for_each_segment("BLEU", systems, ref_streams,
                          [&](std::size_t i, const std::vector<std::string_view>& hyps,
                              const std::vector<std::string_view>& refs) {
                            segment_stats(ws, hyps, refs, stats.data());
                            for (std::size_t s = 0; s < systems.size(); ++s) emit(s, i, stats[s]);
                          });
}

BleuStats Bleu::segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const {
  check_utf8(hyp, "hypothesis");
  for (std::size_t k = 0; k < refs.size(); ++k) check_utf8(refs[k], "reference " + std::to_string(k + 1));
  Workspace ws;
  BleuStats stats(options_.max_ngram_order);
  segment_stats(ws, {hyp}, refs, &stats);
  return stats;
}

std::vector<BleuStats> Bleu::segment_stats(const std::vector<std::string>& hyps,
                                           const std::vector<std::vector<std::string>>& ref_streams) const {
  std::vector<BleuStats> out;
  out.reserve(hyps.size());
  for_each_segment({&hyps}, ref_streams, [&](std::size_t, std::size_t, const BleuStats& s) { out.push_back(s); });
  return out;
}

BleuStats Bleu::corpus_stats(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams) const {
  BleuStats total(options_.max_ngram_order);
  for_each_segment({&hyps}, ref_streams, [&](std::size_t, std::size_t, const BleuStats& s) { total += s; });
  return total;
}

std::vector<BleuStats> Bleu::corpus_stats_systems(const std::vector<std::vector<std::string>>& systems,
                                                  const std::vector<std::vector<std::string>>& ref_streams) const {
  std::vector<const std::vector<std::string>*> pointers;
  for (const auto& system : systems) pointers.push_back(&system);
  std::vector<BleuStats> totals(systems.size(), BleuStats(options_.max_ngram_order));
  for_each_segment(pointers, ref_streams, [&](std::size_t s, std::size_t, const BleuStats& st) { totals[s] += st; });
  return totals;
}

BleuScore Bleu::score_from_stats(const BleuStats& stats) const {
  return compute_bleu(stats, options_.smooth_method, options_.smooth_value, options_.effective_order);
}

Signature Bleu::signature(int num_refs) const {
  std::string smooth = to_string(options_.smooth_method);
  // Only methods that take a value show it, defaulted if unset: floor[0.10], add-k[1.00].
  if (const auto def = default_smooth_value(options_.smooth_method))
    smooth += "[" + format_fixed(options_.smooth_value.value_or(*def), 2) + "]";
  Signature sig(num_refs);
  sig.add("case", "c", std::string(options_.lowercase ? "lc" : "mixed"))
      .add("eff", "e", options_.effective_order)
      .add("tok", "tok", tokenizer_->signature())
      .add("smooth", "s", smooth);
  return sig;
}

}  // namespace longtail::eval

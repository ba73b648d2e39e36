// libFuzzer target over the scorer (eval/scorer, the longtail_scorer library): UTF-8 handling, Python
// str semantics, the none/13a/intl/zh/char and tercom tokenizers, BLEU, chrF and TER (segment,
// sentence and corpus level), significance (bootstrap CI, paired bootstrap / AR) on tiny inputs.
// Built by the CMake preset `fuzz` with ASan + UBSan; run by scripts/fuzz.sh. Every violated
// invariant aborts, so libFuzzer reports it with the input that caused it.
//
// Input format (tests/fuzz/make_seeds.py writes seeds in it):
//   8 option bytes (missing ones read as 0), then text streams separated by byte 0xFF (never part
//   of valid UTF-8): the hypotheses, then 0-3 reference streams (more are ignored); each stream
//   is split on '\n' into segments.
//   byte 0: bits 0-2 BLEU tokenizer (0 none, 1 13a, 2 intl, 3 zh, 4 char, 5-7 default by trg_lang),
//           0x08 BLEU lowercase, 0x10 effective order, 0x20 trg_lang zh
//   byte 1: bits 0-1 smoothing (none, floor, add-k, exp), bits 2-4 smoothing value (0 = default),
//           bits 5-7 max n-gram order - 1
//   byte 2: bits 0-3 chrF char order (mod 9), bits 4-5 word order, 0x40 whitespace, 0x80 eps
//   byte 3: bits 0-2 beta (mod 5), 0x08 chrF lowercase, 0x10-0x80 TER normalized, no_punct,
//           asian_support, case_sensitive
//   byte 4: bits 0-2 resamples - 2, 0x08 bootstrap CI, 0x10 paired test, 0x20 paired bootstrap
//           (else AR), 0x40 NumPy 1 promotion
//   byte 5: SACREBLEU_SEED - 1;  byte 6: format width (mod 5);  byte 7: unused
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"
#include "eval/scorer/significance.h"
#include "eval/scorer/ter.h"
#include "eval/scorer/tokenizer.h"
#include "eval/scorer/unicode.h"

using namespace longtail::eval;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_scorer: invariant violated: %s %s\n", what, detail.c_str());
  std::abort();
}
#define CHECK(cond, ...)                                \
  do {                                                  \
    if (!(cond)) fail(#cond, std::string(__VA_ARGS__)); \
  } while (0)

// Python's strict UTF-8 decoder, written independently of unicode.cpp: the offset of the first
// byte of the first invalid sequence, or npos.
std::size_t reference_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len;
    char32_t cp, min;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2, cp = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3, cp = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

bool is_valid(std::string_view s) { return reference_invalid_utf8(s) == std::string_view::npos; }

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

bool whitespace_normalized(const std::string& s) { return join_whitespace(s) == s; }

// UTF-8 validation must agree with Python's decoder on every string; Utf8Error carries the offset.
void check_utf8_handling(std::string_view s) {
  const std::size_t want = reference_invalid_utf8(s);
  CHECK(find_invalid_utf8(s) == want, "find_invalid_utf8 offset");
  bool threw = false;
  try {
    check_utf8(s, "fuzz");
  } catch (const Utf8Error& e) {
    threw = true;
    CHECK(e.offset() == want, "Utf8Error offset");
  }
  CHECK(threw == (want != std::string_view::npos), "check_utf8 throws iff invalid");
  threw = false;
  std::u32string cps;
  try {
    cps = decode_utf8(s);
  } catch (const Utf8Error& e) {
    threw = true;
    CHECK(e.offset() == want, "decode_utf8 offset");
  }
  CHECK(threw == (want != std::string_view::npos), "decode_utf8 throws iff invalid");
  if (!threw) {
    CHECK(encode_utf8(cps) == s, "decode/encode round trip");
    CHECK(count_code_points(s) == cps.size(), "count_code_points");
  }
}

// Python str methods and the tokenizers on one valid string (which may contain '\n').
void check_string(std::string_view s, const std::vector<std::unique_ptr<Tokenizer>>& tokenizers,
                  const TercomTokenizer& tercom, const TerOptions& ter_options) {
  // lower(): valid, same on UTF-8 and code points, idempotent (as Python 3.11's on all of Unicode).
  const std::string lowered = to_lower(s);
  CHECK(is_valid(lowered), "lower() output is valid UTF-8");
  CHECK(encode_utf8(to_lower(decode_utf8(s))) == lowered, "lower() UTF-8 == UTF-32");
  CHECK(to_lower(lowered) == lowered, "lower() idempotent");
  // split(): non-empty words without whitespace; join/strip consistent with it.
  const auto words = split_whitespace(s);
  for (const auto w : words) {
    CHECK(!w.empty(), "split() word empty");
    for (std::size_t i = 0; i < w.size(); ++i) CHECK(space_length_at(w, i) == 0, "whitespace inside a split() word");
  }
  CHECK(join_whitespace(s) == join(words), "' '.join(s.split())");
  const std::string_view stripped = strip(s), rstripped = rstrip(s);
  CHECK(s.substr(0, rstripped.size()) == rstripped, "rstrip() is a prefix");
  CHECK(split_whitespace(stripped) == words && split_whitespace(rstripped) == words, "strip() keeps the words");
  CHECK(stripped.empty() || (space_length_at(stripped, 0) == 0), "strip() leaves no leading space");
  CHECK(words.empty() == stripped.empty(), "strip() empty iff no words");

  for (const auto& tok : tokenizers) {
    const std::string out = tok->tokenize(s);
    CHECK(is_valid(out), tok->name() + " output is valid UTF-8");
    const std::string name = tok->name();
    if (name == "none") {
      CHECK(out == s, "none is the identity");
    } else if (name == "char") {
      // " ".join(line): every code point, separated by single spaces.
      const std::u32string in = decode_utf8(s), o = decode_utf8(out);
      CHECK(o.size() == (in.empty() ? 0 : 2 * in.size() - 1), "char output length");
      for (std::size_t i = 0; i < o.size(); ++i) CHECK(o[i] == (i % 2 ? U' ' : in[i / 2]), "char output");
    } else {
      // 13a, intl, zh end with ' '.join(s.split()). (None of them is idempotent in sacreBLEU:
      // `..5` -> `. .5` -> `. . 5` for 13a and zh, `!!!1` -> `! ! !1` -> `! ! ! 1` for intl.)
      CHECK(whitespace_normalized(out), name + " output is ' '.join(split())");
    }
  }
  const std::string t = tercom.tokenize(s);
  CHECK(is_valid(t) && whitespace_normalized(t), "tercom output");
  // Without normalisation tercom is lower()/punctuation deletion + split, idempotent in sacreBLEU
  // (checked on 100,000 strings); with it, T(T(x)) != T(x) (`It's.` -> `it's .` -> `it 's .`).
  if (!ter_options.normalized) CHECK(tercom.tokenize(t) == t, "tercom idempotent without normalized");
}

struct Options {
  BleuOptions bleu;
  ChrfOptions chrf;
  TerOptions ter;
  std::size_t samples = 2;
  bool bootstrap = false, paired = false, paired_bs = false;
  NumpyVersion numpy = NumpyVersion::kNumpy2;
  int seed = 1, width = 2;
};

Options decode_options(const std::uint8_t* h) {
  static const char* const kTokenizers[] = {"none", "13a", "intl", "zh", "char"};
  static const double kSmooth[] = {0.0, 0.01, 0.1, 0.37, 1.0, 2.0, 0.5};
  Options o;
  o.bleu.tokenize = (h[0] & 7) < 5 ? kTokenizers[h[0] & 7] : "";
  o.bleu.lowercase = h[0] & 0x08;
  o.bleu.effective_order = h[0] & 0x10;
  if (h[0] & 0x20) o.bleu.trg_lang = "zh";
  o.bleu.smooth_method = static_cast<SmoothMethod>(h[1] & 3);
  if ((h[1] >> 2) & 7) o.bleu.smooth_value = kSmooth[((h[1] >> 2) & 7) - 1];
  o.bleu.max_ngram_order = ((h[1] >> 5) & 7) + 1;
  o.chrf.char_order = (h[2] & 15) % 9;
  o.chrf.word_order = (h[2] >> 4) & 3;
  o.chrf.whitespace = h[2] & 0x40;
  o.chrf.eps_smoothing = h[2] & 0x80;
  o.chrf.beta = (h[3] & 7) % 5;
  o.chrf.lowercase = h[3] & 0x08;
  o.ter.normalized = h[3] & 0x10;
  o.ter.no_punct = h[3] & 0x20;
  o.ter.asian_support = h[3] & 0x40;
  o.ter.case_sensitive = h[3] & 0x80;
  o.samples = (h[4] & 7) + 2;
  o.bootstrap = h[4] & 0x08;
  o.paired = h[4] & 0x10;
  o.paired_bs = h[4] & 0x20;
  o.numpy = (h[4] & 0x40) ? NumpyVersion::kNumpy1 : NumpyVersion::kNumpy2;
  o.seed = h[5] + 1;  // never 0: a paired test's seed 0 means OS entropy, not reproducible
  o.width = h[6] % 5;
  return o;
}

bool finite(double x) { return std::isfinite(x); }

// Runs `f`, which must throw exactly when `expect` says so: 0 nothing, 1 std::invalid_argument
// that is not a Utf8Error (line counts, no reference stream), 2 Utf8Error. Returns whether it ran.
template <typename F>
bool expect_outcome(int expect, const char* what, F&& f) {
  try {
    f();
  } catch (const Utf8Error& e) {
    CHECK(expect == 2, std::string(what) + ": unexpected Utf8Error: " + e.what());
    return false;
  } catch (const std::invalid_argument& e) {
    CHECK(expect == 1, std::string(what) + ": unexpected invalid_argument: " + e.what());
    return false;
  }
  CHECK(expect == 0, std::string(what) + ": no exception for invalid input");
  return true;
}

std::vector<std::string_view> segment_refs(const std::vector<std::vector<std::string>>& refs, std::size_t i) {
  std::vector<std::string_view> out;
  for (const auto& stream : refs) out.push_back(stream[i]);
  return out;
}

std::vector<std::vector<std::string>> lowered(const std::vector<std::vector<std::string>>& streams) {
  auto out = streams;
  for (auto& s : out)
    for (auto& line : s) line = to_lower(line);
  return out;
}

void check_bleu(const Bleu& bleu, const BleuOptions& bo, const std::vector<std::string>& hyps,
                const std::vector<std::vector<std::string>>& refs, const Options& o) {
  // sacreBLEU scores a perfect match exp(4 * log(100) / 4) = 100.00000000000004 (up to ...13 for
  // orders 6-8), which the scorer reproduces; and floor smoothing with a value k > 1 gives an
  // unmatched order the precision 100 * k / total, above 100%: floor 2, order 2, 'a b' against
  // the references 'a' and 'b' is BLEU = 141.42 100.0/200.0 in sacreBLEU too.
  const bool floor_above_1 = bo.smooth_method == SmoothMethod::kFloor && bo.smooth_value.value_or(0.1) > 1;
  const double max_bleu = (floor_above_1 ? 100 * *bo.smooth_value : 100) * (1 + 1e-12);
  const auto segs = bleu.segment_stats(hyps, refs);
  BleuStats sum(bo.max_ngram_order);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const BleuStats& s = segs[i];
    CHECK(s.sys_len >= 0 && s.ref_len >= 0, "BLEU lengths");
    for (int n = 0; n < bo.max_ngram_order; ++n)
      CHECK(s.matches[n] >= 0 && s.matches[n] <= s.totals[n] && s.totals[n] <= s.sys_len, "BLEU counts");
    CHECK(bleu.segment_stats(hyps[i], segment_refs(refs, i)) == s, "BLEU segment == corpus row");
    const BleuScore sent = bleu.sentence_score(hyps[i], segment_refs(refs, i));
    CHECK(finite(sent.score) && sent.score >= 0 && sent.score <= max_bleu, "sentence BLEU range");
    sum += s;
  }
  CHECK(bleu.corpus_stats(hyps, refs) == sum, "BLEU corpus stats == sum of segment stats");
  const BleuScore score = bleu.corpus_score(hyps, refs);
  CHECK(finite(score.score) && score.score >= 0 && score.score <= max_bleu,
        "corpus BLEU range " + std::to_string(score.score));
  CHECK(score.score == bleu.score_from_stats(sum).score, "BLEU score from summed stats");
  CHECK(finite(score.bp) && score.bp >= 0 && score.bp <= 1 && finite(score.ratio), "BLEU bp/ratio");
  for (double p : score.precisions) CHECK(finite(p) && p >= 0 && p <= (floor_above_1 ? max_bleu : 100), "BLEU precision");
  CHECK(!score.format(o.width, bleu.signature(static_cast<int>(refs.size())).format()).empty(), "BLEU format");

  // Reference streams in reverse order: clipping takes the max over references and the closest
  // length prefers the shorter on ties, so the statistics cannot change.
  auto reversed = refs;
  std::reverse(reversed.begin(), reversed.end());
  CHECK(bleu.corpus_stats(hyps, reversed) == sum, "BLEU independent of reference order");
  // lowercase=true is lowercase=false on lower()ed text (both lower before rstrip + tokenize).
  if (bo.lowercase) {
    BleuOptions cased = bo;
    cased.lowercase = false;
    CHECK(Bleu(cased).corpus_stats(lowered({hyps})[0], lowered(refs)) == sum, "BLEU lowercase == lower() input");
  }
  // The first reference as the hypothesis matches itself: all n-grams match, closest length is its own.
  const BleuStats self = bleu.corpus_stats(refs[0], refs);
  CHECK(self.ref_len == self.sys_len && self.matches == self.totals, "BLEU of a reference against itself");
}

void check_chrf(const Chrf& chrf, const std::vector<std::string>& hyps,
                const std::vector<std::vector<std::string>>& refs, const Options& o) {
  const auto segs = chrf.segment_stats(hyps, refs);
  ChrfStats sum(o.chrf.char_order + o.chrf.word_order);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    for (const auto& os : segs[i].orders)
      CHECK(os.hyp >= 0 && os.ref >= 0 && os.match >= 0 && os.match <= os.hyp && os.match <= os.ref, "chrF counts");
    CHECK(chrf.segment_stats(hyps[i], segment_refs(refs, i)) == segs[i], "chrF segment == corpus row");
    const double sent = chrf.sentence_score(hyps[i], segment_refs(refs, i)).score;
    CHECK(finite(sent) && sent >= 0 && sent <= 100, "sentence chrF range");
    sum += segs[i];
  }
  CHECK(chrf.corpus_stats(hyps, refs) == sum, "chrF corpus stats == sum of segment stats");
  const ChrfScore score = chrf.corpus_score(hyps, refs);
  CHECK(finite(score.score) && score.score >= 0 && score.score <= 100, "corpus chrF range " + std::to_string(score.score));
  CHECK(score.score == chrf.f_score(sum), "chrF score from summed stats");
  CHECK(!score.format(o.width, chrf.signature(static_cast<int>(refs.size())).format()).empty(), "chrF format");
  if (o.chrf.lowercase) {
    ChrfOptions cased = o.chrf;
    cased.lowercase = false;
    CHECK(Chrf(cased).corpus_stats(lowered({hyps})[0], lowered(refs)) == sum, "chrF lowercase == lower() input");
  }
}

void check_ter(const Ter& ter, const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs,
               const Options& o) {
  const auto segs = ter.segment_stats(hyps, refs);
  TerStats sum;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    CHECK(segs[i].edits >= 0 && segs[i].ref_length >= 0 && finite(segs[i].ref_length), "TER segment stats");
    CHECK(ter.segment_stats(hyps[i], segment_refs(refs, i)) == segs[i], "TER segment == corpus row");
    const double sent = ter.sentence_score(hyps[i], segment_refs(refs, i)).score;
    CHECK(finite(sent) && sent >= 0, "sentence TER >= 0");
    sum += segs[i];  // in segment order, as sacreBLEU sums
  }
  CHECK(ter.corpus_stats(hyps, refs) == sum, "TER corpus stats == sum of segment stats");
  const TerScore score = ter.corpus_score(hyps, refs);
  CHECK(finite(score.score) && score.score >= 0, "corpus TER >= 0");
  CHECK(score.score == ter.score_from_stats(sum).score, "TER score from summed stats");
  CHECK(!score.format(o.width, ter.signature(static_cast<int>(refs.size())).format()).empty(), "TER format");
  // Fewest edits over the references and their average length: independent of reference order.
  auto reversed = refs;
  std::reverse(reversed.begin(), reversed.end());
  const auto rev = ter.segment_stats(hyps, reversed);
  for (std::size_t i = 0; i < segs.size(); ++i) CHECK(rev[i].edits == segs[i].edits, "TER independent of reference order");
  if (!o.ter.case_sensitive) {
    TerOptions cased = o.ter;
    cased.case_sensitive = true;
    CHECK(Ter(cased).corpus_stats(lowered({hyps})[0], lowered(refs)) == sum, "TER case-insensitive == lower() input");
  }
  // A reference against itself needs no edit, unless normalisation (applied twice to references,
  // once to hypotheses, as sacreBLEU does) makes them differ.
  if (!o.ter.normalized) CHECK(ter.corpus_stats(refs[0], refs).edits == 0, "TER of a reference against itself");
}

template <typename Metric, typename Stats>
void check_significance(const Metric& metric, const std::vector<Stats>& base, const std::vector<Stats>& other,
                        const Options& o) {
  const SacrebleuSeed seed = parse_sacrebleu_seed(std::to_string(o.seed));
  if (o.bootstrap) {
    ResamplingOptions ro;
    ro.seed = seed;
    ro.numpy = o.numpy;
    const ConfidenceInterval ci = bootstrap_ci(metric, base, o.samples, ro);
    CHECK(finite(ci.score) && finite(ci.mean) && finite(ci.ci) && ci.ci >= 0, "bootstrap CI finite");
  }
  if (o.paired) {
    PairedTestOptions po;
    po.type = o.paired_bs ? PairedTestType::kBootstrap : PairedTestType::kApproximateRandomization;
    po.n_samples = o.samples;
    po.seed = seed;
    po.numpy = o.numpy;
    const PairedTestResult r = paired_test(metric, std::vector<std::vector<Stats>>{base, other}, po);
    CHECK(r.results.size() == 2, "paired test results");
    for (const auto& res : r.results) CHECK(finite(res.score), "paired score finite");
    CHECK(r.results[1].p_value && *r.results[1].p_value >= 0 && *r.results[1].p_value <= 1, "p-value in [0, 1]");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint8_t header[8] = {};
  std::copy(data, data + std::min<std::size_t>(size, 8), header);
  const Options o = decode_options(header);
  const std::string_view body = size > 8 ? std::string_view(reinterpret_cast<const char*>(data) + 8, size - 8)
                                         : std::string_view();

  // Streams (0xFF-separated) and their segments ('\n'-separated).
  std::vector<std::string_view> stream_texts;
  for (std::size_t start = 0;;) {
    const std::size_t end = body.find('\xff', start);
    stream_texts.push_back(body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (stream_texts.size() > 4) stream_texts.resize(4);
  std::vector<std::vector<std::string>> streams;
  bool all_valid = true;
  for (const auto text : stream_texts) {
    std::vector<std::string> lines;
    for (std::size_t start = 0;;) {
      const std::size_t end = text.find('\n', start);
      lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    streams.push_back(std::move(lines));
    check_utf8_handling(text);
    all_valid = all_valid && is_valid(text);
  }

  // Strings: every stream as a whole (with its newlines) and every segment.
  std::vector<std::unique_ptr<Tokenizer>> tokenizers;
  for (const char* name : {"none", "13a", "intl", "zh", "char"}) tokenizers.push_back(make_tokenizer(name));
  const TercomTokenizer tercom(o.ter);
  for (std::size_t k = 0; k < streams.size(); ++k) {
    if (is_valid(stream_texts[k])) check_string(stream_texts[k], tokenizers, tercom, o.ter);
    for (const auto& line : streams[k]) {
      check_utf8_handling(line);
      if (is_valid(line)) check_string(line, tokenizers, tercom, o.ter);
    }
  }
  try {  // any string is a SACREBLEU_SEED value: parsed or rejected with invalid_argument
    parse_sacrebleu_seed(stream_texts[0]);
  } catch (const std::invalid_argument&) {
  }

  // Metrics. Expected outcome: line counts that differ or no reference stream -> invalid_argument,
  // else invalid UTF-8 -> Utf8Error, else scores.
  const std::vector<std::string>& hyps = streams[0];
  const std::vector<std::vector<std::string>> refs(streams.begin() + 1, streams.end());
  bool counts_ok = !refs.empty();
  for (const auto& r : refs) counts_ok = counts_ok && r.size() == hyps.size();
  const int expect = !counts_ok ? 1 : !all_valid ? 2 : 0;

  const Bleu bleu(o.bleu);
  CHECK(bleu.tokenizer().name() == resolve_bleu_tokenizer(o.bleu), "BLEU tokenizer resolution");
  const Ter ter(o.ter);
  const bool chrf_ok = o.chrf.char_order + o.chrf.word_order > 0;
  bool chrf_threw = false;
  try {
    Chrf probe(o.chrf);
  } catch (const std::invalid_argument&) {
    chrf_threw = true;
  }
  CHECK(chrf_threw == !chrf_ok, "Chrf rejects exactly char_order + word_order == 0");

  std::vector<BleuStats> bleu_segs;
  std::vector<ChrfStats> chrf_segs;
  if (expect_outcome(expect, "BLEU", [&] { bleu_segs = bleu.segment_stats(hyps, refs); }))
    check_bleu(bleu, o.bleu, hyps, refs, o);
  expect_outcome(expect, "BLEU corpus_stats", [&] { bleu.corpus_stats(hyps, refs); });
  expect_outcome(expect, "TER", [&] { ter.corpus_stats(hyps, refs); });
  if (expect == 0) check_ter(ter, hyps, refs, o);
  if (chrf_ok) {
    const Chrf chrf(o.chrf);
    if (expect_outcome(expect, "chrF", [&] { chrf_segs = chrf.segment_stats(hyps, refs); }))
      check_chrf(chrf, hyps, refs, o);
    // Significance on tiny inputs only (its cost grows with segments x resamples).
    if (expect == 0 && hyps.size() <= 64) {
      const auto other = chrf.segment_stats(refs[0], refs);
      check_significance(chrf, chrf_segs, other, o);
    }
  }
  if (expect == 0 && hyps.size() <= 64) check_significance(bleu, bleu_segs, bleu.segment_stats(refs[0], refs), o);
  return 0;
}

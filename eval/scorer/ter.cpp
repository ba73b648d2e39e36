#include "eval/scorer/ter.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

// ---- tokenizer (tokenizer_ter.py) ----

namespace {

// Python re.sub(pattern, repl, s) for a literal pattern: non-overlapping, left to right.
void replace_all(std::u32string& s, std::u32string_view pattern, std::u32string_view repl) {
  std::size_t pos = s.find(pattern);
  if (pos == std::u32string::npos) return;
  std::u32string out;
  out.reserve(s.size());
  std::size_t from = 0;
  for (; pos != std::u32string::npos; pos = s.find(pattern, from)) {
    out.append(s, from, pos - from);
    out.append(repl);
    from = pos + pattern.size();
  }
  out.append(s, from, std::u32string::npos);
  s.swap(out);
}

// re.sub(r"([CLASS])", r" \1 ", s) for a one-character class.
template <typename InClass>
void pad_chars(std::u32string& s, InClass in_class) {
  if (std::none_of(s.begin(), s.end(), in_class)) return;
  std::u32string out;
  out.reserve(s.size() + 16);
  for (char32_t c : s) {
    if (in_class(c)) {
      out += U' ';
      out += c;
      out += U' ';
    } else {
      out += c;
    }
  }
  s.swap(out);
}

template <typename InClass>
void remove_chars(std::u32string& s, InClass in_class) {
  s.erase(std::remove_if(s.begin(), s.end(), in_class), s.end());
}

// re.sub over two-character windows `(A)(B)` -> f(a, b): scan, and after a match resume behind it.
template <typename Match, typename Emit>
void pair_pass(std::u32string& s, Match match, Emit emit) {
  std::u32string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && match(s[i], s[i + 1])) {
      emit(out, s[i], s[i + 1]);
      i += 2;
    } else {
      out += s[i++];
    }
  }
  s.swap(out);
}

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool in(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

// [{-~[-` -&(-+:-@/]: ASCII punctuation except ' , - . and with the space.
bool western_punct(char32_t c) {
  return in(c, 0x7B, 0x7E) || in(c, 0x5B, 0x60) || in(c, 0x20, 0x26) || in(c, 0x28, 0x2B) || in(c, 0x3A, 0x40) ||
         c == 0x2F;
}

bool asian_punct(char32_t c) {  // TercomTokenizer.ASIAN_PUNCT
  return c == 0x3001 || c == 0x3002 || in(c, 0x3008, 0x3011) || in(c, 0x3014, 0x301F) || in(c, 0xFF61, 0xFF65) ||
         c == 0x30FB;
}

bool full_width_punct(char32_t c) {  // TercomTokenizer.FULL_WIDTH_PUNCT
  switch (c) {
    case 0xFF0E: case 0xFF0C: case 0xFF1F: case 0xFF1A: case 0xFF1B: case 0xFF01: case 0xFF02: case 0xFF08:
    case 0xFF09: return true;
    default: return false;
  }
}

// `'s$`: `$` matches at the very end and before a final "\n".
void possessive_at_end(std::u32string& s) {
  const std::size_t n = s.size();
  if (n >= 2 && s[n - 2] == U'\'' && s[n - 1] == U's') {
    s.insert(n - 2, 1, U' ');
  } else if (n >= 3 && s[n - 3] == U'\'' && s[n - 2] == U's' && s[n - 1] == U'\n') {
    s.insert(n - 3, 1, U' ');
  }
}

void normalize_general_and_western(std::u32string& s) {
  replace_all(s, U"\n-", U"");
  std::replace(s.begin(), s.end(), U'\n', U' ');
  replace_all(s, U"&quot;", U"\"");
  replace_all(s, U"&amp;", U"&");
  replace_all(s, U"&lt;", U"<");
  replace_all(s, U"&gt;", U">");
  s = U" " + s + U" ";
  pad_chars(s, western_punct);
  replace_all(s, U"'s ", U" 's ");
  possessive_at_end(s);
  // ([^0-9])([\.,]) -> "\1 \2 "
  pair_pass(
      s, [](char32_t a, char32_t b) { return !is_digit(a) && (b == U'.' || b == U','); },
      [](std::u32string& out, char32_t a, char32_t b) { out += {a, U' ', b, U' '}; });
  // ([\.,])([^0-9]) -> " \1 \2"
  pair_pass(
      s, [](char32_t a, char32_t b) { return (a == U'.' || a == U',') && !is_digit(b); },
      [](std::u32string& out, char32_t a, char32_t b) { out += {U' ', a, U' ', b}; });
  // ([0-9])(-) -> "\1 \2 "
  pair_pass(
      s, [](char32_t a, char32_t b) { return is_digit(a) && b == U'-'; },
      [](std::u32string& out, char32_t a, char32_t b) { out += {a, U' ', b, U' '}; });
}

// re.sub(r"(^|^[K])([K]+)(?=$|^[K])", r"\1 \2 ", s) without MULTILINE: `^` only matches at 0 and
// `$` at the end or before a final "\n", so this fires only when the whole string is a run of K
// (optionally followed by one final "\n"), and then pads the run. After the normalisation's
// padding the string starts with a space, so in sacreBLEU this never fires; kept literally.
void kana_pass(std::u32string& s, char32_t lo, char32_t hi) {
  std::size_t run = 0;
  while (run < s.size() && in(s[run], lo, hi)) ++run;
  if (run == 0) return;
  if (run == s.size() || (run + 1 == s.size() && s[run] == U'\n')) {
    s.insert(run, 1, U' ');
    s.insert(0, 1, U' ');
  }
}

void normalize_asian(std::u32string& s) {
  pad_chars(s, [](char32_t c) { return in(c, 0x4E00, 0x9FFF) || in(c, 0x3400, 0x4DBF); });
  pad_chars(s, [](char32_t c) { return in(c, 0x31C0, 0x31EF) || in(c, 0x2E80, 0x2EFF); });
  pad_chars(s, [](char32_t c) { return in(c, 0x3300, 0x33FF) || in(c, 0xF900, 0xFAFF) || in(c, 0xFE30, 0xFE4F); });
  pad_chars(s, [](char32_t c) { return in(c, 0x3200, 0x3F22); });
  kana_pass(s, 0x3040, 0x309F);
  kana_pass(s, 0x30A0, 0x30FF);
  kana_pass(s, 0x31F0, 0x31FF);
  pad_chars(s, asian_punct);
  pad_chars(s, full_width_punct);
}

bool removed_punct(char32_t c) {  // [\.,\?:;!\"\(\)]
  switch (c) {
    case U'.': case U',': case U'?': case U':': case U';': case U'!': case U'"': case U'(': case U')': return true;
    default: return false;
  }
}

}  // namespace

void TercomTokenizer::normalize(std::string_view line, std::string& out) const {
  out.clear();
  if (line.empty()) return;
  if (!options_.normalized && !options_.no_punct) {
    if (options_.case_sensitive) out.assign(line);
    else out = to_lower(line);
    return;
  }
  std::u32string s = decode_utf8(line);
  if (!options_.case_sensitive) s = to_lower(s);
  if (options_.normalized) {
    normalize_general_and_western(s);
    if (options_.asian_support) normalize_asian(s);
  }
  if (options_.no_punct) {
    remove_chars(s, removed_punct);
    if (options_.asian_support) {
      remove_chars(s, asian_punct);
      remove_chars(s, full_width_punct);
    }
  }
  out = encode_utf8(s);
}

std::string TercomTokenizer::tokenize(std::string_view line) const {
  std::string text;
  normalize(line, text);
  return join_whitespace(text);
}

// ---- translation_edit_rate (lib_ter.py) ----

namespace {

constexpr int kMaxShiftSize = 10;
constexpr int kMaxShiftDist = 50;
constexpr int kBeamWidth = 25;
constexpr int kMaxShiftCandidates = 1000;
// Stands for lib_ter's _INT_INFINITY (1e16): a cell nothing reached. Real costs are < H + R, and
// INF + 1 must not overflow.
constexpr std::int32_t kInf = std::numeric_limits<std::int32_t>::max() / 2;

// Edit operations of BeamEditDistance (its trace rewrites the hypothesis into the reference:
// kDel consumes a hypothesis word, kIns a reference word).
enum Op : std::uint8_t { kNop, kSub, kDel, kIns, kUndef };

}  // namespace

struct TranslationEditRate::Impl {
  // ---- inputs of the current call ----
  const std::uint32_t* ref = nullptr;
  int H = 0, R = 0;
  std::vector<std::uint32_t> cur;      // the hypothesis with the shifts accepted so far
  std::vector<std::uint32_t> shifted;  // a candidate

  // ---- the beam: row i covers columns [lo[i], hi[i]); row 0 is complete ----
  std::vector<int> lo, hi;
  std::vector<std::size_t> off;      // start of row i in cost / ops
  std::vector<std::int32_t> cost;    // DP matrix of `cur`, band cells only
  std::vector<std::uint8_t> ops;
  std::vector<std::int32_t> row_a, row_b;  // full-width rows: kInf outside the band they hold

  // ---- alignment of `cur` (trace_to_alignment) ----
  std::vector<std::uint8_t> trace;
  std::vector<int> align;             // reference position -> hypothesis position (or -1)
  std::vector<int> hyp_err, ref_err;  // prefix sums of the error flags

  // ---- candidates already evaluated for the current start_h: (length, idx) ----
  std::vector<std::uint32_t> seen;
  std::uint32_t stamp = 0;

  void setup_beam() {
    // BeamEditDistance._edit_distance: a band around floor(i * R / H).
    const double ratio = H > 0 ? static_cast<double>(R) / static_cast<double>(H) : 1.0;
    int beam = kBeamWidth;
    if (kBeamWidth < ratio / 2) beam = static_cast<int>(std::ceil(ratio / 2 + kBeamWidth));
    lo.assign(static_cast<std::size_t>(H) + 1, 0);
    hi.assign(static_cast<std::size_t>(H) + 1, R + 1);
    off.assign(static_cast<std::size_t>(H) + 2, 0);
    for (int i = 1; i <= H; ++i) {
      const auto diag = static_cast<std::int64_t>(std::floor(static_cast<double>(i) * ratio));
      lo[i] = static_cast<int>(std::max<std::int64_t>(0, diag - beam));
      hi[i] = i == H ? R + 1 : static_cast<int>(std::min<std::int64_t>(R + 1, diag + beam));
    }
    for (int i = 0; i <= H; ++i) off[i + 1] = off[i] + static_cast<std::size_t>(hi[i] - lo[i]);
    cost.resize(off[H + 1]);
    ops.resize(off[H + 1]);
    for (int j = 0; j <= R; ++j) {  // row 0: j insertions
      cost[j] = j;
      ops[j] = kIns;
    }
    if (row_a.size() < static_cast<std::size_t>(R) + 1) {
      row_a.assign(static_cast<std::size_t>(R) + 1, kInf);
      row_b.assign(static_cast<std::size_t>(R) + 1, kInf);
    }
  }

  // Row i of the DP from the previous row `prev` into `row` (both full width), for hypothesis word w.
  // Candidates in lib_ter's order (substitution/match, deletion, insertion), each taken only if
  // strictly cheaper than what the cell holds (initially "infinity").
  template <bool kWithOps>
  void compute_row(const std::int32_t* prev, std::int32_t* row, std::uint8_t* row_ops, int i, std::uint32_t w) const {
    int j = lo[i];
    const int end = hi[i];
    if (j == 0) {
      row[0] = prev[0] + 1;
      if (kWithOps) row_ops[0] = kDel;
      j = 1;
    }
    for (; j < end; ++j) {
      const bool match = w == ref[j - 1];
      std::int32_t best = kInf;
      std::uint8_t op = kUndef;
      std::int32_t c = prev[j - 1] + (match ? 0 : 1);
      if (c < best) {
        best = c;
        op = match ? kNop : kSub;
      }
      c = prev[j] + 1;
      if (c < best) {
        best = c;
        op = kDel;
      }
      c = row[j - 1] + 1;
      if (c < best) {
        best = c;
        op = kIns;
      }
      row[j] = best;
      if (kWithOps) row_ops[j - lo[i]] = op;
    }
  }

  void load_row(std::int32_t* row, int i) const {
    std::copy(cost.begin() + static_cast<std::ptrdiff_t>(off[i]), cost.begin() + static_cast<std::ptrdiff_t>(off[i + 1]),
              row + lo[i]);
  }
  void clear_row(std::int32_t* row, int i) const { std::fill(row + lo[i], row + hi[i], kInf); }

  // Recomputes rows from+1..H of `cur` (rows 0..from are those of its prefix); returns the distance.
  std::int32_t update_matrix(int from) {
    std::int32_t* a = row_a.data();
    std::int32_t* b = row_b.data();
    load_row(a, from);
    for (int i = from + 1; i <= H; ++i) {
      compute_row<true>(a, b, ops.data() + off[i], i, cur[static_cast<std::size_t>(i) - 1]);
      std::copy(b + lo[i], b + hi[i], cost.begin() + static_cast<std::ptrdiff_t>(off[i]));
      clear_row(a, i - 1);
      std::swap(a, b);
    }
    clear_row(a, H);
    return cost[off[H] + static_cast<std::size_t>(R - lo[H])];
  }

  // Distance of `shifted`, which equals `cur` before position `from`.
  std::int32_t candidate_distance(int from) {
    std::int32_t* a = row_a.data();
    std::int32_t* b = row_b.data();
    load_row(a, from);
    for (int i = from + 1; i <= H; ++i) {
      compute_row<false>(a, b, nullptr, i, shifted[static_cast<std::size_t>(i) - 1]);
      clear_row(a, i - 1);
      std::swap(a, b);
    }
    const std::int32_t result = a[R];
    clear_row(a, H);
    return result;
  }

  // Backtrack (H, R) -> (0, 0), then trace_to_alignment of the flipped trace.
  void alignment() {
    trace.clear();
    int i = H, j = R;
    while (i > 0 || j > 0) {
      if (j < lo[i] || j >= hi[i]) throw std::logic_error("TER: trace left the beam");
      const std::uint8_t op = ops[off[i] + static_cast<std::size_t>(j - lo[i])];
      trace.push_back(op);
      if (op == kNop || op == kSub) {
        --i;
        --j;
      } else if (op == kIns) {
        --j;
      } else if (op == kDel) {
        --i;
      } else {
        throw std::logic_error("TER: undefined edit operation in the trace");
      }
    }
    align.assign(static_cast<std::size_t>(R), -1);
    hyp_err.assign(1, 0);
    ref_err.assign(1, 0);
    int pos_hyp = -1, pos_ref = -1;
    for (auto it = trace.rbegin(); it != trace.rend(); ++it) {
      switch (*it) {
        case kNop:
        case kSub: {
          const int err = *it == kSub;
          align[static_cast<std::size_t>(++pos_ref)] = ++pos_hyp;
          hyp_err.push_back(hyp_err.back() + err);
          ref_err.push_back(ref_err.back() + err);
          break;
        }
        case kDel:  // flipped: an insertion into the reference, i.e. an extra hypothesis word
          ++pos_hyp;
          hyp_err.push_back(hyp_err.back() + 1);
          break;
        default:  // kIns, flipped: a reference word the hypothesis lacks
          align[static_cast<std::size_t>(++pos_ref)] = pos_hyp;
          ref_err.push_back(ref_err.back() + 1);
          break;
      }
    }
  }

  // _perform_shift(cur, start, length, target) into `shifted`, Python slicing included; returns
  // the first position where it differs from `cur` (H if nowhere).
  int perform_shift(int start, int length, int target) {
    const auto* w = cur.data();
    auto* out = shifted.data();
    auto put = [&out, w](int from, int to) {  // cur[from:to], clipped as a Python slice
      if (to > from) out = std::copy(w + from, w + to, out);
    };
    if (target < start) {
      put(0, target);
      put(start, start + length);
      put(target, start);
      put(start + length, H);
    } else if (target > start + length) {
      put(0, start);
      put(start + length, target);
      put(start, start + length);
      put(target, H);
    } else {
      const int mid = std::min(H, length + target);
      put(0, start);
      put(start + length, mid);
      put(start, start + length);
      put(mid, H);
    }
    int p = std::min(start, target);
    while (p < H && shifted[static_cast<std::size_t>(p)] == cur[static_cast<std::size_t>(p)]) ++p;
    return p;
  }

  struct Shift {
    int gain, length, start, target;
    // Tercom's ranking: more gain, then longer, then earlier start, then earlier target.
    bool better_than(const Shift& o) const {
      if (gain != o.gain) return gain > o.gain;
      if (length != o.length) return length > o.length;
      if (start != o.start) return start < o.start;
      return target < o.target;
    }
  };

  // _shift(): the best shift of `cur`, if any candidate was evaluated. `checked` carries over.
  bool best_shift(std::int32_t pre_score, int& checked, Shift& best) {
    alignment();
    bool have_best = false;
    const std::size_t stride = static_cast<std::size_t>(H) + 1;
    if (seen.size() < (kMaxShiftSize + 1) * stride) seen.assign((kMaxShiftSize + 1) * stride, 0);
    for (int start_h = 0; start_h < H; ++start_h) {
      if (++stamp == 0) {
        std::fill(seen.begin(), seen.end(), 0);
        stamp = 1;
      }
      const int r_begin = std::max(0, start_h - kMaxShiftDist);
      const int r_end = std::min(R, start_h + kMaxShiftDist + 1);
      for (int start_r = r_begin; start_r < r_end; ++start_r) {
        // _find_shifted_pairs: every common block starting here, lengths 1..10.
        for (int length = 0; length < kMaxShiftSize && cur[static_cast<std::size_t>(start_h + length)] ==
                                                             ref[start_r + length];) {
          ++length;
          // Only blocks with a hypothesis error and a reference error, not aligned within themselves.
          const int aligned = align[static_cast<std::size_t>(start_r)];
          if (hyp_err[static_cast<std::size_t>(start_h + length)] != hyp_err[static_cast<std::size_t>(start_h)] &&
              ref_err[static_cast<std::size_t>(start_r + length)] != ref_err[static_cast<std::size_t>(start_r)] &&
              !(start_h <= aligned && aligned < start_h + length)) {
            int prev_idx = -1;
            for (int offset = -1; offset < length; ++offset) {
              // Every reference position is in `align`, so lib_ter's "aims past the reference"
              // break cannot happen.
              const int idx = start_r + offset == -1 ? 0 : align[static_cast<std::size_t>(start_r + offset)] + 1;
              if (idx == prev_idx) continue;
              prev_idx = idx;
              ++checked;
              // The same (start_h, length, idx) seen for another start_r is the same candidate:
              // it cannot beat the best, which is at least as good as its first occurrence.
              std::uint32_t& mark = seen[static_cast<std::size_t>(length) * stride + static_cast<std::size_t>(idx)];
              if (mark == stamp) continue;
              mark = stamp;
              const int p = perform_shift(start_h, length, idx);
              const std::int32_t distance = p == H ? pre_score : candidate_distance(p);
              const Shift cand{pre_score - distance, length, start_h, idx};
              if (!have_best || cand.better_than(best)) {
                best = cand;
                have_best = true;
              }
            }
            if (checked >= kMaxShiftCandidates) return have_best;
          }
          if (start_h + length == H || start_r + length == R) break;
        }
      }
    }
    return have_best;
  }

  TerEdits run(const std::vector<std::uint32_t>& hyp, const std::vector<std::uint32_t>& ref_words) {
    H = static_cast<int>(hyp.size());
    R = static_cast<int>(ref_words.size());
    if (R == 0) return {H, 0};
    ref = ref_words.data();
    cur.assign(hyp.begin(), hyp.end());
    shifted.resize(hyp.size());
    setup_beam();
    std::int32_t distance = update_matrix(0);
    int shifts = 0, checked = 0;
    for (;;) {
      Shift best{};
      const bool found = best_shift(distance, checked, best);
      if (checked >= kMaxShiftCandidates) break;  // sacreBLEU drops the shift found in this last round
      if (!found || best.gain <= 0) break;
      ++shifts;
      const int p = perform_shift(best.start, best.length, best.target);
      cur.swap(shifted);
      shifted.resize(cur.size());
      distance = update_matrix(p);
    }
    return {shifts + static_cast<std::int64_t>(distance), R};
  }
};

TranslationEditRate::TranslationEditRate() : impl_(std::make_unique<Impl>()) {}
TranslationEditRate::~TranslationEditRate() = default;
TranslationEditRate::TranslationEditRate(TranslationEditRate&&) noexcept = default;
TranslationEditRate& TranslationEditRate::operator=(TranslationEditRate&&) noexcept = default;

TerEdits TranslationEditRate::operator()(const std::vector<std::uint32_t>& hyp, const std::vector<std::uint32_t>& ref) {
  return impl_->run(hyp, ref);
}

TerEdits translation_edit_rate(const std::vector<std::string_view>& hyp, const std::vector<std::string_view>& ref) {
  ngram::WordIds ids;
  std::vector<std::uint32_t> h, r;
  for (std::string_view w : hyp) h.push_back(ids.intern(w));
  for (std::string_view w : ref) r.push_back(ids.intern(w));
  return TranslationEditRate()(h, r);
}

// ---- metric (ter.py) ----

std::string TerScore::format(int width, const std::string& signature, bool score_only) const {
  return format_score_line("TER", score, width, signature, "", score_only);
}

class Ter::Workspace {
 public:
  // Words of texts[index] (already normalised) as ids of this segment.
  const std::vector<std::uint32_t>& word_ids(std::size_t index, std::vector<std::uint32_t>& out) {
    views.clear();
    split_whitespace(texts[index], views);
    out.clear();
    for (std::string_view w : views) out.push_back(words.intern(w));
    return out;
  }

  std::vector<std::string> texts;  // [0] hypothesis, [1..] references, normalised
  std::vector<std::string_view> views;
  std::vector<std::uint32_t> hyp_ids, ref_ids;
  ngram::WordIds words;
  TranslationEditRate ter;
};

TerStats Ter::segment_stats(Workspace& ws, std::string_view hyp, const std::vector<std::string_view>& refs) const {
  if (refs.empty()) throw std::invalid_argument("TER needs at least one reference per segment");
  ws.words.clear();
  if (ws.texts.size() < refs.size() + 1) ws.texts.resize(refs.size() + 1);
  tokenizer_.normalize(rstrip(hyp), ws.texts[0]);
  ws.word_ids(0, ws.hyp_ids);
  std::int64_t ref_lengths = 0;
  std::int64_t best = 10000000000000000;  // int(1e16)
  for (std::size_t k = 0; k < refs.size(); ++k) {
    tokenizer_.normalize(rstrip(refs[k]), ws.texts[k + 1]);
    const TerEdits e = ws.ter(ws.hyp_ids, ws.word_ids(k + 1, ws.ref_ids));
    ref_lengths += e.ref_length;
    if (e.edits < best) best = e.edits;
  }
  TerStats stats;
  stats.edits = best;
  stats.ref_length = static_cast<double>(ref_lengths) / static_cast<double>(refs.size());
  return stats;
}

TerStats Ter::segment_stats(std::string_view hyp, const std::vector<std::string_view>& refs) const {
  return checked_segment_stats<Workspace>(
      hyp, refs, [this](Workspace& ws, std::string_view h, const std::vector<std::string_view>& r) {
        return segment_stats(ws, h, r);
      });
}

std::vector<TerStats> Ter::segment_stats(const std::vector<std::string>& hyps,
                                         const std::vector<std::vector<std::string>>& ref_streams) const {
  return checked_corpus_segment_stats<Workspace>(
      "TER", hyps, ref_streams, [this](Workspace& ws, std::string_view h, const std::vector<std::string_view>& r) {
        return segment_stats(ws, h, r);
      });
}

TerStats Ter::corpus_stats(const std::vector<std::string>& hyps,
                           const std::vector<std::vector<std::string>>& ref_streams) const {
  TerStats total;
  for (const TerStats& s : segment_stats(hyps, ref_streams)) total += s;
  return total;
}

TerScore Ter::score_from_stats(const TerStats& stats) const {
  double score = 0.0;
  if (stats.ref_length > 0) score = static_cast<double>(stats.edits) / stats.ref_length;
  else if (stats.edits > 0) score = 1.0;  // empty reference(s), non-empty hypothesis
  TerScore s;
  s.score = 100 * score;
  s.num_edits = stats.edits;
  s.ref_length = stats.ref_length;
  return s;
}

TerScore Ter::corpus_score(const std::vector<std::string>& hyps,
                           const std::vector<std::vector<std::string>>& ref_streams) const {
  if (hyps.empty()) throw std::invalid_argument("cannot score an empty corpus");
  return score_from_stats(corpus_stats(hyps, ref_streams));
}

TerScore Ter::sentence_score(std::string_view hyp, const std::vector<std::string_view>& refs) const {
  return score_from_stats(segment_stats(hyp, refs));
}

Signature Ter::signature(int num_refs) const {
  Signature sig(num_refs);
  sig.add("case", "c", std::string(options_.case_sensitive ? "mixed" : "lc"))
      .add("tok", "t", tokenizer_.name())
      .add("norm", "nr", options_.normalized)
      .add("punct", "pn", !options_.no_punct)
      .add("asian", "as", options_.asian_support);
  return sig;
}

}  // namespace longtail::eval

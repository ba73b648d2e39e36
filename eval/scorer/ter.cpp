#include "eval/scorer/ter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

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
// Word ids index arrays; larger ids are remapped first (the metric's ids are small anyway).
constexpr std::uint32_t kDenseIds = 1u << 20;
// Stands for lib_ter's _INT_INFINITY (1e16): a cell nothing reached. Real costs are < H + R, and
// INF + 1 must not overflow.
constexpr std::int32_t kInf = std::numeric_limits<std::int32_t>::max() / 4;

// Edit operations of BeamEditDistance (its trace rewrites the hypothesis into the reference:
// kDel consumes a hypothesis word, kIns a reference word).
enum Op : std::uint8_t { kNop, kSub, kDel, kIns, kUndef };

}  // namespace

struct TranslationEditRate::Impl {
  // ---- the current call ----
  const std::uint32_t* ref = nullptr;
  int H = 0, R = 0;
  std::vector<std::uint32_t> cur;      // the hypothesis with the shifts accepted so far
  std::vector<std::uint32_t> shifted;  // a candidate

  // The matrix D of BeamEditDistance for `cur` (D[i][j]: hypothesis prefix i, reference prefix
  // j) is kept in one of two forms. Only its values are stored: the trace is recovered from them
  // (a cell's operation is a function of its neighbours' values), and a candidate, which equals
  // `cur` up to some position p, restarts from row p.
  //
  // Bit-parallel (R <= 64 and the beam never cuts a row, as for every sentence pair of up to
  // about 25 words): the beam DP is then plain Levenshtein, computed with Myers' / Hyyrö's bit
  // vectors, one 64-bit step per hypothesis word. Row i is stored as its vertical deltas
  // D[i][j+1] - D[i][j] (+1: bit j of vp, -1: bit j of vn); D[i][j] = i + popcounts.
  bool bit_parallel = false;
  std::vector<std::uint64_t> peq;  // word id -> bit set of the reference positions holding it
  std::vector<std::uint64_t> vp, vn;
  std::vector<std::int32_t> bottom;  // D[i][R]

  // Reference positions by word: the first in head[id], the next ones through next_pos.
  std::vector<int> head, next_pos;
  std::vector<std::uint32_t> remapped_ref;

  // Beam: row i covers columns [lo[i], hi[i]) (row 0 and row H all of them); cells outside hold
  // lib_ter's "infinity". Rows are stored band by band, row i from off[i].
  std::vector<int> lo, hi;
  std::vector<std::size_t> off;
  std::vector<std::int32_t> cost;    // D
  std::vector<std::int32_t> suffix;  // see update_suffix(); same layout
  bool suffix_valid = false;         // computed on demand: many hypotheses have no candidate
  std::vector<std::int32_t> row_a, row_b;  // full-width scratch rows: kInf outside the band they hold

  // ---- alignment of `cur` (trace_to_alignment) ----
  std::vector<std::uint8_t> trace;
  std::vector<int> align;             // reference position -> hypothesis position (or -1)
  std::vector<int> hyp_err, ref_err;  // prefix sums of the error flags

  // ---- candidates already evaluated for the current start_h: (length, idx) ----
  std::vector<std::uint32_t> seen;
  std::uint32_t stamp = 0;

#ifdef LONGTAIL_TER_CHECK_BIT_PARALLEL
  static constexpr bool kCheck = true;  // compute both forms and compare them everywhere
#else
  static constexpr bool kCheck = false;
#endif

  // ---- setup ----

  void setup() {
    // BeamEditDistance._edit_distance: a band around floor(i * R / H).
    const double ratio = H > 0 ? static_cast<double>(R) / static_cast<double>(H) : 1.0;
    int beam = kBeamWidth;
    if (kBeamWidth < ratio / 2) beam = static_cast<int>(std::ceil(ratio / 2 + kBeamWidth));
    lo.assign(static_cast<std::size_t>(H) + 1, 0);
    hi.assign(static_cast<std::size_t>(H) + 1, R + 1);
    bool full_rows = true;
    for (int i = 1; i <= H; ++i) {
      const auto diag = static_cast<std::int64_t>(std::floor(static_cast<double>(i) * ratio));
      lo[i] = static_cast<int>(std::max<std::int64_t>(0, diag - beam));
      hi[i] = i == H ? R + 1 : static_cast<int>(std::min<std::int64_t>(R + 1, diag + beam));
      full_rows = full_rows && lo[i] == 0 && hi[i] == R + 1;
    }
    std::uint32_t max_id = 0;  // below kDenseIds (run() remaps larger ids)
    for (int j = 0; j < R; ++j) max_id = std::max(max_id, ref[j]);
    if (head.size() <= max_id) head.resize(static_cast<std::size_t>(max_id) + 1, -1);
    next_pos.resize(static_cast<std::size_t>(R));
    for (int j = R - 1; j >= 0; --j) {
      next_pos[static_cast<std::size_t>(j)] = head[ref[j]];
      head[ref[j]] = j;
    }
    bit_parallel = full_rows && R <= 64;

    if (bit_parallel) {
      if (peq.size() <= max_id) peq.resize(static_cast<std::size_t>(max_id) + 1, 0);
      for (int j = 0; j < R; ++j) peq[ref[j]] |= std::uint64_t{1} << j;
      vp.resize(static_cast<std::size_t>(H) + 1);
      vn.resize(static_cast<std::size_t>(H) + 1);
      bottom.resize(static_cast<std::size_t>(H) + 1);
      vp[0] = ~std::uint64_t{0};  // row 0: D[0][j] = j
      vn[0] = 0;
      bottom[0] = R;
    }
    if (!bit_parallel || kCheck) {
      off.assign(static_cast<std::size_t>(H) + 2, 0);
      for (int i = 0; i <= H; ++i) off[i + 1] = off[i] + static_cast<std::size_t>(hi[i] - lo[i]);
      cost.resize(off[H + 1]);
      suffix.resize(off[H + 1]);
      for (int j = 0; j <= R; ++j) cost[j] = j;  // row 0: j insertions
      if (row_a.size() < static_cast<std::size_t>(R) + 1) {
        row_a.assign(static_cast<std::size_t>(R) + 1, kInf);
        row_b.assign(static_cast<std::size_t>(R) + 1, kInf);
      }
    }
  }

  // Leaves the arrays indexed by word id as setup() found them.
  void clear_word_arrays() {
    for (int j = 0; j < R; ++j) head[ref[j]] = -1;
    if (bit_parallel)
      for (int j = 0; j < R; ++j) peq[ref[j]] = 0;
  }

  // ---- bit-parallel rows ----

  struct BitRow {
    std::uint64_t vp, vn;
    std::int32_t bottom;
  };

  // Row i+1 from row i for hypothesis word w (global distance: D[i][0] = i, hence the +1 shifted
  // into the horizontal deltas). Bits above R-1 hold garbage that never moves down.
  void step(BitRow& r, std::uint32_t w) const {
    const std::uint64_t eq = w < peq.size() ? peq[w] : 0;
    const std::uint64_t xv = eq | r.vn;
    const std::uint64_t xh = (((eq & r.vp) + r.vp) ^ r.vp) | eq;
    std::uint64_t ph = r.vn | ~(xh | r.vp);
    std::uint64_t mh = r.vp & xh;
    const std::uint64_t top = std::uint64_t{1} << (R - 1);
    r.bottom += static_cast<std::int32_t>((ph & top) != 0) - static_cast<std::int32_t>((mh & top) != 0);
    ph = (ph << 1) | 1;
    mh <<= 1;
    r.vp = mh | ~(xv | ph);
    r.vn = ph & xv;
  }

  static int popcount(std::uint64_t x) {
#if defined(__POPCNT__)
    return __builtin_popcountll(x);
#else  // baseline x86-64 has no POPCNT instruction, and libgcc's fallback is a call
    x -= (x >> 1) & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<int>((x * 0x0101010101010101ull) >> 56);
#endif
  }

  std::int32_t bit_cell(int i, int j) const {
    const std::uint64_t below = j >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << j) - 1;
    return i + popcount(vp[static_cast<std::size_t>(i)] & below) - popcount(vn[static_cast<std::size_t>(i)] & below);
  }

  // ---- beam rows ----

  // Row i from row i-1 (`prev`) into `row`, both full width, for hypothesis word w: lib_ter takes
  // the match/substitution, deletion and insertion candidates only when strictly cheaper than
  // the cell's "infinity", so a cell holds the minimum of the three and kInf.
  void compute_row(const std::int32_t* prev, std::int32_t* row, int i, std::uint32_t w) const {
    int j = lo[i];
    const int end = hi[i];
    if (j == 0) {
      row[0] = prev[0] + 1;  // lib_ter assigns this one unconditionally
      j = 1;
    }
    for (; j < end; ++j) {
      const std::int32_t diag = prev[j - 1] + (w == ref[j - 1] ? 0 : 1);
      const std::int32_t best = std::min(diag, std::min(prev[j], row[j - 1]) + 1);
      row[j] = std::min(best, kInf);
    }
  }

  void load_row(std::int32_t* row, int i) const {
    std::copy(cost.begin() + static_cast<std::ptrdiff_t>(off[i]), cost.begin() + static_cast<std::ptrdiff_t>(off[i + 1]),
              row + lo[i]);
  }
  void clear_row(std::int32_t* row, int i) const { std::fill(row + lo[i], row + hi[i], kInf); }

  std::int32_t beam_cell(int i, int j) const {
    if (j < lo[i] || j >= hi[i]) return kInf;
    return cost[off[i] + static_cast<std::size_t>(j - lo[i])];
  }

  // suffix(i, j), for (i, j) in the beam and i < H: the cheapest way from (i, j) to (H, R) within
  // the beam that leaves row i at once (match/substitution or deletion, with `cur`'s words).
  // Every path to (H, R) leaves row i from exactly one cell, so the distance of a hypothesis
  // that equals `cur` from position i on is min_j (its D[i][j] + suffix(i, j)).
  void update_suffix() {
    std::int32_t* t = row_a.data();  // T(i+1, .): cheapest way from (i+1, j) to (H, R), any first move
    std::int32_t* u = row_b.data();
    for (int j = lo[H]; j <= R; ++j) t[j] = R - j;
    for (int i = H - 1; i >= 0; --i) {
      const std::uint32_t w = cur[static_cast<std::size_t>(i)];
      std::int32_t* out = suffix.data() + off[i] - static_cast<std::size_t>(lo[i]);
      std::int32_t right = kInf;  // T(i, j + 1); outside the beam at the end of the row
      for (int j = hi[i] - 1; j >= lo[i]; --j) {
        const std::int32_t diag = j < R ? t[j + 1] + (w == ref[j] ? 0 : 1) : kInf;
        const std::int32_t here = std::min({kInf, diag, t[j] + 1});
        out[j] = here;
        right = std::min(here, right + 1);
        u[j] = right;
      }
      clear_row(t, i + 1);
      std::swap(t, u);
    }
    clear_row(t, 0);
    suffix_valid = true;
  }

  // ---- D of `cur` ----

  std::int32_t cell(int i, int j) const {
    if (bit_parallel) {
      if (kCheck && bit_cell(i, j) != beam_cell(i, j)) throw std::logic_error("TER: bit-parallel cell differs");
      return bit_cell(i, j);
    }
    return beam_cell(i, j);
  }

  // Recomputes rows from+1..H of `cur` (rows 0..from are those of its prefix); returns D[H][R].
  std::int32_t update(int from) {
    if (bit_parallel) {
      BitRow r{vp[static_cast<std::size_t>(from)], vn[static_cast<std::size_t>(from)],
               bottom[static_cast<std::size_t>(from)]};
      for (int i = from + 1; i <= H; ++i) {
        step(r, cur[static_cast<std::size_t>(i) - 1]);
        vp[static_cast<std::size_t>(i)] = r.vp;
        vn[static_cast<std::size_t>(i)] = r.vn;
        bottom[static_cast<std::size_t>(i)] = r.bottom;
      }
      if (!kCheck) return r.bottom;
    }
    std::int32_t* a = row_a.data();
    std::int32_t* b = row_b.data();
    load_row(a, from);
    for (int i = from + 1; i <= H; ++i) {
      compute_row(a, b, i, cur[static_cast<std::size_t>(i) - 1]);
      std::copy(b + lo[i], b + hi[i], cost.begin() + static_cast<std::ptrdiff_t>(off[i]));
      clear_row(a, i - 1);
      std::swap(a, b);
    }
    clear_row(a, H);
    suffix_valid = false;
    return beam_cell(H, R);
  }

  // Distance of `shifted`, which differs from `cur` only at positions [from, to).
  std::int32_t candidate_distance(int from, int to) {
    if (bit_parallel) {
      BitRow r{vp[static_cast<std::size_t>(from)], vn[static_cast<std::size_t>(from)],
               bottom[static_cast<std::size_t>(from)]};
      for (int i = from; i < H; ++i) step(r, shifted[static_cast<std::size_t>(i)]);
      if (kCheck && (r.bottom != candidate_distance_beam(from, to) || r.bottom != candidate_distance_beam(from, H)))
        throw std::logic_error("TER: bit-parallel candidate distance differs");
      return r.bottom;
    }
    if (kCheck && candidate_distance_beam(from, to) != candidate_distance_beam(from, H))
      throw std::logic_error("TER: suffix-based candidate distance differs");
    return candidate_distance_beam(from, to);
  }

  // Rows from+1..to of `shifted` on the beam, then the rest through `cur`'s suffix costs.
  std::int32_t candidate_distance_beam(int from, int to) {
    if (to < H && !suffix_valid) update_suffix();
    std::int32_t* a = row_a.data();
    std::int32_t* b = row_b.data();
    load_row(a, from);
    for (int i = from + 1; i <= to; ++i) {
      compute_row(a, b, i, shifted[static_cast<std::size_t>(i) - 1]);
      clear_row(a, i - 1);
      std::swap(a, b);
    }
    std::int32_t result = kInf;
    if (to == H) {
      result = a[R];
    } else {
      const std::int32_t* rest = suffix.data() + off[to] - static_cast<std::size_t>(lo[to]);
      for (int j = lo[to]; j < hi[to]; ++j) result = std::min(result, a[j] + rest[j]);
    }
    clear_row(a, to);
    return result;
  }

  // ---- shifts ----

  // The trace of BeamEditDistance, backtracked from (H, R) to (0, 0), then trace_to_alignment of
  // its flipped form. A cell's operation is recomputed from its neighbours as lib_ter chose it:
  // the first strictly cheaper of match/substitution, deletion, insertion.
  void alignment() {
    trace.clear();
    int i = H, j = R;
    while (i > 0 || j > 0) {
      std::uint8_t op = kUndef;
      if (i == 0) {
        op = kIns;
      } else if (j == 0) {
        op = kDel;
      } else {
        const bool match = cur[static_cast<std::size_t>(i) - 1] == ref[j - 1];
        std::int32_t best = kInf;
        std::int32_t c = cell(i - 1, j - 1) + (match ? 0 : 1);
        if (c < best) {
          best = c;
          op = match ? kNop : kSub;
        }
        c = cell(i - 1, j) + 1;
        if (c < best) {
          best = c;
          op = kDel;
        }
        c = cell(i, j - 1) + 1;
        if (c < best) {
          best = c;
          op = kIns;
        }
        if (op == kUndef || best != cell(i, j)) throw std::logic_error("TER: the trace left the beam");
      }
      trace.push_back(op);
      if (op == kNop || op == kSub) {
        --i;
        --j;
      } else if (op == kIns) {
        --j;
      } else {
        --i;
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
  // the first position where it differs from `cur` (H if nowhere) and sets `end` to one past the
  // last.
  int perform_shift(int start, int length, int target, int& end) {
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
    end = std::min(H, std::max(start + length, target + length));  // nothing moves beyond
    while (end > p && shifted[static_cast<std::size_t>(end) - 1] == cur[static_cast<std::size_t>(end) - 1]) --end;
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
      // _find_shifted_pairs: every common block starting at start_h and a reference position at
      // most 50 away (ascending), lengths 1..10; the positions holding the same word come from
      // the reference's position lists.
      const std::uint32_t first = cur[static_cast<std::size_t>(start_h)];
      int start_r = first < head.size() ? head[first] : -1;
      while (start_r >= 0 && start_r < start_h - kMaxShiftDist) start_r = next_pos[static_cast<std::size_t>(start_r)];
      for (; start_r >= 0 && start_r <= start_h + kMaxShiftDist; start_r = next_pos[static_cast<std::size_t>(start_r)]) {
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
              int end = H;
              const int p = perform_shift(start_h, length, idx, end);
              const std::int32_t distance = p == H ? pre_score : candidate_distance(p, end);
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
    if (std::any_of(ref_words.begin(), ref_words.end(), [](std::uint32_t id) { return id >= kDenseIds; })) {
      // Arrays are indexed by word id: make the ids small (only equality matters).
      std::unordered_map<std::uint32_t, std::uint32_t> ids;
      auto dense = [&ids](std::uint32_t id) { return ids.emplace(id, static_cast<std::uint32_t>(ids.size())).first->second; };
      remapped_ref.clear();
      for (std::uint32_t id : ref_words) remapped_ref.push_back(dense(id));
      for (std::uint32_t& id : cur) id = dense(id);
      ref = remapped_ref.data();
    }
    shifted.resize(hyp.size());
    setup();
    struct Restore {  // leaves the word-id arrays clean, also on an exception
      Impl* self;
      ~Restore() { self->clear_word_arrays(); }
    } restore{this};
    std::int32_t distance = update(0);
    int shifts = 0, checked = 0;
    for (;;) {
      Shift best{};
      const bool found = best_shift(distance, checked, best);
      if (checked >= kMaxShiftCandidates) break;  // sacreBLEU drops the shift found in this last round
      if (!found || best.gain <= 0) break;
      ++shifts;
      int end = H;
      const int p = perform_shift(best.start, best.length, best.target, end);
      cur.swap(shifted);
      shifted.resize(cur.size());
      distance = update(p);
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
  std::string joined;
  std::vector<std::string_view> views;
  std::vector<std::uint32_t> hyp_ids, ref_ids;
  ngram::WordIds words;
  TranslationEditRate ter;
};

namespace {

// TER's shift search grows faster than the square of a segment's length (sacreBLEU 2.6.0 was
// stopped at 24 GB on a 10 MB line): such a segment is refused at once instead.
void check_ter_length(const char* what, std::size_t words) {
  if (words > kTerMaxSegmentWords)
    throw std::length_error("TER: a " + std::string(what) + " segment of " + std::to_string(words) + " words; TER scores segments of at most " +
                            std::to_string(kTerMaxSegmentWords) + " words (its shift search grows faster than the square of the length)");
}

}  // namespace

TerStats Ter::segment_stats(Workspace& ws, std::string_view hyp, const std::vector<std::string_view>& refs) const {
  if (refs.empty()) throw std::invalid_argument("TER needs at least one reference per segment");
  ws.words.clear();
  if (ws.texts.size() < refs.size() + 1) ws.texts.resize(refs.size() + 1);
  // TER tokenizes sent.rstrip(). Without normalisation and punctuation removal the words are
  // split(lower(sent)), which trailing whitespace cannot change (not even through lower()'s
  // Final_Sigma context), so the rstrip() scan is skipped there.
  const bool strip = options_.normalized || options_.no_punct;
  const auto prepare = [strip](std::string_view s) { return strip ? rstrip(s) : s; };
  tokenizer_.normalize(prepare(hyp), ws.texts[0]);
  check_ter_length("hypothesis", ws.word_ids(0, ws.hyp_ids).size());
  std::int64_t ref_lengths = 0;
  std::int64_t best = 10000000000000000;  // int(1e16)
  for (std::size_t k = 0; k < refs.size(); ++k) {
    // sacreBLEU preprocesses references twice (Metric._cache_references, then
    // TER._extract_reference_info): words = split(T(T(rstrip(ref)))), T = TercomTokenizer. With
    // normalisation, T(T(x)) != T(x) (e.g. "it's\u00a0%": the space-joined output exposes "'s ");
    // without it, T is lowercasing (Python's lower() is idempotent, checked on every code point)
    // and whitespace folding, so once is enough.
    tokenizer_.normalize(prepare(refs[k]), ws.texts[k + 1]);
    if (strip) {
      ws.joined = join_whitespace(ws.texts[k + 1]);
      tokenizer_.normalize(ws.joined, ws.texts[k + 1]);
    }
    check_ter_length("reference", ws.word_ids(k + 1, ws.ref_ids).size());
    const TerEdits e = ws.ter(ws.hyp_ids, ws.ref_ids);
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

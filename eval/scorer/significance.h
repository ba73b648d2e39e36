// sacreBLEU 2.6.0's significance machinery (`sacrebleu/significance.py`, `Score.estimate_ci`),
// reproduced number for number: the single-system bootstrap confidence interval
// (`corpus_score(..., n_bootstrap=N)`, CLI `--confidence`) and the paired tests of several
// systems against a baseline (`PairedTest`, CLI `--paired-bs` / `--paired-ar`), for any metric
// with additive segment statistics.
//
//   Bleu bleu;
//   const auto stats = bleu.segment_stats(hyps, {refs});
//   ConfidenceInterval ci = bootstrap_ci(bleu, stats, 1000, {seed_from_env()});
//   ci.mean, ci.ci                                            // "μ = 20.81 ± 0.62"
//
//   PairedTestOptions o;  o.type = PairedTestType::kBootstrap;  o.seed = seed_from_env();
//   PairedTestResult r = paired_test(bleu, std::vector<std::vector<BleuStats>>{bl, sys1, sys2}, o);
//   r.results[2].p_value   // 0.3076923076923077 (WMT17 en-de: LIUM-NMT vs online-B, 1000 resamples)
//
// The random draws are NumPy's (numpy_random.h). sacreBLEU sums bootstrap statistics in float32
// and scores them with NumPy scalars, so the numbers also depend on NumPy's type promotion,
// which changed in NumPy 2 (NEP 50); `NumpyVersion` selects which one to reproduce (default: 2).
// Metric plug-in: a `ResamplingMetric` (score of a summed statistics row, written with `PyNum`)
// plus a `SegmentStats` table; `resampling_metric()` / `segment_stats_table()` exist for Bleu,
// Chrf and Ter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"
#include "eval/scorer/metric.h"
#include "eval/scorer/numpy_random.h"
#include "eval/scorer/ter.h"

namespace longtail::eval {

// ---- SACREBLEU_SEED ----

// The seed as sacreBLEU reads it: `seed = os.environ.get('SACREBLEU_SEED', '12345')`,
// `None if seed.lower() == 'none' else int(seed)`.
struct SacrebleuSeed {
  std::string text = "12345";  // as given
  // int(text) as 32-bit words, least significant first (NumPy's entropy); empty = None.
  std::optional<std::vector<std::uint32_t>> value = std::vector<std::uint32_t>{12345};
  std::string decimal = "12345";  // str(int(text)); "none" for None

  bool is_none() const { return !value.has_value(); }
  bool is_zero() const { return value && value->size() == 1 && (*value)[0] == 0; }
  // default_rng(seed): SeedSequence(int), or 128 bits of OS entropy for None.
  numpy::SeedSequence seed_sequence() const;
  // The seed a paired test gives each system: `self._seed if self._seed else None` (0 -> None).
  SacrebleuSeed paired_system_seed() const;
};

// sacreBLEU's parse of a SACREBLEU_SEED value: "none" in any case -> None, else Python int()
// (surrounding Python whitespace, one sign, ASCII digits with single underscores between them).
// Throws std::invalid_argument with Python's message for anything int() rejects
// ("invalid literal for int() with base 10: 'abc'"), and "expected non-negative integer" (NumPy's
// SeedSequence) for a negative number. Non-ASCII digits, which int() accepts, are rejected.
SacrebleuSeed parse_sacrebleu_seed(std::string_view text);
// parse_sacrebleu_seed(getenv("SACREBLEU_SEED")), "12345" when unset.
SacrebleuSeed seed_from_env();

// ---- Python and NumPy scalars ----

// Which NumPy's promotion rules to follow: 1.x (value-based: NumPy scalar op Python number ->
// float64/int64) or 2.x (NEP 50: Python numbers are "weak", float32 op Python float -> float32).
enum class NumpyVersion { kNumpy1, kNumpy2 };

// A number as sacreBLEU's scoring code holds it: a Python int or float, or a NumPy int64, float32
// or float64 scalar. Arithmetic gives the type (and, for float32, the rounding) that Python/NumPy
// give; the value is kept as a double (exact for float32 and for integers below 2^53).
class PyNum {
 public:
  enum class Kind : std::uint8_t { kInt, kFloat, kInt64, kFloat32, kFloat64 };

  PyNum() = default;
  // float32 values are rounded to float; ints are kept as given.
  PyNum(Kind kind, double value, NumpyVersion numpy);
  static PyNum py_int(double v, NumpyVersion n) { return PyNum(Kind::kInt, v, n); }
  static PyNum py_float(double v, NumpyVersion n) { return PyNum(Kind::kFloat, v, n); }

  Kind kind() const { return kind_; }
  double value() const { return value_; }
  NumpyVersion numpy() const { return numpy_; }
  bool is_numpy() const { return kind_ != Kind::kInt && kind_ != Kind::kFloat; }
  explicit operator bool() const { return value_ != 0; }

  // Assignment into a NumPy array element of this number's dtype (`arr[i] += k`): the value is cast
  // to the array's kind (float32 rounding, int64 truncation); a Python list just rebinds.
  PyNum stored_into(const PyNum& element) const;

  friend PyNum operator+(const PyNum& a, const PyNum& b);
  friend PyNum operator-(const PyNum& a, const PyNum& b);
  friend PyNum operator*(const PyNum& a, const PyNum& b);
  friend PyNum operator/(const PyNum& a, const PyNum& b);  // true division
  // Compared in the promoted type (a float32 against a Python float compares in float32).
  friend bool operator<(const PyNum& a, const PyNum& b);
  friend bool operator>(const PyNum& a, const PyNum& b) { return b < a; }
  friend bool operator==(const PyNum& a, const PyNum& b);
  friend bool operator!=(const PyNum& a, const PyNum& b) { return !(a == b); }

 private:
  double value_ = 0.0;
  Kind kind_ = Kind::kInt;
  NumpyVersion numpy_ = NumpyVersion::kNumpy2;
};

// math.log / math.exp (Python floats) and abs().
PyNum py_log(const PyNum& x);
PyNum py_exp(const PyNum& x);
PyNum py_abs(const PyNum& x);

// ---- metrics and statistics ----

// Per-segment statistics, sacreBLEU's list of lists: row i = segment i, `num_stats` numbers.
struct SegmentStats {
  std::size_t num_stats = 0;
  std::vector<double> values;  // row-major
  // Python ints (BLEU, chrF: int64 arrays in the AR test) or floats (TER: float64 arrays).
  bool integral = true;

  std::size_t size() const { return num_stats ? values.size() / num_stats : 0; }
  const double* row(std::size_t i) const { return values.data() + i * num_stats; }
};

// [sys_len, ref_len, matches_1..N, totals_1..N] per segment.
SegmentStats segment_stats_table(const std::vector<BleuStats>& stats);
// [hyp, ref, match] per order per segment.
SegmentStats segment_stats_table(const std::vector<ChrfStats>& stats);
// [edits, average reference length] per segment (Python floats: integral = false).
SegmentStats segment_stats_table(const std::vector<TerStats>& stats);

// What the resampling code needs from a metric: its score name (sacreBLEU's result key), the
// statistics width, and `_compute_score_from_stats` on a summed row. The row's numbers are Python
// ints/floats (the real corpus score), NumPy int64/float64 (AR shuffles) or float32 (bootstrap
// resamples), and `score` must apply the metric's formula with PyNum so that each operation gets
// the type sacreBLEU's gets. The returned kind matters too (it decides the dtype of score arrays).
struct ResamplingMetric {
  std::string name;
  std::size_t num_stats = 0;
  std::function<PyNum(const PyNum* sums)> score;
};

// BLEU.compute_bleu / CHRF._compute_f_score on PyNum, with the metric's options.
ResamplingMetric resampling_metric(const Bleu& bleu);
ResamplingMetric resampling_metric(const Chrf& chrf);
// TER._compute_score_from_stats on PyNum.
ResamplingMetric resampling_metric(const Ter& ter);

// ---- single-system confidence interval ----

struct ResamplingOptions {
  SacrebleuSeed seed;  // default "12345"; use seed_from_env() for sacreBLEU's behaviour
  NumpyVersion numpy = NumpyVersion::kNumpy2;
};

// Metric.corpus_score(..., n_bootstrap) + Score.estimate_ci.
struct ConfidenceInterval {
  double score = 0.0;  // the corpus score (sum of all segments)
  double mean = 0.0;   // Score._mean: statistics.mean() of the resampled scores (exact mean, rounded)
  double ci = 0.0;     // Score._ci: 0.5 * (sorted[n - n//40 - 1] - sorted[n//40])
  // The resampled scores mix Python floats and NumPy float32 (chrF under NumPy 2 when a resample
  // has no match at all): sacreBLEU then raises TypeError in statistics.mean(); `mean` is the
  // exact mean of the values.
  bool mixed_types = false;
};

// _bootstrap_resample: the score of each of n_samples resamples (indices from
// default_rng(seed).choice(n, size=(n_samples, n)), statistics summed in float32). Throws
// std::invalid_argument for an empty table or a width other than metric.num_stats.
std::vector<PyNum> bootstrap_scores(const ResamplingMetric& metric, const SegmentStats& stats, std::size_t n_samples,
                                    const numpy::SeedSequence& seed, NumpyVersion numpy = NumpyVersion::kNumpy2);

// corpus_score(n_bootstrap=n_samples) (n_samples > 1; sacreBLEU's CLI default 1000), with the seed
// used as sacreBLEU's _bootstrap_resample uses it (0 is a seed, None is OS entropy).
ConfidenceInterval bootstrap_ci(const ResamplingMetric& metric, const SegmentStats& stats, std::size_t n_samples = 1000,
                                const ResamplingOptions& options = {});
template <typename Metric, typename Stats>
ConfidenceInterval bootstrap_ci(const Metric& metric, const std::vector<Stats>& stats, std::size_t n_samples = 1000,
                                const ResamplingOptions& options = {}) {
  return bootstrap_ci(resampling_metric(metric), segment_stats_table(stats), n_samples, options);
}

// ---- paired tests ----

enum class PairedTestType { kApproximateRandomization /* ar */, kBootstrap /* bs */ };

struct PairedTestOptions {
  PairedTestType type = PairedTestType::kApproximateRandomization;  // PairedTest's default
  std::size_t n_samples = 0;  // 0: 10000 trials (ar) / 1000 resamples (bs)
  long n_ar_confidence = -1;  // ar: bootstrap resamples for the systems' CI; -1 none, 0 = 1000
  SacrebleuSeed seed;
  NumpyVersion numpy = NumpyVersion::kNumpy2;

  std::size_t effective_samples() const;
  long effective_ar_confidence() const { return n_ar_confidence == 0 ? 1000 : n_ar_confidence; }
};

// sacreBLEU's Result.
struct PairedResult {
  double score = 0.0;
  std::optional<double> p_value;  // not for the baseline
  std::optional<double> mean;     // bootstrap estimate of the true mean (bs; ar with confidence)
  std::optional<double> ci;       // half-width of its 95% interval
};

struct PairedTestResult {
  std::string metric;                 // the score name: "BLEU", "chrF2", ...
  std::vector<PairedResult> results;  // [0] = baseline, then the systems in order
};

// PairedTest(named_systems, {metric}, ...)() for one metric: systems[0] is the baseline. Each
// system's draws come from a fresh default_rng(seed) (seed 0 -> OS entropy, as sacreBLEU's
// `if self._seed`), so all systems share the resampling indices / coin flips; the baseline's CI
// uses the seed as _bootstrap_resample does. Throws std::invalid_argument for fewer than 2 systems
// or tables of different shapes.
PairedTestResult paired_test(const ResamplingMetric& metric, const std::vector<SegmentStats>& systems,
                             const PairedTestOptions& options = {});
template <typename Metric, typename Stats>
PairedTestResult paired_test(const Metric& metric, const std::vector<std::vector<Stats>>& systems,
                             const PairedTestOptions& options = {}) {
  std::vector<SegmentStats> tables;
  tables.reserve(systems.size());
  for (const auto& s : systems) tables.push_back(segment_stats_table(s));
  return paired_test(resampling_metric(metric), tables, options);
}

// ---- the paired bootstrap for many systems at once (reports) ----

// The corpus score and the bootstrap resamples of many systems scored on the same segments, with
// one stream of index draws shared by all of them: what `--paired-bs` computes for each system
// (every system's draws come from a fresh default_rng(seed), so they are the same draws), without
// redrawing per system. Pass `seed.paired_system_seed().seed_sequence()` for sacreBLEU's draws.
struct SharedBootstrap {
  std::vector<double> scores;                 // corpus score of each table (sum of all segments)
  std::vector<std::vector<PyNum>> resampled;  // [table][resample]
};
// Throws std::invalid_argument for no tables, tables of different sizes, or a table of the wrong width.
SharedBootstrap shared_bootstrap(const ResamplingMetric& metric, const std::vector<const SegmentStats*>& tables,
                                 std::size_t n_samples, const numpy::SeedSequence& seed,
                                 NumpyVersion numpy = NumpyVersion::kNumpy2);

// _paired_bootstrap's p-value: d_k = |system_k - baseline_k| (in the scores' dtype), centred on
// its mean, p = (#{d_k - mean(d) > real_difference} + 1) / (n + 1). With the resamples of
// shared_bootstrap and real_difference = |baseline score - system score| this is the p-value
// `sacrebleu REF -i BASE SYS --paired-bs` prints.
double paired_bootstrap_p_value(const std::vector<PyNum>& baseline, const std::vector<PyNum>& system,
                                double real_difference);

// ---- the numeric helpers (exposed for tests and other callers) ----

// significance.estimate_ci on np.array(scores): NumPy sort, mean by NumPy's pairwise summation
// (in float32 if every score is a float32), ci = 0.5 * (upper - lower). Returns {mean, ci}.
std::pair<PyNum, PyNum> numpy_estimate_ci(const std::vector<PyNum>& scores);
// Score.estimate_ci: sorted(), statistics.mean() (exact), the same ci.
ConfidenceInterval python_estimate_ci(const std::vector<PyNum>& scores);
// np.add.reduce over a contiguous float64 / float32 array (pairwise, blocks of 8, 128 leaves).
double numpy_pairwise_sum(const double* values, std::size_t n);
float numpy_pairwise_sum(const float* values, std::size_t n);
// The exactly rounded mean of doubles (statistics.mean on floats).
double exact_mean(const std::vector<double>& values);

// ---- text output ----

// The metric signature with the keys sacreBLEU adds after nrefs: `bs:N|seed:S` for
// corpus_score(n_bootstrap=N) (S = SACREBLEU_SEED lowercased), `bs:N|seed:S` / `ar:N|seed:S` (and
// `bs:C` with an AR confidence) for paired tests (S = str(int(seed)) or none).
std::string bootstrap_signature(const Signature& metric_signature, std::size_t n_bootstrap, const SacrebleuSeed& seed,
                                bool short_form = false);
std::string paired_test_signature(const Signature& metric_signature, const PairedTestOptions& options,
                                  bool short_form = false);

// Score.format() after estimate_ci: "BLEU|sig = 20.8 (μ = 20.8 ± 0.6) 54.4/26.6/..." (the
// "(μ ...)" part only when mean > 0; score_only returns "20.8 (μ = 20.8 ± 0.6)").
std::string format_score_line_with_ci(const std::string& name, double score, double mean, double ci, int width,
                                      const std::string& signature, const std::string& verbose, bool score_only);
// A paired-test table cell (utils._format_score_lines, colours off): "26.7 (26.6 ± 0.7)" and, for
// systems, "\n(p = 0.3077)" ('\n' -> ' ' unless multiline) with '*' when p <= 0.05.
std::string format_paired_cell(const PairedResult& result, int width, bool multiline = true);
// The column header: the score name, plus " (μ ± 95% CI)" when results carry means.
std::string paired_column_header(const PairedTestResult& result);

}  // namespace longtail::eval

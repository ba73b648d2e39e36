// sacreBLEU 2.6.0's bootstrap CIs and paired tests; see significance.h and docs/scorer.md.
#include "eval/scorer/significance.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "eval/scorer/unicode.h"

// Every float operation below stands for one Python/NumPy operation: no contraction into FMA.
#pragma GCC optimize("fp-contract=off")
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

namespace longtail::eval {

using Kind = PyNum::Kind;

// ---- seeds ----

namespace {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Python's repr() of a str, for the ASCII strings error messages usually quote.
std::string python_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == quote || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

}  // namespace

numpy::SeedSequence SacrebleuSeed::seed_sequence() const {
  return value ? numpy::SeedSequence(*value) : numpy::SeedSequence::from_os_entropy();
}

SacrebleuSeed SacrebleuSeed::paired_system_seed() const {
  SacrebleuSeed s = *this;
  if (is_zero()) {
    s.value.reset();
    s.decimal = "none";
  }
  return s;
}

SacrebleuSeed parse_sacrebleu_seed(std::string_view text) {
  SacrebleuSeed seed;
  seed.text = std::string(text);
  if (ascii_lower(text) == "none") {
    seed.value.reset();
    seed.decimal = "none";
    return seed;
  }
  const auto invalid = [&] {
    return std::invalid_argument("invalid literal for int() with base 10: " + python_repr(text));
  };
  if (find_invalid_utf8(text) != std::string_view::npos) throw invalid();
  std::string_view t = strip(text);
  bool negative = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  // Digits with single underscores between them.
  std::string digits;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '_' && i > 0 && i + 1 < t.size() && t[i - 1] != '_' && t[i + 1] >= '0' && t[i + 1] <= '9') {
      continue;
    } else {
      throw invalid();
    }
  }
  if (digits.empty()) throw invalid();
  const std::size_t first = digits.find_first_not_of('0');
  seed.decimal = first == std::string::npos ? "0" : digits.substr(first);
  if (negative && seed.decimal != "0") throw std::invalid_argument("expected non-negative integer");
  seed.value = numpy::SeedSequence::decimal_to_words(seed.decimal);
  return seed;
}

SacrebleuSeed seed_from_env() {
  const char* env = std::getenv("SACREBLEU_SEED");
  return parse_sacrebleu_seed(env ? env : "12345");
}

// ---- PyNum ----

namespace {

bool is_py(Kind k) { return k == Kind::kInt || k == Kind::kFloat; }

Kind promote_numpy(Kind a, Kind b) { return a == b ? a : Kind::kFloat64; }

Kind result_kind(const PyNum& a, const PyNum& b) {
  const Kind ka = a.kind(), kb = b.kind();
  if (is_py(ka) && is_py(kb)) return ka == Kind::kFloat || kb == Kind::kFloat ? Kind::kFloat : Kind::kInt;
  if (is_py(ka) || is_py(kb)) {
    const Kind py = is_py(ka) ? ka : kb;
    const Kind np = is_py(ka) ? kb : ka;
    if (a.numpy() == NumpyVersion::kNumpy2) {  // NEP 50: the Python number takes the NumPy type
      if (py == Kind::kInt) return np;
      return np == Kind::kInt64 ? Kind::kFloat64 : np;
    }
    // NumPy 1 scalar arithmetic: Python int -> int64, Python float -> float64, then promotion.
    return promote_numpy(np, py == Kind::kInt ? Kind::kInt64 : Kind::kFloat64);
  }
  return promote_numpy(ka, kb);
}

template <typename FloatOp, typename DoubleOp>
PyNum apply(const PyNum& a, const PyNum& b, Kind kind, FloatOp fop, DoubleOp dop) {
  if (kind == Kind::kFloat32)
    return PyNum(kind, static_cast<double>(fop(static_cast<float>(a.value()), static_cast<float>(b.value()))), a.numpy());
  return PyNum(kind, dop(a.value(), b.value()), a.numpy());
}

}  // namespace

PyNum::PyNum(Kind kind, double value, NumpyVersion numpy)
    : value_(kind == Kind::kFloat32 ? static_cast<double>(static_cast<float>(value)) : value),
      kind_(kind),
      numpy_(numpy) {}

PyNum PyNum::stored_into(const PyNum& element) const {
  if (!element.is_numpy()) return *this;
  double v = value_;
  if (element.kind_ == Kind::kInt64) v = std::trunc(v);
  return PyNum(element.kind_, v, element.numpy_);
}

PyNum operator+(const PyNum& a, const PyNum& b) {
  return apply(a, b, result_kind(a, b), [](float x, float y) { return x + y; }, [](double x, double y) { return x + y; });
}
PyNum operator-(const PyNum& a, const PyNum& b) {
  return apply(a, b, result_kind(a, b), [](float x, float y) { return x - y; }, [](double x, double y) { return x - y; });
}
PyNum operator*(const PyNum& a, const PyNum& b) {
  return apply(a, b, result_kind(a, b), [](float x, float y) { return x * y; }, [](double x, double y) { return x * y; });
}
PyNum operator/(const PyNum& a, const PyNum& b) {
  Kind kind = result_kind(a, b);
  if (kind == Kind::kInt) kind = Kind::kFloat;
  if (kind == Kind::kInt64) kind = Kind::kFloat64;
  return apply(a, b, kind, [](float x, float y) { return x / y; }, [](double x, double y) { return x / y; });
}
bool operator<(const PyNum& a, const PyNum& b) {
  if (result_kind(a, b) == Kind::kFloat32) return static_cast<float>(a.value()) < static_cast<float>(b.value());
  return a.value() < b.value();
}
bool operator==(const PyNum& a, const PyNum& b) {
  if (result_kind(a, b) == Kind::kFloat32) return static_cast<float>(a.value()) == static_cast<float>(b.value());
  return a.value() == b.value();
}

PyNum py_log(const PyNum& x) { return PyNum::py_float(std::log(x.value()), x.numpy()); }
PyNum py_exp(const PyNum& x) { return PyNum::py_float(std::exp(x.value()), x.numpy()); }
PyNum py_abs(const PyNum& x) { return PyNum(x.kind(), std::fabs(x.value()), x.numpy()); }

// ---- metrics ----

SegmentStats segment_stats_table(const std::vector<BleuStats>& stats) {
  SegmentStats t;
  const std::size_t order = stats.empty() ? 4 : static_cast<std::size_t>(stats[0].max_ngram_order());
  t.num_stats = 2 + 2 * order;
  t.values.reserve(stats.size() * t.num_stats);
  for (const BleuStats& s : stats) {
    if (static_cast<std::size_t>(s.max_ngram_order()) != order)
      throw std::invalid_argument("segment_stats_table: BLEU statistics of different orders");
    t.values.push_back(static_cast<double>(s.sys_len));
    t.values.push_back(static_cast<double>(s.ref_len));
    for (std::int64_t c : s.matches) t.values.push_back(static_cast<double>(c));
    for (std::int64_t c : s.totals) t.values.push_back(static_cast<double>(c));
  }
  return t;
}

SegmentStats segment_stats_table(const std::vector<ChrfStats>& stats) {
  SegmentStats t;
  const std::size_t orders = stats.empty() ? 6 : stats[0].orders.size();
  t.num_stats = 3 * orders;
  t.values.reserve(stats.size() * t.num_stats);
  for (const ChrfStats& s : stats) {
    if (s.orders.size() != orders) throw std::invalid_argument("segment_stats_table: chrF statistics of different orders");
    for (const ChrfOrderStats& o : s.orders) {
      t.values.push_back(static_cast<double>(o.hyp));
      t.values.push_back(static_cast<double>(o.ref));
      t.values.push_back(static_cast<double>(o.match));
    }
  }
  return t;
}

namespace {

// BLEU._compute_score_from_stats -> BLEU.compute_bleu. A named type rather than a lambda so that
// shared_bootstrap can recognise BLEU inside a ResamplingMetric (std::function::target) and score
// its float32 resamples with float32_row, the same formula without PyNum's type dispatch.
struct BleuResampleScore {
  static constexpr std::size_t kMaxOrder = 16;  // float32_row's arrays
  BleuOptions o;
  std::size_t n_order = 4;

  // The generic formula on PyNum, line by line.
  PyNum operator()(const PyNum* stats) const {
    const NumpyVersion nv = stats[0].numpy();
    const auto F = [nv](double x) { return PyNum::py_float(x, nv); };
    const auto I = [nv](double x) { return PyNum::py_int(x, nv); };
    std::vector<PyNum> correct(stats + 2, stats + 2 + n_order);  // slices (views of NumPy rows)
    std::vector<PyNum> total(stats + 2 + n_order, stats + 2 + 2 * n_order);
    const double sys_len = std::trunc(stats[0].value());  // int(stats[0])
    const double ref_len = std::trunc(stats[1].value());
    PyNum smooth_value;  // SMOOTH_DEFAULTS: floor 0.1, add-k 1 (an int)
    if (o.smooth_value) {
      smooth_value = F(*o.smooth_value);
    } else if (o.smooth_method == SmoothMethod::kFloor) {
      smooth_value = F(0.1);
    } else if (o.smooth_method == SmoothMethod::kAddK) {
      smooth_value = I(1);
    }
    double bp = 1.0;
    if (sys_len < ref_len) bp = sys_len > 0 ? std::exp(1 - ref_len / sys_len) : 0.0;
    std::vector<PyNum> precisions(n_order, F(0.0));
    if (std::none_of(correct.begin(), correct.end(), [](const PyNum& c) { return static_cast<bool>(c); })) return F(0.0);
    PyNum smooth_mteval = F(1.0);
    std::size_t eff_order = n_order;
    for (std::size_t n = 1; n <= n_order; ++n) {
      PyNum& c = correct[n - 1];
      PyNum& t = total[n - 1];
      if (o.smooth_method == SmoothMethod::kAddK && n > 1) {
        c = (c + smooth_value).stored_into(c);
        t = (t + smooth_value).stored_into(t);
      }
      if (t == I(0)) break;
      if (o.effective_order) eff_order = n;
      if (c == I(0)) {
        if (o.smooth_method == SmoothMethod::kExp) {
          smooth_mteval = smooth_mteval * I(2);
          precisions[n - 1] = F(100.) / (smooth_mteval * t);
        } else if (o.smooth_method == SmoothMethod::kFloor) {
          precisions[n - 1] = F(100.) * smooth_value / t;
        }
      } else {
        precisions[n - 1] = F(100.) * c / t;
      }
    }
    PyNum log_sum = I(0);  // Python 3.11 sum(): naive, from int 0
    for (std::size_t n = 0; n < eff_order; ++n)
      log_sum = log_sum + (precisions[n] == F(0.0) ? I(-9999999999.0) : py_log(precisions[n]));
    return F(bp) * py_exp(log_sum / I(static_cast<double>(eff_order)));
  }

  // operator() on a row of NumPy 2 float32 sums (a bootstrap resample), as a double: the result
  // is always a Python float there. Each line mirrors the PyNum line above with the type NEP 50
  // gives it: float32 op Python number -> float32 (precisions, add-k), Python float op Python
  // int -> float (bp, smooth_mteval, the log sum; integer parts of the log sum are exact in a
  // double). tests/unit/core/test_scorer_significance.cpp compares the two bit for bit.
  double float32_row(const float* stats) const {
    const float* correct_in = stats + 2;
    const float* total_in = stats + 2 + n_order;
    const double sys_len = std::trunc(static_cast<double>(stats[0]));
    const double ref_len = std::trunc(static_cast<double>(stats[1]));
    const double smooth_value = o.smooth_value                              ? *o.smooth_value
                                : o.smooth_method == SmoothMethod::kFloor ? 0.1
                                                                            : 1.0;  // add-k's int 1
    double bp = 1.0;
    if (sys_len < ref_len) bp = sys_len > 0 ? std::exp(1 - ref_len / sys_len) : 0.0;
    if (std::none_of(correct_in, correct_in + n_order, [](float c) { return c != 0.0f; })) return 0.0;
    double precisions[kMaxOrder] = {};  // float32 values, or the initial Python 0.0
    double smooth_mteval = 1.0;
    std::size_t eff_order = n_order;
    for (std::size_t n = 1; n <= n_order; ++n) {
      float c = correct_in[n - 1], t = total_in[n - 1];
      if (o.smooth_method == SmoothMethod::kAddK && n > 1) {
        c = c + static_cast<float>(smooth_value);
        t = t + static_cast<float>(smooth_value);
      }
      if (t == 0.0f) break;
      if (o.effective_order) eff_order = n;
      if (c == 0.0f) {
        if (o.smooth_method == SmoothMethod::kExp) {
          smooth_mteval = smooth_mteval * 2.0;
          precisions[n - 1] = static_cast<double>(100.0f / (static_cast<float>(smooth_mteval) * t));
        } else if (o.smooth_method == SmoothMethod::kFloor) {
          precisions[n - 1] = static_cast<double>(static_cast<float>(100. * smooth_value) / t);
        }
      } else {
        precisions[n - 1] = static_cast<double>(100.0f * c / t);
      }
    }
    double log_sum = 0.0;
    for (std::size_t n = 0; n < eff_order; ++n)
      log_sum = log_sum + (precisions[n] == 0.0 ? -9999999999.0 : std::log(precisions[n]));
    return bp * std::exp(log_sum / static_cast<double>(eff_order));
  }
};

}  // namespace

ResamplingMetric resampling_metric(const Bleu& bleu) {
  ResamplingMetric m;
  m.name = bleu.name();
  const BleuOptions o = bleu.options();
  m.num_stats = 2 + 2 * static_cast<std::size_t>(o.max_ngram_order);
  m.score = BleuResampleScore{o, static_cast<std::size_t>(o.max_ngram_order)};
  return m;
}

SegmentStats segment_stats_table(const std::vector<TerStats>& stats) {
  SegmentStats t;
  t.num_stats = 2;
  t.integral = false;  // [int edits, float average length]: NumPy makes the AR arrays float64
  t.values.reserve(stats.size() * 2);
  for (const TerStats& s : stats) {
    t.values.push_back(static_cast<double>(s.edits));
    t.values.push_back(s.ref_length);
  }
  return t;
}

ResamplingMetric resampling_metric(const Ter& ter) {
  ResamplingMetric m;
  m.name = ter.name();
  m.num_stats = 2;
  m.score = [](const PyNum* stats) {
    // TER._compute_score_from_stats, line by line.
    const NumpyVersion nv = stats[0].numpy();
    PyNum score;
    if (stats[1] > PyNum::py_int(0, nv))
      score = stats[0] / stats[1];
    else
      score = PyNum::py_float(stats[0] > PyNum::py_int(0, nv) ? 1.0 : 0.0, nv);
    return PyNum::py_int(100, nv) * score;
  };
  return m;
}

ResamplingMetric resampling_metric(const Chrf& chrf) {
  const ChrfOptions o = chrf.options();
  const auto order = static_cast<std::size_t>(o.char_order + o.word_order);
  ResamplingMetric m;
  m.name = chrf.name();
  m.num_stats = 3 * order;
  m.score = [o, order](const PyNum* stats) {
    // CHRF._compute_f_score, line by line.
    const NumpyVersion nv = stats[0].numpy();
    const auto F = [nv](double x) { return PyNum::py_float(x, nv); };
    const auto I = [nv](double x) { return PyNum::py_int(x, nv); };
    const PyNum eps = F(1e-16);
    PyNum score = F(0.0);
    int effective_order = 0;
    const PyNum factor = I(static_cast<double>(o.beta) * o.beta);
    PyNum avg_prec = F(0.0), avg_rec = F(0.0);
    for (std::size_t i = 0; i < order; ++i) {
      const PyNum& n_hyp = stats[3 * i];
      const PyNum& n_ref = stats[3 * i + 1];
      const PyNum& n_match = stats[3 * i + 2];
      const PyNum prec = n_hyp > I(0) ? n_match / n_hyp : eps;
      const PyNum rec = n_ref > I(0) ? n_match / n_ref : eps;
      const PyNum denom = factor * prec + rec;
      score = score + (denom > I(0) ? (I(1) + factor) * prec * rec / denom : eps);
      if (n_hyp > I(0) && n_ref > I(0)) {
        avg_prec = avg_prec + prec;
        avg_rec = avg_rec + rec;
        ++effective_order;
      }
    }
    if (o.eps_smoothing) return I(100) * score / I(static_cast<double>(order));
    if (effective_order == 0) {
      avg_prec = avg_rec = F(0.0);
    } else {
      avg_prec = avg_prec / I(effective_order);
      avg_rec = avg_rec / I(effective_order);
    }
    if (avg_prec + avg_rec) {
      score = (I(1) + factor) * avg_prec * avg_rec;
      score = score / ((factor * avg_prec) + avg_rec);
      return I(100) * score;
    }
    return F(0.0);
  };
  return m;
}

// ---- numeric helpers ----

namespace {

template <typename T>
T pairwise_sum(const T* a, std::size_t n) {
  // numpy/_core/src/umath/loops_utils.h.src: @TYPE@_pairwise_sum (PW_BLOCKSIZE 128).
  if (n < 8) {
    T res = 0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    T r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

// A NumPy 1-D array of scores: np.array(list) is float32 only if every element is a float32.
struct ScoreArray {
  bool f32 = false;
  std::vector<double> v;  // float32 values are exact in double
  explicit ScoreArray(const std::vector<PyNum>& scores) {
    f32 = !scores.empty() && std::all_of(scores.begin(), scores.end(),
                                          [](const PyNum& s) { return s.kind() == Kind::kFloat32; });
    v.reserve(scores.size());
    for (const PyNum& s : scores) v.push_back(s.value());
  }
  ScoreArray(bool is_f32, std::vector<double> values) : f32(is_f32), v(std::move(values)) {}
  // arr.mean(): pairwise sum in the dtype, then `ret.dtype.type(ret / rcount)`.
  double mean() const {
    if (f32) {
      std::vector<float> f(v.begin(), v.end());
      const float sum = pairwise_sum(f.data(), f.size());
      return static_cast<double>(static_cast<float>(static_cast<double>(sum) / static_cast<double>(f.size())));
    }
    return pairwise_sum(v.data(), v.size()) / static_cast<double>(v.size());
  }
  // Elementwise a - b / |a - b| with NumPy's array promotion.
  static ScoreArray abs_diff(const ScoreArray& a, const ScoreArray& b) {
    const bool f = a.f32 && b.f32;
    std::vector<double> out(a.v.size());
    for (std::size_t k = 0; k < out.size(); ++k)
      out[k] = f ? static_cast<double>(std::fabs(static_cast<float>(a.v[k]) - static_cast<float>(b.v[k])))
                 : std::fabs(a.v[k] - b.v[k]);
    return ScoreArray(f, std::move(out));
  }
  ScoreArray minus(double scalar) const {
    std::vector<double> out(v.size());
    for (std::size_t k = 0; k < out.size(); ++k)
      out[k] = f32 ? static_cast<double>(static_cast<float>(v[k]) - static_cast<float>(scalar)) : v[k] - scalar;
    return ScoreArray(f32, std::move(out));
  }
  // _compute_p_value: (count(stats > real_difference) + 1) / (n + 1); a Python float compared
  // with a float32 array is cast to float32 (NumPy 1 value-based casting and NumPy 2 alike).
  double p_value(double real_difference) const {
    std::size_t c = 0;
    for (double x : v)
      if (f32 ? static_cast<float>(x) > static_cast<float>(real_difference) : x > real_difference) ++c;
    return static_cast<double>(c + 1) / static_cast<double>(v.size() + 1);
  }
};

// The Python-int sums sacreBLEU's _aggregate_and_compute makes (sum_of_lists: a loop, in order).
std::vector<PyNum> python_sums(const SegmentStats& t, NumpyVersion nv) {
  std::vector<double> sums(t.num_stats, 0.0);
  for (std::size_t i = 0; i < t.size(); ++i)
    for (std::size_t j = 0; j < t.num_stats; ++j) sums[j] += t.row(i)[j];
  std::vector<PyNum> out;
  out.reserve(sums.size());
  for (double s : sums) out.push_back(t.integral ? PyNum::py_int(s, nv) : PyNum::py_float(s, nv));
  return out;
}

// Scores resamples of one table: the rows of one index draw summed in float32, as
// `stats_np[idxs[k]].sum(0)` (np.array(stats, dtype='float32') first).
class Resampler {
 public:
  Resampler(const ResamplingMetric& metric, const SegmentStats& t, NumpyVersion nv)
      : metric_(metric), n_(t.size()), d_(t.num_stats), nv_(nv), f32_(t.values.begin(), t.values.end()), sums_(d_),
        args_(d_) {}

  PyNum score(const std::int64_t* rows) {
    if (d_ == 1) {  // an (n, 1) array reduces as one contiguous column: pairwise
      column_.resize(n_);
      for (std::size_t i = 0; i < n_; ++i) column_[i] = f32_[static_cast<std::size_t>(rows[i])];
      sums_[0] = 0.0f + pairwise_sum(column_.data(), n_);
    } else {  // the reduction axis is the outer loop: each column summed in row order
      std::fill(sums_.begin(), sums_.end(), 0.0f);
      for (std::size_t i = 0; i < n_; ++i) {
        const float* row = f32_.data() + static_cast<std::size_t>(rows[i]) * d_;
        for (std::size_t j = 0; j < d_; ++j) sums_[j] += row[j];
      }
    }
    for (std::size_t j = 0; j < d_; ++j) args_[j] = PyNum(Kind::kFloat32, static_cast<double>(sums_[j]), nv_);
    return metric_.score(args_.data());
  }

 private:
  const ResamplingMetric& metric_;
  std::size_t n_, d_;
  NumpyVersion nv_;
  std::vector<float> f32_, sums_, column_;
  std::vector<PyNum> args_;
};

// n_samples resamples of `t` with indices drawn row by row from `rng`: the same stream as one
// rng.choice(n, size=(n_samples, n)) call (the 32-bit buffer lives in the bit generator), without
// holding n_samples * n indices.
std::vector<PyNum> resample_scores(const ResamplingMetric& metric, const SegmentStats& t, numpy::Generator& rng,
                                   std::size_t n_samples, NumpyVersion nv) {
  Resampler resampler(metric, t, nv);
  std::vector<std::int64_t> rows(t.size());
  std::vector<PyNum> scores;
  scores.reserve(n_samples);
  for (std::size_t k = 0; k < n_samples; ++k) {
    rng.choice(static_cast<std::int64_t>(t.size()), rows.data(), rows.size());
    scores.push_back(resampler.score(rows.data()));
  }
  return scores;
}

// a[k] += value & mask[k] for one block of AR trials (no aliasing: vectorized).
template <std::size_t N>
void masked_add(std::int64_t* __restrict a, const std::int64_t* __restrict mask, std::int64_t value) {
  for (std::size_t k = 0; k < N; ++k) a[k] += value & mask[k];
}

void check_table(const ResamplingMetric& metric, const SegmentStats& t) {
  if (!metric.score) throw std::invalid_argument("resampling metric without a score function");
  if (t.num_stats != metric.num_stats)
    throw std::invalid_argument("segment statistics have " + std::to_string(t.num_stats) + " columns, " + metric.name +
                                " needs " + std::to_string(metric.num_stats));
  if (t.size() == 0) throw std::invalid_argument("cannot resample an empty corpus");
  if (t.values.size() != t.size() * t.num_stats) throw std::invalid_argument("ragged segment statistics");
}

// Bit i of a little-endian limb array.
template <std::size_t N>
bool bit_at(const std::array<std::uint32_t, N>& a, std::size_t i) {
  return (a[i / 32] >> (i % 32)) & 1u;
}

}  // namespace

double numpy_pairwise_sum(const double* values, std::size_t n) { return 0.0 + pairwise_sum(values, n); }
float numpy_pairwise_sum(const float* values, std::size_t n) { return 0.0f + pairwise_sum(values, n); }

double exact_mean(const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("mean requires at least one data point");
  if (values.size() > 0xFFFFFFFFULL) throw std::invalid_argument("exact_mean: too many values");
  for (double x : values)
    if (!std::isfinite(x)) {  // inf/nan propagate as in Python's float arithmetic
      double s = 0.0;
      for (double y : values) s += y;
      return s / static_cast<double>(values.size());
    }
  // Fixed point in units of 2^-1074 (the smallest subnormal): every double is an integer there.
  constexpr std::size_t kLimbs = 72;  // 2,304 bits >= 2,098 + 32
  using Big = std::array<std::uint32_t, kLimbs>;
  Big pos{}, neg{};
  for (double x : values) {
    if (x == 0.0) continue;
    int exp = 0;
    const double m = std::frexp(std::fabs(x), &exp);  // |x| = m * 2^exp, m in [0.5, 1)
    std::uint64_t mant = static_cast<std::uint64_t>(std::ldexp(m, 53));
    int e = exp - 53;
    if (e < -1074) {  // subnormal: the low bits are zero
      mant >>= static_cast<unsigned>(-1074 - e);
      e = -1074;
    }
    const auto shift = static_cast<std::size_t>(e + 1074);
    Big& acc = x < 0 ? neg : pos;
    numpy::Pcg64::u128 v = static_cast<numpy::Pcg64::u128>(mant) << (shift % 32);
    std::uint64_t carry = 0;
    for (std::size_t i = shift / 32; i < kLimbs && (v != 0 || carry != 0); ++i) {
      const std::uint64_t s = static_cast<std::uint64_t>(acc[i]) + static_cast<std::uint32_t>(v) + carry;
      acc[i] = static_cast<std::uint32_t>(s);
      carry = s >> 32;
      v >>= 32;
    }
  }
  // |pos - neg| and its sign.
  bool negative = false;
  for (std::size_t i = kLimbs; i-- > 0;) {
    if (pos[i] != neg[i]) {
      negative = neg[i] > pos[i];
      break;
    }
  }
  const Big& big = negative ? neg : pos;
  const Big& small = negative ? pos : neg;
  Big mag{};
  std::int64_t borrow = 0;
  for (std::size_t i = 0; i < kLimbs; ++i) {
    std::int64_t d = static_cast<std::int64_t>(big[i]) - static_cast<std::int64_t>(small[i]) - borrow;
    borrow = d < 0;
    if (d < 0) d += std::int64_t{1} << 32;
    mag[i] = static_cast<std::uint32_t>(d);
  }
  // q = mag / n, r = mag % n.
  const std::uint64_t n = values.size();
  Big q{};
  std::uint64_t rem = 0;
  for (std::size_t i = kLimbs; i-- > 0;) {
    const std::uint64_t cur = (rem << 32) | mag[i];
    q[i] = static_cast<std::uint32_t>(cur / n);
    rem = cur % n;
  }
  // Round q + rem/n to 53 significant bits, half to even.
  std::size_t length = 0;
  for (std::size_t i = kLimbs; i-- > 0;)
    if (q[i]) {
      length = i * 32 + 32 - static_cast<std::size_t>(__builtin_clz(q[i]));
      break;
    }
  std::uint64_t mant = 0;
  bool round = false, sticky = rem != 0;
  std::size_t shift = 0;
  if (length > 53) {
    shift = length - 53;
    for (std::size_t b = length; b-- > shift;) mant = (mant << 1) | static_cast<std::uint64_t>(bit_at(q, b));
    round = bit_at(q, shift - 1);
    for (std::size_t b = 0; b + 1 < shift && !sticky; ++b) sticky = bit_at(q, b);
  } else {
    for (std::size_t b = length; b-- > 0;) mant = (mant << 1) | static_cast<std::uint64_t>(bit_at(q, b));
    round = 2 * rem >= n;
    sticky = 2 * rem != n && rem != 0;
  }
  if (round && (sticky || (mant & 1))) ++mant;
  const double result = std::ldexp(static_cast<double>(mant), static_cast<int>(shift) - 1074);
  return negative ? -result : result;
}

std::pair<PyNum, PyNum> numpy_estimate_ci(const std::vector<PyNum>& scores) {
  if (scores.empty()) throw std::invalid_argument("estimate_ci: no scores");
  ScoreArray a(scores);
  std::sort(a.v.begin(), a.v.end());
  const NumpyVersion nv = scores[0].numpy();
  const Kind kind = a.f32 ? Kind::kFloat32 : Kind::kFloat64;
  const std::size_t n = a.v.size(), lower_idx = n / 40, upper_idx = n - lower_idx - 1;
  const PyNum lower(kind, a.v[lower_idx], nv), upper(kind, a.v[upper_idx], nv);
  const PyNum ci = PyNum::py_float(0.5, nv) * (upper - lower);
  return {PyNum(kind, a.mean(), nv), ci};
}

ConfidenceInterval python_estimate_ci(const std::vector<PyNum>& scores) {
  if (scores.empty()) throw std::invalid_argument("estimate_ci: no scores");
  std::vector<PyNum> raw = scores;
  std::stable_sort(raw.begin(), raw.end(), [](const PyNum& a, const PyNum& b) { return a.value() < b.value(); });
  const std::size_t n = raw.size(), lower_idx = n / 40, upper_idx = n - lower_idx - 1;
  ConfidenceInterval out;
  out.ci = (PyNum::py_float(0.5, raw[0].numpy()) * (raw[upper_idx] - raw[lower_idx])).value();
  std::vector<double> values;
  values.reserve(n);
  bool any_f32 = false, all_f32 = true;
  for (const PyNum& s : raw) {
    values.push_back(s.value());
    any_f32 = any_f32 || s.kind() == Kind::kFloat32;
    all_f32 = all_f32 && s.kind() == Kind::kFloat32;
  }
  // statistics.mean: the exact mean converted to the data's type, np.float32(Fraction) going
  // through float(); float32 mixed with Python floats is sacreBLEU's TypeError.
  out.mean = exact_mean(values);
  if (all_f32) out.mean = static_cast<double>(static_cast<float>(out.mean));
  out.mixed_types = any_f32 && !all_f32;
  return out;
}

// ---- bootstrap CI ----

std::vector<PyNum> bootstrap_scores(const ResamplingMetric& metric, const SegmentStats& stats, std::size_t n_samples,
                                    const numpy::SeedSequence& seed, NumpyVersion numpy) {
  check_table(metric, stats);
  numpy::Generator rng(seed);
  return resample_scores(metric, stats, rng, n_samples, numpy);
}

ConfidenceInterval bootstrap_ci(const ResamplingMetric& metric, const SegmentStats& stats, std::size_t n_samples,
                                const ResamplingOptions& options) {
  check_table(metric, stats);
  if (n_samples < 2) throw std::invalid_argument("bootstrap_ci: n_samples must be > 1");
  const std::vector<PyNum> scores =
      bootstrap_scores(metric, stats, n_samples, options.seed.seed_sequence(), options.numpy);
  ConfidenceInterval out = python_estimate_ci(scores);
  const std::vector<PyNum> sums = python_sums(stats, options.numpy);
  out.score = metric.score(sums.data()).value();
  return out;
}

// ---- the paired bootstrap for many systems at once ----

namespace {

// True when every resample of every table sums exactly in float32: integer statistics with
// n · max|x| < 2^24. A resample adds n rows (with repetition), so every partial sum, in any order,
// is an integer of magnitude below 2^24, which float32 holds exactly; the sums then do not depend
// on the order of the additions, and counts × rows (below) gives NumPy's row-by-row float32
// `stats_np[idxs].sum(0)` bit for bit.
bool sums_exact_in_float32(const std::vector<const SegmentStats*>& tables) {
  constexpr double kExactBelow = 16777216.0;  // 2^24
  for (const SegmentStats* t : tables) {
    if (!t->integral) return false;
    double max = 0;
    for (const double v : t->values) {
      if (v != std::trunc(v)) return false;  // NaN too
      max = std::max(max, std::fabs(v));
    }
    if (max * static_cast<double>(t->size()) >= kExactBelow) return false;
  }
  return true;
}

// out[k][c] = Σ_i counts[k][i] · rows[i][c] for k < n_k and c < width: the sums of n_k resamples
// of a block of tables laid side by side in `rows` (n rows of `width` floats, a multiple of 16),
// with counts[k][i] = how often resample k drew row i, stored in tiles of 4 resamples
// (tiles[k / 4][i][k % 4]; n_k a multiple of 4). Register-tiled 4 resamples × 16 columns; the
// operands are exact integers (sums_exact_in_float32), so the result does not depend on the order.
// Built for AVX2 and plain x86-64 (picked at load time) where the compiler can.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
void counts_times_rows(const float* tiles, std::size_t n_k, const float* rows, std::size_t n, std::size_t width,
                       float* out) {
  typedef float v8 __attribute__((vector_size(32)));
  for (std::size_t c0 = 0; c0 < width; c0 += 16)
    for (std::size_t k0 = 0; k0 < n_k; k0 += 4) {
      const float* counts = tiles + k0 * n;  // this tile's [i][4]
      v8 acc[4][2] = {};  // in registers once the loops over r are unrolled
      for (std::size_t i = 0; i < n; ++i) {
        v8 x0, x1;
        std::memcpy(&x0, rows + i * width + c0, sizeof x0);
        std::memcpy(&x1, rows + i * width + c0 + 8, sizeof x1);
#pragma GCC unroll 4
        for (std::size_t r = 0; r < 4; ++r) {
          acc[r][0] += counts[i * 4 + r] * x0;
          acc[r][1] += counts[i * 4 + r] * x1;
        }
      }
#pragma GCC unroll 4
      for (std::size_t r = 0; r < 4; ++r) {
        std::memcpy(out + (k0 + r) * width + c0, &acc[r][0], sizeof(v8));
        std::memcpy(out + (k0 + r) * width + c0 + 8, &acc[r][1], sizeof(v8));
      }
    }
}

// shared_bootstrap's resamples for BLEU under NumPy 2 when the sums are exact: each draw of row
// indices becomes per-row counts, the resample sums of 8 tables at a time one small matrix product
// (counts_times_rows), and each row of sums is scored by BleuResampleScore::float32_row. The
// same numbers as the generic path (Resampler + PyNum) in a tenth of its time
// (docs/benchmarks.md#reporting); the unit tests compare the two bit for bit.
void bleu_float32_resamples(const BleuResampleScore& bleu, const std::vector<const SegmentStats*>& tables,
                            std::size_t n_samples, numpy::Generator& rng, NumpyVersion nv, SharedBootstrap& out) {
  const std::size_t n = tables[0]->size(), d = tables[0]->num_stats;
  const std::size_t n_k = (n_samples + 3) / 4 * 4;
  std::vector<float> tiles(n_k * n, 0.0f);
  std::vector<std::int64_t> rows(n);
  for (std::size_t k = 0; k < n_samples; ++k) {
    rng.choice(static_cast<std::int64_t>(n), rows.data(), n);
    for (const std::int64_t i : rows) tiles[(k / 4) * 4 * n + static_cast<std::size_t>(i) * 4 + k % 4] += 1.0f;
  }
  constexpr std::size_t kBlock = 8;  // tables per product: 8 × 10 BLEU statistics = 80 columns
  const std::size_t width = (kBlock * d + 15) / 16 * 16;
  std::vector<float> block(n * width), sums(n_k * width);
  for (std::size_t t0 = 0; t0 < tables.size(); t0 += kBlock) {
    const std::size_t nb = std::min(kBlock, tables.size() - t0);
    std::fill(block.begin(), block.end(), 0.0f);
    for (std::size_t b = 0; b < nb; ++b)
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) block[i * width + b * d + j] = static_cast<float>(tables[t0 + b]->row(i)[j]);
    counts_times_rows(tiles.data(), n_k, block.data(), n, width, sums.data());
    for (std::size_t b = 0; b < nb; ++b)
      for (std::size_t k = 0; k < n_samples; ++k)
        out.resampled[t0 + b].push_back(PyNum(Kind::kFloat, bleu.float32_row(sums.data() + k * width + b * d), nv));
  }
}

}  // namespace

SharedBootstrap shared_bootstrap(const ResamplingMetric& metric, const std::vector<const SegmentStats*>& tables,
                                 std::size_t n_samples, const numpy::SeedSequence& seed, NumpyVersion numpy) {
  if (tables.empty()) throw std::invalid_argument("shared_bootstrap: no tables");
  for (const SegmentStats* t : tables) {
    check_table(metric, *t);
    if (t->size() != tables[0]->size()) throw std::invalid_argument("shared_bootstrap: tables differ in segments");
  }
  SharedBootstrap out;
  for (const SegmentStats* t : tables) {
    const std::vector<PyNum> sums = python_sums(*t, numpy);
    out.scores.push_back(metric.score(sums.data()).value());
  }
  out.resampled.assign(tables.size(), {});
  for (auto& r : out.resampled) r.reserve(n_samples);
  numpy::Generator rng(seed);
  // BLEU (sacreBLEU's default metric) has a fast path; the generic one serves every other case.
  const auto* bleu = metric.score.target<BleuResampleScore>();
  if (bleu && bleu->n_order <= BleuResampleScore::kMaxOrder && numpy == NumpyVersion::kNumpy2 &&
      sums_exact_in_float32(tables)) {
    bleu_float32_resamples(*bleu, tables, n_samples, rng, numpy, out);
    return out;
  }
  std::vector<Resampler> resamplers;
  resamplers.reserve(tables.size());
  for (const SegmentStats* t : tables) resamplers.emplace_back(metric, *t, numpy);
  const std::size_t n = tables[0]->size();
  std::vector<std::int64_t> rows(n);
  for (std::size_t k = 0; k < n_samples; ++k) {
    rng.choice(static_cast<std::int64_t>(n), rows.data(), n);
    for (std::size_t t = 0; t < tables.size(); ++t) out.resampled[t].push_back(resamplers[t].score(rows.data()));
  }
  return out;
}

double paired_bootstrap_p_value(const std::vector<PyNum>& baseline, const std::vector<PyNum>& system,
                                double real_difference) {
  if (baseline.size() != system.size() || baseline.empty())
    throw std::invalid_argument("paired_bootstrap_p_value: resamples differ in number or are empty");
  const ScoreArray sample_diffs = ScoreArray::abs_diff(ScoreArray(system), ScoreArray(baseline));
  return sample_diffs.minus(sample_diffs.mean()).p_value(real_difference);
}

// ---- paired tests ----

std::size_t PairedTestOptions::effective_samples() const {
  if (n_samples > 0) return n_samples;
  return type == PairedTestType::kBootstrap ? 1000 : 10000;
}

PairedTestResult paired_test(const ResamplingMetric& metric, const std::vector<SegmentStats>& systems,
                             const PairedTestOptions& options) {
  if (systems.size() < 2) throw std::invalid_argument("paired_test: needs a baseline and at least one system");
  for (const SegmentStats& s : systems) {
    check_table(metric, s);
    if (s.size() != systems[0].size() || s.integral != systems[0].integral)
      throw std::invalid_argument("paired_test: systems differ in segments or statistic types");
  }
  const NumpyVersion nv = options.numpy;
  const bool bs = options.type == PairedTestType::kBootstrap;
  const std::size_t n_samples = options.effective_samples();
  const long n_ar_confidence = options.effective_ar_confidence();
  const SegmentStats& bl = systems[0];
  const std::size_t n = bl.size(), d = metric.num_stats;

  PairedTestResult out;
  out.metric = metric.name;

  // Baseline: score, and its CI from _bootstrap_resample (the seed as given: 0 is a seed).
  const std::vector<PyNum> bl_sums = python_sums(bl, nv);
  const PyNum bl_score = metric.score(bl_sums.data());
  PairedResult bl_result;
  bl_result.score = bl_score.value();
  const long confidence_n = bs ? static_cast<long>(n_samples) : n_ar_confidence;
  if (confidence_n > 0) {
    const auto scores =
        bootstrap_scores(metric, bl, static_cast<std::size_t>(confidence_n), options.seed.seed_sequence(), nv);
    const auto [mean, ci] = numpy_estimate_ci(scores);
    bl_result.mean = mean.value();
    bl_result.ci = ci.value();
  }
  out.results.push_back(bl_result);

  const SacrebleuSeed system_seed = options.seed.paired_system_seed();
  for (std::size_t s = 1; s < systems.size(); ++s) {
    const SegmentStats& sys = systems[s];
    const std::vector<PyNum> sys_sums = python_sums(sys, nv);
    const PyNum sys_score = metric.score(sys_sums.data());
    const double diff = py_abs(bl_score - sys_score).value();
    PairedResult r;
    r.score = sys_score.value();
    if (bs) {
      // The baseline and the system resampled with the same draws of a fresh default_rng(seed).
      const SharedBootstrap b = shared_bootstrap(metric, {&bl, &sys}, n_samples, system_seed.seed_sequence(), nv);
      const std::vector<PyNum>& scores_bl = b.resampled[0];
      const std::vector<PyNum>& scores_sys = b.resampled[1];
      const auto [mean, ci] = numpy_estimate_ci(scores_sys);
      r.mean = mean.value();
      r.ci = ci.value();
      r.p_value = paired_bootstrap_p_value(scores_bl, scores_sys, diff);
    } else {
      numpy::Generator rng(system_seed.seed_sequence());
      // pos_sel = rng.integers(2, size=(n_samples, n), dtype=bool), drawn kBlock rows at a time:
      // the bool fill takes a fresh 32-bit word every 32 values and starts one per call, so
      // chunks whose sizes are multiples of 32 (kBlock * n) give the same stream as one call.
      // shuf_a = pos_sel @ bl + neg_sel @ sys, shuf_b = neg_sel @ bl + pos_sel @ sys.
      constexpr std::size_t kBlock = 64;
      std::vector<std::uint8_t> pos_sel(kBlock * n);
      std::vector<PyNum> scores_a, scores_b;
      scores_a.reserve(n_samples);
      scores_b.reserve(n_samples);
      std::vector<PyNum> args(d);
      const Kind kind = bl.integral ? Kind::kInt64 : Kind::kFloat64;
      if (bl.integral) {
        // Integer counts: exact in int64, so shuf_a = Σsys + Σ_pos (bl - sys), shuf_b = Σbl + Σsys - shuf_a.
        std::vector<std::int64_t> delta(n * d), tot_bl(d, 0), tot_sys(d, 0);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < d; ++j) {
            const auto b = static_cast<std::int64_t>(bl.row(i)[j]), y = static_cast<std::int64_t>(sys.row(i)[j]);
            delta[i * d + j] = b - y;
            tot_bl[j] += b;
            tot_sys[j] += y;
          }
        // The innermost loop runs over the block's samples with -1/0 masks (vectorized).
        std::vector<std::int64_t> masks(n * kBlock), acc(d * kBlock);
        for (std::size_t k0 = 0; k0 < n_samples; k0 += kBlock) {
          const std::size_t kb = std::min(kBlock, n_samples - k0);
          rng.integers_bool(pos_sel.data(), kb * n);
          for (std::size_t i = 0; i < n; ++i) {  // transpose: masks[i][kk] = -pos_sel[kk][i]
            std::int64_t* m = masks.data() + i * kBlock;
            for (std::size_t kk = 0; kk < kBlock; ++kk) m[kk] = kk < kb ? -static_cast<std::int64_t>(pos_sel[kk * n + i]) : 0;
          }
          for (std::size_t j = 0; j < d; ++j) std::fill_n(acc.begin() + static_cast<std::ptrdiff_t>(j * kBlock), kBlock, tot_sys[j]);
          for (std::size_t i = 0; i < n; ++i) {
            const std::int64_t* m = masks.data() + i * kBlock;
            const std::int64_t* dr = delta.data() + i * d;
            for (std::size_t j = 0; j < d; ++j) masked_add<kBlock>(acc.data() + j * kBlock, m, dr[j]);
          }
          for (std::size_t kk = 0; kk < kb; ++kk) {
            for (std::size_t j = 0; j < d; ++j) args[j] = PyNum(kind, static_cast<double>(acc[j * kBlock + kk]), nv);
            scores_a.push_back(metric.score(args.data()));
            for (std::size_t j = 0; j < d; ++j)
              args[j] = PyNum(kind, static_cast<double>(tot_bl[j] + tot_sys[j] - acc[j * kBlock + kk]), nv);
            scores_b.push_back(metric.score(args.data()));
          }
        }
      } else {
        // Float statistics (float64 matmul): summed in segment order.
        std::vector<double> pb(d), ns(d), nb(d), ps(d);
        for (std::size_t k = 0; k < n_samples; ++k) {
          if (k % kBlock == 0) rng.integers_bool(pos_sel.data(), std::min(kBlock, n_samples - k) * n);
          std::fill(pb.begin(), pb.end(), 0.0);
          std::fill(ns.begin(), ns.end(), 0.0);
          std::fill(nb.begin(), nb.end(), 0.0);
          std::fill(ps.begin(), ps.end(), 0.0);
          const std::uint8_t* sel = pos_sel.data() + (k % kBlock) * n;
          for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < d; ++j) {
              (sel[i] ? pb : nb)[j] += bl.row(i)[j];
              (sel[i] ? ps : ns)[j] += sys.row(i)[j];
            }
          for (std::size_t j = 0; j < d; ++j) args[j] = PyNum(kind, pb[j] + ns[j], nv);
          scores_a.push_back(metric.score(args.data()));
          for (std::size_t j = 0; j < d; ++j) args[j] = PyNum(kind, nb[j] + ps[j], nv);
          scores_b.push_back(metric.score(args.data()));
        }
      }
      r.p_value = ScoreArray::abs_diff(ScoreArray(scores_a), ScoreArray(scores_b)).p_value(diff);
      if (n_ar_confidence > 0) {  // bs_idxs = rng.choice(...), drawn after all of pos_sel
        const auto scores = resample_scores(metric, sys, rng, static_cast<std::size_t>(n_ar_confidence), nv);
        const auto [mean, ci] = numpy_estimate_ci(scores);
        r.mean = mean.value();
        r.ci = ci.value();
      }
    }
    out.results.push_back(r);
  }
  return out;
}

// ---- text output ----

namespace {

// Inserts `keys` ("bs:1000|seed:12345|") after the first field (nrefs), where sacreBLEU's
// Signature.info keeps them.
std::string insert_after_nrefs(const std::string& sig, const std::string& keys) {
  const std::size_t bar = sig.find('|');
  if (bar == std::string::npos) return sig + "|" + keys.substr(0, keys.size() - 1);
  return sig.substr(0, bar + 1) + keys + sig.substr(bar + 1);
}

}  // namespace

std::string bootstrap_signature(const Signature& metric_signature, std::size_t n_bootstrap, const SacrebleuSeed& seed,
                                bool short_form) {
  // corpus_score sets n_bootstrap and seed = str(SACREBLEU_SEED).lower().
  return insert_after_nrefs(metric_signature.format(short_form), "bs:" + std::to_string(n_bootstrap) + "|" +
                                                                      (short_form ? "rs:" : "seed:") +
                                                                      ascii_lower(seed.text) + "|");
}

std::string paired_test_signature(const Signature& metric_signature, const PairedTestOptions& options,
                                  bool short_form) {
  // sig.update('seed', str(self._seed).lower()); sig.update(test_type, n_samples);
  // sig.update('bs', n_ar_confidence) if n_ar_confidence > 0 (also for bs: the quirk is kept).
  const bool bs = options.type == PairedTestType::kBootstrap;
  std::string keys;
  const long conf = options.effective_ar_confidence();
  if (conf > 0)
    keys += "bs:" + std::to_string(conf) + "|";
  else if (bs)
    keys += "bs:" + std::to_string(options.effective_samples()) + "|";
  if (!bs) keys += "ar:" + std::to_string(options.effective_samples()) + "|";
  keys += std::string(short_form ? "rs:" : "seed:") + options.seed.decimal + "|";
  return insert_after_nrefs(metric_signature.format(short_form), keys);
}

std::string format_score_line_with_ci(const std::string& name, double score, double mean, double ci, int width,
                                      const std::string& signature, const std::string& verbose, bool score_only) {
  std::string sc = format_fixed(score, width);
  if (mean > 0) sc += " (\u03bc = " + format_fixed(mean, width) + " \u00b1 " + format_fixed(ci, width) + ")";
  if (score_only) return sc;
  std::string line = signature.empty() ? name : name + "|" + signature;
  line += " = " + sc;
  if (!verbose.empty()) line += " " + verbose;
  return line;
}

std::string format_paired_cell(const PairedResult& result, int width, bool multiline) {
  std::string s = format_fixed(result.score, width);
  if (result.mean) s += " (" + format_fixed(*result.mean, width) + " \u00b1 " + format_fixed(result.ci.value_or(0.0), width) + ")";
  if (result.p_value) {
    s += multiline ? "\n" : " ";
    s += "(p = " + format_fixed(*result.p_value, 4) + ")";
    if (!(*result.p_value > 0.05)) s += "*";
  }
  return s;
}

std::string paired_column_header(const PairedTestResult& result) {
  const bool bootstrap = std::any_of(result.results.begin(), result.results.end(),
                                     [](const PairedResult& r) { return r.mean.has_value(); });
  return bootstrap ? result.metric + " (\u03bc \u00b1 95% CI)" : result.metric;
}

}  // namespace longtail::eval

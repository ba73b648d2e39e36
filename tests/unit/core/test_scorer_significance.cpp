// eval/scorer/significance.h against sacreBLEU 2.6.0: tests/data/scorer/significance_golden_numpy{2,1}.json
// (made by tests/scorer/make_significance_golden.py under NumPy 2.4.6 and 1.26.4). Every number
// (corpus score, bootstrap mean and CI, p-value, each resampled score) is compared exactly.
#include "eval/scorer/significance.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "eval/scorer/unicode.h"
#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

namespace {

const json::object* significance_golden(int numpy_major) {
  static std::map<int, std::unique_ptr<json::value>> cache;
  auto& slot = cache[numpy_major];
  if (!slot) {
    const std::string path =
        std::string(LONGTAIL_TEST_DATA) + "/scorer/significance_golden_numpy" + std::to_string(numpy_major) + ".json";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    slot = std::make_unique<json::value>(json::parse(buf.str()));
  }
  return &slot->as_object();
}

NumpyVersion version_of(int major) { return major == 1 ? NumpyVersion::kNumpy1 : NumpyVersion::kNumpy2; }

std::optional<double> opt_num(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return num(v);
}

// The corpus BleuStats of a statistics table (for the verbose part of the score line).
BleuStats sum_bleu(const SegmentStats& t) {
  const int order = static_cast<int>((t.num_stats - 2) / 2);
  BleuStats total(order);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const double* r = t.row(i);
    total.sys_len += static_cast<std::int64_t>(r[0]);
    total.ref_len += static_cast<std::int64_t>(r[1]);
    for (int n = 0; n < order; ++n) {
      total.matches[static_cast<std::size_t>(n)] += static_cast<std::int64_t>(r[2 + n]);
      total.totals[static_cast<std::size_t>(n)] += static_cast<std::int64_t>(r[2 + order + n]);
    }
  }
  return total;
}

// The metric configurations of make_significance_golden.py's METRICS.
struct MetricCase {
  std::optional<Bleu> bleu;
  std::optional<Chrf> chrf;

  explicit MetricCase(const std::string& name) {
    if (name.rfind("bleu", 0) == 0) {
      BleuOptions o;
      if (name == "bleu-floor-eff") {
        o.smooth_method = SmoothMethod::kFloor;
        o.effective_order = true;
      } else if (name == "bleu-addk") {
        o.smooth_method = SmoothMethod::kAddK;
      } else if (name == "bleu-none-lc") {
        o.smooth_method = SmoothMethod::kNone;
        o.lowercase = true;
      }
      bleu.emplace(o);
    } else {
      ChrfOptions o;
      if (name == "chrf++") o.word_order = 2;
      if (name == "chrf-eps-b3") {
        o.eps_smoothing = true;
        o.beta = 3;
      }
      chrf.emplace(o);
    }
  }
  SegmentStats stats(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs) const {
    return bleu ? segment_stats_table(bleu->segment_stats(hyps, refs)) : segment_stats_table(chrf->segment_stats(hyps, refs));
  }
  ResamplingMetric metric() const { return bleu ? resampling_metric(*bleu) : resampling_metric(*chrf); }
  Signature signature(int nrefs) const { return bleu ? bleu->signature(nrefs) : chrf->signature(nrefs); }
  std::string name() const { return bleu ? bleu->name() : chrf->name(); }
};

// Statistics of (metric, system index), for the WMT17 test where each system is scored many times.
using StatsCache = std::map<std::pair<std::string, std::size_t>, SegmentStats>;

SegmentStats cached_stats(StatsCache* cache, std::size_t system, const std::string& metric, const MetricCase& mc,
                          const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs) {
  if (!cache) return mc.stats(hyps, refs);
  auto it = cache->find({metric, system});
  if (it == cache->end()) it = cache->emplace(std::make_pair(metric, system), mc.stats(hyps, refs)).first;
  return it->second;
}

SacrebleuSeed seed_of(const json::value& v) { return v.is_null() ? SacrebleuSeed{} : parse_sacrebleu_seed(str(v)); }

// One single-system CI case (`single_ci` in the generator).
void check_ci_case(const json::object& c, const std::vector<std::string>& hyps,
                   const std::vector<std::vector<std::string>>& refs, NumpyVersion nv, StatsCache* cache = nullptr,
                   std::size_t system = 0) {
  const MetricCase mc(str(c.at("metric")));
  const auto n = static_cast<std::size_t>(c.at("n").as_int64());
  INFO("metric " << str(c.at("metric")) << " n " << n << " seed " << (c.at("seed").is_null() ? "-" : str(c.at("seed"))));
  ResamplingOptions o;
  o.seed = seed_of(c.at("seed"));
  o.numpy = nv;
  const SegmentStats stats = cached_stats(cache, system, str(c.at("metric")), mc, hyps, refs);
  const ResamplingMetric metric = mc.metric();
  const ConfidenceInterval ci = bootstrap_ci(metric, stats, n, o);
  CHECK(ci.score == num(c.at("score")));
  CHECK(ci.mean == num(c.at("mean")));
  CHECK(ci.ci == num(c.at("ci")));
  CHECK(ci.mixed_types == !c.at("error").is_null());

  const int nrefs = static_cast<int>(refs.size());
  CHECK(bootstrap_signature(mc.signature(nrefs), n, o.seed) == str(c.at("signature")));
  CHECK(bootstrap_signature(mc.signature(nrefs), n, o.seed, true) == str(c.at("signature_short")));
  const std::string verbose = mc.bleu ? mc.bleu->score_from_stats(sum_bleu(stats)).verbose() : "";
  CHECK(format_score_line_with_ci(mc.name(), ci.score, ci.mean, ci.ci, 2, "", verbose, false) == str(c.at("line2")));
  CHECK(format_score_line_with_ci(mc.name(), ci.score, ci.mean, ci.ci, 1, str(c.at("signature_short")), verbose,
                                  false) == str(c.at("line1_sig")));

  if (const auto* scores = c.if_contains("scores")) {
    const auto got = bootstrap_scores(metric, stats, n, o.seed.seed_sequence(), nv);
    const auto& want = scores->as_array();
    REQUIRE(got.size() == want.size());
    std::size_t mismatches = 0;
    for (std::size_t k = 0; k < got.size(); ++k) mismatches += got[k].value() != num(want[k]);
    CHECK(mismatches == 0);
  }
}

// One paired-test entry (`paired` in the generator): every metric in it.
void check_paired_case(const json::object& p, const std::vector<std::vector<std::string>>& systems,
                       const std::vector<std::vector<std::string>>& refs, NumpyVersion nv, StatsCache* cache = nullptr) {
  PairedTestOptions o;
  o.type = str(p.at("test")) == "bs" ? PairedTestType::kBootstrap : PairedTestType::kApproximateRandomization;
  o.n_samples = static_cast<std::size_t>(p.at("n_samples").as_int64());
  o.n_ar_confidence = static_cast<long>(p.at("n_ar_confidence").as_int64());
  o.seed = seed_of(p.at("seed"));
  o.numpy = nv;
  for (const auto& [name, value] : p.at("results").as_object()) {
    const auto& want = value.as_object();
    INFO(str(p.at("test")) << " n " << o.n_samples << " conf " << o.n_ar_confidence << " metric " << name);
    const MetricCase mc{std::string(name)};
    std::vector<SegmentStats> tables;
    for (std::size_t i = 0; i < systems.size(); ++i)
      tables.push_back(cached_stats(cache, i, std::string(name), mc, systems[i], refs));
    const PairedTestResult r = paired_test(mc.metric(), tables, o);
    CHECK(r.metric == str(want.at("score_name")));
    const auto& results = want.at("results").as_array();
    REQUIRE(r.results.size() == results.size());
    for (std::size_t s = 0; s < results.size(); ++s) {
      INFO("system " << s);
      const auto& w = results[s].as_object();
      CHECK(r.results[s].score == num(w.at("score")));
      CHECK(r.results[s].p_value == opt_num(w.at("p_value")));
      CHECK(r.results[s].mean == opt_num(w.at("mean")));
      CHECK(r.results[s].ci == opt_num(w.at("ci")));
      CHECK(format_paired_cell(r.results[s], 1, true) == str(want.at("cells1").as_array()[s]));
      CHECK(format_paired_cell(r.results[s], 2, false) == str(want.at("cells2").as_array()[s]));
    }
    CHECK(paired_column_header(r) == str(want.at("header")));
    const int nrefs = static_cast<int>(refs.size());
    CHECK(paired_test_signature(mc.signature(nrefs), o) == str(want.at("signature")));
    CHECK(paired_test_signature(mc.signature(nrefs), o, true) == str(want.at("signature_short")));
  }
}


}  // namespace

TEST_CASE("significance: SACREBLEU_SEED parsing as Python int()", "[scorer][significance]") {
  for (const auto& v : significance_golden(2)->at("seeds").as_array()) {
    const auto& e = v.as_object();
    const std::string text = str(e.at("text"));
    INFO("'" << text << "'");
    if (e.at("none").as_bool()) {
      const SacrebleuSeed s = parse_sacrebleu_seed(text);
      CHECK(s.is_none());
      CHECK(s.decimal == "none");
    } else if (const auto* i = e.if_contains("int")) {
      const std::string want = str(*i);
      if (want[0] == '-') {
        CHECK_THROWS_WITH(parse_sacrebleu_seed(text), "expected non-negative integer");
      } else {
        const SacrebleuSeed s = parse_sacrebleu_seed(text);
        CHECK(s.decimal == want);
        CHECK(s.text == text);
        CHECK(s.value == numpy::SeedSequence::decimal_to_words(want));
      }
    } else {
      CHECK_THROWS_WITH(parse_sacrebleu_seed(text), str(e.at("error")));
    }
  }
  CHECK(SacrebleuSeed{}.decimal == "12345");
  CHECK(parse_sacrebleu_seed("0").is_zero());
  CHECK(parse_sacrebleu_seed("0").paired_system_seed().is_none());
  CHECK(parse_sacrebleu_seed("7").paired_system_seed().decimal == "7");

  const char* old = std::getenv("SACREBLEU_SEED");
  const std::string saved = old ? old : "";
  ::unsetenv("SACREBLEU_SEED");
  CHECK(seed_from_env().decimal == "12345");
  ::setenv("SACREBLEU_SEED", "None", 1);
  CHECK(seed_from_env().is_none());
  ::setenv("SACREBLEU_SEED", " 0042 ", 1);
  CHECK(seed_from_env().decimal == "42");
  CHECK(seed_from_env().text == " 0042 ");
  if (old)
    ::setenv("SACREBLEU_SEED", saved.c_str(), 1);
  else
    ::unsetenv("SACREBLEU_SEED");
}

TEST_CASE("significance: Python/NumPy scalar promotion", "[scorer][significance]") {
  using K = PyNum::Kind;
  for (NumpyVersion nv : {NumpyVersion::kNumpy1, NumpyVersion::kNumpy2}) {
    const bool v2 = nv == NumpyVersion::kNumpy2;
    const PyNum f32(K::kFloat32, 3.0, nv), i64(K::kInt64, 3.0, nv), f64(K::kFloat64, 3.0, nv);
    const PyNum pi = PyNum::py_int(7, nv), pf = PyNum::py_float(0.1, nv);
    CHECK((f32 * pi).kind() == (v2 ? K::kFloat32 : K::kFloat64));
    CHECK((pf * f32).kind() == (v2 ? K::kFloat32 : K::kFloat64));
    CHECK((f32 / f32).kind() == K::kFloat32);
    CHECK((f32 + f64).kind() == K::kFloat64);
    CHECK((f32 + i64).kind() == K::kFloat64);
    CHECK((i64 + pi).kind() == K::kInt64);
    CHECK((i64 / i64).kind() == K::kFloat64);
    CHECK((i64 * pf).kind() == K::kFloat64);
    CHECK((pi / pi).kind() == K::kFloat);
    CHECK((pi + pi).kind() == K::kInt);
    CHECK((pi * pf).kind() == K::kFloat);
    // float32 rounding: 1/3 in float32 vs in double
    const PyNum one(K::kFloat32, 1.0, nv);
    CHECK((one / f32).value() == static_cast<double>(1.0f / 3.0f));
    CHECK((PyNum::py_float(1.0, nv) / f32).value() == (v2 ? static_cast<double>(1.0f / 3.0f) : 1.0 / 3.0));
    // comparisons happen in float32 when the promoted type is float32 (both versions for arrays;
    // scalars in NumPy 1 promote to float64)
    CHECK((PyNum(K::kFloat32, 0.1, nv) > pf) == !v2);
    // in-place stores keep the element type
    CHECK((PyNum::py_float(0.1, nv) + f32).stored_into(f32).kind() == K::kFloat32);
    CHECK((PyNum::py_float(1.5, nv) + i64).stored_into(i64).value() == 4.0);
    CHECK((PyNum::py_float(1.5, nv) + pi).stored_into(pi).value() == 8.5);
  }
}

TEST_CASE("significance: exact mean and NumPy pairwise sums", "[scorer][significance]") {
  // statistics.mean() values, from Python 3.11
  CHECK(exact_mean({0.1, 0.2, 0.3}) == 0.2);
  CHECK(exact_mean({1e308, 1e308, -1e308}) == 3.333333333333333e+307);
  CHECK(exact_mean({5e-324, 0.0}) == 0.0);
  CHECK(exact_mean({1.5e-323, 0.0}) == 1e-323);
  CHECK(exact_mean({1.0, 0x1p-60, 0x1p-60}) == 0.3333333333333333);
  CHECK(exact_mean({-3.5, 1.25}) == -1.125);
  CHECK_THROWS_AS(exact_mean({}), std::invalid_argument);
  // pairwise: for n < 8 a plain loop, above that 8 accumulators
  const std::vector<double> v{1e16, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1e16};
  double naive = 0;
  for (double x : v) naive += x;
  CHECK(naive == 0.0);
  CHECK(numpy_pairwise_sum(v.data(), v.size()) == 8.0);  // np.sum(np.array(v)) with NumPy 2.4.6
}

TEST_CASE("significance: small corpora equal sacreBLEU (NumPy 2 and 1)", "[scorer][significance]") {
  for (int major : {2, 1}) {
    const json::object& g = *significance_golden(major);
    INFO("numpy " << str(g.at("numpy_version")));
    const NumpyVersion nv = version_of(major);
    for (const auto& entry : g.at("small").as_array()) {
      const auto& e = entry.as_object();
      INFO("corpus " << str(e.at("name")));
      const auto refs = streams(e.at("refs"));
      const auto systems = streams(e.at("systems"));
      for (const auto& c : e.at("ci").as_array()) check_ci_case(c.as_object(), systems[0], refs, nv);
      for (const auto& p : e.at("paired").as_array()) check_paired_case(p.as_object(), systems, refs, nv);
    }
  }
}

TEST_CASE("significance: seed 0 and None", "[scorer][significance]") {
  const json::object& g = *significance_golden(2);
  const auto& news = g.at("small").as_array()[0].as_object();
  const auto refs = streams(news.at("refs"));
  const auto systems = streams(news.at("systems"));
  const Bleu bleu;
  std::vector<SegmentStats> tables;
  for (const auto& h : systems) tables.push_back(segment_stats_table(bleu.segment_stats(h, refs)));
  for (const auto& v : g.at("nondeterministic").as_array()) {
    const auto& e = v.as_object();
    const SacrebleuSeed seed = parse_sacrebleu_seed(str(e.at("seed")));
    if (str(e.at("test")) == "ci") {
      CHECK(bootstrap_signature(bleu.signature(1), 20, seed) == str(e.at("signature")));
      const ConfidenceInterval ci = bootstrap_ci(resampling_metric(bleu), tables[0], 20, {seed, NumpyVersion::kNumpy2});
      CHECK(ci.mean > 0);
      continue;
    }
    PairedTestOptions o;
    o.type = PairedTestType::kBootstrap;
    o.n_samples = 50;
    o.seed = seed;
    CHECK(paired_test_signature(bleu.signature(1), o) == str(e.at("signature")));
    CHECK(paired_test_signature(bleu.signature(1), o, true) == str(e.at("signature_short")));
    const PairedTestResult r = paired_test(resampling_metric(bleu), tables, o);
    const auto& scores = e.at("scores").as_array();
    for (std::size_t s = 0; s < scores.size(); ++s) CHECK(r.results[s].score == num(scores[s]));
    if (!e.at("baseline").is_null()) {  // seed 0: the baseline CI uses SeedSequence(0)
      const auto& b = e.at("baseline").as_object();
      CHECK(r.results[0].mean == num(b.at("mean")));
      CHECK(r.results[0].ci == num(b.at("ci")));
    }
    for (std::size_t s = 1; s < r.results.size(); ++s) CHECK(r.results[s].p_value.has_value());
  }
}

TEST_CASE("significance: large counts (float32 rounding of the sums) equal sacreBLEU", "[scorer][significance]") {
  for (int major : {2, 1}) {
    const json::object& g = *significance_golden(major);
    INFO("numpy " << str(g.at("numpy_version")));
    const NumpyVersion nv = version_of(major);
    for (const auto& v : g.at("synthetic").as_array()) {
      const auto& e = v.as_object();
      const bool is_bleu = str(e.at("metric")) == "bleu";
      INFO(str(e.at("metric")) << " " << str(e.at("test")));
      const ResamplingMetric metric = is_bleu ? resampling_metric(Bleu()) : resampling_metric(Chrf());
      std::vector<SegmentStats> tables;
      for (const auto& sys : e.at("stats").as_array()) {
        SegmentStats t;
        t.num_stats = metric.num_stats;
        for (const auto& row : sys.as_array())
          for (const auto& x : row.as_array()) t.values.push_back(static_cast<double>(x.as_int64()));
        tables.push_back(std::move(t));
      }
      PairedTestOptions o;
      o.type = str(e.at("test")) == "bs" ? PairedTestType::kBootstrap : PairedTestType::kApproximateRandomization;
      o.n_samples = static_cast<std::size_t>(e.at("n_samples").as_int64());
      o.n_ar_confidence = o.type == PairedTestType::kBootstrap ? -1 : 100;
      o.numpy = nv;
      const PairedTestResult r = paired_test(metric, tables, o);
      const auto& results = e.at("results").as_array();
      REQUIRE(r.results.size() == results.size());
      for (std::size_t s = 0; s < results.size(); ++s) {
        const auto& w = results[s].as_object();
        CHECK(r.results[s].score == num(w.at("score")));
        CHECK(r.results[s].p_value == opt_num(w.at("p_value")));
        CHECK(r.results[s].mean == opt_num(w.at("mean")));
        CHECK(r.results[s].ci == opt_num(w.at("ci")));
      }
      const auto got = bootstrap_scores(metric, tables[0], 200, SacrebleuSeed{}.seed_sequence(), nv);
      const auto& want = e.at("ci_scores").as_array();
      REQUIRE(got.size() == want.size());
      std::size_t mismatches = 0;
      for (std::size_t k = 0; k < got.size(); ++k) mismatches += got[k].value() != num(want[k]);
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("significance: WMT17 en-de systems equal sacreBLEU", "[scorer][significance][wmt17]") {
  const std::string dir = wmt17_dir();
  if (!std::filesystem::exists(dir + "/reference.txt")) {
    WARN("WMT17 data not found in " << dir << "; skipped");
    return;
  }
  const std::vector<std::vector<std::string>> refs{read_corpus_lines(dir + "/reference.txt")};
  StatsCache cache;
  for (int major : {2, 1}) {
    const json::object& g = *significance_golden(major);
    if (!g.contains("wmt17") || !g.at("wmt17").as_object().contains("files")) continue;
    INFO("numpy " << str(g.at("numpy_version")));
    const NumpyVersion nv = version_of(major);
    const auto& w = g.at("wmt17").as_object();
    std::vector<std::vector<std::string>> systems;
    for (const auto& f : w.at("files").as_array()) systems.push_back(read_corpus_lines(dir + "/" + str(f)));
    for (const auto& c : w.at("ci").as_array()) {
      const auto system = static_cast<std::size_t>(c.at("system").as_int64());
      check_ci_case(c.as_object(), systems[system], refs, nv, &cache, system);
    }
    for (const auto& p : w.at("paired").as_array()) check_paired_case(p.as_object(), systems, refs, nv, &cache);
  }
}

TEST_CASE("significance: float statistics take the float64 AR path with the same numbers", "[scorer][significance]") {
  // Integer-valued floats sum exactly in any order, so a float table (as TER's) must give what the
  // int64 path gives; 130 trials end in a partial block of the 64-trial batches.
  const auto& news = significance_golden(2)->at("small").as_array()[0].as_object();
  const auto refs = streams(news.at("refs"));
  const Chrf chrf;
  std::vector<SegmentStats> ints, floats;
  for (const auto& h : streams(news.at("systems"))) {
    ints.push_back(segment_stats_table(chrf.segment_stats(h, refs)));
    floats.push_back(ints.back());
    floats.back().integral = false;
  }
  PairedTestOptions o;
  o.n_samples = 130;
  o.n_ar_confidence = 50;
  const PairedTestResult a = paired_test(resampling_metric(chrf), ints, o);
  const PairedTestResult b = paired_test(resampling_metric(chrf), floats, o);
  for (std::size_t s = 0; s < a.results.size(); ++s) {
    CHECK(a.results[s].score == b.results[s].score);
    CHECK(a.results[s].p_value == b.results[s].p_value);
    CHECK(a.results[s].mean == b.results[s].mean);
    CHECK(a.results[s].ci == b.results[s].ci);
  }
  CHECK(*a.results[1].p_value < 1.0);
}

TEST_CASE("significance: argument checks", "[scorer][significance]") {
  const ResamplingMetric bleu = resampling_metric(Bleu());
  SegmentStats empty;
  empty.num_stats = bleu.num_stats;
  CHECK_THROWS_AS(bootstrap_ci(bleu, empty), std::invalid_argument);
  using Lines = std::vector<std::string>;
  using Streams = std::vector<Lines>;
  const SegmentStats chrf_table = segment_stats_table(Chrf().segment_stats(Lines{"a b"}, Streams{{"a b"}}));
  CHECK_THROWS_AS(bootstrap_ci(bleu, chrf_table), std::invalid_argument);
  const SegmentStats one = segment_stats_table(Bleu().segment_stats(Lines{"a b"}, Streams{{"a b"}}));
  CHECK_THROWS_AS(paired_test(bleu, {one}), std::invalid_argument);
  const SegmentStats two = segment_stats_table(Bleu().segment_stats(Lines{"a b", "c"}, Streams{{"a b", "c"}}));
  CHECK_THROWS_AS(paired_test(bleu, {one, two}), std::invalid_argument);
  CHECK_THROWS_AS(bootstrap_ci(bleu, one, 1), std::invalid_argument);
  // The template convenience overloads take the metric and its statistics directly.
  const Bleu b;
  const auto stats = b.segment_stats(Lines{"a b c d", "e f"}, Streams{{"a b c d", "e g"}});
  const ConfidenceInterval ci = bootstrap_ci(b, stats, 10);
  CHECK(ci.score == b.corpus_score(Lines{"a b c d", "e f"}, Streams{{"a b c d", "e g"}}).score);
  CHECK(paired_test(b, std::vector<std::vector<BleuStats>>{stats, stats}).results.size() == 2);
  CHECK(paired_test(b, std::vector<std::vector<BleuStats>>{stats, stats}).results[1].p_value == 1.0 / 10001);  // identical systems: no shuffle differs
}

namespace {

// Random BLEU-like statistics of `n` segments and `order` n-gram orders: hypothesis lengths with
// empty and very short segments, matches up to the n-gram totals, some segments with no match
// at all; `scale` multiplies every count (large values leave shared_bootstrap's fast path).
SegmentStats random_bleu_table(std::mt19937_64& rng, std::size_t n, int order, double zero_share, int64_t scale) {
  SegmentStats t;
  t.num_stats = 2 + 2 * static_cast<std::size_t>(order);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t sys = u(rng) < 0.05 ? 0 : static_cast<int64_t>(rng() % 40);
    const int64_t ref = static_cast<int64_t>(rng() % 40);
    std::vector<int64_t> m(static_cast<std::size_t>(order)), tot(static_cast<std::size_t>(order));
    const bool none = u(rng) < zero_share;
    for (std::size_t k = 0; k < m.size(); ++k) {
      tot[k] = std::max<int64_t>(0, sys - int64_t(k));
      m[k] = none ? 0 : int64_t(rng() % uint64_t(tot[k] + 1));
    }
    t.values.push_back(double(sys * scale));
    t.values.push_back(double(ref * scale));
    for (int64_t x : m) t.values.push_back(double(x * scale));
    for (int64_t x : tot) t.values.push_back(double(x * scale));
  }
  return t;
}

// The same metric behind a plain lambda: shared_bootstrap no longer recognises BLEU in it and
// takes the generic path (Resampler + PyNum).
ResamplingMetric generic_copy(const ResamplingMetric& m) {
  ResamplingMetric g = m;
  g.score = [f = m.score](const PyNum* stats) { return f(stats); };
  return g;
}

uint64_t bits(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

}  // namespace

TEST_CASE("significance: shared_bootstrap's BLEU fast path equals the generic path bit for bit",
          "[scorer][significance]") {
  std::mt19937_64 rng(20240601);
  std::vector<BleuOptions> configs;
  for (const SmoothMethod sm : {SmoothMethod::kExp, SmoothMethod::kFloor, SmoothMethod::kAddK, SmoothMethod::kNone})
    for (const bool eff : {false, true})
      for (const int order : {4, 1, 2, 6}) {
        BleuOptions o;
        o.smooth_method = sm;
        o.effective_order = eff;
        o.max_ngram_order = order;
        configs.push_back(o);
      }
  BleuOptions floor_value, addk_value;  // a smoothing value given (a Python float, not add-k's int 1)
  floor_value.smooth_method = SmoothMethod::kFloor, floor_value.smooth_value = 0.25;
  addk_value.smooth_method = SmoothMethod::kAddK, addk_value.smooth_value = 0.5;
  configs.push_back(floor_value);
  configs.push_back(addk_value);

  std::size_t compared = 0;
  for (const BleuOptions& o : configs) {
    for (int round = 0; round < 6; ++round) {
      const std::size_t n = 1 + rng() % 60, n_tables = 1 + rng() % 19, n_samples = 1 + rng() % 130;
      // Rounds 4 and 5: counts near and past the 2^24 / n bound, where only the generic path is exact.
      const int64_t scale = round == 4 ? int64_t(16777215 / (40 * n)) : round == 5 ? 100003 : 1;
      const double zero_share = round % 2 ? 0.6 : 0.05;
      std::vector<SegmentStats> tables;
      for (std::size_t t = 0; t < n_tables; ++t)
        tables.push_back(random_bleu_table(rng, n, o.max_ngram_order, zero_share, scale));
      std::vector<const SegmentStats*> ptrs;
      for (const auto& t : tables) ptrs.push_back(&t);
      const ResamplingMetric metric = resampling_metric(Bleu(o));
      const auto seed = SacrebleuSeed{}.seed_sequence();
      for (const NumpyVersion nv : {NumpyVersion::kNumpy2, NumpyVersion::kNumpy1}) {
        INFO("smooth " << to_string(o.smooth_method) << " eff " << o.effective_order << " order " << o.max_ngram_order
                       << " n " << n << " tables " << n_tables << " samples " << n_samples << " scale " << scale);
        const SharedBootstrap fast = shared_bootstrap(metric, ptrs, n_samples, seed, nv);
        const SharedBootstrap slow = shared_bootstrap(generic_copy(metric), ptrs, n_samples, seed, nv);
        REQUIRE(fast.scores == slow.scores);
        REQUIRE(fast.resampled.size() == n_tables);
        std::size_t mismatches = 0;
        for (std::size_t t = 0; t < n_tables; ++t) {
          REQUIRE(fast.resampled[t].size() == n_samples);
          for (std::size_t k = 0; k < n_samples; ++k) {
            const PyNum &a = fast.resampled[t][k], &b = slow.resampled[t][k];
            mismatches += a.kind() != b.kind() || bits(a.value()) != bits(b.value());
          }
          compared += n_samples;
        }
        CHECK(mismatches == 0);
      }
    }
  }
  CHECK(compared > 100000);
}

TEST_CASE("significance: shared_bootstrap gives sacreBLEU's --paired-bs p-values", "[scorer][significance]") {
  // Each system of `sacrebleu -i BASE SYS... --paired-bs` draws from a fresh default_rng(seed):
  // one shared stream of draws, scored for every system at once.
  for (int major : {2, 1}) {
    const json::object& g = *significance_golden(major);
    const NumpyVersion nv = version_of(major);
    std::size_t checked = 0;
    for (const auto& entry : g.at("small").as_array()) {
      const auto& e = entry.as_object();
      const auto refs = streams(e.at("refs"));
      const auto systems = streams(e.at("systems"));
      for (const auto& pv : e.at("paired").as_array()) {
        const auto& p = pv.as_object();
        if (str(p.at("test")) != "bs") continue;
        PairedTestOptions o;
        o.type = PairedTestType::kBootstrap;
        o.n_samples = static_cast<std::size_t>(p.at("n_samples").as_int64());
        o.seed = seed_of(p.at("seed"));
        for (const auto& [name, value] : p.at("results").as_object()) {
          const MetricCase mc{std::string(name)};
          if (!mc.bleu) continue;
          INFO("numpy " << major << " corpus " << str(e.at("name")) << " metric " << name << " n " << o.n_samples);
          std::vector<SegmentStats> tables;
          for (const auto& s : systems) tables.push_back(mc.stats(s, refs));
          std::vector<const SegmentStats*> ptrs;
          for (const auto& t : tables) ptrs.push_back(&t);
          const SharedBootstrap b = shared_bootstrap(mc.metric(), ptrs, o.effective_samples(),
                                                     o.seed.paired_system_seed().seed_sequence(), nv);
          const auto& results = value.as_object().at("results").as_array();
          REQUIRE(results.size() == tables.size());
          for (std::size_t s = 0; s < results.size(); ++s) {
            CHECK(b.scores[s] == num(results[s].at("score")));
            if (s == 0) continue;
            const double p_value =
                paired_bootstrap_p_value(b.resampled[0], b.resampled[s], std::fabs(b.scores[0] - b.scores[s]));
            CHECK(p_value == num(results[s].at("p_value")));
            ++checked;
          }
        }
      }
    }
    CHECK(checked >= 12);
  }
}

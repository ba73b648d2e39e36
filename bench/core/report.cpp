// `longtail report` on a large run: 1,000 cells × 50 languages, read back (load_run: result.json,
// metrics.jsonl, every hyps/ file scored segment by segment against refs/), analysed (analyze:
// summaries over seeds, sacreBLEU's paired bootstrap of every method against the baseline per
// language and group, convergence, forgetting, cost) and both (build_report). The benchmark's
// argument is the number of test segments per language: 100 (the quickstart's eval.max_pairs) and
// 500. Figures: docs/benchmarks.md#reporting.
//
// The run is synthesised once below $TMPDIR (or /tmp) as longtail-bench-report/seg<N>/ and reused
// while its STAMP matches (remove the directory to rebuild it; ~0.8 GB for 100 segments, ~3.3 GB
// for 500). Shape: 1 dataset (gettext) × 5 imbalance profiles × 10 methods × 20 seeds; 50 en→X
// languages with 2,000,000 down to 2,000 natural pairs (log-spaced: three orders of magnitude);
// references are varied Zipf-distributed sentences of 4-40 words, and each cell's outputs keep
// between 25% and 65% of the reference words (better for larger languages and better methods),
// so BLEU lies between about 5 and 40; metrics.jsonl holds 100 train records (log_every 10 of
// 1,000 steps, with the per-language losses, sampled fractions and epochs the trainer logs) and 10
// dev records per cell.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eval/scorer/bleu.h"
#include "harness/common/fs_util.h"
#include "harness/common/options.h"
#include "harness/records/cell_result.h"
#include "harness/records/run_layout.h"
#include "harness/train/train_options.h"
#include "reports/analysis.h"
#include "reports/report.h"

namespace {

using namespace longtail;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int kLanguages = 50;
const std::vector<std::string> kImbalance = {"natural", "exponential-r10", "exponential-r100", "zipf-a1", "zipf-a2"};
const std::vector<std::string> kMethods = {"proportional", "temperature", "uniform",  "unimax",  "cooldown",
                                           "pcgrad",       "gradvac",     "gradnorm", "cagrad", "random_weighting"};
constexpr int kSeeds = 20;
constexpr int kSteps = 1000, kLogEvery = 10, kDevEvery = 100;
constexpr const char* kStampVersion = "longtail-bench-report v2";

// splitmix64: a small deterministic generator (the run must be the same on every machine).
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  int below(int n) { return int(next() % uint64_t(n)); }
};

std::vector<std::string> language_codes() {
  static const char* known[] = {"fr", "de", "es", "ru", "pt", "it", "ja", "zh", "pl", "nl", "tr", "sv", "cs",
                                "uk", "hu", "fi", "ro", "da", "ko", "el", "bg", "ca", "nb", "sk", "hr", "sr",
                                "lt", "sl", "et", "lv", "he", "id", "vi", "th", "fa", "gl", "eu", "ka", "hy",
                                "be", "kk", "az", "is", "mk", "sq", "bs", "ms", "ta", "mn", "eo"};
  return {std::begin(known), std::end(known)};
}

// Natural pairs: 2,000,000 for the first language down to 2,000 for the last, log-spaced.
int64_t natural_pairs(int lang) { return int64_t(std::llround(2e6 * std::pow(1e-3, double(lang) / (kLanguages - 1)))); }

// Pairs per imbalance profile: the natural sizes, or an exponential / Zipf profile from 200,000.
int64_t train_pairs(int imbalance, int lang) {
  const double x = double(lang) / (kLanguages - 1);
  switch (imbalance) {
    case 0: return natural_pairs(lang);
    case 1: return int64_t(std::llround(2e5 * std::pow(0.1, x)));
    case 2: return int64_t(std::llround(2e5 * std::pow(0.01, x)));
    case 3: return int64_t(std::llround(2e5 / double(lang + 1)));
    default: return std::max<int64_t>(1, int64_t(std::llround(2e5 / double((lang + 1) * (lang + 1)))));
  }
}

// A language's lexicon: 4,000 pseudo-words built from its own syllables, drawn Zipf-distributed.
struct Lexicon {
  std::vector<std::string> words;
  std::vector<double> cdf;
  explicit Lexicon(int lang) {
    Rng r(1000 + uint64_t(lang));
    static const char* onsets[] = {"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v",
                                   "w", "z", "st", "tr", "br", "ch", "sh", "kr", "pl", ""};
    static const char* vowels[] = {"a", "e", "i", "o", "u", "ai", "ou", "ie", "y", "ea"};
    double total = 0;
    for (int w = 0; w < 4000; ++w) {
      std::string s;
      const int syllables = 1 + r.below(w < 100 ? 2 : 4);
      for (int k = 0; k < syllables; ++k) s += std::string(onsets[r.below(26)]) + vowels[r.below(10)];
      if (r.below(5) == 0) s += "n";
      if (w % 97 == 0) s[0] = char(std::toupper(s[0]));
      words.push_back(s);
      total += 1.0 / double(w + 1);
      cdf.push_back(total);
    }
    for (auto& c : cdf) c /= total;
  }
  const std::string& draw(Rng& r) const {
    const auto it = std::lower_bound(cdf.begin(), cdf.end(), r.uniform());
    return words[std::min<std::size_t>(std::size_t(it - cdf.begin()), words.size() - 1)];
  }
};

// A reference sentence: 4-40 words, a comma now and then, a number sometimes, final punctuation.
std::vector<std::string> sentence(const Lexicon& lex, Rng& r) {
  const int n = 4 + int(std::min(36.0, -std::log(1 - r.uniform()) * 14.0));
  std::vector<std::string> w;
  for (int i = 0; i < n; ++i) {
    if (r.below(40) == 0) w.push_back(std::to_string(r.below(2000)));
    else w.push_back(lex.draw(r));
    if (i + 1 < n && r.below(12) == 0) w.back() += ",";
  }
  w[0][0] = char(std::toupper(w[0][0]));
  w.back() += r.below(8) == 0 ? "?" : ".";
  return w;
}

std::string join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) (s.empty() ? s : s += ' ') += x;
  return s;
}

// A system output: each reference word kept with probability `keep`, else replaced, dropped or
// followed by an inserted word.
std::string output(const std::vector<std::string>& ref, const Lexicon& lex, double keep, Rng& r) {
  std::vector<std::string> out;
  for (const auto& w : ref) {
    const double u = r.uniform();
    if (u < keep) {
      out.push_back(w);
    } else {
      const double v = r.uniform();
      if (v < 0.7) out.push_back(lex.draw(r));
      else if (v < 0.85) continue;
      else out.push_back(w), out.push_back(lex.draw(r));
    }
  }
  if (out.empty()) out.push_back(lex.draw(r));
  return join(out);
}

void write_text(const fs::path& p, const std::vector<std::string>& lines) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  for (const auto& l : lines) f << l << '\n';
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

struct Shape {
  int segments;
  std::string stamp() const {
    return fmt::format("{} cells={} languages={} segments={}\n", kStampVersion,
                       kImbalance.size() * kMethods.size() * kSeeds, kLanguages, segments);
  }
};

records::CellConfig cell_config(int imbalance, int method, int seed, int64_t grid_index, int segments) {
  const auto codes = language_codes();
  records::CellConfig c;
  const std::string id = fmt::format("gettext/{}/{}/seed{}", kImbalance[imbalance], kMethods[method], seed);
  c.cell = {"large", "gettext", kImbalance[imbalance], "", kMethods[method], seed, id, grid_index};
  c.method = kMethods[method];
  c.imbalance = {{"profile", kImbalance[imbalance].substr(0, kImbalance[imbalance].find('-'))}};
  c.model = model::resolve_model(json::object{{"config", "base"}}, "$.model");
  c.train = Options(resolve_options(
      train::train_options(),
      {{"steps", kSteps}, {"log_every", kLogEvery}, {"dev_every", kDevEvery}, {"dev_max_pairs", 100}}, "$.train"));
  c.eval = Options(resolve_options(train::eval_options(), {{"max_pairs", segments}}, "$.eval"));
  for (int l = 0; l < kLanguages; ++l) {
    c.data.languages.push_back(codes[l]);
    c.data.natural_pairs[codes[l]] = natural_pairs(l);
    c.data.train_pairs[codes[l]] = train_pairs(imbalance, l);
  }
  c.data.source = "gettext";
  c.data.corpus = "/cache/corpora/gettext";
  c.data.shards = "/cache/shards/gettext-" + kImbalance[imbalance];
  c.data.vocab = "/cache/vocab/gettext.json";
  c.data.corpus_fingerprint = "5f0c3a9e";
  return c;
}

// metrics.jsonl: a train record every kLogEvery steps (cumulative tokens and seconds, the per-language
// losses, sampled fractions and epochs), a dev record every kDevEvery steps.
std::string metrics_jsonl(const std::vector<std::string>& codes, double quality, Rng& r) {
  std::string out;
  double tokens = 0, seconds = 0;
  for (int step = kLogEvery; step <= kSteps; step += kLogEvery) {
    tokens += 10 * 25000 * (0.9 + 0.2 * r.uniform());
    seconds += 10 * 0.21 * (0.9 + 0.2 * r.uniform());
    const double progress = double(step) / kSteps;
    json::object loss, frac, epochs;
    for (int l = 0; l < kLanguages; ++l) {
      loss[codes[l]] = 2.0 + 6.0 * std::exp(-4 * progress) + 0.02 * l - quality + 0.1 * r.uniform();
      frac[codes[l]] = 1.0 / kLanguages;
      epochs[codes[l]] = progress * (1 + l) * 0.01;
    }
    json::object o{{"step", step},        {"kind", "train"}, {"loss", 2.0 + 6.0 * std::exp(-4 * progress)},
                   {"lang_loss", loss},   {"lr", 5e-3},      {"tokens", tokens},
                   {"grad_norm", 1.3},    {"elapsed_s", seconds}, {"grad_norm_mean", 1.2},
                   {"grad_norm_var", 0.04}, {"lang_frac", frac}, {"epochs", epochs}};
    out += json::serialize(o) + "\n";
    if (step % kDevEvery == 0) {
      json::object dev;
      for (int l = 0; l < kLanguages; ++l)
        dev[codes[l]] = 2.5 + 5.0 * std::exp(-3 * progress) + 0.03 * l - quality + 0.05 * r.uniform();
      out += json::serialize(json::object{{"step", step}, {"kind", "dev"}, {"lang_loss", dev}}) + "\n";
    }
  }
  return out;
}

// Writes the run below `root` (references first, then every cell, the stamp last).
void synthesise(const fs::path& root, const Shape& shape) {
  fs::remove_all(root);
  const auto codes = language_codes();
  std::vector<Lexicon> lex;
  std::vector<std::vector<std::vector<std::string>>> refs_words(kLanguages);
  std::vector<std::vector<std::string>> refs(kLanguages);
  for (int l = 0; l < kLanguages; ++l) {
    lex.emplace_back(l);
    Rng r(77 + uint64_t(l));
    for (int i = 0; i < shape.segments; ++i) {
      refs_words[l].push_back(sentence(lex[l], r));
      refs[l].push_back(join(refs_words[l].back()));
    }
    write_text(records::refs_file(root.string(), "gettext", codes[l], "test"), refs[l]);
  }
  const eval::Bleu bleu;
  int64_t grid_index = 0;
  for (int im = 0; im < int(kImbalance.size()); ++im)
    for (int m = 0; m < int(kMethods.size()); ++m)
      for (int seed = 1; seed <= kSeeds; ++seed, ++grid_index) {
        const records::CellConfig config = cell_config(im, m, seed, grid_index, shape.segments);
        const fs::path dir = root / config.cell.id;
        Rng r(uint64_t(grid_index) * 7919 + 13);
        const double method_quality = 0.03 * double((m * 7) % 10) / 9.0;  // methods differ a little
        records::CellResult res;
        res.dataset = "gettext", res.imbalance = kImbalance[im], res.method = kMethods[m], res.seed = seed;
        res.method_name = kMethods[m];
        res.direction = "en-x";
        res.longtail_version = "0.9.0", res.git_commit = "ed5a5d9", res.corpus_fingerprint = "5f0c3a9e";
        res.vocab_sha256 = "9b1d", res.shards_fingerprint = "c0ffee";
        res.ok = true;
        res.scorer = {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"},
                      {"chrf", "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"}};
        for (int l = 0; l < kLanguages; ++l) {
          // Keep rate 0.25-0.65 (BLEU ~5-40): by the log of the pairs trained on, the method, the seed.
          const double size = std::log10(double(config.data.train_pairs.at(codes[l])));  // 0..6.3
          const double keep = std::clamp(0.2 + 0.065 * size + method_quality + 0.01 * (r.uniform() - 0.5), 0.25, 0.65);
          std::vector<std::string> hyps;
          for (int i = 0; i < shape.segments; ++i) hyps.push_back(output(refs_words[l][i], lex[l], keep, r));
          write_text(records::hyps_file(dir.string(), codes[l], "test"), hyps);
          const double b = bleu.corpus_score(hyps, {refs[l]}).score;
          records::LanguageResult lr;
          lr.bleu = b, lr.chrf = 18 + 0.9 * b;  // chrF is not re-scored by the report: a plausible value
          lr.dev_loss = 2.5 + 0.03 * l - keep;
          lr.train_pairs = config.data.train_pairs.at(codes[l]);
          lr.natural_pairs = config.data.natural_pairs.at(codes[l]);
          lr.splits.emplace_back("test", records::SplitScores{lr.bleu, lr.chrf, shape.segments});
          res.languages.emplace_back(codes[l], lr);
        }
        records::TrainingFigures t;
        t.device = "cuda:0", t.torch_version = "2.3.1", t.precision = "bf16";
        t.steps = kSteps;
        t.tokens_per_s = 119000 * (0.95 + 0.1 * r.uniform());
        t.train_wall_s = 2100 + 100 * r.uniform();
        t.high = config.high_resource_languages();
        res.training = t;
        res.wall_time_s = t.train_wall_s + 30;
        res.config = config;
        fs::create_directories(dir);
        std::ofstream(dir / "metrics.jsonl", std::ios::binary) << metrics_jsonl(codes, method_quality, r);
        records::write_cell_result((dir / "result.json").string(), res);
      }
  std::ofstream(root / "STAMP") << shape.stamp();
}

// The run directory for `segments` segments per language, synthesised unless already there.
std::string run_dir(int segments) {
  const Shape shape{segments};
  const fs::path root = fs::temp_directory_path() / "longtail-bench-report" / ("seg" + std::to_string(segments));
  std::string stamp;
  if (std::ifstream in{root / "STAMP"}) stamp.assign(std::istreambuf_iterator<char>(in), {});
  if (stamp != shape.stamp()) {
    const auto t0 = std::chrono::steady_clock::now();
    synthesise(root, shape);
    fmt::print(stderr, "synthesised {} in {:.0f} s\n", root.string(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return root.string();
}

// Cells and languages read, tables bootstrapped and p-values computed, as counters.
void count(benchmark::State& state, const std::vector<reports::CellData>& cells, const reports::Analysis* a) {
  int64_t languages = 0;
  for (const auto& c : cells) languages += int64_t(c.languages.size());
  state.counters["cells"] = double(cells.size());
  state.counters["languages"] = cells.empty() ? 0.0 : double(cells.front().languages.size());
  state.counters["tables"] = double(languages);  // per-segment statistics tables (cell × language)
  if (a) {
    int64_t p_values = 0;
    for (const auto& c : a->comparisons) p_values += int64_t(c.at("languages").as_object().size()) + 3;  // + groups
    state.counters["comparisons"] = double(a->comparisons.size());
    state.counters["p_values"] = double(p_values);
  }
}

void BM_report_load(benchmark::State& state) {
  const std::string dir = run_dir(int(state.range(0)));
  std::vector<reports::CellData> cells;
  for (auto _ : state) {
    cells = reports::load_run(dir);
    benchmark::DoNotOptimize(cells.data());
  }
  count(state, cells, nullptr);
}

void BM_report_analyze(benchmark::State& state) {
  const std::vector<reports::CellData> cells = reports::load_run(run_dir(int(state.range(0))));
  reports::Analysis a;
  for (auto _ : state) {
    a = reports::analyze(cells);
    benchmark::DoNotOptimize(a.summary.data());
  }
  count(state, cells, &a);
}

// build_report(run_dir): load + analyze + the report's JSON.
void BM_report_total(benchmark::State& state) {
  const std::string dir = run_dir(int(state.range(0)));
  for (auto _ : state) {
    auto report = reports::build_report(dir);
    benchmark::DoNotOptimize(report.size());
  }
  state.counters["cells"] = double(kImbalance.size() * kMethods.size() * kSeeds);
  state.counters["languages"] = kLanguages;
}

// 100 and 500 segments per language; one iteration (seconds each); wall time, CPU of all threads.
void shape(benchmark::internal::Benchmark* b) {
  b->Arg(100)->Arg(500)->Unit(benchmark::kSecond)->Iterations(1)->MeasureProcessCPUTime()->UseRealTime();
}
BENCHMARK(BM_report_load)->Apply(shape);
BENCHMARK(BM_report_analyze)->Apply(shape);
BENCHMARK(BM_report_total)->Apply(shape);

}  // namespace

BENCHMARK_MAIN();

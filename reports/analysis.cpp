#include "reports/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "harness/common/options.h"
#include "reports/parallel.h"
#include "reports/seed_stats.h"

namespace longtail::reports {

namespace json = boost::json;
using eval::PyNum;

namespace {

const char* const kGroups[] = {"all", "high", "low"};
constexpr int kGroupCount = 3;

bool in_group(int g, bool high) { return g == 0 || (g == 1) == high; }

json::value number_or_null(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json::value(*v) : json::value(nullptr);
}

json::value interval(const std::optional<std::pair<double, double>>& ci) {
  if (!ci) return nullptr;
  return json::array{ci->first, ci->second};
}

// dataset × imbalance × method × stage.
struct Key {
  std::string dataset, imbalance, method;
  int64_t stage = 0;
  auto tie() const { return std::tie(dataset, imbalance, method, stage); }
  bool operator<(const Key& o) const { return tie() < o.tie(); }
  bool operator==(const Key& o) const { return tie() == o.tie(); }
  Key with_method(const std::string& m) const { return {dataset, imbalance, m, stage}; }
  json::object json() const {
    return {{"dataset", dataset}, {"imbalance", imbalance}, {"method", method}, {"stage", stage}};
  }
};

// The bootstrap of one language of one aggregate: the seed-averaged resampled scores and real score.
struct LanguageBootstrap {
  std::vector<PyNum> resampled;  // with one seed, sacreBLEU's own numbers (float32 sums)
  double score = 0;
  double mean_bootstrap_variance = 0;  // over seeds
};

// Seed-averaged resamples: PyNum float64 averages (one seed: the scores as they are, so the
// p-value is sacreBLEU's to the last bit).
std::vector<PyNum> average(const std::vector<const std::vector<PyNum>*>& per_seed) {
  if (per_seed.size() == 1) return *per_seed[0];
  std::vector<PyNum> out(per_seed[0]->size());
  for (std::size_t r = 0; r < out.size(); ++r) {
    double s = 0;
    for (const auto* v : per_seed) s += (*v)[r].value();
    out[r] = PyNum(PyNum::Kind::kFloat64, s / double(per_seed.size()), eval::NumpyVersion::kNumpy2);
  }
  return out;
}

std::vector<double> values_of(const std::vector<PyNum>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(x.value());
  return out;
}

// One aggregate (dataset × imbalance × method × stage) and everything computed for it.
struct Aggregate {
  Key key;
  std::vector<const CellData*> cells;  // ok cells, seed order
  std::vector<std::string> languages;  // of the first cell, suite order
  std::map<std::string, LanguageBootstrap> boot;
  // Per cell and group: the resampled group mean (mean over the group's languages).
  std::vector<std::array<std::vector<double>, kGroupCount>> group_resampled;
  std::array<int, kGroupCount> group_sizes{};

  const LanguageData* language(const CellData& c, const std::string& code) const {
    for (const auto& l : c.languages)
      if (l.code == code) return &l;
    return nullptr;
  }
  std::vector<int64_t> seeds() const {
    std::vector<int64_t> s;
    for (const auto* c : cells) s.push_back(c->seed);
    return s;
  }
  bool high(const std::string& code) const { return language(*cells.front(), code)->high; }
  // Whether any of its cells trained on the language (the seeds of a stage train the same ones).
  bool trained(const std::string& code) const {
    for (const auto* c : cells)
      if (const auto* l = language(*c, code); l && l->trained) return true;
    return false;
  }
  // Per seed: the language's BLEU / chrF, or the group mean of BLEU / chrF.
  std::vector<double> per_seed(const std::string& code, bool chrf) const {
    std::vector<double> v;
    for (const auto* c : cells)
      if (const auto* l = language(*c, code)) v.push_back(chrf ? l->chrf : l->bleu);
    return v;
  }
  std::vector<double> group_per_seed(int g, bool chrf) const {
    std::vector<double> v;
    for (const auto* c : cells) {
      double s = 0;
      int n = 0;
      for (const auto& l : c->languages)
        if (in_group(g, l.high)) s += chrf ? l.chrf : l.bleu, ++n;
      if (n) v.push_back(s / n);
    }
    return v;
  }
  // Resampled group mean averaged over seeds (float64), and its real value.
  std::vector<PyNum> group_resamples(int g) const {
    std::vector<PyNum> out;
    if (group_resampled.empty() || group_resampled[0][g].empty()) return out;
    const std::size_t n = group_resampled[0][g].size();
    out.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      double s = 0;
      for (const auto& c : group_resampled) s += c[g][r];
      out[r] = PyNum(PyNum::Kind::kFloat64, s / double(group_resampled.size()), eval::NumpyVersion::kNumpy2);
    }
    return out;
  }
  double group_bootstrap_variance(int g) const {
    double s = 0;
    for (const auto& c : group_resampled) s += sample_variance(c[g]);
    return group_resampled.empty() ? 0 : s / double(group_resampled.size());
  }
};

json::object stats_json(const std::vector<double>& bleu, const std::vector<double>& chrf, double bootstrap_variance) {
  const SeedStats b = seed_stats(bleu);
  json::object out;
  put_seed_stats(out, "bleu", b);
  out["bleu_se"] = seed_standard_error(b, bootstrap_variance);
  put_seed_stats(out, "chrf", seed_stats(chrf));
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

// Seed-averaged curve of f(point) over the steps every seed evaluated.
struct Curve {
  std::vector<int64_t> steps;
  std::vector<double> values, tokens, seconds;
};
template <typename F>
Curve average_curve(const std::vector<const CellData*>& cells, F&& value) {
  Curve out;
  if (cells.empty()) return out;
  std::map<int64_t, std::vector<const DevPoint*>> at;
  for (const auto* c : cells)
    for (const auto& p : c->dev_curve) at[p.step].push_back(&p);
  for (const auto& [step, points] : at) {
    if (points.size() != cells.size()) continue;
    std::vector<double> v, t, s;
    bool ok = true;
    for (const auto* p : points) {
      const auto x = value(*p);
      if (!x) ok = false;
      else v.push_back(*x), t.push_back(p->tokens), s.push_back(p->seconds);
    }
    if (!ok) continue;
    out.steps.push_back(step);
    out.values.push_back(mean(v));
    out.tokens.push_back(mean(t));
    out.seconds.push_back(mean(s));
  }
  return out;
}

std::optional<double> mean_dev_loss(const DevPoint& p) {
  if (p.lang_loss.empty()) return std::nullopt;
  double s = 0;
  for (const auto& [lang, loss] : p.lang_loss) s += loss;
  return s / double(p.lang_loss.size());
}

class Analyzer {
 public:
  Analyzer(const std::vector<CellData>& cells, const AnalysisOptions& o) : options_(o) {
    for (const auto& c : cells) {
      if (!c.ok || c.languages.empty()) continue;
      const Key k{c.dataset, c.imbalance, c.method, c.stage};
      auto it = index_.find(k);
      if (it == index_.end()) {
        it = index_.emplace(k, aggregates_.size()).first;
        aggregates_.push_back(Aggregate{k, {}, {}, {}, {}, {}});
        if (std::find(methods_.begin(), methods_.end(), c.method) == methods_.end()) methods_.push_back(c.method);
      }
      aggregates_[it->second].cells.push_back(&c);
    }
    for (auto& a : aggregates_) {
      std::stable_sort(a.cells.begin(), a.cells.end(), [](const auto* x, const auto* y) { return x->seed < y->seed; });
      for (const auto& l : a.cells.front()->languages) a.languages.push_back(l.code);
      for (int g = 0; g < kGroupCount; ++g)
        for (const auto& l : a.cells.front()->languages) a.group_sizes[g] += in_group(g, l.high);
    }
    std::set<std::string> all_methods;
    for (const auto& c : cells) all_methods.insert(c.method);
    baseline_ = o.baseline;
    if (!baseline_.empty() && !all_methods.count(baseline_))
      throw ConfigError("--baseline " + baseline_,
                        fmt::format("no method labelled \"{}\" in the run; its methods: {}", baseline_,
                                    fmt::join(all_methods, ", ")));
    if (baseline_.empty() && !methods_.empty()) baseline_ = methods_.front();
    for (const auto& b : o.extra_baselines) {
      if (!all_methods.count(b))
        throw ConfigError("--extra-baseline " + b, fmt::format("no method labelled \"{}\" in the run; its methods: {}", b,
                                                       fmt::join(all_methods, ", ")));
      if (b != baseline_ && std::find(extra_.begin(), extra_.end(), b) == extra_.end()) extra_.push_back(b);
    }
  }

  Analysis run() {
    bootstrap();
    Analysis out;
    out.baseline = baseline_;
    out.extra_baselines = extra_;
    for (const auto& a : aggregates_) out.summary.push_back(summary(a));
    // The report's baseline first, then each further one: every consumer that shows one baseline
    // reads the entries whose `baseline` is settings.baseline.
    std::vector<std::string> baselines{baseline_};
    baselines.insert(baselines.end(), extra_.begin(), extra_.end());
    for (const auto& base : baselines)
      for (const auto& a : aggregates_)
        if (const Aggregate* b = find(a.key.with_method(base)); b && b != &a) out.comparisons.push_back(comparison(a, *b));
    for (const auto& base : baselines)
      for (const auto& a : aggregates_)
        if (const Aggregate* b = find(a.key.with_method(base))) out.convergence.push_back(convergence(a, *b));
    json::array within;
    for (const auto& a : aggregates_) within.push_back(forgetting_within(a));
    out.forgetting = {{"within_run", within}};
    for (const auto& a : aggregates_)
      if (const Aggregate* next = next_stage(a)) out.stages.push_back(stage_transition(a, *next));
    for (const auto& a : aggregates_) out.cost.push_back(cost(a, find(a.key.with_method(baseline_))));
    for (const auto& a : aggregates_)
      if (auto e = experts(a)) out.experts.push_back(std::move(*e));
    return out;
  }

 private:
  const Aggregate* find(const Key& k) const {
    auto it = index_.find(k);
    return it == index_.end() ? nullptr : &aggregates_[it->second];
  }
  const Aggregate* next_stage(const Aggregate& a) const {
    const Aggregate* best = nullptr;
    for (const auto& b : aggregates_)
      if (b.key.dataset == a.key.dataset && b.key.imbalance == a.key.imbalance && b.key.method == a.key.method &&
          b.key.stage > a.key.stage && (!best || b.key.stage < best->key.stage))
        best = &b;
    return best;
  }

  using Members = std::vector<std::pair<Aggregate*, std::size_t>>;  // (aggregate, cell index) per table
  // One batch's bootstrap: each table's resampled scores, and per aggregate its LanguageBootstrap.
  struct BatchBootstrap {
    std::vector<std::vector<double>> values;                            // per member
    std::vector<std::pair<Aggregate*, std::vector<std::size_t>>> parts;  // members of each aggregate
    std::vector<LanguageBootstrap> boot;                                // per part
  };

  // One shared bootstrap per dataset × language × segment count over every cell that scored it;
  // each aggregate keeps its seed-averaged resamples (and the running group means). The batches
  // are independent and run in parallel (parallel.h), a few at a time to bound the memory their
  // resamples take; they are merged in batch order, so the group means add up in the same order
  // whatever the number of threads.
  void bootstrap() {
    const auto metric = eval::resampling_metric(eval::Bleu());
    const auto seed = eval::parse_sacrebleu_seed(std::to_string(options_.bootstrap_seed)).paired_system_seed().seed_sequence();
    for (auto& a : aggregates_) {
      a.group_resampled.assign(a.cells.size(), {});
      for (auto& g : a.group_resampled)
        for (auto& v : g) v.assign(options_.resamples, 0.0);
    }
    std::map<std::tuple<std::string, std::string, std::size_t>, Members> batch_map;
    for (auto& a : aggregates_)
      for (std::size_t ci = 0; ci < a.cells.size(); ++ci)
        for (const auto& l : a.cells[ci]->languages)
          if (l.bleu_segments.size() > 0) batch_map[{a.key.dataset, l.code, l.bleu_segments.size()}].emplace_back(&a, ci);
    std::vector<std::pair<const std::string*, const Members*>> batches;  // (language, members), map order
    for (const auto& [key, members] : batch_map) batches.emplace_back(&std::get<1>(key), &members);
    const std::size_t wave = 2 * worker_count();
    for (std::size_t w0 = 0; w0 < batches.size(); w0 += wave) {
      std::vector<BatchBootstrap> done(std::min(wave, batches.size() - w0));
      parallel_for(done.size(), [&](std::size_t i) {
        done[i] = bootstrap_batch(metric, seed, *batches[w0 + i].first, *batches[w0 + i].second);
      });
      for (std::size_t i = 0; i < done.size(); ++i) merge(*batches[w0 + i].first, *batches[w0 + i].second, done[i]);
    }
  }

  BatchBootstrap bootstrap_batch(const eval::ResamplingMetric& metric, const eval::numpy::SeedSequence& seed,
                                 const std::string& code, const Members& members) const {
    std::vector<const eval::SegmentStats*> tables;
    for (const auto& [a, ci] : members) tables.push_back(&a->language(*a->cells[ci], code)->bleu_segments);
    const eval::SharedBootstrap b = eval::shared_bootstrap(metric, tables, options_.resamples, seed);
    BatchBootstrap out;
    for (const auto& r : b.resampled) out.values.push_back(values_of(r));
    std::map<Aggregate*, std::vector<std::size_t>> by_aggregate;
    for (std::size_t t = 0; t < members.size(); ++t) by_aggregate[members[t].first].push_back(t);
    for (auto& [a, ts] : by_aggregate) {
      std::vector<const std::vector<PyNum>*> per_seed;
      LanguageBootstrap lb;
      std::vector<double> scores;
      for (std::size_t t : ts) {
        per_seed.push_back(&b.resampled[t]);
        scores.push_back(b.scores[t]);
        lb.mean_bootstrap_variance += sample_variance(out.values[t]) / double(ts.size());
      }
      lb.resampled = average(per_seed);
      lb.score = mean(scores);
      out.parts.emplace_back(a, std::move(ts));
      out.boot.push_back(std::move(lb));
    }
    return out;
  }

  // Adds a batch's resamples to its aggregates' running group means and keeps its bootstraps.
  void merge(const std::string& code, const Members& members, BatchBootstrap& batch) {
    for (std::size_t p = 0; p < batch.parts.size(); ++p) {
      Aggregate* a = batch.parts[p].first;
      for (std::size_t t : batch.parts[p].second) {
        const std::vector<double>& v = batch.values[t];
        const std::size_t ci = members[t].second;
        const bool high = a->language(*a->cells[ci], code)->high;
        for (int g = 0; g < kGroupCount; ++g)
          if (in_group(g, high))
            for (std::size_t r = 0; r < v.size(); ++r) a->group_resampled[ci][g][r] += v[r] / a->group_sizes[g];
      }
      a->boot[code] = std::move(batch.boot[p]);
    }
  }

  json::object summary(const Aggregate& a) const {
    json::object out = a.key.json();
    out["seeds"] = json::value_from(a.seeds());
    json::object langs;
    for (const auto& code : a.languages) {
      const auto it = a.boot.find(code);
      json::object l = stats_json(a.per_seed(code, false), a.per_seed(code, true),
                                  it == a.boot.end() ? 0.0 : it->second.mean_bootstrap_variance);
      const LanguageData* first = a.language(*a.cells.front(), code);
      l["train_pairs"] = first->train_pairs;
      l["natural_pairs"] = first->natural_pairs;
      l["group"] = first->high ? "high" : "low";
      langs[code] = std::move(l);
    }
    out["languages"] = std::move(langs);
    json::object groups;
    for (int g = 0; g < kGroupCount; ++g) {
      const auto bleu = a.group_per_seed(g, false), chrf = a.group_per_seed(g, true);
      json::object e = bleu.empty() ? json::object{{"bleu_mean", 0.0}, {"bleu_std", nullptr}, {"bleu_ci95", nullptr},
                                                   {"bleu_se", 0.0}, {"chrf_mean", 0.0}, {"chrf_std", nullptr},
                                                   {"chrf_ci95", nullptr}}
                                    : stats_json(bleu, chrf, a.group_bootstrap_variance(g));
      int64_t pairs = 0;
      for (const auto& l : a.cells.front()->languages)
        if (in_group(g, l.high)) pairs += l.train_pairs;
      e["languages"] = a.group_sizes[g];
      e["train_pairs"] = pairs;
      groups[kGroups[g]] = std::move(e);
    }
    out["groups"] = std::move(groups);
    return out;
  }

  // Δ and the paired bootstrap p-value of `a` against `b` on every language both scored.
  json::object comparison(const Aggregate& a, const Aggregate& b) const {
    json::object out = a.key.json();
    out["baseline"] = b.key.method;
    out["seeds"] = json::value_from(a.seeds());
    json::object langs;
    std::array<int64_t, kGroupCount> wins{}, ties{}, losses{};
    for (const auto& code : a.languages) {
      const auto ia = a.boot.find(code), ib = b.boot.find(code);
      if (ia == a.boot.end() || ib == b.boot.end() || ia->second.resampled.size() != ib->second.resampled.size()) continue;
      const double delta = mean(a.per_seed(code, false)) - mean(b.per_seed(code, false));
      const double delta_chrf = mean(a.per_seed(code, true)) - mean(b.per_seed(code, true));
      const double p = eval::paired_bootstrap_p_value(ib->second.resampled, ia->second.resampled,
                                                      std::fabs(ib->second.score - ia->second.score));
      const bool significant = is_significant(p, delta);
      langs[code] = {{"delta_bleu", delta}, {"delta_chrf", delta_chrf}, {"p_value", p}, {"significant", significant}};
      for (int g = 0; g < kGroupCount; ++g)
        if (in_group(g, a.high(code))) (!significant ? ties : delta > 0 ? wins : losses)[g]++;  // significant implies delta != 0
    }
    out["languages"] = std::move(langs);
    json::object groups;
    for (int g = 0; g < kGroupCount; ++g) {
      const auto ra = a.group_per_seed(g, false), rb = b.group_per_seed(g, false);
      json::object e{{"delta_bleu", mean(ra) - mean(rb)},
                     {"delta_chrf", mean(a.group_per_seed(g, true)) - mean(b.group_per_seed(g, true))},
                     {"p_value", nullptr}, {"significant", false},
                     {"wins", wins[g]}, {"ties", ties[g]}, {"losses", losses[g]}};
      const auto sa = a.group_resamples(g), sb = b.group_resamples(g);
      if (!ra.empty() && !rb.empty() && !sa.empty() && sa.size() == sb.size()) {
        // Real group means as the bootstrap sees them (means of the languages' corpus scores).
        const double p = eval::paired_bootstrap_p_value(sb, sa, std::fabs(group_score(b, g) - group_score(a, g)));
        e["p_value"] = p;
        e["significant"] = is_significant(p, e["delta_bleu"].as_double());
      }
      groups[kGroups[g]] = std::move(e);
    }
    out["groups"] = std::move(groups);
    out["wins"] = wins[0];
    out["ties"] = ties[0];
    out["losses"] = losses[0];
    return out;
  }

  // p ≤ α, and a difference at all: two systems that score the same on every resample (both 0
  // BLEU, say) get sacreBLEU's smallest p-value, 1/(n+1), yet neither is better.
  bool is_significant(double p, double delta) const { return p <= options_.alpha && delta != 0; }

  static double group_score(const Aggregate& a, int g) {
    double s = 0;
    int n = 0;
    for (const auto& [code, lb] : a.boot)
      if (in_group(g, a.high(code))) s += lb.score, ++n;
    return n ? s / n : 0;
  }

  json::object convergence(const Aggregate& a, const Aggregate& base) const {
    const Curve c = average_curve(a.cells, mean_dev_loss), b = average_curve(base.cells, mean_dev_loss);
    json::object out = a.key.json();
    out["baseline"] = base.key.method;
    out["metric"] = "dev_loss";
    std::optional<double> target, best;
    std::optional<std::size_t> reached, base_reached;
    if (!b.values.empty()) {
      target = *std::min_element(b.values.begin(), b.values.end());
      base_reached = first_reaching(b.values, *target);
      reached = first_reaching(c.values, *target);
    }
    if (!c.values.empty()) best = *std::min_element(c.values.begin(), c.values.end());
    auto at = [&](const std::vector<double>& v) { return reached ? json::value(v[*reached]) : json::value(nullptr); };
    out["target"] = number_or_null(target);
    out["steps_to_target"] = reached ? json::value(c.steps[*reached]) : json::value(nullptr);
    out["tokens_to_target"] = at(c.tokens);
    out["seconds_to_target"] = at(c.seconds);
    out["baseline_steps_to_target"] = base_reached ? json::value(b.steps[*base_reached]) : json::value(nullptr);
    out["speedup"] = reached && base_reached && c.steps[*reached] > 0
                         ? json::value(double(b.steps[*base_reached]) / double(c.steps[*reached]))
                         : json::value(nullptr);
    out["best"] = number_or_null(best);
    out["area_under_curve"] = number_or_null(mean_under_curve(c.steps, c.values));
    out["curve"] = {{"steps", json::value_from(c.steps)}, {"values", json::value_from(c.values)}};
    return out;
  }

  json::object forgetting_within(const Aggregate& a) const {
    json::object out = a.key.json();
    out["metric"] = "dev_loss";
    json::object langs;
    std::vector<double> all;
    for (const auto& code : a.languages) {
      const Curve c = average_curve(a.cells, [&](const DevPoint& p) -> std::optional<double> {
        auto it = p.lang_loss.find(code);
        return it == p.lang_loss.end() ? std::nullopt : std::optional<double>(it->second);
      });
      if (c.values.empty()) continue;
      const auto best = std::min_element(c.values.begin(), c.values.end());
      const double forgetting = c.values.back() - *best;
      langs[code] = {{"best", *best}, {"best_step", c.steps[best - c.values.begin()]}, {"final", c.values.back()},
                     {"forgetting", forgetting}};
      all.push_back(forgetting);
    }
    out["languages"] = std::move(langs);
    out["mean_forgetting"] = all.empty() ? json::value(nullptr) : json::value(mean(all));
    return out;
  }

  // Stage `a` → the next stage `b` of the same method (docs/report-schema.md, `stages`): per
  // language the BLEU before and after, Δ with the paired bootstrap p-value, and whether `b`
  // trained on it; improved / degraded = significantly better / worse; gains = the share
  // improved; forgetting = mean |Δ| over the languages that got worse (significantly or not);
  // both also over the trained and the untrained languages alone; backward transfer (Lopez-Paz &
  // Ranzato 2017) = mean over the languages first scored before `b` of (score after b − score at
  // the stage where they were first scored).
  json::object stage_transition(const Aggregate& a, const Aggregate& b) const {
    json::object out{{"dataset", a.key.dataset}, {"imbalance", a.key.imbalance}, {"method", a.key.method},
                     {"from_stage", a.key.stage}, {"to_stage", b.key.stage}};
    struct Tally {
      int64_t scored = 0, improved = 0, degraded = 0;
      std::vector<double> drops;  // |Δ| of the languages whose Δ < 0
      json::value gains() const { return scored ? json::value(double(improved) / double(scored)) : json::value(nullptr); }
      json::value forgetting() const {
        if (!scored) return nullptr;
        return drops.empty() ? 0.0 : mean(drops);
      }
    };
    Tally all, trained, untrained;
    json::object langs;
    std::vector<double> transfer;
    for (const auto& code : b.languages) {
      const auto ia = a.boot.find(code), ib = b.boot.find(code);
      if (ia == a.boot.end() || ib == b.boot.end() || ia->second.resampled.size() != ib->second.resampled.size()) continue;
      const double before = mean(a.per_seed(code, false)), after = mean(b.per_seed(code, false));
      const double delta = after - before;
      const double p = eval::paired_bootstrap_p_value(ia->second.resampled, ib->second.resampled,
                                                      std::fabs(ia->second.score - ib->second.score));
      const bool significant = is_significant(p, delta);
      const bool is_trained = b.trained(code);
      langs[code] = {{"bleu_before", before}, {"bleu_after", after}, {"delta_bleu", delta},
                     {"p_value", p},          {"significant", significant}, {"trained", is_trained}};
      for (Tally* t : {&all, is_trained ? &trained : &untrained}) {
        ++t->scored;
        if (significant) ++(delta > 0 ? t->improved : t->degraded);  // significant implies delta != 0
        if (delta < 0) t->drops.push_back(-delta);
      }
    }
    for (const auto& code : b.languages) {
      const Aggregate* first = nullptr;  // the earliest stage that scored the language
      for (const auto& s : aggregates_)
        if (s.key.dataset == b.key.dataset && s.key.imbalance == b.key.imbalance && s.key.method == b.key.method &&
            s.key.stage < b.key.stage && s.boot.count(code) && (!first || s.key.stage < first->key.stage))
          first = &s;
      if (first) transfer.push_back(mean(b.per_seed(code, false)) - mean(first->per_seed(code, false)));
    }
    out["languages"] = std::move(langs);
    out["languages_scored"] = all.scored;
    out["improved"] = all.improved;
    out["degraded"] = all.degraded;
    out["gains"] = all.gains();
    out["forgetting"] = all.forgetting();
    out["backward_transfer"] = transfer.empty() ? json::value(nullptr) : json::value(mean(transfer));
    out["gains_trained"] = trained.gains();
    out["gains_untrained"] = untrained.gains();
    out["forgetting_trained"] = trained.forgetting();
    out["forgetting_untrained"] = untrained.forgetting();
    return out;
  }

  static double step_time(const CellData& c) {
    const auto& t = c.result.training;
    const double seconds = !c.dev_curve.empty() && c.dev_curve.back().seconds > 0 ? c.dev_curve.back().seconds
                                                                                   : (t ? t->train_wall_s : 0.0);
    return t && t->steps > 0 ? seconds / double(t->steps) : 0.0;
  }

  json::object cost(const Aggregate& a, const Aggregate* base) const {
    std::vector<double> steps, tokens, train_wall, wall, tps, step_s;
    std::set<std::string> devices;
    for (const auto* c : a.cells) {
      const auto& t = c->result.training;
      steps.push_back(t ? double(t->steps) : 0.0);
      tokens.push_back(c->tokens);
      train_wall.push_back(t ? t->train_wall_s : 0.0);
      wall.push_back(c->result.wall_time_s);
      tps.push_back(t ? t->tokens_per_s : 0.0);
      step_s.push_back(step_time(*c));
      if (t) devices.insert(t->device);
    }
    auto base_step = [&]() -> std::optional<double> {
      if (!base) return std::nullopt;
      std::vector<double> v;
      for (const auto* c : base->cells) v.push_back(step_time(*c));
      const double m = mean(v);
      return m > 0 ? std::optional<double>(m) : std::nullopt;
    }();
    json::object out = a.key.json();
    out["seeds"] = int64_t(a.cells.size());
    out["steps"] = mean(steps);
    out["tokens"] = mean(tokens);
    out["train_wall_s"] = mean(train_wall);
    out["wall_time_s"] = mean(wall);
    out["tokens_per_s"] = mean(tps);
    const double st = mean(step_s);
    out["step_time_s"] = st > 0 ? json::value(st) : json::value(nullptr);
    out["step_time_ratio"] = st > 0 && base_step ? json::value(st / *base_step) : json::value(nullptr);
    out["devices"] = json::value_from(std::vector<std::string>(devices.begin(), devices.end()));
    return out;
  }

  // One seed's routing through one BASE layer, its experts in a canonical order (below).
  struct SeedRouting {
    std::map<std::string, std::vector<double>> rows;  // language → share per expert (sums to 1)
    std::map<std::string, double> tokens;             // language → tokens routed
    std::map<std::string, double> specialisation;     // language → TV distance of its row from `load`
    std::vector<double> load;                         // share of all tokens per expert
    std::vector<int64_t> order;                       // the seed's expert index at each position
    std::optional<double> entropy, iterations;
  };

  // Reads diagnostics.expert_usage (and expert_load, routing_entropy, auction_iterations) of one
  // cell's layer. Expert indices are the seed's own: the same index in two seeds names unrelated
  // experts. So each seed's experts are put in a canonical order before seeds are averaged: by
  // the language (suite order) whose tokens go to the expert in the largest share, then by that
  // share, descending; position j is "the j-th expert in that order".
  static SeedRouting seed_routing(const CellData& c, const std::string& layer, const json::object& usage,
                                  const std::vector<std::string>& languages) {
    const std::string where = "$.diagnostics.expert_usage." + layer;
    auto numbers = [&](const json::value& v, const std::string& path) {
      std::vector<double> out;
      if (!v.is_array()) throw ConfigError(c.file, path + ": expected an array of token counts");
      for (const auto& x : v.get_array()) {
        if (!x.is_number() || x.to_number<double>() < 0)
          throw ConfigError(c.file, path + ": expected non-negative token counts, got " + json::serialize(x));
        out.push_back(x.to_number<double>());
      }
      return out;
    };
    SeedRouting r;
    std::vector<std::string> order_langs;  // suite order, then any other the cell routed
    for (const auto& l : languages)
      if (usage.contains(l)) order_langs.push_back(l);
    for (const auto& kv : usage)
      if (std::find(order_langs.begin(), order_langs.end(), std::string(kv.key())) == order_langs.end())
        order_langs.emplace_back(kv.key());
    std::size_t experts = 0;
    std::map<std::string, std::vector<double>> counts;
    for (const auto& l : order_langs) {
      auto v = numbers(usage.at(l), where + "." + l);
      if (experts == 0) experts = v.size();
      if (v.empty() || v.size() != experts)
        throw ConfigError(c.file, fmt::format("{}.{}: {} experts, but {} for the layer's first language", where, l, v.size(), experts));
      counts[l] = std::move(v);
    }
    std::vector<double> total(experts, 0.0);
    double all = 0;
    for (const auto& [l, v] : counts)
      for (std::size_t e = 0; e < experts; ++e) total[e] += v[e], all += v[e];
    std::vector<double> overall(experts, 0.0);
    for (std::size_t e = 0; e < experts && all > 0; ++e) overall[e] = total[e] / all;
    std::map<std::string, std::vector<double>> rows;
    for (const auto& [l, v] : counts) {
      double n = 0;
      for (double x : v) n += x;
      r.tokens[l] = n;
      if (n <= 0) continue;  // a language that routed nothing has no row
      std::vector<double> row(experts);
      for (std::size_t e = 0; e < experts; ++e) row[e] = v[e] / n;
      double tv = 0;
      for (std::size_t e = 0; e < experts; ++e) tv += std::fabs(row[e] - overall[e]);
      r.specialisation[l] = tv / 2;
      rows[l] = std::move(row);
    }
    // The canonical order: (first language of largest share, −that share, index).
    std::vector<std::tuple<std::size_t, double, int64_t>> keys;
    for (std::size_t e = 0; e < experts; ++e) {
      std::size_t best = order_langs.size();
      double share = -1;
      for (std::size_t i = 0; i < order_langs.size(); ++i)
        if (auto it = rows.find(order_langs[i]); it != rows.end() && it->second[e] > share) best = i, share = it->second[e];
      keys.emplace_back(best, -share, int64_t(e));
    }
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) r.order.push_back(std::get<2>(k));
    auto reorder = [&](const std::vector<double>& v) {
      std::vector<double> out;
      for (int64_t e : r.order) out.push_back(v[std::size_t(e)]);
      return out;
    };
    for (auto& [l, row] : rows) r.rows[l] = reorder(row);
    // The load as the cell counted it (expert_load), else the languages' sum.
    r.load = reorder(overall);
    const json::object& d = c.result.training->diagnostics;
    if (const json::value* lv = d.if_contains("expert_load"); lv && lv->is_object())
      if (const json::value* x = lv->get_object().if_contains(layer)) {
        auto load = numbers(*x, "$.diagnostics.expert_load." + layer);
        if (load.size() != experts)
          throw ConfigError(c.file, fmt::format("$.diagnostics.expert_load.{}: {} experts, but expert_usage has {}", layer,
                                                load.size(), experts));
        double n = 0;
        for (double v : load) n += v;
        if (n > 0) {
          for (double& v : load) v /= n;
          r.load = reorder(load);
        }
      }
    auto scalar = [&](const char* key) -> std::optional<double> {
      const json::value* v = d.if_contains(key);
      if (!v || !v->is_object()) return std::nullopt;
      const json::value* x = v->get_object().if_contains(layer);
      return x && x->is_number() ? std::optional<double>(x->to_number<double>()) : std::nullopt;
    };
    r.entropy = scalar("routing_entropy");
    r.iterations = scalar("auction_iterations");
    return r;
  }

  // The experts entry of an aggregate whose cells carry diagnostics.expert_usage: per BASE layer,
  // means over those seeds (docs/report-schema.md, `experts`).
  std::optional<json::object> experts(const Aggregate& a) const {
    std::map<std::string, std::vector<SeedRouting>> layers;
    std::vector<std::string> layer_order;
    std::vector<int64_t> seeds;
    for (const auto* c : a.cells) {
      if (!c->result.training) continue;
      const json::value* u = c->result.training->diagnostics.if_contains("expert_usage");
      if (!u) continue;
      if (!u->is_object()) throw ConfigError(c->file, "$.diagnostics.expert_usage: expected an object of layers");
      seeds.push_back(c->seed);
      for (const auto& kv : u->get_object()) {
        const std::string layer(kv.key());
        if (!kv.value().is_object())
          throw ConfigError(c->file, "$.diagnostics.expert_usage." + layer + ": expected an object of languages");
        if (!layers.count(layer)) layer_order.push_back(layer);
        layers[layer].push_back(seed_routing(*c, layer, kv.value().get_object(), a.languages));
      }
    }
    if (seeds.empty()) return std::nullopt;
    json::object out = a.key.json();
    out["seeds"] = json::value_from(seeds);
    json::object layers_json;
    for (const auto& name : layer_order) {
      const auto& per_seed = layers.at(name);
      const std::size_t experts = per_seed.front().load.size();
      for (const auto& r : per_seed)
        if (r.load.size() != experts)
          throw ConfigError(a.cells.front()->file,
                            fmt::format("$.diagnostics.expert_usage.{}: {} experts in one seed, {} in another", name, experts,
                                        r.load.size()));
      std::vector<std::string> langs;  // suite order, then others
      for (const auto& l : a.languages)
        for (const auto& r : per_seed)
          if (r.tokens.count(l) && std::find(langs.begin(), langs.end(), l) == langs.end()) langs.push_back(l);
      for (const auto& r : per_seed)
        for (const auto& [l, n] : r.tokens)
          if (std::find(langs.begin(), langs.end(), l) == langs.end()) langs.push_back(l);
      auto mean_of = [](const std::vector<std::optional<double>>& v) -> json::value {
        double s = 0;
        int n = 0;
        for (const auto& x : v)
          if (x) s += *x, ++n;
        return n ? json::value(s / n) : json::value(nullptr);
      };
      std::vector<double> load(experts, 0.0);
      for (const auto& r : per_seed)
        for (std::size_t e = 0; e < experts; ++e) load[e] += r.load[e] / double(per_seed.size());
      json::object usage, specialisation, tokens;
      std::vector<double> spec_all;
      for (const auto& l : langs) {
        std::vector<double> row(experts, 0.0);
        std::vector<std::optional<double>> spec, tok;
        int n = 0;
        for (const auto& r : per_seed) {
          if (auto it = r.tokens.find(l); it != r.tokens.end()) tok.push_back(it->second);
          auto it = r.rows.find(l);
          if (it == r.rows.end()) continue;
          for (std::size_t e = 0; e < experts; ++e) row[e] += it->second[e];
          spec.push_back(r.specialisation.at(l));
          ++n;
        }
        tokens[l] = mean_of(tok);
        if (n == 0) {
          usage[l] = nullptr, specialisation[l] = nullptr;
          continue;
        }
        for (double& x : row) x /= n;
        usage[l] = json::value_from(row);
        specialisation[l] = mean_of(spec);
        spec_all.push_back(specialisation[l].as_double());
      }
      std::vector<std::optional<double>> entropy, iterations;
      json::array orders;
      for (const auto& r : per_seed) {
        entropy.push_back(r.entropy), iterations.push_back(r.iterations);
        orders.push_back(json::value_from(r.order));
      }
      layers_json[name] = json::object{
          {"experts", int64_t(experts)},
          {"expert_order", std::move(orders)},
          {"tokens", std::move(tokens)},
          {"load_share", json::value_from(load)},
          {"usage", std::move(usage)},
          {"specialisation", std::move(specialisation)},
          {"mean_specialisation", spec_all.empty() ? json::value(nullptr) : json::value(mean(spec_all))},
          {"routing_entropy", mean_of(entropy)},
          {"auction_iterations", mean_of(iterations)}};
    }
    out["layers"] = std::move(layers_json);
    return out;
  }

  AnalysisOptions options_;
  std::vector<Aggregate> aggregates_;  // first appearance in grid order
  std::map<Key, std::size_t> index_;
  std::vector<std::string> methods_;   // labels of ok cells, grid order
  std::string baseline_;
  std::vector<std::string> extra_;     // further baselines, without the report's
};

}  // namespace

std::optional<std::size_t> first_reaching(const std::vector<double>& values, double target) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] <= target) return i;
  return std::nullopt;
}

std::optional<double> mean_under_curve(const std::vector<int64_t>& steps, const std::vector<double>& values) {
  if (values.empty() || steps.size() != values.size()) return std::nullopt;
  if (values.size() == 1 || steps.back() == steps.front()) return values.front();
  double area = 0;
  for (std::size_t i = 1; i < values.size(); ++i)
    area += 0.5 * (values[i] + values[i - 1]) * double(steps[i] - steps[i - 1]);
  return area / double(steps.back() - steps.front());
}

Analysis analyze(const std::vector<CellData>& cells, const AnalysisOptions& options) {
  return Analyzer(cells, options).run();
}

}  // namespace longtail::reports

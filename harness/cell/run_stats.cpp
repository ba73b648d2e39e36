#include "harness/cell/run_stats.h"

#include <algorithm>
#include <numeric>

namespace longtail::cell {

namespace json = boost::json;
using train::ByteReader;
using train::ByteWriter;

json::value number_or_null(double x) { return std::isfinite(x) ? json::value(x) : json::value(nullptr); }

namespace {
void save_vec(ByteWriter& w, const std::vector<double>& v) {
  for (double x : v) w.f64(x);
}
void load_vec(ByteReader& r, std::vector<double>& v) {
  for (double& x : v) x = r.f64();
}
}  // namespace

void Welford::add(double x) {
  ++n;
  const double d = x - mean;
  mean += d / static_cast<double>(n);
  m2 += d * (x - mean);
}

// ---- gradient cosines ---------------------------------------------------------------------------

void GradientCosines::reset(size_t langs) {
  sum.assign(langs * langs, 0.0), n.assign(langs * langs, 0.0);
  conflict_sum = conflict_n = measurements = 0;
}

void GradientCosines::add(const train::StepResult& r) {
  if (r.lang_grad_cosine.empty()) return;
  measurements += 1;
  for (size_t k = 0; k < sum.size() && k < r.lang_grad_cosine.size(); ++k)
    if (std::isfinite(r.lang_grad_cosine[k])) sum[k] += r.lang_grad_cosine[k], n[k] += 1;
  if (std::isfinite(r.grad_conflict_fraction)) conflict_sum += r.grad_conflict_fraction, conflict_n += 1;
}

void GradientCosines::save(ByteWriter& w) const {
  for (size_t k = 0; k < sum.size(); ++k) w.f64(sum[k]), w.f64(n[k]);
  w.f64(conflict_sum), w.f64(conflict_n), w.f64(measurements);
}

void GradientCosines::load(ByteReader& r) {
  for (size_t k = 0; k < sum.size(); ++k) sum[k] = r.f64(), n[k] = r.f64();
  conflict_sum = r.f64(), conflict_n = r.f64(), measurements = r.f64();
}

json::object GradientCosines::matrix(const std::vector<std::string>& langs) const {
  json::object m;
  const size_t n_langs = langs.size();
  for (size_t i = 0; i < n_langs; ++i) {
    json::object row;
    for (size_t j = 0; j < n_langs; ++j) {
      const size_t k = i * n_langs + j;
      row[langs[j]] = k < n.size() && n[k] > 0 ? json::value(sum[k] / n[k]) : json::value(nullptr);
    }
    m[langs[i]] = row;
  }
  return m;
}

json::value GradientCosines::conflict() const {
  return conflict_n > 0 ? json::value(conflict_sum / conflict_n) : json::value(nullptr);
}

// ---- tallies ------------------------------------------------------------------------------------

void StepTally::reset(size_t langs) {
  lang_examples.assign(langs, 0.0), lang_gnorm_sum.assign(langs, 0.0), lang_gnorm_n.assign(langs, 0.0);
  cosines.reset(langs);
  grad_norm = Welford{};
}

void StepTally::add(const train::StepResult& r, const std::vector<int64_t>& examples) {
  for (size_t l = 0; l < lang_examples.size(); ++l) {
    lang_examples[l] += static_cast<double>(examples[l]);
    if (l < r.lang_grad_norm.size() && std::isfinite(r.lang_grad_norm[l]))
      lang_gnorm_sum[l] += r.lang_grad_norm[l], lang_gnorm_n[l] += 1;
  }
  cosines.add(r);
  grad_norm.add(r.grad_norm);
}

json::object StepTally::sampled_fraction(const std::vector<std::string>& langs) const {
  const double total = std::accumulate(lang_examples.begin(), lang_examples.end(), 0.0);
  json::object o;
  for (size_t l = 0; l < langs.size(); ++l) o[langs[l]] = total > 0 ? lang_examples[l] / total : 0.0;
  return o;
}

json::object StepTally::lang_grad_norm(const std::vector<std::string>& langs, bool* measured) const {
  json::object o;
  bool any = false;
  for (size_t l = 0; l < langs.size(); ++l) {
    o[langs[l]] = lang_gnorm_n[l] > 0 ? json::value(lang_gnorm_sum[l] / lang_gnorm_n[l]) : json::value(nullptr);
    any = any || lang_gnorm_n[l] > 0;
  }
  if (measured) *measured = any;
  return o;
}

json::object StepTally::epochs(const std::vector<std::string>& langs, const std::vector<double>& rows) const {
  json::object o;
  for (size_t l = 0; l < langs.size(); ++l) o[langs[l]] = rows[l] > 0 ? lang_examples[l] / rows[l] : 0.0;
  return o;
}

void LossWindow::reset(size_t langs) {
  lang_sum.assign(langs, 0.0), lang_tokens.assign(langs, 0.0);
  tally.reset(langs);
}

void LossWindow::add(const train::StepResult& r, const std::vector<int64_t>& examples) {
  for (size_t l = 0; l < lang_sum.size(); ++l) lang_sum[l] += r.lang_loss_sum[l], lang_tokens[l] += r.lang_tokens[l];
  tally.add(r, examples);
}

double LossWindow::loss() const {
  const double t = std::accumulate(lang_tokens.begin(), lang_tokens.end(), 0.0);
  return t > 0 ? std::accumulate(lang_sum.begin(), lang_sum.end(), 0.0) / t : std::nan("");
}

// ---- the run ------------------------------------------------------------------------------------

void RunStats::reset(size_t langs) {
  window.reset(langs);
  run.reset(langs);
}

void RunStats::add(const train::StepResult& r, const std::vector<int64_t>& examples) {
  window.add(r, examples);
  run.add(r, examples);
}

json::object RunStats::close_window(const std::vector<std::string>& langs, const std::vector<double>& rows) {
  const auto& w = window.tally;
  json::object o;
  // The spread of the mini-batch gradient norm (Li et al. 2025 compare its variance across
  // methods), the languages actually trained on, per-language gradient norms (when measured in
  // the window) and the epochs consumed so far.
  const double var = w.grad_norm.variance();
  o["grad_norm_mean"] = number_or_null(w.grad_norm.mean);
  o["grad_norm_var"] = number_or_null(var);
  if (std::isfinite(var)) window_var_sum += var, window_var_n += 1;
  o["lang_frac"] = w.sampled_fraction(langs);
  bool measured = false;
  json::object gnorm = w.lang_grad_norm(langs, &measured);
  if (measured) o["lang_grad_norm"] = std::move(gnorm);
  if (w.cosines.measurements > 0) {
    o["lang_grad_cosine"] = w.cosines.matrix(langs);
    o["grad_conflict_fraction"] = w.cosines.conflict();
  }
  o["epochs"] = run.epochs(langs, rows);
  window.reset(langs.size());
  return o;
}

json::object RunStats::diagnostics(const std::vector<std::string>& langs, const std::vector<double>& rows,
                                   const std::string& grad_cosine_params) const {
  const auto& c = run;
  return json::object{
      {"grad_norm_mean", number_or_null(c.grad_norm.mean)},
      {"grad_norm_var", number_or_null(c.grad_norm.variance())},
      {"grad_norm_var_window_mean", window_var_n > 0 ? json::value(window_var_sum / static_cast<double>(window_var_n)) : json::value(nullptr)},
      {"sampled_fraction", c.sampled_fraction(langs)},
      {"epochs", c.epochs(langs, rows)},
      {"lang_grad_norm_mean", c.lang_grad_norm(langs)},
      {"lang_grad_norm_measurements", c.lang_gnorm_n.empty() ? 0.0 : *std::max_element(c.lang_gnorm_n.begin(), c.lang_gnorm_n.end())},
      {"lang_grad_cosine_mean", c.cosines.measurements > 0 ? json::value(c.cosines.matrix(langs)) : json::value(nullptr)},
      {"grad_conflict_fraction_mean", c.cosines.conflict()},
      {"grad_cosine_measurements", c.cosines.measurements},
      {"grad_cosine_params", grad_cosine_params}};
}

std::string RunStats::save() const {
  const auto& w = window.tally;
  ByteWriter b;
  b.f64(elapsed_s);
  b.f64(step_time_s);
  b.i64(tokens);
  b.f64(train_loss_final);
  b.u64(window.lang_sum.size());
  for (size_t l = 0; l < window.lang_sum.size(); ++l) b.f64(window.lang_sum[l]), b.f64(window.lang_tokens[l]);
  save_vec(b, w.lang_examples), save_vec(b, w.lang_gnorm_sum), save_vec(b, w.lang_gnorm_n);
  w.grad_norm.save(b);
  save_vec(b, run.lang_examples), save_vec(b, run.lang_gnorm_sum), save_vec(b, run.lang_gnorm_n);
  run.grad_norm.save(b);
  b.f64(window_var_sum);
  b.i64(window_var_n);
  w.cosines.save(b), run.cosines.save(b);
  return b.data();
}

void RunStats::load(const std::string& blob, size_t langs) {
  ByteReader r(blob, "checkpoint trainer state");
  elapsed_s = r.f64();
  step_time_s = r.f64();
  tokens = r.i64();
  train_loss_final = r.f64();
  if (r.u64() != langs) throw train::CheckpointError("checkpoint was written for a different number of languages");
  reset(langs);
  auto& w = window.tally;
  for (size_t l = 0; l < langs; ++l) window.lang_sum[l] = r.f64(), window.lang_tokens[l] = r.f64();
  load_vec(r, w.lang_examples), load_vec(r, w.lang_gnorm_sum), load_vec(r, w.lang_gnorm_n);
  w.grad_norm.load(r);
  load_vec(r, run.lang_examples), load_vec(r, run.lang_gnorm_sum), load_vec(r, run.lang_gnorm_n);
  run.grad_norm.load(r);
  window_var_sum = r.f64();
  window_var_n = r.i64();
  w.cosines.load(r), run.cosines.load(r);
}

json::object routing_json(const train::RoutingTally& tally, const std::vector<std::string>& langs) {
  if (tally.empty()) return {};
  auto ints = [](const torch::Tensor& t) {
    json::array a;
    auto c = t.to(torch::kCPU).contiguous();
    for (int64_t i = 0; i < c.numel(); ++i) a.emplace_back(c.data_ptr<int64_t>()[i]);
    return a;
  };
  json::object load, usage, entropy, iterations;
  for (const auto& l : tally.layers()) {
    load[l.name] = ints(l.load);
    json::object by_lang;
    for (size_t i = 0; i < langs.size(); ++i) by_lang[langs[i]] = ints(l.usage[static_cast<int64_t>(i)]);
    usage[l.name] = std::move(by_lang);
    const double tokens = static_cast<double>(l.load.sum().item<int64_t>());
    const auto counts = l.counts.accessor<int64_t, 1>();
    entropy[l.name] = tokens > 0 ? json::value(l.entropy_sum.item<double>() / tokens) : json::value(nullptr);
    iterations[l.name] = counts[0] > 0 ? json::value(static_cast<double>(counts[1]) / static_cast<double>(counts[0])) : json::value(nullptr);
  }
  return {{"expert_load", std::move(load)}, {"expert_usage", std::move(usage)}, {"routing_entropy", std::move(entropy)},
          {"auction_iterations", std::move(iterations)}};
}

}  // namespace longtail::cell

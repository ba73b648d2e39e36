#include "harness/train/trainer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>

#include "eval/decode/search.h"
#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/progress.h"
#include "harness/common/version.h"
#include "harness/data/imbalance.h"
#include "harness/data/shard.h"
#include "harness/model/model_config.h"
#include "harness/train/batcher.h"
#include "harness/train/train_options.h"
#include "methods/method.h"
#include "reports/report.h"

namespace longtail::train {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
namespace compat = model::compat;
using compat::Precision;

// LibTorch 2.x wheels put their own {fmt} (v12) on the include path, which clashes with the system
// fmt/spdlog the rest of longtail uses; so the LibTorch translation units format with iostreams
// and log through log_line, and build with either LibTorch whatever the include order.
namespace {

template <class... Args>
std::string cat(const Args&... args) {
  std::ostringstream o;
  (o << ... << args);
  return o.str();
}

std::string fixed(double x, int digits) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << x;
  return o.str();
}

std::string sci(double x, int digits) {
  std::ostringstream o;
  o << std::scientific << std::setprecision(digits) << x;
  return o.str();
}

// "[2026-11-21 07:20:37.654] [info] message" on stderr, like the spdlog lines of the other tools.
void log_line(const char* level, const std::string& msg) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::fprintf(stderr, "[%s.%03d] [%s] %s\n", stamp, static_cast<int>(ms), level, msg.c_str());
  std::fflush(stderr);
}

}  // namespace

// =================================================================================================
// Building blocks: optimizer, schedule, clipping, one step
// =================================================================================================

Adam::Adam(NamedTensors params, AdamOptions opts) : params_(std::move(params)), opts_(opts) {
  for (const auto& [name, p] : params_) {
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
  }
  step_ = torch::zeros({}, torch::kLong);
}

void Adam::zero_grad() {
  for (auto& [name, p] : params_) p.mutable_grad() = torch::Tensor();
}

void Adam::step(double lr) {
  torch::NoGradGuard no_grad;
  const int64_t t = step_.item<int64_t>() + 1;
  step_.fill_(t);
  const double b1 = opts_.beta1, b2 = opts_.beta2;
  const double step_size = lr / (1.0 - std::pow(b1, static_cast<double>(t)));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(t)));
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i].second;
    const auto& g = p.grad();
    if (!g.defined()) continue;
    exp_avg_[i].mul_(b1).add_(g, 1.0 - b1);
    exp_avg_sq_[i].mul_(b2).addcmul_(g, g, 1.0 - b2);
    if (opts_.weight_decay > 0) p.mul_(1.0 - lr * opts_.weight_decay);  // decoupled (AdamW)
    auto denom = (exp_avg_sq_[i].sqrt() / bc2_sqrt).add_(opts_.eps);
    p.addcdiv_(exp_avg_[i], denom, -step_size);
  }
}

NamedTensors Adam::state() const {
  NamedTensors s{{"adam.step", step_}};
  for (size_t i = 0; i < params_.size(); ++i) {
    s.emplace_back("adam.exp_avg." + params_[i].first, exp_avg_[i]);
    s.emplace_back("adam.exp_avg_sq." + params_[i].first, exp_avg_sq_[i]);
  }
  return s;
}

double learning_rate(int64_t t, double peak, int64_t warmup) {
  if (warmup > 0 && t < warmup) return peak * static_cast<double>(t) / static_cast<double>(warmup);
  return peak * std::sqrt(static_cast<double>(std::max<int64_t>(warmup, 1)) / static_cast<double>(t));
}

torch::Tensor clip_grad_norm(const NamedTensors& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& [name, p] : params)
    if (p.grad().defined()) {
      grads.push_back(p.grad());
      norms.push_back(p.grad().norm(2).to(torch::kFloat));
    }
  if (norms.empty()) return torch::zeros({});
  auto total = torch::stack(norms).norm(2);
  if (max_norm > 0) {
    // Always multiply (by ≤ 1) instead of branching on the value: no host sync needed here.
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.mul_(coef);
  }
  return total;
}

NamedTensors model_tensors(model::Transformer& model) {
  NamedTensors t;
  for (const auto& item : model->named_parameters(true)) t.emplace_back("model." + item.key(), item.value());
  for (const auto& item : model->named_buffers(true)) t.emplace_back("model." + item.key(), item.value());
  return t;
}

LanguageLosses held_out_language_losses(model::Transformer& model, const TensorBatch& batch, const StepConfig& cfg) {
  StepConfig dev = cfg;
  dev.label_smoothing = 0.0;
  dev.lang_grad_norms = false;
  model->eval();
  LanguageLosses out = language_losses(model, batch, dev);
  model->train();
  return out;
}

LanguageLosses language_losses(model::Transformer& model, const TensorBatch& batch, const StepConfig& cfg) {
  torch::Tensor logits;
  {
    compat::AutocastGuard autocast(batch.src.device().type(), cfg.bf16);
    logits = model->forward(batch.src, batch.tgt_in);
  }
  auto ex = model::label_smoothed_loss(logits, batch.tgt_out, cfg.pad_id, cfg.label_smoothing);
  return {model::sum_by_language(ex.loss, batch.lang, cfg.n_langs), model::sum_by_language(ex.tokens, batch.lang, cfg.n_langs)};
}

torch::Tensor weighted_objective(const LanguageLosses& losses, const torch::Tensor& lang_weights) {
  return (lang_weights * losses.sum).sum() / losses.tokens.sum();
}

namespace {

// Saves the generators' states and restores them on exit: a diagnostic forward pass (dropout)
// must not shift the stream the training steps draw from.
class RngFork {
 public:
  explicit RngFork(const torch::Device& device) : cuda_(device.is_cuda()) {
    cpu_ = compat::rng_state(torch::kCPU);
    if (cuda_) gpu_ = compat::rng_state(torch::kCUDA);
  }
  ~RngFork() {
    compat::set_rng_state(torch::kCPU, cpu_);
    if (cuda_) compat::set_rng_state(torch::kCUDA, gpu_);
  }
  RngFork(const RngFork&) = delete;
  RngFork& operator=(const RngFork&) = delete;

 private:
  bool cuda_;
  std::string cpu_, gpu_;
};

}  // namespace

StepResult train_step(model::Transformer& model, Adam& adam, const TensorBatch& batch, const torch::Tensor& lang_weights,
                      double lr, const StepConfig& cfg, StepHook* hook, StepInputs inputs) {
  // 1. Per-language losses: Σ over the language's target tokens in the batch (skipped for a hook
  //    that runs its own per-language forward passes).
  const bool batch_forward = !hook || hook->uses_batch_losses();
  LanguageLosses losses;
  if (batch_forward) losses = language_losses(model, batch, cfg);
  LanguageGradients local_gradients;
  LanguageGradients* gradients = inputs.gradients ? inputs.gradients : &local_gradients;
  const int64_t computed_before = gradients->computations();
  if (!inputs.losses_of) inputs.losses_of = [&](const TensorBatch& b) { return language_losses(model, b, cfg); };

  // 2-3. The method combines them and backpropagates: Σ_i w_i L_i / N (w = 1 gives the batch's
  //      per-token mean), or the method's own step hook.
  adam.zero_grad();
  torch::Tensor objective;
  if (hook) {
    LanguageLosses own;
    inputs.losses = batch_forward ? &losses : nullptr;
    inputs.weights = lang_weights;
    inputs.params = &adam.params();
    inputs.batch = &batch;
    inputs.pad_id = cfg.pad_id;
    inputs.gradients = gradients;
    inputs.own_losses = &own;
    objective = hook->backward(inputs);
    if (!batch_forward) {
      if (!own.sum.defined() || !own.tokens.defined())
        throw std::logic_error("a step hook without batch losses must fill StepInputs::own_losses");
      losses = own;
    }
  } else {
    objective = weighted_objective(losses, lang_weights);
    objective.backward();
  }

  // Diagnostics: each language's own gradient (norms over all parameters, cosines over
  // cfg.grad_scope), from the hook's per-language gradients of this step when it computed them
  // over the same parameters, else from per-language sub-batches (autograd::grad leaves .grad()
  // alone and the generators are restored, so the update is unchanged).
  std::vector<double> lang_grad_norm, lang_grad_cosine;
  double conflict_fraction = std::nan("");
  if (cfg.lang_grad_norms || cfg.grad_cosine) {
    LanguageGradients diagnostic;
    auto measure = [&](const std::string& scope) -> GradientGeometry {
      if (gradients->computations() != computed_before && gradients->scope() == scope)
        return gradient_geometry(gradients->matrix(), gradients->present());
      RngFork fork(batch.src.device());
      diagnostic.from_sub_batches(batch, cfg.n_langs, cfg.pad_id, inputs.losses_of, adam.params(), scope);
      return gradient_geometry(diagnostic.matrix(), diagnostic.present());
    };
    const std::string cos_scope = cfg.grad_cosine ? cfg.grad_scope : "all";
    GradientGeometry geo = measure(cfg.lang_grad_norms ? "all" : cos_scope);
    if (cfg.lang_grad_norms) lang_grad_norm = geo.norm;
    if (cfg.grad_cosine) {
      if (cos_scope != "all" && cfg.lang_grad_norms) geo = measure(cos_scope);
      lang_grad_cosine = geo.cosine;
      conflict_fraction = geo.conflict_fraction;
    }
  }

  // Clip; check before the update so a NaN never reaches the weights.
  auto grad_norm = clip_grad_norm(adam.params(), cfg.clip_norm);
  // One device→host copy per step: the objective, the norm and the per-language sums.
  auto host = torch::cat({objective.detach().view({1}).to(torch::kFloat), grad_norm.view({1}).to(torch::kFloat),
                          losses.sum.detach().to(torch::kFloat), losses.tokens.to(torch::kFloat)})
                  .to(torch::kCPU, torch::kDouble);
  auto h = host.accessor<double, 1>();
  StepResult r;
  r.loss = h[0];
  r.grad_norm = h[1];
  if (!std::isfinite(r.loss) || !std::isfinite(r.grad_norm))
    throw TrainingFailure(cat("non-finite training loss (loss ", r.loss, ", gradient norm ", r.grad_norm, ")"));
  for (int64_t l = 0; l < cfg.n_langs; ++l) {
    r.lang_loss_sum.push_back(h[2 + l]);
    r.lang_tokens.push_back(h[2 + cfg.n_langs + l]);
  }
  r.lang_grad_norm = std::move(lang_grad_norm);
  r.lang_grad_cosine = std::move(lang_grad_cosine);
  r.grad_conflict_fraction = conflict_fraction;

  // 4. Update: Adam, or the hook's own update (Sequential Reptile's inner step + outer step).
  if (!hook || !hook->apply_update(adam, lr, inputs)) adam.step(lr);
  return r;
}

// =================================================================================================
// The cell: configuration, data, training loop, evaluation, outputs
// =================================================================================================

namespace {

const json::value& need(const json::object& o, const char* key, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) throw ConfigError(where, cat("missing key \"", key, "\""));
  return it->value();
}
const json::object& need_object(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_object()) throw ConfigError(where + "." + key, "expected an object");
  return v.get_object();
}
std::string need_string(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (!v.is_string()) throw ConfigError(where + "." + key, "expected a string");
  return std::string(v.get_string());
}
int64_t need_int(const json::object& o, const char* key, const std::string& where) {
  const auto& v = need(o, key, where);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  throw ConfigError(where + "." + key, "expected an integer");
}

struct Vocab {
  int64_t size = 0, pad = 0, unk = 1, bos = 2, eos = 3;
  uint64_t hash = 0;  // 0 = unknown: shards are not checked against it
  std::map<std::string, int64_t> lang_tags;
};

Vocab read_vocab(const std::string& path) {
  const auto v = read_json_file(path);
  if (!v.is_object()) throw ConfigError(path, "expected an object");
  const auto& o = v.get_object();
  Vocab r;
  r.size = need_int(o, "size", path);
  r.pad = need_int(o, "pad", path);
  r.unk = need_int(o, "unk", path);
  r.bos = need_int(o, "bos", path);
  r.eos = need_int(o, "eos", path);
  if (auto it = o.find("hash"); it != o.end() && it->value().is_string()) {
    try {
      r.hash = std::stoull(std::string(it->value().get_string()), nullptr, 16);
    } catch (const std::exception&) {
      throw ConfigError(path + ": $.hash", "expected 16 hex digits");
    }
  }
  if (auto it = o.find("lang_tags"); it != o.end() && it->value().is_object())
    for (const auto& kv : it->value().get_object()) r.lang_tags[std::string(kv.key())] = kv.value().to_number<int64_t>();
  for (int64_t id : {r.pad, r.unk, r.bos, r.eos})
    if (id < 0 || id >= r.size) throw ConfigError(path, cat("special id ", id, " outside the vocabulary of ", r.size));
  return r;
}

// Everything config.json says, resolved.
struct CellConfig {
  std::string id;
  uint64_t seed = 0;
  std::string method;
  json::object method_params;
  model::ModelConfig model;
  Options train, eval;
  bool en_to_x = true;
  std::vector<std::string> languages;
  std::vector<int64_t> train_pairs;
  uint64_t subsample_seed = 0;
  std::string shards, vocab;
  std::vector<bool> high_resource;  // the suite's groups (reports::high_resource), per language
};

CellConfig read_config(const std::string& path) {
  const auto root_v = read_json_file(path);
  if (!root_v.is_object()) throw ConfigError(path, "expected an object");
  const auto& root = root_v.get_object();
  const std::string where = path + ": $";
  CellConfig c;
  const auto& cell = need_object(root, "cell", where);
  c.id = need_string(cell, "id", where + ".cell");
  c.seed = static_cast<uint64_t>(need_int(cell, "seed", where + ".cell"));
  const auto& method = need_object(root, "method", where);
  c.method = need_string(method, "name", where + ".method");
  if (auto it = method.find("params"); it != method.end() && it->value().is_object()) c.method_params = it->value().get_object();
  c.model = model::model_from_json(need_object(root, "model", where));
  c.train = Options(resolve_options(train_options(), need_object(root, "train", where), where + ".train"), where + ".train");
  c.eval = Options(resolve_options(eval_options(), need_object(root, "eval", where), where + ".eval"), where + ".eval");
  const auto& data = need_object(root, "data", where);
  const std::string dw = where + ".data";
  const std::string direction = need_string(data, "direction", dw);
  if (direction != "en-x" && direction != "x-en") throw ConfigError(dw + ".direction", "expected \"en-x\" or \"x-en\"");
  c.en_to_x = direction == "en-x";
  const auto& langs = need(data, "languages", dw);
  if (!langs.is_array() || langs.get_array().empty()) throw ConfigError(dw + ".languages", "expected a non-empty array");
  const auto& pairs = need_object(data, "train_pairs", dw);
  for (const auto& l : langs.get_array()) {
    c.languages.emplace_back(l.as_string());
    c.train_pairs.push_back(need_int(pairs, c.languages.back().c_str(), dw + ".train_pairs"));
  }
  c.subsample_seed = static_cast<uint64_t>(need_int(data, "subsample_seed", dw));
  c.shards = need_string(data, "shards", dw);
  c.vocab = need_string(data, "vocab", dw);
  // High/low-resource groups as the report computes them; without "groups": the larger half.
  json::object grouping = root;
  if (!grouping.contains("groups")) grouping["groups"] = json::object{{"high_min_pairs", 0}, {"high", json::array{}}, {"low", json::array{}}};
  if (!data.contains("natural_pairs")) grouping["data"].as_object()["natural_pairs"] = pairs;
  const auto high = reports::high_resource(grouping);
  for (const auto& l : c.languages) c.high_resource.push_back(std::find(high.begin(), high.end(), l) != high.end());
  return c;
}

// ---- data ---------------------------------------------------------------------------------------

struct Pair {
  std::vector<int64_t> src, tgt;  // tgt ends with EOS; the decoder input is BOS + tgt[:-1]
};

// Protocol sequences: en→X: src "<2xx> en </s>", tgt "xx </s>"; X→en: src "xx </s>", tgt "en </s>".
Pair make_pair(const data::Shard& s, size_t row, bool en_to_x, int64_t tag, int64_t eos) {
  Pair p;
  const int32_t* a = en_to_x ? s.en(row) : s.xx(row);
  const size_t na = en_to_x ? s.en_len(row) : s.xx_len(row);
  const int32_t* b = en_to_x ? s.xx(row) : s.en(row);
  const size_t nb = en_to_x ? s.xx_len(row) : s.en_len(row);
  p.src.reserve(na + 2);
  if (en_to_x) p.src.push_back(tag);
  p.src.insert(p.src.end(), a, a + na);
  p.src.push_back(eos);
  p.tgt.assign(b, b + nb);
  p.tgt.push_back(eos);
  return p;
}

void check_ids(const data::Shard& s, int64_t vocab_size, const std::string& file) {
  for (const auto* ids : {&s.en_ids, &s.xx_ids})
    for (int32_t id : *ids)
      if (id < 0 || id >= vocab_size)
        throw TrainingFailure(cat(file, ": token id ", id, " outside the vocabulary of ", vocab_size));
}

struct LanguageData {
  std::string code;
  int64_t tag = -1;
  data::Shard train;
  std::vector<int64_t> rows;  // shard rows used for training: the seeded subset minus over-long pairs
  int64_t skipped_long = 0;
  std::vector<Pair> dev;      // first dev_max_pairs dev pairs that fit max_positions
};

TensorBatch collate(const std::vector<const Pair*>& pairs, const std::vector<int64_t>& langs, const Vocab& v,
                    const torch::Device& device) {
  const auto n = static_cast<int64_t>(pairs.size());
  size_t max_s = 0, max_t = 0;
  for (const Pair* p : pairs) {
    max_s = std::max(max_s, p->src.size());
    max_t = std::max(max_t, p->tgt.size());
  }
  auto src = torch::full({n, static_cast<int64_t>(max_s)}, v.pad, torch::kLong);
  auto tin = torch::full({n, static_cast<int64_t>(max_t)}, v.pad, torch::kLong);
  auto tout = torch::full({n, static_cast<int64_t>(max_t)}, v.pad, torch::kLong);
  auto sa = src.accessor<int64_t, 2>(), ia = tin.accessor<int64_t, 2>(), oa = tout.accessor<int64_t, 2>();
  TensorBatch b;
  for (int64_t i = 0; i < n; ++i) {
    const Pair& p = *pairs[static_cast<size_t>(i)];
    for (size_t j = 0; j < p.src.size(); ++j) sa[i][static_cast<int64_t>(j)] = p.src[j];
    ia[i][0] = v.bos;
    for (size_t j = 0; j < p.tgt.size(); ++j) {
      oa[i][static_cast<int64_t>(j)] = p.tgt[j];
      if (j + 1 < p.tgt.size()) ia[i][static_cast<int64_t>(j) + 1] = p.tgt[j];
    }
    b.tokens += static_cast<int64_t>(p.src.size() + p.tgt.size());
  }
  b.src = src.to(device);
  b.tgt_in = tin.to(device);
  b.tgt_out = tout.to(device);
  b.lang = torch::tensor(langs, torch::kLong).to(device);
  return b;
}

// ---- metrics.jsonl ------------------------------------------------------------------------------

class MetricsLog {
 public:
  explicit MetricsLog(std::string path) : path_(std::move(path)) {}
  void start_fresh() { std::ofstream(path_, std::ios::trunc); }
  // Resume: drop what was logged after the checkpoint, so the file equals the uninterrupted run's.
  void truncate_to(uint64_t offset) {
    const uint64_t size = fs::exists(path_) ? fs::file_size(path_) : 0;
    if (size < offset)
      throw TrainingFailure(cat(path_, " has ", size, " bytes but the checkpoint expects at least ", offset));
    if (!fs::exists(path_)) start_fresh();
    fs::resize_file(path_, offset);
  }
  void write(const json::object& o) {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << json::serialize(o) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot append to " + path_);
  }
  uint64_t size() const { return fs::exists(path_) ? fs::file_size(path_) : 0; }

 private:
  std::string path_;
};

// Running mean and variance (Welford): exact to serialise, stable for long runs.
struct Welford {
  int64_t n = 0;
  double mean = 0, m2 = 0;
  void add(double x) {
    ++n;
    const double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
  }
  double variance() const { return n > 1 ? m2 / static_cast<double>(n - 1) : std::nan(""); }  // sample variance
  void save(ByteWriter& w) const { w.i64(n), w.f64(mean), w.f64(m2); }
  void load(ByteReader& r) { n = r.i64(), mean = r.f64(), m2 = r.f64(); }
};

// Sums of the measured per-language gradient cosines (per pair) and conflict fractions.
struct GradientCosines {
  std::vector<double> sum, n;  // [L·L]
  double conflict_sum = 0, conflict_n = 0, measurements = 0;
  void reset(size_t langs) {
    sum.assign(langs * langs, 0.0), n.assign(langs * langs, 0.0);
    conflict_sum = conflict_n = measurements = 0;
  }
  void add(const StepResult& r) {
    if (r.lang_grad_cosine.empty()) return;
    measurements += 1;
    for (size_t k = 0; k < sum.size() && k < r.lang_grad_cosine.size(); ++k)
      if (std::isfinite(r.lang_grad_cosine[k])) sum[k] += r.lang_grad_cosine[k], n[k] += 1;
    if (std::isfinite(r.grad_conflict_fraction)) conflict_sum += r.grad_conflict_fraction, conflict_n += 1;
  }
  void save(ByteWriter& w) const {
    for (size_t k = 0; k < sum.size(); ++k) w.f64(sum[k]), w.f64(n[k]);
    w.f64(conflict_sum), w.f64(conflict_n), w.f64(measurements);
  }
  void load(ByteReader& r) {
    for (size_t k = 0; k < sum.size(); ++k) sum[k] = r.f64(), n[k] = r.f64();
    conflict_sum = r.f64(), conflict_n = r.f64(), measurements = r.f64();
  }
  // {lang: {lang: mean cosine | null}} and the mean conflict fraction (null when never measured).
  json::object matrix(const std::vector<std::string>& langs) const;
  json::value conflict() const { return conflict_n > 0 ? json::value(conflict_sum / conflict_n) : json::value(nullptr); }
};

// What is accumulated between two log lines; part of the checkpoint so a resume in the middle of
// a window logs the same averages.
struct LossWindow {
  std::vector<double> lang_sum, lang_tokens;  // per-language train loss
  std::vector<double> lang_examples;          // examples trained per language (effective p)
  std::vector<double> lang_gnorm_sum, lang_gnorm_n;  // per-language gradient norms measured
  GradientCosines cosines;                    // per-language gradient cosines measured
  Welford grad_norm;                          // mini-batch gradient norm before clipping
  void reset(size_t n) {
    lang_sum.assign(n, 0.0), lang_tokens.assign(n, 0.0), lang_examples.assign(n, 0.0);
    lang_gnorm_sum.assign(n, 0.0), lang_gnorm_n.assign(n, 0.0);
    cosines.reset(n);
    grad_norm = Welford{};
  }
  void add(const StepResult& r, const std::vector<int64_t>& examples) {
    for (size_t l = 0; l < lang_sum.size(); ++l) {
      lang_sum[l] += r.lang_loss_sum[l], lang_tokens[l] += r.lang_tokens[l];
      lang_examples[l] += static_cast<double>(examples[l]);
      if (l < r.lang_grad_norm.size() && std::isfinite(r.lang_grad_norm[l]))
        lang_gnorm_sum[l] += r.lang_grad_norm[l], lang_gnorm_n[l] += 1;
    }
    cosines.add(r);
    grad_norm.add(r.grad_norm);
  }
  double loss() const {
    const double t = std::accumulate(lang_tokens.begin(), lang_tokens.end(), 0.0);
    return t > 0 ? std::accumulate(lang_sum.begin(), lang_sum.end(), 0.0) / t : std::nan("");
  }
};

void save_vec(ByteWriter& w, const std::vector<double>& v) {
  for (double x : v) w.f64(x);
}
void load_vec(ByteReader& r, std::vector<double>& v) {
  for (double& x : v) x = r.f64();
}

// Counters that are neither model, optimizer, RNG nor batcher state.
struct TrainerCounters {
  double elapsed_s = 0;      // wall time of the run so far, across resumes
  double step_time_s = 0;    // time inside train_step (for tokens/s)
  int64_t tokens = 0;        // non-pad source + target tokens trained on
  double train_loss_final = std::nan("");
  LossWindow window;
  // Run-level diagnostics (cell.json "diagnostics").
  std::vector<double> lang_examples;                 // examples trained per language, whole run
  std::vector<double> lang_gnorm_sum, lang_gnorm_n;  // per-language gradient norms, whole run
  GradientCosines cosines;                           // per-language gradient cosines, whole run
  Welford grad_norm;                                 // all steps
  double window_var_sum = 0;                         // Σ of the logged windows' variances
  int64_t window_var_n = 0;

  void reset(size_t n) {
    window.reset(n);
    lang_examples.assign(n, 0.0), lang_gnorm_sum.assign(n, 0.0), lang_gnorm_n.assign(n, 0.0);
    cosines.reset(n);
  }
  void add(const StepResult& r, const std::vector<int64_t>& examples) {
    window.add(r, examples);
    for (size_t l = 0; l < lang_examples.size(); ++l) {
      lang_examples[l] += static_cast<double>(examples[l]);
      if (l < r.lang_grad_norm.size() && std::isfinite(r.lang_grad_norm[l]))
        lang_gnorm_sum[l] += r.lang_grad_norm[l], lang_gnorm_n[l] += 1;
    }
    cosines.add(r);
    grad_norm.add(r.grad_norm);
  }

  std::string save() const {
    ByteWriter w;
    w.f64(elapsed_s);
    w.f64(step_time_s);
    w.i64(tokens);
    w.f64(train_loss_final);
    w.u64(window.lang_sum.size());
    for (size_t l = 0; l < window.lang_sum.size(); ++l) w.f64(window.lang_sum[l]), w.f64(window.lang_tokens[l]);
    save_vec(w, window.lang_examples), save_vec(w, window.lang_gnorm_sum), save_vec(w, window.lang_gnorm_n);
    window.grad_norm.save(w);
    save_vec(w, lang_examples), save_vec(w, lang_gnorm_sum), save_vec(w, lang_gnorm_n);
    grad_norm.save(w);
    w.f64(window_var_sum);
    w.i64(window_var_n);
    window.cosines.save(w), cosines.save(w);
    return w.data();
  }
  void load(const std::string& s, size_t n_langs) {
    ByteReader r(s, "checkpoint trainer state");
    elapsed_s = r.f64();
    step_time_s = r.f64();
    tokens = r.i64();
    train_loss_final = r.f64();
    if (r.u64() != n_langs) throw CheckpointError("checkpoint was written for a different number of languages");
    reset(n_langs);
    for (size_t l = 0; l < n_langs; ++l) window.lang_sum[l] = r.f64(), window.lang_tokens[l] = r.f64();
    load_vec(r, window.lang_examples), load_vec(r, window.lang_gnorm_sum), load_vec(r, window.lang_gnorm_n);
    window.grad_norm.load(r);
    load_vec(r, lang_examples), load_vec(r, lang_gnorm_sum), load_vec(r, lang_gnorm_n);
    grad_norm.load(r);
    window_var_sum = r.f64();
    window_var_n = r.i64();
    window.cosines.load(r), cosines.load(r);
  }
};

json::value number_or_null(double x) { return std::isfinite(x) ? json::value(x) : json::value(nullptr); }

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

// ---- the cell -----------------------------------------------------------------------------------

class Cell {
 public:
  explicit Cell(const RunOptions& opts) : opts_(opts), dir_(opts.cell_dir), metrics_(dir_ + "/metrics.jsonl") {}

  // Fields of cell.json known so far (also reported when the cell fails).
  json::object report;

  bool run();  // true: finished; false: stopped at --steps-limit

 private:
  void setup();
  void load_data();
  void build();
  bool resume();
  bool train();
  TensorBatch make_batch(const Batch& batch) const;
  LanguageLosses dev_batch_losses(int64_t lang, const StepConfig& sc);
  json::object train_record(double lr, double grad_norm);
  json::object diagnostics() const;
  json::object dev_record();
  std::vector<double> dev_losses();
  void save_checkpoint_now();
  void decode_all();
  void decode_split(const LanguageData& lang, const std::string& split);
  double elapsed() const {
    return counters_.elapsed_s + std::chrono::duration<double>(Clock::now() - process_start_).count();
  }

  RunOptions opts_;
  std::string dir_;
  CellConfig cfg_;
  Vocab vocab_;
  torch::Device device_{torch::kCPU};
  Precision precision_ = Precision::FP32;
  std::vector<LanguageData> langs_;
  model::Transformer model_{nullptr};
  std::unique_ptr<Adam> adam_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<methods::Method> method_;
  std::unique_ptr<StepHook> hook_;  // the method's LibTorch step, when it takes over the update
  NamedTensors hook_tensors_;       // the hook's checkpointed tensors (state_tensors())
  std::vector<TensorBatch> dev_batches_;  // per language, built on first use (dev_batch_losses)
  LanguageGradients gradients_;     // per-language gradient buffer, reused across steps
  MetricsLog metrics_;
  TrainerCounters counters_;
  int64_t step_ = 0;
  std::vector<double> last_dev_;
  bool dev_done_ = false;
  Clock::time_point process_start_ = Clock::now();
};

void Cell::setup() {
  cfg_ = read_config(dir_ + "/config.json");
  report["cell"] = cfg_.id;
  vocab_ = read_vocab(cfg_.vocab);
  // Threads first: the count fixes how CPU reductions are split, and so their rounding.
  compat::set_threads(cfg_.train.get_int("threads"));
  device_ = compat::select_device(cfg_.train.get_string("device"));
  precision_ = compat::select_precision(cfg_.train.get_string("precision"), device_);
  // Bit-exact on CPU. On CUDA the deterministic kernels cost speed and some (attention backward)
  // have none, so GPU runs are seeded but not bit-reproducible.
  compat::set_deterministic(device_.is_cpu());
  report["device"] = compat::device_name(device_);
  report["torch_version"] = compat::torch_version();
  report["precision"] = compat::precision_name(precision_);
  report["threads"] = at::get_num_threads();
  report["attention"] = compat::attention_impl_name();
}

void Cell::load_data() {
  const int64_t max_len = std::min(cfg_.train.get_int("max_len"), cfg_.model.max_positions);
  const int64_t dev_max = cfg_.train.get_int("dev_max_pairs");
  json::object examples, skipped;
  for (size_t l = 0; l < cfg_.languages.size(); ++l) {
    LanguageData d;
    d.code = cfg_.languages[l];
    if (cfg_.en_to_x) {
      auto it = vocab_.lang_tags.find(d.code);
      if (it == vocab_.lang_tags.end()) throw TrainingFailure(cat(cfg_.vocab, ": no language tag for \"", d.code, "\""));
      d.tag = it->second;
    }
    const std::string train_file = data::shard_file(cfg_.shards, d.code, "train");
    d.train = data::read_shard(train_file, vocab_.hash);
    check_ids(d.train, vocab_.size, train_file);
    const auto n = static_cast<int64_t>(d.train.size());
    const int64_t m = cfg_.train_pairs[l];
    if (m > n) throw TrainingFailure(cat(train_file, ": ", n, " pairs, but the cell asks for ", m));
    for (int64_t row : data::subset_indices(n, m, cfg_.subsample_seed, d.code)) {
      Pair p = make_pair(d.train, static_cast<size_t>(row), cfg_.en_to_x, d.tag, vocab_.eos);
      // The decoder input is as long as the target (BOS replaces the final EOS).
      if (static_cast<int64_t>(p.src.size()) > max_len || static_cast<int64_t>(p.tgt.size()) > max_len) {
        ++d.skipped_long;
        continue;
      }
      d.rows.push_back(row);
    }
    const std::string dev_file = data::shard_file(cfg_.shards, d.code, "dev");
    data::Shard dev = data::read_shard(dev_file, vocab_.hash);
    check_ids(dev, vocab_.size, dev_file);
    for (size_t i = 0; i < dev.size() && static_cast<int64_t>(d.dev.size()) < dev_max; ++i) {
      Pair p = make_pair(dev, i, cfg_.en_to_x, d.tag, vocab_.eos);
      if (static_cast<int64_t>(std::max(p.src.size(), p.tgt.size())) <= cfg_.model.max_positions) d.dev.push_back(std::move(p));
    }
    examples[d.code] = static_cast<int64_t>(d.rows.size());
    skipped[d.code] = d.skipped_long;
    if (d.skipped_long > 0)
      log_line("info", cat(d.code, ": ", d.skipped_long, " of ", m, " training pairs exceed max_len ", max_len, " and are skipped"));
    langs_.push_back(std::move(d));
  }
  report["train_examples"] = examples;
  report["skipped_long_pairs"] = skipped;
}

void Cell::build() {
  const auto n_langs = langs_.size();
  ExampleLengths lengths;
  for (const auto& d : langs_) {
    std::vector<int32_t> s, t;
    for (int64_t row : d.rows) {
      Pair p = make_pair(d.train, static_cast<size_t>(row), cfg_.en_to_x, d.tag, vocab_.eos);
      s.push_back(static_cast<int32_t>(p.src.size()));
      t.push_back(static_cast<int32_t>(p.tgt.size()));
    }
    lengths.src_len.push_back(std::move(s));
    lengths.tgt_len.push_back(std::move(t));
  }

  methods::TrainingContext ctx;
  ctx.languages = cfg_.languages;
  for (const auto& d : langs_) ctx.train_pairs.push_back(static_cast<int64_t>(d.rows.size()));
  ctx.total_steps = cfg_.train.get_int("steps");
  for (size_t l = 0; l < n_langs; ++l) {
    int64_t tokens = 0;
    for (size_t i = 0; i < lengths.src_len[l].size(); ++i) tokens += lengths.src_len[l][i] + lengths.tgt_len[l][i];
    ctx.train_tokens.push_back(tokens);
  }
  ctx.batch_tokens = cfg_.train.get_int("batch_tokens");
  ctx.high_resource = cfg_.high_resource;
  ctx.seed = cfg_.seed;
  method_ = methods::make_method(cfg_.method, cfg_.method_params, ctx, dir_ + "/config.json: $.method");
  hook_ = methods::make_step_hook(*method_);  // null unless the method takes over the step; throws when not linked
  json::array high, low;
  for (size_t l = 0; l < n_langs; ++l) (cfg_.high_resource[l] ? high : low).emplace_back(cfg_.languages[l]);
  report["groups"] = json::object{{"high", high}, {"low", low}};

  // Initialisation draws from the seeded generator; dropout continues the same stream.
  compat::manual_seed(cfg_.seed);
  model_ = model::Transformer(cfg_.model, vocab_.size, vocab_.pad);
  model_->to(device_);
  model_->train();
  NamedTensors params;
  for (const auto& item : model_->named_parameters(true)) params.emplace_back(item.key(), item.value());
  AdamOptions ao;
  ao.beta1 = cfg_.train.get_float("adam_beta1");
  ao.beta2 = cfg_.train.get_float("adam_beta2");
  ao.eps = cfg_.train.get_float("adam_eps");
  ao.weight_decay = cfg_.train.get_float("weight_decay");
  adam_ = std::make_unique<Adam>(std::move(params), ao);
  if (hook_) hook_tensors_ = hook_->state_tensors(adam_->params());

  batcher_ = std::make_unique<Batcher>(std::move(lengths), cfg_.train.get_int("batch_tokens"),
                                       cfg_.train.get_int("pool_batches"), mix64(cfg_.seed ^ 0x62617463686572ULL));
  batcher_->set_caps(method_->example_caps());
  counters_.reset(n_langs);
  last_dev_.assign(n_langs, std::nan(""));

  int64_t n_params = 0;
  for (const auto& p : model_->parameters()) n_params += p.numel();
  report["parameters"] = n_params;
  log_line("info", cat("cell ", cfg_.id, ": model ", cfg_.model.name, " (", n_params, " parameters), ", n_langs,
                       " languages, device ", compat::device_name(device_), ", ", compat::precision_name(precision_)));
}

std::string model_signature(const model::ModelConfig& m, int64_t vocab_size) {
  return json::serialize(json::object{{"model", model::to_json(m)}, {"vocab_size", vocab_size}});
}

// Returns true when the state was restored from a checkpoint.
bool Cell::resume() {
  const std::string ckpt = dir_ + "/ckpt/checkpoint.bin";
  if (!opts_.resume || !fs::exists(ckpt)) {
    if (opts_.resume) log_line("info", cat("--resume: no checkpoint in ", dir_, ", starting from scratch"));
    // A checkpoint of an earlier attempt must not be resumed into this run's metrics later.
    fs::remove(ckpt);
    fs::remove_all(dir_ + "/hyp_ids");
    metrics_.start_fresh();
    return false;
  }
  const auto h = read_checkpoint_header(ckpt);
  const std::string expected = model_signature(cfg_.model, vocab_.size);
  if (h.model_signature != expected)
    throw CheckpointError(cat(ckpt, " was written for ", h.model_signature, ", config.json now says ", expected));
  NamedTensors all = model_tensors(model_);
  for (auto& t : adam_->state()) all.push_back(t);
  for (auto& t : hook_tensors_) all.push_back(t);
  load_checkpoint(ckpt, all);
  batcher_->load_state(h.batcher_state);
  {
    ByteReader r(h.method_state, "checkpoint method state");
    const std::string method_state = h.method_state.empty() ? std::string() : r.str();
    const std::string hook_state = h.method_state.empty() ? std::string() : r.str();
    method_->load_state(method_state);
    if (hook_) hook_->load_state(hook_state);
    else if (!hook_state.empty()) throw CheckpointError(cat(ckpt, ": step hook state but the method has no hook"));
  }
  counters_.load(h.trainer_state, langs_.size());
  compat::set_rng_state(torch::kCPU, h.cpu_rng);
  if (device_.is_cuda() && !h.cuda_rng.empty()) compat::set_rng_state(torch::kCUDA, h.cuda_rng);
  metrics_.truncate_to(h.metrics_offset);
  step_ = h.step;
  log_line("info", cat("resumed ", cfg_.id, " at step ", step_));
  report["resumed_from_step"] = step_;
  return true;
}

void Cell::save_checkpoint_now() {
  CheckpointHeader h;
  h.step = step_;
  h.metrics_offset = metrics_.size();
  h.cpu_rng = compat::rng_state(torch::kCPU);
  if (device_.is_cuda()) h.cuda_rng = compat::rng_state(torch::kCUDA);
  h.batcher_state = batcher_->save_state();
  {
    // The method's state (adaptive weights, dual variables) and its step hook's, as two blobs.
    ByteWriter w;
    w.str(method_->save_state());
    w.str(hook_ ? hook_->save_state() : std::string());
    h.method_state = w.data();
  }
  TrainerCounters c = counters_;
  c.elapsed_s = elapsed();
  h.trainer_state = c.save();
  h.model_signature = model_signature(cfg_.model, vocab_.size);
  NamedTensors all = model_tensors(model_);
  for (auto& t : adam_->state()) all.push_back(t);
  for (auto& t : hook_tensors_) all.push_back(t);
  make_dirs(dir_ + "/ckpt");
  save_checkpoint(dir_ + "/ckpt/checkpoint.bin", h, all);
}

// Per-language dev NLL per target token (no label smoothing, no dropout).
std::vector<double> Cell::dev_losses() {
  torch::NoGradGuard no_grad;
  model_->eval();
  const int64_t budget = cfg_.train.get_int("batch_tokens");
  std::vector<double> out;
  for (size_t l = 0; l < langs_.size(); ++l) {
    const auto& dev = langs_[l].dev;
    std::vector<size_t> order(dev.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return dev[a].src.size() < dev[b].src.size(); });
    double nll = 0, tokens = 0;
    for (size_t i = 0; i < order.size();) {
      std::vector<const Pair*> rows;
      size_t max_s = 0, max_t = 0;
      for (; i < order.size(); ++i) {
        const Pair& p = dev[order[i]];
        const size_t s = std::max(max_s, p.src.size()), t = std::max(max_t, p.tgt.size());
        if (!rows.empty() && static_cast<int64_t>((rows.size() + 1) * (s + t)) > budget) break;
        max_s = s, max_t = t;
        rows.push_back(&p);
      }
      auto b = collate(rows, std::vector<int64_t>(rows.size(), static_cast<int64_t>(l)), vocab_, device_);
      torch::Tensor logits;
      {
        compat::AutocastGuard autocast(device_.type(), precision_ == Precision::BF16);
        logits = model_->forward(b.src, b.tgt_in);
      }
      auto ex = model::label_smoothed_loss(logits, b.tgt_out, vocab_.pad, 0.0);
      nll += ex.nll.sum().item<double>();
      tokens += ex.tokens.sum().item<double>();
    }
    out.push_back(tokens > 0 ? nll / tokens : std::nan(""));
  }
  model_->train();
  return out;
}

json::object Cell::dev_record() {
  last_dev_ = dev_losses();
  dev_done_ = true;
  json::object lang;
  for (size_t l = 0; l < langs_.size(); ++l) lang[langs_[l].code] = number_or_null(last_dev_[l]);
  return json::object{{"step", step_}, {"kind", "dev"}, {"lang_loss", lang}};
}

// A hook's held-out losses of one language: the first dev pairs whose padded batch fits
// train.batch_tokens (at least one), fixed for the run; no dropout, no label smoothing.
LanguageLosses Cell::dev_batch_losses(int64_t lang, const StepConfig& sc) {
  if (dev_batches_.empty()) {
    // All L dev batches together hold one training batch's tokens, so a method's pass over every
    // language's dev batch (CATS's update) costs about one step, not L steps.
    const int64_t budget = std::max<int64_t>(1, cfg_.train.get_int("batch_tokens") / static_cast<int64_t>(langs_.size()));
    for (size_t l = 0; l < langs_.size(); ++l) {
      std::vector<const Pair*> rows;
      size_t max_s = 0, max_t = 0;
      for (const Pair& p : langs_[l].dev) {
        const size_t s = std::max(max_s, p.src.size()), t = std::max(max_t, p.tgt.size());
        if (!rows.empty() && static_cast<int64_t>((rows.size() + 1) * (s + t)) > budget) break;
        max_s = s, max_t = t;
        rows.push_back(&p);
      }
      if (rows.empty()) throw TrainingFailure(cat("method ", cfg_.method, " needs dev pairs, but ", langs_[l].code, " has none"));
      dev_batches_.push_back(collate(rows, std::vector<int64_t>(rows.size(), static_cast<int64_t>(l)), vocab_, device_));
    }
  }
  return held_out_language_losses(model_, dev_batches_.at(static_cast<size_t>(lang)), sc);
}

// Token tensors of a batch of the batcher (example = language + index into its training rows).
TensorBatch Cell::make_batch(const Batch& batch) const {
  std::vector<Pair> pairs;
  std::vector<const Pair*> rows;
  std::vector<int64_t> lang_of;
  pairs.reserve(batch.examples.size());
  for (const Example& e : batch.examples) {
    const auto& d = langs_[static_cast<size_t>(e.lang)];
    const auto row = static_cast<size_t>(d.rows[static_cast<size_t>(e.index)]);
    pairs.push_back(make_pair(d.train, row, cfg_.en_to_x, d.tag, vocab_.eos));
    lang_of.push_back(e.lang);
  }
  for (const auto& pr : pairs) rows.push_back(&pr);
  return collate(rows, lang_of, vocab_, device_);
}

// The train line of metrics.jsonl: losses averaged over the window since the previous line.
json::object Cell::train_record(double lr, double grad_norm) {
  auto& win = counters_.window;
  json::object lang;
  for (size_t l = 0; l < langs_.size(); ++l)
    lang[langs_[l].code] = win.lang_tokens[l] > 0 ? json::value(win.lang_sum[l] / win.lang_tokens[l]) : json::value(nullptr);
  counters_.train_loss_final = win.loss();
  json::object o{{"step", step_},       {"kind", "train"}, {"loss", number_or_null(counters_.train_loss_final)},
                 {"lang_loss", lang},   {"lr", lr},        {"tokens", counters_.tokens},
                 {"grad_norm", grad_norm}, {"elapsed_s", elapsed()}};
  // Diagnostics of the window: the spread of the mini-batch gradient norm (Li et al. 2025 compare
  // its variance across methods), the languages actually trained on, per-language gradient norms
  // (when measured in the window) and the epochs consumed so far.
  const double var = win.grad_norm.variance();
  o["grad_norm_mean"] = number_or_null(win.grad_norm.mean);
  o["grad_norm_var"] = number_or_null(var);
  if (std::isfinite(var)) counters_.window_var_sum += var, counters_.window_var_n += 1;
  const double examples = std::accumulate(win.lang_examples.begin(), win.lang_examples.end(), 0.0);
  json::object frac, gnorm, epochs;
  bool measured = false;
  for (size_t l = 0; l < langs_.size(); ++l) {
    const auto& code = langs_[l].code;
    frac[code] = examples > 0 ? win.lang_examples[l] / examples : 0.0;
    gnorm[code] = win.lang_gnorm_n[l] > 0 ? json::value(win.lang_gnorm_sum[l] / win.lang_gnorm_n[l]) : json::value(nullptr);
    measured = measured || win.lang_gnorm_n[l] > 0;
    const double n = static_cast<double>(langs_[l].rows.size());
    epochs[code] = n > 0 ? counters_.lang_examples[l] / n : 0.0;
  }
  o["lang_frac"] = frac;
  if (measured) o["lang_grad_norm"] = gnorm;
  if (win.cosines.measurements > 0) {
    o["lang_grad_cosine"] = win.cosines.matrix(cfg_.languages);
    o["grad_conflict_fraction"] = win.cosines.conflict();
  }
  o["epochs"] = epochs;
  if (auto m = method_->metrics(); !m.empty()) o["method"] = std::move(m);
  win.reset(langs_.size());
  return o;
}

// cell.json "diagnostics": the run's summary of what the train lines log per window.
json::object Cell::diagnostics() const {
  const auto& c = counters_;
  const double examples = std::accumulate(c.lang_examples.begin(), c.lang_examples.end(), 0.0);
  json::object frac, epochs, gnorm;
  for (size_t l = 0; l < langs_.size(); ++l) {
    const auto& code = langs_[l].code;
    frac[code] = examples > 0 ? c.lang_examples[l] / examples : 0.0;
    const double n = static_cast<double>(langs_[l].rows.size());
    epochs[code] = n > 0 ? c.lang_examples[l] / n : 0.0;
    gnorm[code] = c.lang_gnorm_n[l] > 0 ? json::value(c.lang_gnorm_sum[l] / c.lang_gnorm_n[l]) : json::value(nullptr);
  }
  json::object d{
      {"grad_norm_mean", number_or_null(c.grad_norm.mean)},
      {"grad_norm_var", number_or_null(c.grad_norm.variance())},
      {"grad_norm_var_window_mean",
       c.window_var_n > 0 ? json::value(c.window_var_sum / static_cast<double>(c.window_var_n)) : json::value(nullptr)},
      {"sampled_fraction", frac},
      {"epochs", epochs},
      {"lang_grad_norm_mean", gnorm},
      {"lang_grad_norm_measurements", c.lang_gnorm_n.empty() ? 0.0 : *std::max_element(c.lang_gnorm_n.begin(), c.lang_gnorm_n.end())},
      {"lang_grad_cosine_mean", c.cosines.measurements > 0 ? json::value(c.cosines.matrix(cfg_.languages)) : json::value(nullptr)},
      {"grad_conflict_fraction_mean", c.cosines.conflict()},
      {"grad_cosine_measurements", c.cosines.measurements},
      {"grad_cosine_params", cfg_.train.get_string("grad_cosine_params")}};
  if (auto m = method_->metrics(); !m.empty()) d["method"] = std::move(m);  // its figures at the end of the run
  return d;
}

// The training loop. Returns false when stopped by --steps-limit.
bool Cell::train() {
  const int64_t steps = cfg_.train.get_int("steps");
  const int64_t log_every = cfg_.train.get_int("log_every"), dev_every = cfg_.train.get_int("dev_every");
  const int64_t ckpt_every = cfg_.train.get_int("checkpoint_every");
  const double peak_lr = cfg_.train.get_float("lr");
  const int64_t warmup = cfg_.train.get_int("warmup");
  const auto n_langs = static_cast<int64_t>(langs_.size());
  StepConfig sc;
  sc.n_langs = n_langs;
  sc.pad_id = vocab_.pad;
  sc.label_smoothing = cfg_.train.get_float("label_smoothing");
  sc.clip_norm = cfg_.train.get_float("clip_norm");
  sc.bf16 = precision_ == Precision::BF16;
  const int64_t lang_grad_every = cfg_.train.get_int("lang_grad_every");
  const int64_t grad_cosine_every = cfg_.train.get_int("grad_cosine_every");
  sc.grad_scope = cfg_.train.get_string("grad_cosine_params");

  Progress progress("train " + cfg_.id, steps, "steps");
  while (step_ < steps) {
    // 1. Sample a batch: languages from the method's p_t, examples from each language's stream.
    const std::vector<double> p = method_->sampling_distribution(step_);
    std::vector<double> w = method_->loss_weights(step_);
    if (w.empty()) w.assign(static_cast<size_t>(n_langs), 1.0);
    if (static_cast<int64_t>(p.size()) != n_langs || static_cast<int64_t>(w.size()) != n_langs)
      throw std::logic_error("method " + cfg_.method + " returned a distribution or weights of the wrong size");
    const Batch batch = batcher_->next(p);
    std::vector<int64_t> examples(static_cast<size_t>(n_langs), 0);
    for (const Example& e : batch.examples) ++examples[static_cast<size_t>(e.lang)];
    const TensorBatch tb = make_batch(batch);
    const auto weights = torch::tensor(w, torch::kFloat).to(device_);
    const double lr = learning_rate(step_ + 1, peak_lr, warmup);
    sc.lang_grad_norms = lang_grad_every > 0 && (step_ + 1) % lang_grad_every == 0;
    sc.grad_cosine = grad_cosine_every > 0 && (step_ + 1) % grad_cosine_every == 0;
    StepInputs inputs;
    inputs.step = step_;
    inputs.gradients = &gradients_;
    if (hook_) {
      inputs.next_batch = [&] { return make_batch(batcher_->next(method_->sampling_distribution(step_))); };
      inputs.losses_of = [&](const TensorBatch& b) { return language_losses(model_, b, sc); };
      inputs.dev_losses = [&](int64_t lang) { return dev_batch_losses(lang, sc); };
      inputs.total_steps = steps;
    }

    // 2-4. Per-language losses → weighted objective → backward → clip → update.
    const auto t0 = Clock::now();
    StepResult r;
    try {
      r = train_step(model_, *adam_, tb, weights, lr, sc, hook_.get(), inputs);
    } catch (const TrainingFailure& e) {
      throw TrainingFailure(cat("step ", step_ + 1, ": ", e.what()));
    }
    counters_.step_time_s += std::chrono::duration<double>(Clock::now() - t0).count();
    counters_.tokens += tb.tokens;
    counters_.add(r, examples);
    methods::StepFeedback fb;
    fb.step = step_;
    fb.examples = examples;
    fb.loss_sum = r.lang_loss_sum;
    fb.tokens = r.lang_tokens;
    fb.grad_norm = r.grad_norm;
    method_->observe(fb);
    ++step_;

    // Logging, evaluation and checkpoints happen after the update of step_.
    if (step_ % log_every == 0 || step_ == steps) metrics_.write(train_record(lr, r.grad_norm));
    if (step_ % dev_every == 0 || step_ == steps) metrics_.write(dev_record());
    progress.update(step_, cat("loss ", fixed(r.loss, 3), " lr ", sci(lr, 2)));

    const bool stop = opts_.steps_limit > 0 && step_ >= opts_.steps_limit && step_ < steps;
    if (step_ % ckpt_every == 0 || step_ == steps || stop) save_checkpoint_now();
    if (stop) {
      log_line("info", cat("stopped at step ", step_, " (--steps-limit); continue with --resume"));
      return false;
    }
  }
  progress.finish();
  return true;
}

void Cell::decode_split(const LanguageData& lang, const std::string& split) {
  const data::Shard shard = data::read_shard(data::shard_file(cfg_.shards, lang.code, split), vocab_.hash);
  int64_t n = static_cast<int64_t>(shard.size());
  if (const int64_t cap = cfg_.eval.get_int("max_pairs"); cap > 0) n = std::min(n, cap);
  const int64_t max_pos = cfg_.model.max_positions;
  std::vector<std::vector<int64_t>> src(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    src[static_cast<size_t>(i)] = make_pair(shard, static_cast<size_t>(i), cfg_.en_to_x, lang.tag, vocab_.eos).src;
    auto& s = src[static_cast<size_t>(i)];
    if (static_cast<int64_t>(s.size()) > max_pos) {  // the encoder stops at max_positions: keep the head + EOS
      s.resize(static_cast<size_t>(max_pos));
      s.back() = vocab_.eos;
    }
  }
  // Longest first, so padding is small and a memory problem shows up in the first batch.
  std::vector<size_t> order(src.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return src[a].size() > src[b].size(); });

  eval::SearchOptions so;
  so.beam = cfg_.eval.get_int("beam");
  so.length_penalty = cfg_.eval.get_float("length_penalty");
  so.max_len_a = cfg_.eval.get_float("max_len_a");
  so.max_len_b = cfg_.eval.get_int("max_len_b");
  so.bos = vocab_.bos, so.eos = vocab_.eos, so.pad = vocab_.pad;
  const auto per_batch = static_cast<size_t>(cfg_.eval.get_int("batch_sentences"));

  std::vector<std::string> lines(src.size());
  Progress progress(cat("decode ", lang.code, ".", split), n, "sentences");
  for (size_t i = 0; i < order.size(); i += per_batch) {
    const size_t end = std::min(order.size(), i + per_batch);
    const size_t width = src[order[i]].size();
    auto t = torch::full({static_cast<int64_t>(end - i), static_cast<int64_t>(width)}, vocab_.pad, torch::kLong);
    auto ta = t.accessor<int64_t, 2>();
    for (size_t r = i; r < end; ++r)
      for (size_t j = 0; j < src[order[r]].size(); ++j) ta[static_cast<int64_t>(r - i)][static_cast<int64_t>(j)] = src[order[r]][j];
    std::vector<eval::Hypothesis> hyps;
    {
      compat::AutocastGuard autocast(device_.type(), precision_ == Precision::BF16);
      hyps = eval::search(model_, t.to(device_), so);
    }
    for (size_t r = i; r < end; ++r) {
      std::string& line = lines[order[r]];
      for (int32_t id : hyps[r - i].tokens) line += (line.empty() ? "" : " ") + std::to_string(id);
    }
    progress.update(static_cast<int64_t>(end));
  }
  progress.finish();
  write_lines_atomic(cat(dir_, "/hyp_ids/", lang.code, ".", split, ".txt"), lines);
}

void Cell::decode_all() {
  model_->eval();
  make_dirs(dir_ + "/hyp_ids");
  json::array files;
  for (const auto& split : cfg_.eval.get_strings("splits"))
    for (const auto& lang : langs_) {
      decode_split(lang, split);
      files.emplace_back(cat("hyp_ids/", lang.code, ".", split, ".txt"));
    }
  report["hyp_ids"] = files;
}

bool Cell::run() {
  setup();
  load_data();
  build();
  resume();
  if (!train()) return false;
  // A run resumed from its final checkpoint has not computed the final dev losses in this process.
  if (!dev_done_) last_dev_ = dev_losses();
  decode_all();

  json::object dev;
  for (size_t l = 0; l < langs_.size(); ++l) dev[langs_[l].code] = number_or_null(last_dev_[l]);
  report["dev_loss"] = dev;
  report["train_loss_final"] = number_or_null(counters_.train_loss_final);
  report["steps"] = step_;
  report["train_tokens"] = counters_.tokens;
  report["tokens_per_s"] = counters_.step_time_s > 0 ? counters_.tokens / counters_.step_time_s : 0.0;
  report["wall_s"] = elapsed();
  report["diagnostics"] = diagnostics();
  return true;
}

}  // namespace

int run_cell(const RunOptions& opts) {
  const auto start = Clock::now();
  Cell cell(opts);
  std::string reason;
  auto finish_report = [&](const char* status) {
    json::object r;
    r["status"] = status;
    r["reason"] = reason.empty() ? json::value(nullptr) : json::value(reason);
    for (const auto& kv : cell.report) r[kv.key()] = kv.value();
    if (!r.contains("wall_s")) r["wall_s"] = std::chrono::duration<double>(Clock::now() - start).count();
    r["peak_host_memory_bytes"] = compat::peak_host_memory_bytes();
    r["longtail_version"] = longtail_version();
    r["git_commit"] = git_commit();
    write_json_file(opts.cell_dir + "/cell.json", r);
  };
  try {
    fs::remove(opts.cell_dir + "/cell.json");  // a stale result must not outlive a new attempt
    if (!cell.run()) return 0;
    finish_report("ok");
    log_line("info", cat("cell done: ", opts.cell_dir));
    return 0;
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    reason = what.find("out of memory") != std::string::npos ? "out of memory: " + what : "LibTorch error: " + what;
  } catch (const std::bad_alloc&) {
    reason = "out of host memory";
  } catch (const std::exception& e) {
    reason = e.what();
  }
  log_line("error", cat("cell failed: ", reason));
  try {
    finish_report("failed");
  } catch (const std::exception& e) {
    log_line("error", cat("cannot write cell.json: ", e.what()));
  }
  return 1;
}

}  // namespace longtail::train

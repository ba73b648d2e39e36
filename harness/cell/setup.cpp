// Setting a cell up: the device and precision, its data, the method, the model, the optimiser and
// the batcher, all from config.json; and turning the batcher's batches into tensors.
#include <cmath>
#include <numeric>
#include <filesystem>

#include "harness/cell/cell_run.h"
#include "harness/cell/log.h"
#include "harness/common/hash.h"
#include "harness/common/strcat.h"
#include "harness/records/run_layout.h"
#include "methods/step_hook_factory.h"

namespace longtail::cell {

namespace json = boost::json;
namespace compat = model::compat;

void CellRun::setup() {
  cfg_ = records::read_cell_config(dir_ + "/config.json");
  report["cell"] = cfg_.cell.id;
  if (cfg_.stage.enabled) report["stage"] = cfg_.cell.stage;
  vocab_ = read_vocab(cfg_.data.vocab);
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

void CellRun::load_data() {
  langs_ = load_languages(cfg_, vocab_);
  const int64_t max_len = std::min(cfg_.train.get_int("max_len"), cfg_.model.max_positions);
  json::object examples, skipped;
  for (const auto& d : langs_) {
    examples[d.code] = static_cast<int64_t>(d.rows.size());
    skipped[d.code] = d.skipped_long;
    if (d.skipped_long > 0)
      log_line("info", str::cat(d.code, ": ", d.skipped_long, " of ", cfg_.data.train_pairs.at(d.code), " training pairs exceed max_len ",
                           max_len, " and are skipped"));
  }
  report["train_examples"] = examples;
  report["skipped_long_pairs"] = skipped;
}

void CellRun::build() {
  const auto n_langs = langs_.size();
  train::ExampleLengths lengths = example_lengths(langs_, cfg_, vocab_);

  methods::TrainingContext ctx;
  ctx.languages = cfg_.data.languages;
  for (const auto& d : langs_) ctx.train_pairs.push_back(static_cast<int64_t>(d.rows.size()));
  ctx.total_steps = cfg_.train.get_int("steps");
  for (size_t l = 0; l < n_langs; ++l) {
    int64_t tokens = 0;
    for (size_t i = 0; i < lengths.src_len[l].size(); ++i) tokens += lengths.src_len[l][i] + lengths.tgt_len[l][i];
    ctx.train_tokens.push_back(tokens);
  }
  ctx.batch_tokens = cfg_.train.get_int("batch_tokens");
  // Measured on a batcher like the run's (its own seed, so the run's stream is untouched): whole
  // pools, so each pool's part-filled last batch counts at its real frequency; at least 128
  // batches, so the mean is within a fraction of a percent.
  const int64_t pool_batches = cfg_.train.get_int("pool_batches");
  const uint64_t probe_seed = mix64(static_cast<uint64_t>(cfg_.cell.seed) ^ 0x70726f6265ULL);
  ctx.step_tokens = [&lengths, &ctx, pool_batches, probe_seed](const std::vector<double>& p) {
    const int64_t pools = std::max<int64_t>(8, (128 + pool_batches - 1) / pool_batches);
    return train::mean_batch_tokens(lengths, ctx.batch_tokens, pool_batches, p, probe_seed, pools * pool_batches);
  };
  ctx.high_resource = cfg_.high_resource_flags();
  ctx.seed = static_cast<uint64_t>(cfg_.cell.seed);
  ctx.model_layers = cfg_.model.encoder_layers + cfg_.model.decoder_layers;
  if (!cfg_.stage.init_from.empty())
    for (const auto& d : langs_) {
      ctx.previous_pairs.push_back(static_cast<int64_t>(d.previous_rows.size()));
      ctx.earlier_pairs.push_back(static_cast<int64_t>(d.earlier_rows.size()));
    }
  method_ = methods::make_method(cfg_.method, cfg_.method_params, ctx, dir_ + "/config.json: $.method");
  hook_ = methods::make_step_hook(*method_);  // null unless the method takes over the step
  json::array high, low;
  for (size_t l = 0; l < n_langs; ++l) (ctx.high_resource[l] ? high : low).emplace_back(cfg_.data.languages[l]);
  report["groups"] = json::object{{"high", high}, {"low", low}};

  // Initialisation draws from the seeded generator; dropout continues the same stream.
  compat::manual_seed(static_cast<uint64_t>(cfg_.cell.seed));
  model_ = model::Transformer(cfg_.model, vocab_.size, vocab_.pad);
  dense_switch_step_ = model::dense_switch_step(cfg_.model, cfg_.train.get_int("steps"));
  model_->to(device_);
  model_->train();
  if (!cfg_.stage.init_from.empty()) init_from_previous_stage();
  train::NamedTensors params = trainable_parameters();
  train::AdamOptions ao;
  ao.beta1 = cfg_.train.get_float("adam_beta1");
  ao.beta2 = cfg_.train.get_float("adam_beta2");
  ao.eps = cfg_.train.get_float("adam_eps");
  ao.weight_decay = cfg_.train.get_float("weight_decay");
  adam_ = std::make_unique<train::Adam>(std::move(params), ao);
  if (hook_) hook_tensors_ = hook_->state_tensors(adam_->params());
  // A copy of every parameter (Sequential Reptile's anchor θ) would have to be upcycled with the
  // model, mid-trajectory; not supported.
  if (dense_switch_step_ >= 0 && !hook_tensors_.empty())
    throw train::TrainingFailure(str::cat(dir_, "/config.json: $.model.dense_pretrain: method ", cfg_.method,
                                          " keeps per-parameter state that the dense→sparse switch cannot carry over; use dense_pretrain 0"));

  // Replay: earlier stages' pairs become a second stream per language (stream_distribution).
  if (const methods::Replay r = method_->replay(0); r.share > 0) {
    if (ctx.earlier_pairs.empty() || std::accumulate(ctx.earlier_pairs.begin(), ctx.earlier_pairs.end(), int64_t{0}) == 0)
      throw train::TrainingFailure(str::cat("method ", cfg_.method, " replays earlier stages' pairs, but cell ", cfg_.cell.id,
                                            " is not an update stage with earlier pairs"));
    replaying_ = true;
    train::ExampleLengths earlier = example_lengths(langs_, cfg_, vocab_, RowSet::Earlier);
    for (size_t l = 0; l < n_langs; ++l) {
      lengths.src_len.push_back(std::move(earlier.src_len[l]));
      lengths.tgt_len.push_back(std::move(earlier.tgt_len[l]));
    }
  }
  batcher_ = std::make_unique<train::Batcher>(std::move(lengths), cfg_.train.get_int("batch_tokens"),
                                              cfg_.train.get_int("pool_batches"),
                                              mix64(static_cast<uint64_t>(cfg_.cell.seed) ^ 0x62617463686572ULL));
  batcher_->set_caps(method_->example_caps());
  stats_.reset(n_langs);
  last_dev_.assign(n_langs, std::nan(""));

  train::StepConfig& sc = step_config_;
  sc.n_langs = static_cast<int64_t>(n_langs);
  sc.pad_id = vocab_.pad;
  sc.label_smoothing = cfg_.train.get_float("label_smoothing");
  sc.clip_norm = cfg_.train.get_float("clip_norm");
  sc.bf16 = precision_ == compat::Precision::BF16;
  sc.grad_scope = cfg_.train.get_string("grad_cosine_params");
  routing_window_.reset(model_, static_cast<int64_t>(n_langs));
  routing_run_.reset(model_, static_cast<int64_t>(n_langs));
  sc.routing = routing_window_.empty() ? nullptr : &routing_window_;
  const Options& t = cfg_.train;
  loop_ = {t.get_int("steps"), t.get_int("warmup"), t.get_int("log_every"), t.get_int("dev_every"), t.get_int("checkpoint_every"),
           t.get_int("lang_grad_every"), t.get_int("grad_cosine_every"), t.get_float("lr")};

  int64_t n_params = 0, n_trainable = 0;
  for (const auto& p : model_->parameters()) n_params += p.numel();
  for (const auto& [name, p] : adam_->params()) n_trainable += p.numel();
  report["parameters"] = n_params;
  report["trainable_parameters"] = n_trainable;
  log_line("info", str::cat("cell ", cfg_.cell.id, ": model ", cfg_.model.name, " (", n_params, " parameters), ", n_langs,
                       " languages, device ", compat::device_name(device_), ", ", compat::precision_name(precision_)));
}

// What the optimiser updates: the method's parameter set (all, unless a restricted update of
// continual learning narrows it). The others are frozen: no gradient, no update, bitwise unchanged.
train::NamedTensors CellRun::trainable_parameters() {
  train::NamedTensors params;
  for (const auto& item : model_->named_parameters(true)) params.emplace_back(item.key(), item.value());
  const std::string scope = method_->trainable_parameters();
  if (scope == "all") return params;
  train::NamedTensors chosen = train::select_parameters(params, scope);
  for (auto& [name, p] : train::other_parameters(params, chosen)) p.requires_grad_(false);
  return chosen;
}

// Dense pre-training ends: every BASE position's dense FFN block becomes E experts initialised from
// it, with fresh centroids (TransformerImpl::upcycle draws them from the CPU generator, so the
// stream continues deterministically). The optimiser keeps the moments of every parameter that
// stays and starts the experts' and centroids' as Adam starts (zero moments, bias correction from
// this step): Adam::replace_params. docs/sparse.md.
void CellRun::switch_to_sparse() {
  model_->upcycle();
  model_->to(device_);
  adam_->replace_params(trainable_parameters(), dense_switch_step_);  // also on resume, before step_ is restored
  gradients_ = train::LanguageGradients();  // sized for the old parameter set
  int64_t n_params = 0;
  for (const auto& p : model_->parameters()) n_params += p.numel();
  report["parameters"] = n_params;
  report["dense_switch_step"] = dense_switch_step_;
}

// An update stage starts from the model its previous stage ended with (<run>/<init_from>/model.bin,
// save_stage_model). Tensors the update adds to the model (LoRA, adapters) are not in it and keep
// their initialisation; anything else missing, extra or of another shape fails the cell.
void CellRun::init_from_previous_stage() {
  const std::string run = records::run_dir_of(dir_, cfg_.cell.id);
  if (run.empty()) throw train::TrainingFailure(str::cat(dir_, " is not the directory of cell ", cfg_.cell.id, " inside a run"));
  const std::string path = run + "/" + cfg_.stage.init_from + "/model.bin";
  if (!std::filesystem::exists(path))
    throw train::TrainingFailure(str::cat(path, ": the previous stage (", cfg_.stage.init_from, ") has not finished; run it first"));
  train::load_checkpoint(path, train::model_tensors(model_), [](const std::string& name) {
    return name.find(".lora_") != std::string::npos || name.find(".adapter") != std::string::npos;
  });
  // What it started from, by content: the driver records this as the stage's init_sha256 when it
  // could not know it at planning time (a Slurm stage submitted before its previous stage ran).
  report["init_sha256"] = sha256_file_hex(path);
  log_line("info", str::cat("stage ", cfg_.cell.stage, ": starting from ", path));
}

// Token tensors of a batch of a batcher whose streams are the languages' rows of `set` (example =
// stream + index into its rows); a replaying batcher's streams L..2L−1 are the earlier stages' rows.
train::TensorBatch CellRun::make_batch(const train::Batch& batch, RowSet set) const {
  std::vector<train::Pair> pairs;
  std::vector<const train::Pair*> rows;
  std::vector<int64_t> lang_of;
  pairs.reserve(batch.examples.size());
  const size_t n_langs = langs_.size();
  for (const train::Example& e : batch.examples) {
    const auto stream = static_cast<size_t>(e.lang);
    const auto& d = langs_[stream % n_langs];
    const auto& rows_of_stream = rows_of(d, stream < n_langs ? set : RowSet::Earlier);
    pairs.push_back(training_pair(d, static_cast<size_t>(rows_of_stream[static_cast<size_t>(e.index)]), cfg_, vocab_));
    lang_of.push_back(static_cast<int64_t>(stream % n_langs));
  }
  for (const auto& pr : pairs) rows.push_back(&pr);
  return train::collate(rows, lang_of, vocab_.pad, vocab_.bos, device_);
}

// The batcher's distribution over its streams at `step`: the method's p_t, or with replay
// (1 − ρ)·p_t over this stage's pairs followed by ρ·q_t over earlier stages' pairs.
std::vector<double> CellRun::stream_distribution(int64_t step) const {
  std::vector<double> p = method_->sampling_distribution(step);
  if (p.size() != langs_.size()) throw std::logic_error("method " + cfg_.method + " returned a distribution of the wrong size");
  if (!replaying_) return p;
  const methods::Replay r = method_->replay(step);
  if (r.p.size() != langs_.size() || !(r.share >= 0 && r.share < 1))
    throw std::logic_error("method " + cfg_.method + " returned a replay share outside [0, 1) or a distribution of the wrong size");
  auto normalised = [](std::vector<double> v, double mass) {
    const double total = std::accumulate(v.begin(), v.end(), 0.0);
    for (double& x : v) x = total > 0 ? mass * x / total : 0.0;
    return v;
  };
  std::vector<double> streams = normalised(std::move(p), 1.0 - r.share);
  for (double q : normalised(r.p, r.share)) streams.push_back(q);
  return streams;
}

// Batch `batch` of a fixed sequence drawn from the previous stage's pairs (its own seeded batcher,
// languages in proportion to their pairs); no dropout, no label smoothing. Built on first use.
train::LanguageLosses CellRun::previous_batch_losses(int64_t batch, const train::StepConfig& sc) {
  if (!previous_batcher_) {
    std::vector<double> p;
    for (const auto& d : langs_) p.push_back(static_cast<double>(d.previous_rows.size()));
    if (std::accumulate(p.begin(), p.end(), 0.0) == 0)
      throw train::TrainingFailure(str::cat("method ", cfg_.method, " needs the previous stage's pairs, but cell ", cfg_.cell.id,
                                            " has none (it is not an update stage)"));
    previous_batcher_ = std::make_unique<train::Batcher>(example_lengths(langs_, cfg_, vocab_, RowSet::Previous),
                                                         cfg_.train.get_int("batch_tokens"), cfg_.train.get_int("pool_batches"),
                                                         mix64(static_cast<uint64_t>(cfg_.cell.seed) ^ 0x70726576696f7573ULL));
    previous_p_ = std::move(p);
  }
  while (static_cast<int64_t>(previous_batches_.size()) <= batch)
    previous_batches_.push_back(make_batch(previous_batcher_->next(previous_p_), RowSet::Previous));
  return train::held_out_language_losses(model_, previous_batches_[static_cast<size_t>(batch)], sc);
}

}  // namespace longtail::cell

// The mainline of a grid cell: set up → resume → train (sample → step → log → evaluate →
// checkpoint) → decode → cell.json. The pieces live beside it: setup.cpp (data, model, method),
// cell_state.cpp (checkpoints), evaluate.cpp (dev losses, decoding), run_stats.h (what is logged).
#include <filesystem>
#include <numeric>

#include "harness/cell/cell_run.h"
#include "harness/cell/log.h"
#include "harness/common/file_lock.h"
#include "harness/common/json_util.h"
#include "harness/common/progress.h"
#include "harness/common/strcat.h"
#include "harness/common/utf8.h"
#include "harness/common/version.h"

namespace longtail::cell {

namespace json = boost::json;

bool CellRun::run() {
  setup();
  load_data();
  build();
  resume();
  if (!train()) return false;
  if (cfg_.stage.enabled) save_stage_model();  // what the next stage starts from
  // A run resumed from its final checkpoint has not computed the final dev losses in this process.
  if (!dev_done_) last_dev_ = dev_losses();
  decode_all();

  json::object dev;
  for (size_t l = 0; l < langs_.size(); ++l) dev[langs_[l].code] = number_or_null(last_dev_[l]);
  report["dev_loss"] = dev;
  report["train_loss_final"] = number_or_null(stats_.train_loss_final);
  report["steps"] = step_;
  report["train_tokens"] = stats_.tokens;
  report["tokens_per_s"] = stats_.step_time_s > 0 ? stats_.tokens / stats_.step_time_s : 0.0;
  report["wall_s"] = elapsed();
  json::object diagnostics = stats_.diagnostics(cfg_.data.languages, training_rows(), cfg_.train.get_string("grad_cosine_params"));
  for (auto& kv : routing_json(routing_run_, cfg_.data.languages)) diagnostics[kv.key()] = std::move(kv.value());
  if (auto m = method_->metrics(); !m.empty()) diagnostics["method"] = std::move(m);  // its figures at the end of the run
  report["diagnostics"] = std::move(diagnostics);
  if (replaying_) {  // what the batcher drew from this stage's pairs and from earlier stages' (pools included)
    const std::vector<int64_t> drawn = batcher_->consumed();
    const size_t n_langs = langs_.size();
    int64_t stage = 0, earlier = 0;
    json::object by_language;
    for (size_t l = 0; l < n_langs; ++l) {
      stage += drawn[l];
      earlier += drawn[n_langs + l];
      by_language[langs_[l].code] = drawn[n_langs + l];
    }
    report["replay"] = json::object{{"share", method_->replay(step_).share},
                                    {"examples_stage", stage},
                                    {"examples_earlier", earlier},
                                    {"earlier_by_language", std::move(by_language)}};
  }
  return true;
}

// The training loop. Returns false when stopped by --steps-limit.
bool CellRun::train() {
  const LoopSettings& t = loop_;
  const int64_t steps = t.steps;
  auto due = [&](int64_t every) { return step_ % every == 0 || step_ == steps; };
  Progress progress("train " + cfg_.cell.id, steps, "steps");
  while (step_ < steps) {
    // 0. Dense pre-training ends at its step: upcycle the experts (setup.cpp).
    if (step_ == dense_switch_step_ && model_->dense_phase()) {
      switch_to_sparse();
      metrics_.write(json::object{{"step", step_}, {"kind", "switch"}, {"to", "sparse"}, {"parameters", report["parameters"]}});
      log_line("info", str::cat("step ", step_, ": dense pre-training done, ", cfg_.model.experts, " experts upcycled per BASE layer"));
    }
    // 1. Sample a batch: languages from the method's p_t, examples from each language's stream.
    //    (With replay, a share of them from earlier stages' pairs: stream_distribution.)
    const train::Batch batch = batcher_->next(stream_distribution(step_));
    const std::vector<double> w = method_->loss_weights(step_);  // empty = ones
    if (!w.empty() && w.size() != langs_.size()) throw std::logic_error("method " + cfg_.method + " returned weights of the wrong size");
    std::vector<int64_t> examples(langs_.size(), 0);
    for (const train::Example& e : batch.examples) ++examples[static_cast<size_t>(e.lang) % langs_.size()];
    const train::TensorBatch tb = make_batch(batch);

    // 2. Step: per-language losses → the method's objective → backward → clip → update.
    const double lr = train::learning_rate(step_ + 1, t.lr, t.warmup);
    const auto t0 = Clock::now();
    const train::StepResult r = step(tb, w, lr);
    stats_.step_time_s += std::chrono::duration<double>(Clock::now() - t0).count();

    // 3. Account: run statistics, and the method learns what the step trained on.
    stats_.tokens += tb.tokens;
    stats_.add(r, examples);
    method_->observe(methods::StepFeedback{step_, examples, r.lang_loss_sum, r.lang_tokens, r.grad_norm});
    ++step_;

    // 4. Log, evaluate and checkpoint, after the update of step_.
    if (due(t.log_every)) metrics_.write(train_record(lr, r.grad_norm));
    if (due(t.dev_every)) metrics_.write(dev_record());
    progress.update(step_, str::cat("loss ", str::fixed(r.loss, 3), " lr ", str::sci(lr, 2)));
    const bool stop = opts_.steps_limit > 0 && step_ >= opts_.steps_limit && step_ < steps;
    if (due(t.checkpoint_every) || stop) save_checkpoint_now();
    if (stop) {
      log_line("info", str::cat("stopped at step ", step_, " (--steps-limit); continue with --resume"));
      return false;
    }
  }
  progress.finish();
  return true;
}

// One optimisation step with the method's weights w_t (empty = ones) and, when it takes over the
// update, its step hook.
train::StepResult CellRun::step(const train::TensorBatch& batch, const std::vector<double>& weights, double lr) {
  const std::vector<double> w = weights.empty() ? std::vector<double>(langs_.size(), 1.0) : weights;
  const auto w_t = torch::tensor(w, torch::kFloat).to(device_);
  train::StepConfig& sc = step_config_;
  sc.lang_grad_norms = loop_.lang_grad_every > 0 && (step_ + 1) % loop_.lang_grad_every == 0;
  sc.grad_cosine = loop_.grad_cosine_every > 0 && (step_ + 1) % loop_.grad_cosine_every == 0;
  train::StepInputs inputs;
  inputs.step = step_;
  inputs.gradients = &gradients_;
  if (hook_) {
    inputs.next_batch = [&] { return make_batch(batcher_->next(stream_distribution(step_))); };
    inputs.losses_of = [&](const train::TensorBatch& b) { return train::language_losses(model_, b, sc); };
    inputs.dev_batches = [&](int64_t lang) { return static_cast<int64_t>(hook_dev_batches().at(static_cast<size_t>(lang)).size()); };
    inputs.dev_losses = [&](int64_t lang, int64_t b) { return dev_batch_losses(lang, b, sc); };
    inputs.total_steps = loop_.steps;
    if (!cfg_.stage.init_from.empty()) inputs.previous_losses = [&](int64_t b) { return previous_batch_losses(b, sc); };
  }
  try {
    return train::train_step(model_, *adam_, batch, w_t, lr, sc, hook_.get(), inputs);
  } catch (const train::TrainingFailure& e) {
    throw train::TrainingFailure(str::cat("step ", step_ + 1, ": ", e.what()));
  }
}

// The train line of metrics.jsonl: losses averaged over the window since the previous line, then
// the window's diagnostics (run_stats.h) and the method's own figures.
json::object CellRun::train_record(double lr, double grad_norm) {
  const auto& win = stats_.window;
  json::object lang;
  for (size_t l = 0; l < langs_.size(); ++l)
    lang[langs_[l].code] = win.lang_tokens[l] > 0 ? json::value(win.lang_sum[l] / win.lang_tokens[l]) : json::value(nullptr);
  stats_.train_loss_final = win.loss();
  json::object o{{"step", step_},       {"kind", "train"}, {"loss", number_or_null(stats_.train_loss_final)},
                 {"lang_loss", lang},   {"lr", lr},        {"tokens", stats_.tokens},
                 {"grad_norm", grad_norm}, {"elapsed_s", elapsed()}};
  for (auto& kv : stats_.close_window(cfg_.data.languages, training_rows())) o[kv.key()] = std::move(kv.value());
  for (auto& kv : routing_json(routing_window_, cfg_.data.languages)) o[kv.key()] = std::move(kv.value());
  if (!routing_window_.empty()) {
    routing_run_.add(routing_window_);
    routing_window_.zero();
  }
  if (auto m = method_->metrics(); !m.empty()) o["method"] = std::move(m);
  return o;
}

std::vector<double> CellRun::training_rows() const {
  std::vector<double> rows;
  for (const auto& d : langs_) rows.push_back(static_cast<double>(d.rows.size()));
  return rows;
}

int run_cell(const CellOptions& opts) {
  // One process per cell directory, for the whole run: a second one stops before touching anything.
  std::unique_ptr<FileLock> lock;
  try {
    lock = std::make_unique<FileLock>(opts.cell_dir + "/.lock", "longtail-cell " + opts.cell_dir);
  } catch (const std::exception& e) {
    log_line("error", e.what());
    return kCellBusy;
  }
  const auto start = Clock::now();
  CellRun cell(opts);
  std::string reason;
  auto finish_report = [&](const char* status) {
    json::object r;
    r["status"] = status;
    r["reason"] = reason.empty() ? json::value(nullptr) : json::value(reason);
    for (const auto& kv : cell.report) r[kv.key()] = kv.value();
    if (!r.contains("wall_s")) r["wall_s"] = std::chrono::duration<double>(Clock::now() - start).count();
    r["peak_host_memory_bytes"] = model::compat::peak_host_memory_bytes();
    r["longtail_version"] = longtail_version();
    r["git_commit"] = git_commit();
    write_json_file(opts.cell_dir + "/cell.json", r);
  };
  try {
    // A stale result must not outlive a new attempt, nor a stale stage model feed the next stage.
    std::filesystem::remove(opts.cell_dir + "/cell.json");
    std::filesystem::remove(opts.cell_dir + "/model.bin");
    if (!cell.run()) return 0;
    finish_report("ok");
    log_line("info", str::cat("cell done: ", opts.cell_dir));
    return 0;
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    reason = what.find("out of memory") != std::string::npos ? "out of memory: " + what : "LibTorch error: " + what;
  } catch (const std::bad_alloc&) {
    reason = "out of host memory";
  } catch (const std::exception& e) {
    reason = e.what();
  }
  // A reason may quote damaged bytes (a corrupt checkpoint's tensor name): cell.json stays valid JSON.
  reason = replace_invalid_utf8(reason);
  log_line("error", str::cat("cell failed: ", reason));
  try {
    finish_report("failed");
  } catch (const std::exception& e) {
    log_line("error", str::cat("cannot write cell.json: ", e.what()));
  }
  return 1;
}

}  // namespace longtail::cell

// What a cell puts in its checkpoint (harness/train/checkpoint.h holds the file format): model,
// Adam and step-hook tensors; RNG, batcher, method and hook state; the run statistics; the offset
// of metrics.jsonl. Restoring all of it makes a resumed CPU run equal the uninterrupted one bit
// for bit. Also the model a continual stage hands to the next (model.bin).
#include <filesystem>

#include "harness/cell/cell_run.h"
#include "harness/cell/log.h"
#include "harness/common/fs_util.h"
#include "harness/common/strcat.h"

namespace longtail::cell {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace compat = model::compat;

namespace {

// What the checkpoint's tensors were built for. With dense pre-training also the switch step: the
// same checkpoint means a dense or a sparse model depending on it.
std::string model_signature(const model::ModelConfig& m, int64_t vocab_size, int64_t dense_switch_step) {
  json::object o{{"model", model::to_json(m)}, {"vocab_size", vocab_size}};
  if (dense_switch_step >= 0) o["dense_switch_step"] = dense_switch_step;
  return json::serialize(o);
}

}  // namespace

train::NamedTensors CellRun::checkpointed_tensors() {
  train::NamedTensors all = train::model_tensors(model_);
  for (auto& t : adam_->state()) all.push_back(t);
  for (auto& t : hook_tensors_) all.push_back(t);
  for (auto& t : routing_window_.state("window")) all.push_back(t);
  for (auto& t : routing_run_.state("run")) all.push_back(t);
  return all;
}

// Returns true when the state was restored from a checkpoint.
bool CellRun::resume() {
  const std::string ckpt = dir_ + "/ckpt/checkpoint.bin";
  if (!opts_.resume || !fs::exists(ckpt)) {
    if (opts_.resume) log_line("info", str::cat("--resume: no checkpoint in ", dir_, ", starting from scratch"));
    // A checkpoint of an earlier attempt must not be resumed into this run's metrics later.
    fs::remove(ckpt);
    fs::remove_all(dir_ + "/hyp_ids");
    metrics_.start_fresh();
    return false;
  }
  const std::string expected = model_signature(cfg_.model, vocab_.size, dense_switch_step_);
  const auto header = train::read_checkpoint_header(ckpt);
  if (header.model_signature != expected)
    throw train::CheckpointError(str::cat(ckpt, " was written for ", header.model_signature, ", config.json now says ", expected));
  // A checkpoint written after the dense→sparse switch holds the sparse model and its optimiser
  // state (one written at the switch step itself still holds the dense one: the switch opens a step).
  if (model_->dense_phase() && header.step > dense_switch_step_) switch_to_sparse();
  // The header as the verified read returns it (checksum, finite values).
  const auto h = train::load_checkpoint(ckpt, checkpointed_tensors());
  // Every step makes exactly one optimizer update: the two counts must agree.
  if (adam_->steps() != h.step)
    throw train::CheckpointError(str::cat(ckpt, ": the header says step ", h.step, " but the optimizer state has ", adam_->steps(),
                                          " updates; the checkpoint is damaged"));
  if (h.step > cfg_.train.get_int("steps"))
    throw train::CheckpointError(str::cat(ckpt, ": step ", h.step, " is beyond the cell's train.steps = ", cfg_.train.get_int("steps")));
  batcher_->load_state(h.batcher_state);
  {
    train::ByteReader r(h.method_state, "checkpoint method state");
    const std::string method_state = h.method_state.empty() ? std::string() : r.str();
    const std::string hook_state = h.method_state.empty() ? std::string() : r.str();
    method_->load_state(method_state);
    if (hook_) hook_->load_state(hook_state);
    else if (!hook_state.empty()) throw train::CheckpointError(str::cat(ckpt, ": step hook state but the method has no hook"));
  }
  stats_.load(h.trainer_state, langs_.size());
  compat::set_rng_state(torch::kCPU, h.cpu_rng);
  if (device_.is_cuda() && !h.cuda_rng.empty()) compat::set_rng_state(torch::kCUDA, h.cuda_rng);
  metrics_.truncate_to(h.metrics_offset);
  step_ = h.step;
  log_line("info", str::cat("resumed ", cfg_.cell.id, " at step ", step_));
  report["resumed_from_step"] = step_;
  return true;
}

void CellRun::save_checkpoint_now() {
  train::CheckpointHeader h;
  h.step = step_;
  h.metrics_offset = metrics_.size();
  h.cpu_rng = compat::rng_state(torch::kCPU);
  if (device_.is_cuda()) h.cuda_rng = compat::rng_state(torch::kCUDA);
  h.batcher_state = batcher_->save_state();
  {
    // The method's state (adaptive weights, dual variables) and its step hook's, as two blobs.
    train::ByteWriter w;
    w.str(method_->save_state());
    w.str(hook_ ? hook_->save_state() : std::string());
    h.method_state = w.data();
  }
  RunStats s = stats_;
  s.elapsed_s = elapsed();
  h.trainer_state = s.save();
  h.model_signature = model_signature(cfg_.model, vocab_.size, dense_switch_step_);
  make_dirs(dir_ + "/ckpt");
  train::save_checkpoint(dir_ + "/ckpt/checkpoint.bin", h, checkpointed_tensors());
}

// The model a stage ends with, for the next stage: model tensors only, in the checkpoint format,
// with LoRA merged into the weights it adapts (the next stage starts from a plain model).
void CellRun::save_stage_model() {
  if (cfg_.model.lora_rank > 0) model_->merge_lora();
  train::CheckpointHeader h;
  h.step = step_;
  h.model_signature = model_signature(cfg_.model, vocab_.size, -1);
  train::save_checkpoint(dir_ + "/model.bin", h, train::model_tensors(model_));
}

}  // namespace longtail::cell

// The state of one cell while it runs (harness/cell internal). Its member functions live where
// their subject does: the mainline in cell.cpp, data and model set-up in setup.cpp, checkpoints in
// cell_state.cpp, dev losses and decoding in evaluate.cpp.
#pragma once

#include <torch/torch.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness/cell/cell.h"
#include "harness/cell/cell_data.h"
#include "harness/cell/metrics_log.h"
#include "harness/cell/run_stats.h"
#include "harness/model/compat.h"
#include "harness/model/transformer.h"
#include "harness/records/cell_config.h"
#include "harness/train/batcher.h"
#include "harness/train/optimizer.h"
#include "harness/train/step.h"
#include "methods/method.h"

namespace longtail::cell {

using Clock = std::chrono::steady_clock;

class CellRun {
 public:
  explicit CellRun(const CellOptions& opts) : opts_(opts), dir_(opts.cell_dir), metrics_(dir_ + "/metrics.jsonl") {}

  // Fields of cell.json known so far (also reported when the cell fails).
  boost::json::object report;

  bool run();  // true: finished; false: stopped at --steps-limit

 private:
  // setup.cpp
  void setup();
  void load_data();
  void build();
  void switch_to_sparse();
  train::NamedTensors trainable_parameters();
  void init_from_previous_stage();
  train::TensorBatch make_batch(const train::Batch& batch, RowSet set = RowSet::Stage) const;
  std::vector<double> stream_distribution(int64_t step) const;
  train::LanguageLosses previous_batch_losses(int64_t batch, const train::StepConfig& sc);
  // cell.cpp
  bool train();
  train::StepResult step(const train::TensorBatch& batch, const std::vector<double>& weights, double lr);
  boost::json::object train_record(double lr, double grad_norm);
  // cell_state.cpp
  bool resume();
  void save_checkpoint_now();
  void save_stage_model();
  train::NamedTensors checkpointed_tensors();
  // evaluate.cpp
  std::vector<double> dev_losses();
  boost::json::object dev_record();
  const std::vector<std::vector<train::TensorBatch>>& hook_dev_batches();
  train::LanguageLosses dev_batch_losses(int64_t lang, int64_t batch, const train::StepConfig& sc);
  void decode_all();
  void decode_split(const LanguageData& lang, const std::string& split);

  double elapsed() const { return stats_.elapsed_s + std::chrono::duration<double>(Clock::now() - process_start_).count(); }
  std::vector<double> training_rows() const;

  CellOptions opts_;
  std::string dir_;
  records::CellConfig cfg_;
  Vocab vocab_;
  torch::Device device_{torch::kCPU};
  model::compat::Precision precision_ = model::compat::Precision::FP32;
  std::vector<LanguageData> langs_;
  model::Transformer model_{nullptr};
  std::unique_ptr<train::Adam> adam_;
  std::unique_ptr<train::Batcher> batcher_;
  // A replaying method's batcher has two streams per language: this stage's pairs (0..L−1), then
  // earlier stages' (L..2L−1). Without replay only the first L.
  bool replaying_ = false;
  // EWC's Fisher: a seeded batcher over the previous stage's pairs and its batches so far.
  std::unique_ptr<train::Batcher> previous_batcher_;
  std::vector<train::TensorBatch> previous_batches_;
  std::vector<double> previous_p_;
  std::unique_ptr<methods::Method> method_;
  std::unique_ptr<train::StepHook> hook_;  // the method's LibTorch step, when it takes over the update
  train::NamedTensors hook_tensors_;       // the hook's checkpointed tensors (state_tensors())
  std::vector<std::vector<train::TensorBatch>> dev_batches_;  // per language, built on first use (hook_dev_batches)
  train::LanguageGradients gradients_;     // per-language gradient buffer, reused across steps
  train::StepConfig step_config_;
  // The loop's train.* settings, read once (not by name on every step).
  struct LoopSettings {
    int64_t steps = 0, warmup = 0, log_every = 1, dev_every = 1, checkpoint_every = 1;
    int64_t lang_grad_every = 0, grad_cosine_every = 0;
    double lr = 0;
  } loop_;
  MetricsLog metrics_;
  RunStats stats_;
  // What the BASE layers routed since the last train line (step_config_.routing adds to it) and
  // before it; folded into the run's total at every train line.
  train::RoutingTally routing_window_, routing_run_;
  int64_t step_ = 0;
  // Dense pre-training: the step at whose start the dense model becomes sparse
  // (⌊model.dense_pretrain · train.steps⌋); −1 for a model built sparse or dense.
  int64_t dense_switch_step_ = -1;
  std::vector<double> last_dev_;
  bool dev_done_ = false;
  Clock::time_point process_start_ = Clock::now();
};

}  // namespace longtail::cell

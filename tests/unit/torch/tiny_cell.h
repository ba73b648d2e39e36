// Helpers shared by the LibTorch tests that set up the tiny model, run cells and compare them:
// the tiny model without dropout, its named parameters, fixed-length example batches, a cell run
// (fresh, resumed, stopped early) and the bit-exact comparison of two checkpoints' tensors.
// Include it right before catch_torch.h (it includes that header itself: see there).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cell_fixture.h"
#include "harness/model/model_config.h"
#include "harness/cell/cell.h"
#include "harness/train/step.h"
#include "catch_torch.h"  // last: see there

namespace test_cell {

// The "tiny" preset with the given (sublayer) dropout and no attention dropout.
inline longtail::model::ModelConfig tiny(double dropout = 0.0) {
  auto c = longtail::model::resolve_model(json::object{{"config", "tiny"}}, "$");
  c.dropout = dropout;
  c.attention_dropout = 0.0;
  return c;
}

inline longtail::train::NamedTensors parameters(longtail::model::Transformer& m) {
  longtail::train::NamedTensors p;
  for (const auto& item : m->named_parameters(true)) p.emplace_back(item.key(), item.value());
  return p;
}

// Examples of one language: fixed lengths (source 6, target 5), so every language has the same
// number of target tokens per example and the token-level loss of the trainer equals the
// example-level loss up to a constant.
inline longtail::train::TensorBatch examples(int64_t n, int64_t lang, int64_t first, int64_t vocab) {
  auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(1000 + lang * 100 + first));
  longtail::train::TensorBatch b;
  b.src = torch::randint(4, vocab, {n, 6}, gen, torch::kLong);
  auto tgt = torch::randint(4, vocab, {n, 5}, gen, torch::kLong);
  b.tgt_out = tgt;
  b.tgt_in = torch::cat({torch::full({n, 1}, 2, torch::kLong), tgt.slice(1, 0, 4)}, 1);
  b.lang = torch::full({n}, lang, torch::kLong);
  return b;
}

inline longtail::train::TensorBatch concat(const std::vector<longtail::train::TensorBatch>& parts) {
  std::vector<torch::Tensor> s, ti, to, l;
  for (const auto& p : parts) s.push_back(p.src), ti.push_back(p.tgt_in), to.push_back(p.tgt_out), l.push_back(p.lang);
  longtail::train::TensorBatch b;
  b.src = torch::cat(s), b.tgt_in = torch::cat(ti), b.tgt_out = torch::cat(to), b.lang = torch::cat(l);
  return b;
}

// Runs (or resumes) the cell in `dir`; steps_limit > 0 stops after that step.
inline int run(const std::string& dir, bool resume = false, int64_t steps_limit = 0) {
  longtail::cell::CellOptions o;
  o.cell_dir = dir;
  o.resume = resume;
  o.steps_limit = steps_limit;
  return longtail::cell::run_cell(o);
}

// Two loaded checkpoints (anything with `.tensors`) hold the same tensors, bit for bit.
template <class Loaded>
void check_same_tensors(const Loaded& a, const Loaded& b) {
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    INFO(a.tensors[i].first);
    CHECK(torch::equal(a.tensors[i].second, b.tensors[i].second));
  }
}

}  // namespace test_cell

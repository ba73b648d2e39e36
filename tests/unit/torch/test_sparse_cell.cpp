// Sparse models in a real cell (docs/sparse.md): BASE layers trained from the start, dense
// pre-training with its dense→sparse switch, exact resume across the switch, and the routing
// diagnostics in metrics.jsonl and cell.json.
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "cell_fixture.h"
#include "tiny_cell.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
namespace json = boost::json;
using test_cell::CellSpec;
using test_cell::run;

namespace {

int64_t sum_ints(const json::value& v) {
  int64_t s = 0;
  for (const auto& x : v.as_array()) s += x.to_number<int64_t>();
  return s;
}

CellSpec sparse_spec(json::object model) {
  CellSpec spec;
  spec.method = "proportional";
  spec.method_params = {};
  spec.model = std::move(model);
  spec.train = {{"steps", 12}, {"log_every", 4}, {"dev_every", 6}, {"checkpoint_every", 5}};
  spec.eval = {{"splits", json::array{"dev"}}, {"beam", 2}, {"max_pairs", 3}};
  return spec;
}

}  // namespace

TEST_CASE("sparse cell: BASE layers train from the start; every routed token is counted once", "[sparse][cell]") {
  // One BASE layer in the encoder and one in the decoder: together they route every real source
  // and target token a training forward sees, which is what train_tokens counts. The per-language
  // gradient norms every 2 steps run extra forwards that must not be counted.
  CellSpec spec = sparse_spec({{"config", "tiny"}, {"experts", 3}, {"base_encoder_layers", 1}});
  spec.train["lang_grad_every"] = 2;
  const std::string dir = test_cell::write_cell(test_cell::test_dir("sparse_cell"), spec);
  REQUIRE(run(dir) == 0);
  const auto cell = test_cell::read_json(dir + "/cell.json");
  REQUIRE(cell.at("status") == "ok");
  const auto& d = cell.at("diagnostics").as_object();
  const auto& load = d.at("expert_load").as_object();
  REQUIRE(load.size() == 2);
  int64_t routed = 0;
  for (const char* layer : {"encoder_base.0", "decoder_base.0"}) {
    INFO(layer);
    REQUIRE(load.at(layer).as_array().size() == 3);
    routed += sum_ints(load.at(layer));
    // The language × expert matrix adds up to the load, expert by expert.
    const auto& usage = d.at("expert_usage").at(layer).as_object();
    for (int64_t e = 0; e < 3; ++e) {
      int64_t by_lang = 0;
      for (const char* lang : {"fr", "de"}) by_lang += usage.at(lang).as_array().at(static_cast<size_t>(e)).to_number<int64_t>();
      CHECK(by_lang == load.at(layer).as_array().at(static_cast<size_t>(e)).to_number<int64_t>());
    }
    const double entropy = d.at("routing_entropy").at(layer).to_number<double>();
    CHECK(entropy >= 0.0);
    CHECK(entropy <= std::log(3.0) + 1e-9);
    CHECK(d.at("auction_iterations").at(layer).to_number<double>() >= 1.0);
  }
  CHECK(routed == cell.at("train_tokens").to_number<int64_t>());

  // The train lines' windows add up to the run's totals.
  int64_t logged = 0;
  for (const auto& line : read_lines(dir + "/metrics.jsonl")) {
    const auto o = json::parse(line).as_object();
    if (o.at("kind") == "train")
      for (const auto& [layer, counts] : o.at("expert_load").as_object()) logged += sum_ints(counts);
  }
  CHECK(logged == routed);

  // The checkpoint holds the trained experts (their FF2 left its zero initialisation).
  const auto ckpt = test_cell::load_cell_checkpoint(dir);
  bool experts_trained = false;
  for (const auto& [name, t] : ckpt.tensors)
    if (name == "model.decoder_base.0.experts.0.fc2_weight") experts_trained = t.abs().sum().item<double>() > 0;
  CHECK(experts_trained);
}

TEST_CASE("sparse cell: dense pre-training switches to experts at its step, and resumes across it bit for bit", "[sparse][cell]") {
  // 12 steps, dense_pretrain 0.5: steps 1–6 dense, the switch opens step 7 (after 6 updates).
  // Dropout exercises the generator, which the fresh centroids also draw from.
  CellSpec spec = sparse_spec({{"config", "tiny"}, {"experts", 2}, {"dense_pretrain", 0.5}, {"dropout", 0.1}});
  const std::string full = test_cell::write_cell(test_cell::test_dir("dense_pretrain_full"), spec);
  const std::string split = test_cell::write_cell(test_cell::test_dir("dense_pretrain_split"), spec);
  REQUIRE(run(full) == 0);
  const auto a = test_cell::read_json(full + "/cell.json");
  REQUIRE(a.at("status") == "ok");
  CHECK(a.at("dense_switch_step") == 6);

  // The switch is logged at step 6; the train lines route nothing before it.
  bool switched = false;
  for (const auto& line : read_lines(full + "/metrics.jsonl")) {
    const auto o = json::parse(line).as_object();
    if (o.at("kind") == "switch") {
      CHECK(o.at("step") == 6);
      switched = true;
    }
    if (o.at("kind") == "train" && o.at("step").to_number<int64_t>() <= 4) CHECK(sum_ints(o.at("expert_load").at("decoder_base.0")) == 0);
    if (o.at("kind") == "train" && o.at("step").to_number<int64_t>() >= 8) CHECK(sum_ints(o.at("expert_load").at("decoder_base.0")) > 0);
  }
  CHECK(switched);

  // The final model is sparse; its experts started from one block and have since diverged.
  const auto end = test_cell::load_cell_checkpoint(full);
  CHECK_FALSE(end.model->dense_phase());
  torch::Tensor fc1;
  for (const auto& [name, t] : end.tensors)
    if (name == "model.decoder_base.0.experts.0.fc1_weight") fc1 = t;
  REQUIRE(fc1.defined());
  CHECK_FALSE(torch::equal(fc1[0], fc1[1]));
  CHECK(a.at("parameters").to_number<int64_t>() ==
        [&] { int64_t n = 0; for (const auto& p : end.model->parameters()) n += p.numel(); return n; }());

  // Interrupted at the switch step itself (the checkpoint holds the dense model), then after the
  // switch (it holds the sparse one), then to the end: the same run, bit for bit.
  REQUIRE(run(split, false, 6) == 0);
  CHECK(test_cell::load_cell_checkpoint(split).model->dense_phase());
  REQUIRE(run(split, true, 9) == 0);
  CHECK_FALSE(test_cell::load_cell_checkpoint(split).model->dense_phase());
  REQUIRE(run(split, true) == 0);
  CHECK(test_cell::metrics_without_time(full) == test_cell::metrics_without_time(split));
  test_cell::check_same_tensors(end, test_cell::load_cell_checkpoint(split));
  CHECK(read_file(full + "/hyp_ids/fr.dev.txt") == read_file(split + "/hyp_ids/fr.dev.txt"));
  const auto b = test_cell::read_json(split + "/cell.json");
  CHECK(a.at("dev_loss") == b.at("dev_loss"));
  CHECK(a.at("diagnostics").at("expert_usage") == b.at("diagnostics").at("expert_usage"));
}

TEST_CASE("sparse cell: a method with per-parameter state cannot cross the dense→sparse switch", "[sparse][cell]") {
  CellSpec spec = sparse_spec({{"config", "tiny"}, {"experts", 2}, {"dense_pretrain", 0.5}});
  spec.method = "sequential_reptile";
  spec.method_params = {{"inner_steps", 4}};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("dense_pretrain_reptile"), spec);
  CHECK(run(dir) != 0);
  CHECK_THAT(std::string(test_cell::read_json(dir + "/cell.json").at("reason").as_string()),
             Catch::Contains("$.model.dense_pretrain") && Catch::Contains("sequential_reptile"));
}

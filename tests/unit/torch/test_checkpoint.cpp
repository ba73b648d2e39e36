// Checkpoint files: exact round trip and clear failures.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "cell_fixture.h"
#include "harness/train/checkpoint.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
using train::CheckpointError;
using train::CheckpointHeader;
using train::NamedTensors;

namespace {

model::ModelConfig config(int64_t d_model) {
  model::ModelConfig c{};
  c.name = "test";
  c.encoder_layers = 1;
  c.decoder_layers = 1;
  c.d_model = d_model;
  c.ffn_dim = 2 * d_model;
  c.heads = 2;
  c.dropout = 0.1;
  c.attention_dropout = 0.0;
  c.max_positions = 16;
  return c;
}

NamedTensors all_tensors(model::Transformer& m, train::Adam& adam) {
  NamedTensors t = train::model_tensors(m);
  for (auto& s : adam.state()) t.push_back(s);
  return t;
}

NamedTensors params_of(model::Transformer& m) {
  NamedTensors p;
  for (const auto& item : m->named_parameters(true)) p.emplace_back(item.key(), item.value());
  return p;
}

std::string corrupt_copy(const std::string& path, size_t offset, char byte) {
  std::string data = read_file(path);
  data[offset] = byte;
  const std::string out = path + ".bad";
  write_file_atomic(out, data);
  return out;
}

}  // namespace

TEST_CASE("checkpoint: model, optimizer and header round-trip exactly", "[checkpoint]") {
  const std::string dir = test_cell::test_dir("checkpoint_roundtrip");
  torch::manual_seed(1);
  model::Transformer a(config(16), 20, 0);
  train::Adam adam_a(params_of(a), {});
  // One real update so the moments and the step counter are non-trivial.
  a->forward(torch::randint(1, 20, {2, 5}), torch::randint(1, 20, {2, 4})).pow(2).mean().backward();
  adam_a.step(1e-3);

  CheckpointHeader h;
  h.step = 17;
  h.metrics_offset = 1234;
  h.cpu_rng = std::string("\x01\x00\x02", 3);
  h.batcher_state = "batcher";
  h.method_state = "";
  h.trainer_state = "trainer";
  h.model_signature = "sig";
  train::save_checkpoint(dir + "/c.bin", h, all_tensors(a, adam_a));
  CHECK_FALSE(std::filesystem::exists(dir + "/c.bin.tmp"));

  torch::manual_seed(2);  // a different initialisation, overwritten by the load
  model::Transformer b(config(16), 20, 0);
  train::Adam adam_b(params_of(b), {});
  const auto got = train::load_checkpoint(dir + "/c.bin", all_tensors(b, adam_b));
  CHECK(got.step == 17);
  CHECK(got.metrics_offset == 1234);
  CHECK(got.cpu_rng == h.cpu_rng);
  CHECK(got.batcher_state == "batcher");
  CHECK(got.trainer_state == "trainer");
  CHECK(got.model_signature == "sig");
  CHECK(adam_b.steps() == 1);
  const auto ta = all_tensors(a, adam_a), tb = all_tensors(b, adam_b);
  REQUIRE(ta.size() == tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    INFO(ta[i].first);
    CHECK(torch::equal(ta[i].second, tb[i].second));
  }
  CHECK(train::read_checkpoint_header(dir + "/c.bin").step == 17);
}

TEST_CASE("checkpoint: wrong magic, version, shape or truncation fail clearly", "[checkpoint]") {
  const std::string dir = test_cell::test_dir("checkpoint_errors");
  model::Transformer a(config(16), 20, 0);
  train::Adam adam(params_of(a), {});
  train::save_checkpoint(dir + "/c.bin", CheckpointHeader{}, all_tensors(a, adam));

  CHECK_THROWS_WITH(train::load_checkpoint(corrupt_copy(dir + "/c.bin", 0, 'X'), all_tensors(a, adam)),
                    Catch::Contains("bad magic"));
  CHECK_THROWS_WITH(train::load_checkpoint(corrupt_copy(dir + "/c.bin", 8, 9), all_tensors(a, adam)),
                    Catch::Contains("version 9"));

  model::Transformer wider(config(32), 20, 0);
  train::Adam adam_w(params_of(wider), {});
  CHECK_THROWS_WITH(train::load_checkpoint(dir + "/c.bin", all_tensors(wider, adam_w)), Catch::Contains("shape"));

  NamedTensors fewer = all_tensors(a, adam);
  fewer.pop_back();
  CHECK_THROWS_WITH(train::load_checkpoint(dir + "/c.bin", fewer), Catch::Contains("unexpected tensor"));
  NamedTensors more = all_tensors(a, adam);
  more.emplace_back("extra", torch::zeros({1}));
  CHECK_THROWS_WITH(train::load_checkpoint(dir + "/c.bin", more), Catch::Contains("missing"));

  const std::string full = read_file(dir + "/c.bin");
  write_file_atomic(dir + "/short.bin", full.substr(0, full.size() / 2));
  CHECK_THROWS_WITH(train::load_checkpoint(dir + "/short.bin", all_tensors(a, adam)), Catch::Contains("truncated"));
  // An appended byte is damage too, although the checksum covers only what precedes it.
  write_file_atomic(dir + "/long.bin", full + "x");
  CHECK_THROWS_WITH(train::load_checkpoint(dir + "/long.bin", all_tensors(a, adam)), Catch::Contains("1 bytes after the end"));
  CHECK_NOTHROW(train::load_checkpoint(dir + "/c.bin", all_tensors(a, adam)));
  CHECK_THROWS_AS(train::load_checkpoint(dir + "/missing.bin", all_tensors(a, adam)), CheckpointError);
}

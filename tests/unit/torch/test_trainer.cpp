// The trainer: optimizer and schedule, one step, and whole cells (overfitting, exact resume,
// seeding, failures).
#include <torch/torch.h>

#include <cstring>
#include <functional>

#include "cell_fixture.h"
#include "harness/train/step.h"
#include "tiny_cell.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
using test_cell::CellSpec;
using test_cell::tiny;
using test_cell::run;
using test_cell::check_same_tensors;
namespace json = boost::json;

TEST_CASE("trainer: warm-up then inverse square root", "[trainer]") {
  CHECK(train::learning_rate(1, 1e-3, 4) == Approx(0.25e-3));
  CHECK(train::learning_rate(3, 1e-3, 4) == Approx(0.75e-3));
  CHECK(train::learning_rate(4, 1e-3, 4) == Approx(1e-3));
  CHECK(train::learning_rate(16, 1e-3, 4) == Approx(0.5e-3));
  CHECK(train::learning_rate(1, 1e-3, 0) == Approx(1e-3));
  CHECK(train::learning_rate(4, 1e-3, 0) == Approx(0.5e-3));
}

TEST_CASE("trainer: Adam equals torch::optim::Adam", "[trainer]") {
  torch::manual_seed(1);
  auto w1 = torch::randn({5, 3}).requires_grad_(true);
  auto w2 = w1.detach().clone().requires_grad_(true);
  train::Adam ours({{"w", w1}}, train::AdamOptions{0.9, 0.98, 1e-8, 0.0});
  torch::optim::Adam ref({w2}, torch::optim::AdamOptions(1e-2).betas({0.9, 0.98}).eps(1e-8));
  for (int step = 0; step < 5; ++step) {
    auto x = torch::randn({4, 5});
    ours.zero_grad();
    x.matmul(w1).pow(2).sum().backward();
    ours.step(1e-2);
    ref.zero_grad();
    x.matmul(w2).pow(2).sum().backward();
    ref.step();
    CHECK((w1 - w2).abs().max().item<double>() < 1e-6);
  }
  CHECK(ours.steps() == 5);
}

TEST_CASE("trainer: Adam's new parameters start as Adam starts; kept ones keep their moments", "[trainer][sparse]") {
  // w trains throughout; after 3 updates u is replaced by v (the dense→sparse switch): v must
  // follow a fresh Adam created for it then, w an Adam that never saw the change.
  torch::manual_seed(2);
  auto w = torch::randn({4, 3}).requires_grad_(true), u = torch::randn({3}).requires_grad_(true);
  auto v = torch::randn({2, 3}).requires_grad_(true);
  auto w_ref = w.detach().clone().requires_grad_(true), v_ref = v.detach().clone().requires_grad_(true);
  const train::AdamOptions o{0.9, 0.98, 1e-8, 0.01};
  train::Adam adam({{"w", w}, {"u", u}}, o), adam_w({{"w", w_ref}}, o);
  std::unique_ptr<train::Adam> adam_v;
  for (int step = 0; step < 6; ++step) {
    if (step == 3) {
      adam.replace_params({{"w", w}, {"v", v}}, adam.steps());
      adam_v = std::make_unique<train::Adam>(train::NamedTensors{{"v", v_ref}}, o);
    }
    const auto x = torch::randn({5, 4});
    auto loss = [&](const torch::Tensor& wt, const torch::Tensor& extra) { return x.matmul(wt).matmul(extra.view({3, -1})).pow(2).sum(); };
    adam.zero_grad();
    adam_w.zero_grad();
    if (adam_v) adam_v->zero_grad();
    const auto& extra = step < 3 ? u : v;
    loss(w, extra).backward();
    loss(w_ref, extra.detach()).backward();
    if (adam_v) loss(w.detach(), v_ref).backward();
    adam.step(1e-2);
    adam_w.step(1e-2);
    if (adam_v) adam_v->step(1e-2);
    CHECK(torch::equal(w, w_ref));
    if (adam_v) CHECK(torch::equal(v, v_ref));
  }
  CHECK(adam.steps() == 6);
  CHECK(adam.state().size() == 5);  // step + two moments each for w and v; u's are gone
}

TEST_CASE("trainer: gradient clipping scales to the maximum norm", "[trainer]") {
  auto p = torch::zeros({2}).requires_grad_(true);
  p.mutable_grad() = torch::tensor({3.0f, 4.0f});
  auto norm = train::clip_grad_norm({{"p", p}}, 1.0);
  CHECK(norm.item<double>() == Approx(5.0));
  CHECK(p.grad().norm().item<double>() == Approx(1.0).epsilon(1e-4));
  p.mutable_grad() = torch::tensor({0.3f, 0.4f});
  train::clip_grad_norm({{"p", p}}, 1.0);
  CHECK(p.grad()[0].item<double>() == Approx(0.3));  // below the maximum: unchanged
}

TEST_CASE("trainer: a step combines per-language losses with the method's weights", "[trainer]") {
  torch::manual_seed(2);
  model::Transformer m(tiny(), 30, 0);
  train::NamedTensors params;
  for (const auto& item : m->named_parameters(true)) params.emplace_back(item.key(), item.value());
  train::Adam adam(params, {});
  train::TensorBatch b;
  b.src = torch::randint(4, 30, {4, 6});
  b.tgt_in = torch::randint(4, 30, {4, 5});
  b.tgt_out = torch::randint(4, 30, {4, 5});
  b.tgt_out.index_put_({3, torch::indexing::Slice(2)}, 0);  // padding: 2 target tokens in row 3
  b.lang = torch::tensor({0, 1, 1, 0}, torch::kLong);
  train::StepConfig sc;
  sc.n_langs = 2;
  auto r = train::train_step(m, adam, b, torch::tensor({2.0f, 0.5f}), 0.0, sc);
  REQUIRE(r.lang_tokens.size() == 2);
  CHECK(r.lang_tokens[0] == 7);  // 5 + 2
  CHECK(r.lang_tokens[1] == 10);
  const double want = (2.0 * r.lang_loss_sum[0] + 0.5 * r.lang_loss_sum[1]) / 17.0;
  CHECK(r.loss == Approx(want).epsilon(1e-5));
  CHECK(r.grad_norm > 0);
}

TEST_CASE("trainer: a tiny model overfits 20 pairs (BLEU > 90)", "[trainer][slow]") {
  CellSpec spec;
  spec.train_pairs = {10, 10};
  spec.test_is_train = true;
  spec.method = "uniform";
  spec.method_params = {};
  spec.train = {{"steps", 500}, {"lr", 5e-3}, {"warmup", 30}, {"batch_tokens", 256}, {"log_every", 50},
                {"dev_every", 250}, {"checkpoint_every", 500}};
  spec.eval = {{"splits", json::array{"test"}}, {"beam", 5}};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("overfit"), spec);
  REQUIRE(run(dir) == 0);
  const auto cell = test_cell::read_json(dir + "/cell.json");
  CHECK(cell.at("status") == "ok");
  std::vector<test_cell::Ids> hyps, refs;
  for (size_t l = 0; l < spec.languages.size(); ++l) {
    for (auto& h : test_cell::read_ids(dir + "/hyp_ids/" + spec.languages[l] + ".test.txt")) hyps.push_back(h);
    for (auto& p : test_cell::make_pairs(static_cast<int>(l), spec.train_pairs[l], 100 + static_cast<uint32_t>(l)))
      refs.push_back(p.xx);
  }
  REQUIRE(hyps.size() == 20);
  const double score = test_cell::bleu(hyps, refs);
  INFO("BLEU " << score << ", final train loss " << json::serialize(cell.at("train_loss_final")));
  CHECK(score > 90.0);
}

TEST_CASE("trainer: resuming from a checkpoint reproduces the uninterrupted run bit for bit", "[trainer]") {
  CellSpec spec;
  spec.model = {{"config", "tiny"}, {"dropout", 0.1}, {"attention_dropout", 0.1}};  // exercises the RNG state
  spec.train = {{"steps", 30}, {"log_every", 4}, {"dev_every", 10}, {"checkpoint_every", 20}, {"batch_tokens", 120}};
  const std::string full = test_cell::write_cell(test_cell::test_dir("resume_full"), spec);
  const std::string split = test_cell::write_cell(test_cell::test_dir("resume_split"), spec);

  REQUIRE(run(full) == 0);
  // Interrupted mid log window and mid pool, then resumed twice (the second from the step-20
  // checkpoint after a rerun of the limit, which must truncate metrics.jsonl again).
  REQUIRE(run(split, false, 13) == 0);
  CHECK_FALSE(std::filesystem::exists(split + "/cell.json"));
  REQUIRE(run(split, true, 22) == 0);
  REQUIRE(run(split, true) == 0);

  CHECK(test_cell::metrics_without_time(full) == test_cell::metrics_without_time(split));
  check_same_tensors(test_cell::load_cell_checkpoint(full), test_cell::load_cell_checkpoint(split));
  for (const std::string f : {"hyp_ids/fr.dev.txt", "hyp_ids/de.test.txt"})
    CHECK(read_file(full + "/" + f) == read_file(split + "/" + f));
  const auto a = test_cell::read_json(full + "/cell.json"), b = test_cell::read_json(split + "/cell.json");
  CHECK(a.at("dev_loss") == b.at("dev_loss"));
  CHECK(a.at("train_loss_final") == b.at("train_loss_final"));
  CHECK(b.at("resumed_from_step") == 22);

  // Resuming a finished cell redoes only the evaluation, with the same results.
  REQUIRE(run(full, true) == 0);
  CHECK(test_cell::read_json(full + "/cell.json").at("dev_loss") == a.at("dev_loss"));
  CHECK(read_file(full + "/hyp_ids/fr.dev.txt") == read_file(split + "/hyp_ids/fr.dev.txt"));
}

TEST_CASE("trainer: the same seed gives identical runs, another seed a different one", "[trainer]") {
  CellSpec spec;
  spec.model = {{"config", "tiny"}, {"dropout", 0.1}};
  spec.train = {{"steps", 12}, {"dev_every", 6}};
  const std::string a = test_cell::write_cell(test_cell::test_dir("seed_a"), spec);
  const std::string b = test_cell::write_cell(test_cell::test_dir("seed_b"), spec);
  spec.seed = 2;
  const std::string c = test_cell::write_cell(test_cell::test_dir("seed_c"), spec);
  REQUIRE(run(a) == 0);
  REQUIRE(run(b) == 0);
  REQUIRE(run(c) == 0);
  CHECK(test_cell::metrics_without_time(a) == test_cell::metrics_without_time(b));
  check_same_tensors(test_cell::load_cell_checkpoint(a), test_cell::load_cell_checkpoint(b));
  CHECK(read_file(a + "/hyp_ids/fr.test.txt") == read_file(b + "/hyp_ids/fr.test.txt"));
  CHECK(test_cell::metrics_without_time(a) != test_cell::metrics_without_time(c));

  const auto cell = test_cell::read_json(a + "/cell.json");
  CHECK(cell.at("status") == "ok");
  CHECK(cell.at("device") == "cpu");
  CHECK(cell.at("precision") == "fp32");
  CHECK(cell.at("steps") == 12);
  CHECK(cell.at("tokens_per_s").to_number<double>() > 0);
  CHECK(cell.at("dev_loss").as_object().contains("de"));
  // metrics.jsonl: train lines every log_every (5) and at the end, dev lines every 6 steps.
  const auto lines = longtail::read_lines(a + "/metrics.jsonl");
  int train_lines = 0, dev_lines = 0;
  for (const auto& l : lines) {
    const auto o = json::parse(l).as_object();
    if (o.at("kind") == "train") {
      ++train_lines;
      for (const char* k : {"step", "loss", "lang_loss", "lr", "tokens", "grad_norm", "elapsed_s"}) CHECK(o.contains(k));
    } else {
      ++dev_lines;
    }
  }
  CHECK(train_lines == 3);  // steps 5, 10, 12
  CHECK(dev_lines == 2);    // steps 6, 12
}

TEST_CASE("trainer: a non-finite loss stops the step before the weights change", "[trainer]") {
  torch::manual_seed(3);
  model::Transformer m(tiny(), test_cell::kVocab, test_cell::kPad);
  train::Adam adam(test_cell::parameters(m), {});
  {
    torch::NoGradGuard no_grad;
    m->named_parameters()["encoder_ln.weight"].fill_(std::nan(""));
  }
  const auto before = m->named_parameters()["decoder_ln.weight"].clone();
  train::StepConfig cfg;
  cfg.n_langs = 1;
  const auto batch = test_cell::examples(4, 0, 0, test_cell::kVocab);
  try {
    train::train_step(m, adam, batch, torch::ones({1}), 1e-3, cfg);
    FAIL("a NaN loss was trained on");
  } catch (const train::TrainingFailure& e) {
    CHECK_THAT(e.what(), Catch::Contains("non-finite training loss"));
  }
  CHECK(torch::equal(m->named_parameters()["decoder_ln.weight"], before));
  CHECK(adam.steps() == 0);
}

TEST_CASE("trainer: a damaged checkpoint is refused at resume, naming it", "[trainer][checkpoint]") {
  CellSpec spec;
  spec.train = {{"steps", 10}};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("damaged"), spec);
  const std::string ckpt = dir + "/ckpt/checkpoint.bin";
  REQUIRE(run(dir, false, 4) == 0);
  const std::string good = longtail::read_file(ckpt);
  auto resume_reason = [&]() {
    CHECK(run(dir, true) == 1);
    const auto cell = test_cell::read_json(dir + "/cell.json");
    CHECK(cell.at("status") == "failed");
    return std::string(cell.at("reason").as_string());
  };
  auto rewrite = [&](const std::function<void(test_cell::LoadedCheckpoint&)>& change) {
    longtail::write_file_atomic(ckpt, good);
    auto c = test_cell::load_cell_checkpoint(dir);
    torch::NoGradGuard no_grad;
    change(c);
    train::save_checkpoint(ckpt, c.header, c.tensors);
  };
  SECTION("NaN weights (written with a valid checksum)") {
    rewrite([](auto& c) { c.model->named_parameters()["encoder_ln.weight"].fill_(std::nan("")); });
    const auto reason = resume_reason();
    CHECK_THAT(reason, Catch::Contains(ckpt) && Catch::Contains("encoder_ln.weight") && Catch::Contains("non-finite"));
  }
  SECTION("a header step that the optimizer state contradicts") {
    rewrite([](auto& c) { c.header.step = 999; });
    CHECK_THAT(resume_reason(), Catch::Contains(ckpt) && Catch::Contains("step 999") && Catch::Contains("4 updates"));
  }
  SECTION("bytes changed after writing (1e30 into a weight, the step in the header)") {
    std::string bytes = good;
    const float huge = 1e30f;
    std::memcpy(&bytes[bytes.size() - 64], &huge, sizeof huge);  // inside the last tensor's data
    longtail::write_file_atomic(ckpt, bytes);
    CHECK_THAT(resume_reason(), Catch::Contains(ckpt) && Catch::Contains("checksum mismatch"));
    bytes = good;
    const int64_t step = 999;
    std::memcpy(&bytes[16], &step, sizeof step);  // magic, version, flags, then the step
    longtail::write_file_atomic(ckpt, bytes);
    CHECK_THAT(resume_reason(), Catch::Contains(ckpt) && Catch::Contains("checksum mismatch"));
  }
  SECTION("the undamaged checkpoint still resumes") {
    longtail::write_file_atomic(ckpt, good);
    CHECK(run(dir, true) == 0);
  }
}

TEST_CASE("trainer: configuration and checkpoint mismatches fail the cell clearly", "[trainer]") {
  CellSpec spec;
  spec.train = {{"steps", 6}};
  const std::string dir = test_cell::write_cell(test_cell::test_dir("mismatch"), spec);
  REQUIRE(run(dir, false, 3) == 0);

  spec.model = {{"config", "tiny"}, {"d_model", 64}};
  test_cell::write_cell(dir, spec);  // same directory, another model
  CHECK(run(dir, true) == 1);
  CHECK_THAT(std::string(test_cell::read_json(dir + "/cell.json").at("reason").as_string()),
             Catch::Contains("was written for"));

  auto cfg = test_cell::read_json(dir + "/config.json");
  cfg["train"].as_object()["lr"] = "fast";
  write_file_atomic(dir + "/config.json", json::serialize(cfg));
  CHECK(run(dir) == 1);
  CHECK_THAT(std::string(test_cell::read_json(dir + "/cell.json").at("reason").as_string()),
             Catch::Contains("train") && Catch::Contains("lr"));
}

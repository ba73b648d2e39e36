// A continual update stage in a real cell (docs/continual.md): it starts from the previous stage's
// model.bin, trains only what its update method allows, and a resume in the middle of the stage
// equals the uninterrupted stage bit for bit — LoRA tensors and their optimiser state included —
// down to the merged model.bin it hands to the next stage.
#include <torch/torch.h>

#include <string>

#include "cell_fixture.h"
#include "harness/train/step.h"
#include "harness/train/step_hook.h"
#include "methods/method.h"
#include "methods/step_hook_factory.h"
#include "tiny_cell.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
namespace json = boost::json;
using test_cell::CellSpec;
using test_cell::run;

namespace {

// Turns the fixture's cell into stage `stage` of a continual run rooted at `root` (cell id = its
// directory name), training on the first `pairs` of each listed language's order.
void make_stage(const std::string& root, const std::string& id, int64_t stage, const std::string& init_from,
                const std::map<std::string, int64_t>& pairs) {
  const std::string path = root + "/" + id + "/config.json";
  json::object cfg = test_cell::read_json(path);
  cfg["cell"].as_object()["id"] = id;
  cfg["cell"].as_object()["stage"] = stage;
  json::object train;
  for (const auto& [lang, n] : pairs) train[lang] = json::array{json::array{0, n}};
  cfg["stage"] = json::object{{"partition_seed", 1}, {"train", train}, {"previous", json::object{}}, {"earlier", json::object{}},
                              {"init_from", init_from}, {"init_sha256", ""}, {"update_methods", json::array{}}};
  write_file_atomic(path, json::serialize(cfg));
}

}  // namespace

TEST_CASE("continual cell: an update stage resumed mid-stage equals the uninterrupted stage", "[continual][cell]") {
  const std::string root = test_cell::test_dir("continual_stage");
  CellSpec base;
  base.method = "proportional";
  base.method_params = {};
  base.train = {{"steps", 10}, {"checkpoint_every", 10}};
  test_cell::write_cell(root + "/base", base);
  make_stage(root, "base", 0, "", {{"fr", 12}, {"de", 8}});
  REQUIRE(run(root + "/base") == 0);
  REQUIRE(std::filesystem::exists(root + "/base/model.bin"));

  CellSpec update;
  update.method = "lora";
  update.method_params = {{"rank", 2}};
  update.model = {{"config", "tiny"}, {"lora_rank", 2}, {"dropout", 0.1}};  // what the planner's adapt_model sets, plus dropout
  update.train = {{"steps", 12}, {"log_every", 4}, {"dev_every", 6}, {"checkpoint_every", 5}};
  for (const std::string id : {"full", "split"}) {
    test_cell::write_cell(root + "/" + id, update);
    make_stage(root, id, 1, "base", {{"fr", 6}});  // fr's new pairs only; de is scored, not trained
  }
  REQUIRE(run(root + "/full") == 0);
  const auto full = test_cell::read_json(root + "/full/cell.json");
  REQUIRE(full.at("status") == "ok");
  CHECK(full.at("train_examples").at("de") == 0);
  CHECK(full.at("dev_loss").as_object().contains("de"));  // every language is evaluated
  CHECK(full.at("trainable_parameters").to_number<int64_t>() < full.at("parameters").to_number<int64_t>() / 5);

  REQUIRE(run(root + "/split", false, 7) == 0);
  REQUIRE(run(root + "/split", true) == 0);
  CHECK(test_cell::metrics_without_time(root + "/full") == test_cell::metrics_without_time(root + "/split"));
  test_cell::check_same_tensors(test_cell::load_cell_checkpoint(root + "/full"), test_cell::load_cell_checkpoint(root + "/split"));
  CHECK(read_file(root + "/full/model.bin") == read_file(root + "/split/model.bin"));
  CHECK(read_file(root + "/full/hyp_ids/de.dev.txt") == read_file(root + "/split/hyp_ids/de.dev.txt"));

  // The stage's model is the base's plus the merged LoRA update: the embedding is the base's.
  const auto names_of = [](const std::string& file, const char* name) {
    auto m = model::Transformer(model::model_from_json(test_cell::read_json(file + "/config.json").at("model").as_object()), test_cell::kVocab,
                                test_cell::kPad);
    if (m->config().lora_rank > 0) m->merge_lora();
    train::load_checkpoint(file + "/model.bin", train::model_tensors(m));
    for (const auto& [n, t] : train::model_tensors(m))
      if (n == name) return t.clone();
    return torch::Tensor();
  };
  CHECK(torch::equal(names_of(root + "/base", "model.embedding.weight"), names_of(root + "/full", "model.embedding.weight")));
  CHECK_FALSE(torch::equal(names_of(root + "/base", "model.decoder_layers.0.self_attn.in_proj.weight"),
                           names_of(root + "/full", "model.decoder_layers.0.self_attn.in_proj.weight")));
}

// EWC (methods/ewc.cpp): at the anchor θ* (where the stage starts) the penalty and its gradient
// vanish, so the first update is the plain one bit for bit; away from it the gradient gains exactly
// λ F ⊙ (θ − θ*), with F the (normalised) squared gradients of the previous stage's batches.
TEST_CASE("ewc: penalty and gradient are zero at the anchor and λF(θ − θ*) away from it", "[continual][ewc]") {
  const int64_t V = 40;
  torch::manual_seed(5);
  model::Transformer m(test_cell::tiny(), V, 0);
  const train::NamedTensors params = test_cell::parameters(m);
  const double lambda = 3.0;
  const methods::TrainingContext ctx{{"a", "b"}, {3, 1}, 5};
  auto method = methods::make_method("ewc", json::object{{"lambda", lambda}, {"fisher_batches", 2}}, ctx);
  auto hook = methods::make_step_hook(*method);
  REQUIRE(hook);
  const train::NamedTensors state = hook->state_tensors(params);
  REQUIRE(state.size() == 2 * params.size());

  train::StepConfig sc;
  sc.n_langs = 2;
  sc.label_smoothing = 0.1;
  const std::vector<train::TensorBatch> previous{test_cell::examples(4, 0, 7, V), test_cell::examples(3, 1, 9, V)};
  const train::TensorBatch batch = test_cell::concat({test_cell::examples(5, 0, 99, V), test_cell::examples(3, 1, 99, V)});
  const torch::Tensor ones = torch::ones({2});
  auto grads = [&] {
    std::vector<torch::Tensor> g;
    for (const auto& [name, p] : params) {
      g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
      const_cast<torch::Tensor&>(p).mutable_grad() = torch::Tensor();
    }
    return g;
  };
  auto hook_step = [&] {
    const train::LanguageLosses losses = train::language_losses(m, batch, sc);
    train::StepInputs in;
    in.params = &params;
    in.losses = &losses;
    in.weights = ones;
    in.previous_losses = [&](int64_t b) { return train::held_out_language_losses(m, previous.at(static_cast<size_t>(b)), sc); };
    const double total = hook->backward(in).item<double>();
    return std::make_pair(total, grads());
  };
  auto plain_step = [&] {
    const torch::Tensor objective = train::weighted_objective(train::language_losses(m, batch, sc), ones);
    objective.backward();
    return std::make_pair(objective.item<double>(), grads());
  };

  // At the anchor: the objective and its gradient, bit for bit.
  const auto [ewc_total, ewc_grads] = hook_step();
  const auto [plain_total, plain_grads] = plain_step();
  CHECK(ewc_total == plain_total);
  for (size_t i = 0; i < params.size(); ++i) CHECK(torch::equal(ewc_grads[i], plain_grads[i]));
  const auto metrics = method->metrics();
  CHECK(metrics.at("ewc_penalty").to_number<double>() == 0.0);
  const double fisher_mean = metrics.at("fisher_mean").to_number<double>();
  CHECK(fisher_mean > 0);

  // F is the mean squared gradient of the previous batches' mean token loss (no smoothing, no
  // dropout), divided by its mean; the anchor is the starting point.
  std::vector<torch::Tensor> fisher(params.size());
  for (size_t b = 0; b < previous.size(); ++b) {
    train::StepConfig held = sc;
    held.label_smoothing = 0.0;
    train::weighted_objective(train::language_losses(m, previous[b], held), ones).backward();
    const auto g = grads();
    for (size_t i = 0; i < g.size(); ++i) fisher[i] = b == 0 ? g[i].pow(2) / 2.0 : fisher[i] + g[i].pow(2) / 2.0;
  }
  double sum = 0, count = 0;
  for (const auto& f : fisher) sum += f.sum().item<double>(), count += static_cast<double>(f.numel());
  CHECK(fisher_mean == Approx(sum / count).epsilon(1e-5));
  for (size_t i = 0; i < params.size(); ++i) {
    CHECK(torch::allclose(state[i].second, fisher[i] / (sum / count), 1e-4, 1e-7));
    CHECK(torch::equal(state[params.size() + i].second, params[i].second));
  }

  // Away from the anchor: the gradient gains λ F ⊙ (θ − θ*) and the objective (λ/2) Σ F (θ − θ*)².
  {
    torch::NoGradGuard no_grad;
    for (const auto& [name, p] : params) const_cast<torch::Tensor&>(p).add_(torch::randn_like(p) * 0.01);
  }
  const auto [moved_total, moved_grads] = hook_step();
  const auto [moved_plain_total, moved_plain_grads] = plain_step();
  double penalty = 0, worst = 0, scale = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor delta = (params[i].second - state[params.size() + i].second).detach();
    const torch::Tensor expected = lambda * state[i].second * delta;
    penalty += 0.5 * lambda * (state[i].second * delta.pow(2)).sum().item<double>();
    worst = std::max(worst, (moved_grads[i] - moved_plain_grads[i] - expected).abs().max().item<double>());
    scale = std::max(scale, expected.abs().max().item<double>());
  }
  CHECK(penalty > 0);
  CHECK(moved_total - moved_plain_total == Approx(penalty).epsilon(1e-4));
  CHECK(method->metrics().at("ewc_penalty").to_number<double>() == Approx(penalty).epsilon(1e-4));
  CHECK(scale > 0);
  CHECK(worst < 1e-4 * scale + 1e-7);

  // A cell that is not an update stage has no previous pairs: a clear failure.
  auto lone = methods::make_step_hook(*methods::make_method("ewc", json::object{}, ctx));
  lone->state_tensors(params);
  const train::LanguageLosses losses = train::language_losses(m, batch, sc);
  train::StepInputs in;
  in.params = &params;
  in.losses = &losses;
  in.weights = ones;
  CHECK_THROWS_WITH(lone->backward(in), Catch::Contains("previous stage's pairs"));
}

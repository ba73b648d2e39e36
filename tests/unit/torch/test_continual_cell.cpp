// A continual update stage in a real cell (docs/continual.md): it starts from the previous stage's
// model.bin, trains only what its update method allows, and a resume in the middle of the stage
// equals the uninterrupted stage bit for bit — LoRA tensors and their optimiser state included —
// down to the merged model.bin it hands to the next stage.
#include <torch/torch.h>

#include <string>

#include "cell_fixture.h"
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

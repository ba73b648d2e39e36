// Continual suites (docs/continual.md): the continual object's checks, the stage cells the planner
// makes and their dependencies, and each stage's disjoint share of the training pairs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "harness/data/imbalance.h"
#include "harness/grid/planner.h"
#include "harness/records/cell_config.h"
#include "suite_test_util.h"

using namespace longtail;
namespace fs = std::filesystem;

namespace {

std::string suite_text(const std::string& continual, const std::string& methods = R"([{"name": "full"}, {"name": "freeze"}])") {
  return R"({"datasets": [{"source": "gettext", "languages": ["fr", "de", "kk"]}], )" +
         (continual.empty() ? std::string() : R"("continual": )" + continual + ", ") + R"("methods": )" + methods +
         R"(, "seeds": [1, 2], "train": {"steps": 50}})";
}

const char* kStages = R"({"base_fraction": 0.5, "stages": [{"languages": ["kk"], "steps": 20, "fraction": 0.6}, {"languages": ["de", "kk"], "steps": 10, "fraction": 0.4}]})";

std::string error_of(const std::string& text) {
  try {
    grid::load_suite(test::write_suite_file("longtail-test-continual", "c.json", text));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

grid::PreparedData prepared() {
  grid::PreparedData p;
  p.data.languages = {"fr", "de", "kk"};
  p.data.natural = {{"fr", 900}, {"de", 300}, {"kk", 31}};
  p.data.corpus.dir = "/tmp/corpus";
  p.sizes["natural"] = {{"fr", 600}, {"de", 300}, {"kk", 31}};
  p.vocab_dir = "/tmp/vocab";
  p.shard_dir = "/tmp/vocab/shards";
  return p;
}

}  // namespace

TEST_CASE("continual suites: the stages' checks name the JSON path", "[continual][suite]") {
  CHECK(error_of(suite_text(kStages)).empty());
  CHECK_THAT(error_of(suite_text(R"({"stages": [{"languages": ["xx"], "steps": 5}]})")),
             Catch::Contains("$.continual.stages[0].languages[0]: \"xx\" is not a language of $.datasets[0]"));
  CHECK_THAT(error_of(suite_text(R"({"stages": [{"languages": ["kk"], "steps": 5, "fraction": 0.7}, {"languages": ["kk"], "steps": 5, "fraction": 0.4}]})")),
             Catch::Contains("$.continual.stages[1].fraction: the stages up to this one take 1.1 of kk's held-back pairs"));
  CHECK_THAT(error_of(suite_text(R"({"stages": []})")), Catch::Contains("$.continual.stages: expected a non-empty list"));
  CHECK_THAT(error_of(suite_text(R"({"base_fraction": 1, "stages": [{"languages": ["kk"], "steps": 5}]})")),
             Catch::Contains("$.continual.base_fraction: 1 holds nothing back"));
  CHECK_THAT(error_of(suite_text(R"({"stages": [{"languages": ["kk"], "steps": 0}]})")), Catch::Contains("$.continual.stages[0].steps"));
  CHECK_THAT(error_of(suite_text(R"({"base_method": {"name": "full"}, "stages": [{"languages": ["kk"], "steps": 5}]})")),
             Catch::Contains("$.continual.base_method.name: \"full\" is an update method"));
  // Update methods only in continual suites; only update methods there.
  CHECK_THAT(error_of(suite_text("", R"([{"name": "temperature"}, {"name": "freeze"}])")),
             Catch::Contains("$.methods[1].name: \"freeze\" is an update method, usable only in a continual suite"));
  CHECK_THAT(error_of(suite_text(kStages, R"([{"name": "full"}, {"name": "temperature"}])")),
             Catch::Contains("$.methods[1].name: \"temperature\" is not an update method"));
  CHECK_THAT(error_of(suite_text(kStages, R"([{"name": "freeze", "params": {"trainable": "top:0"}}])")),
             Catch::Contains("$.methods[0].params.trainable"));
  // Replay must leave the stage its own pairs; EWC's estimate needs at least one batch.
  CHECK(error_of(suite_text(kStages, R"([{"name": "replay", "params": {"share": 0.5}}, {"name": "ewc"}])")).empty());
  CHECK_THAT(error_of(suite_text(kStages, R"([{"name": "full"}, {"name": "replay", "params": {"share": 1}}])")),
             Catch::Contains("$.methods[1].params.share: expected a share below 1"));
  CHECK_THAT(error_of(suite_text(kStages, R"([{"name": "ewc", "params": {"fisher_batches": 0}}])")),
             Catch::Contains("$.methods[0].params.fisher_batches"));
  CHECK_THAT(error_of(suite_text("", R"([{"name": "ewc"}])")), Catch::Contains("usable only in a continual suite"));
}

TEST_CASE("continual suites: stage 0 is shared, each update stage depends on the one before", "[continual][grid]") {
  const auto suite = grid::load_suite(test::write_suite_file("longtail-test-continual", "ok.json", suite_text(kStages)));
  const auto cells = grid::plan_cells(suite);
  // 2 stage-0 cells (one per seed), then 2 methods × 2 seeds × 2 stages.
  REQUIRE(cells.size() == 10);
  CHECK(cells[0].id() == "gettext/natural/proportional/seed1/stage0");
  CHECK(cells[2].id() == "gettext/natural/full/seed1/stage1");
  CHECK(cells[3].id() == "gettext/natural/full/seed1/stage2");
  CHECK(cells[2].depends_on == 0);
  CHECK(cells[3].depends_on == 2);
  CHECK(cells[4].id() == "gettext/natural/full/seed2/stage1");
  CHECK(cells[4].depends_on == 1);
  for (const auto& c : cells) CHECK(c.depends_on < c.index);

  // --only keeps what the kept cells start from.
  std::vector<std::string> ids;
  for (const auto& c : grid::filter_cells(cells, {"method=freeze,seed=2,stage=2"})) ids.push_back(c.id());
  CHECK(ids == std::vector<std::string>{"gettext/natural/proportional/seed2/stage0", "gettext/natural/freeze/seed2/stage1",
                                        "gettext/natural/freeze/seed2/stage2"});

  const auto p = prepared();
  const auto base = grid::cell_config(suite, cells[0], p);
  CHECK(base.stage.init_from.empty());
  CHECK(base.stage.update_methods == std::vector<std::string>{"full", "freeze"});
  CHECK(base.trained_languages() == std::vector<std::string>{"fr", "de", "kk"});
  CHECK(base.train.get_int("steps") == 50);
  const auto s1 = grid::cell_config(suite, cells[2], p), s2 = grid::cell_config(suite, cells[3], p);
  CHECK(s1.stage.init_from == "gettext/natural/proportional/seed1/stage0");
  CHECK(s2.stage.init_from == "gettext/natural/full/seed1/stage1");
  CHECK(s1.train.get_int("steps") == 20);
  CHECK(s2.train.get_int("steps") == 10);
  CHECK(s1.trained_languages() == std::vector<std::string>{"kk"});
  CHECK(s2.trained_languages() == std::vector<std::string>{"de", "kk"});
  // Every language is evaluated in every stage.
  CHECK(s1.data.languages == std::vector<std::string>{"fr", "de", "kk"});

  // kk: 31 pairs, 15 in stage 0, 16 held back: stage 1 takes ⌊0.6·16⌋ = 9, stage 2 the next ⌊0.4·16⌋ = 6.
  using R = std::vector<std::pair<int64_t, int64_t>>;
  CHECK(base.stage.train.at("kk") == R{{0, 15}});
  CHECK(s1.stage.train.at("kk") == R{{15, 24}});
  CHECK(s2.stage.train.at("kk") == R{{24, 30}});
  CHECK(s2.stage.train.at("de") == R{{150, 210}});  // 300 pairs: 150 held back, ⌊0.4·150⌋ = 60
  CHECK(s2.stage.previous.at("kk") == R{{15, 24}});
  CHECK_FALSE(s2.stage.previous.count("de"));
  CHECK(s2.stage.earlier.at("kk") == R{{0, 15}, {15, 24}});
  CHECK(s2.stage.earlier.at("fr") == R{{0, 300}});

  // The config survives its JSON.
  const auto back = records::cell_config_from_json(records::to_json(s2), "config.json: $");
  CHECK(records::to_json(back) == records::to_json(s2));
  CHECK(back.cell.stage == 2);
}

TEST_CASE("continual suites: the partition order is a seeded permutation, so the stages' pairs are disjoint", "[continual][data]") {
  const auto a = data::partition_order(31, 1, "kk"), b = data::partition_order(31, 1, "kk"), c = data::partition_order(31, 2, "kk");
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != data::partition_order(31, 1, "de"));
  std::set<int64_t> all(a.begin(), a.end());
  CHECK(all.size() == 31);
  CHECK(*all.begin() == 0);
  CHECK(*all.rbegin() == 30);
}

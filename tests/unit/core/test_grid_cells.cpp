// Planning and collecting a grid cell around the launcher seam: the planner's CellConfig of a
// cell, a launcher other than the local one, and what the collector makes of a cell that failed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "harness/common/json_util.h"
#include "harness/grid/collect.h"
#include "harness/grid/completeness.h"
#include "harness/grid/launcher.h"
#include "harness/grid/planner.h"
#include "suite_test_util.h"

using namespace longtail;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

grid::PreparedData prepared(const fs::path& root) {
  grid::PreparedData p;
  p.data.languages = {"fr", "de", "kk"};
  p.data.natural = {{"fr", 900}, {"de", 300}, {"kk", 30}};
  p.data.corpus.dir = (root / "corpus").string();
  p.data.corpus.fingerprint = "f1ngerprint";
  p.sizes["natural"] = {{"fr", 600}, {"de", 300}, {"kk", 30}};
  p.vocab_dir = (root / "vocab").string();
  p.shard_dir = p.vocab_dir + "/shards";
  fs::create_directories(p.vocab_dir);
  p.vocab_sha256 = "5ha256";
  return p;
}

// A launcher that runs nothing: it records the request and plays a cell that was killed.
class KilledLauncher : public grid::Launcher {
 public:
  std::vector<grid::LaunchRequest> requests;
  grid::ProcessResult run(const grid::LaunchRequest& r) override {
    requests.push_back(r);
    grid::ProcessResult killed;
    killed.signaled = true;
    killed.signal = 9;
    return killed;
  }
};

}  // namespace

TEST_CASE("the planner resolves a cell's configuration; the collector records a failed launch", "[grid]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-grid-cells";
  fs::remove_all(root);
  const auto suite = grid::load_suite(test::write_method_suite(
      "longtail-test-grid-cells-suite", "cells.json", R"([{"name": "uniform"}, {"name": "temperature", "params": {"tau": 2}}])", 50));
  const auto cells = grid::plan_cells(suite);
  REQUIRE(cells.size() == 2);
  const auto p = prepared(root);

  const records::CellConfig cfg = grid::cell_config(suite, cells[1], p);
  CHECK(cfg.cell.id == "gettext/natural/temperature/seed1");
  CHECK(cfg.cell.grid_index == 1);
  CHECK(cfg.method == "temperature");
  CHECK(cfg.method_params.at("tau").to_number<double>() == 2.0);
  CHECK(cfg.train.get_int("steps") == 50);
  CHECK(cfg.data.languages == std::vector<std::string>{"fr", "de", "kk"});
  CHECK(cfg.data.train_pairs.at("fr") == 600);
  CHECK(cfg.data.natural_pairs.at("fr") == 900);
  CHECK(fs::path(cfg.data.vocab).is_absolute());
  CHECK(cfg.data.corpus_fingerprint == "f1ngerprint");
  // What the planner writes is what the cell reads back.
  CHECK(json::value(to_json(records::cell_config_from_json(to_json(cfg), "$"))) == json::value(to_json(cfg)));

  const std::string dir = (root / "cell").string();
  fs::create_directories(dir);
  KilledLauncher launcher;
  const auto launched = static_cast<grid::Launcher&>(launcher).run({dir, false, dir + "/log.txt", false});
  REQUIRE(launcher.requests.size() == 1);
  CHECK(launcher.requests[0].cell_dir == dir);

  SECTION("without cell.json the reason is how the process ended") {
    const auto r = grid::collect_result(cfg, p, dir, launched, false);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "longtail-cell killed by signal 9 (Killed)");
    CHECK(r.languages.empty());
    CHECK_FALSE(r.training);
    CHECK(r.vocab_sha256 == "5ha256");
    CHECK(r.corpus_fingerprint == "f1ngerprint");
    CHECK(r.method == "temperature");
    REQUIRE(r.config);
    CHECK(r.config->cell.id == cfg.cell.id);
  }
  SECTION("a cell.json that says why wins") {
    write_json_file(dir + "/cell.json", json::object{{"status", "failed"}, {"reason", "step 3: non-finite training loss"}});
    const auto r = grid::collect_result(cfg, p, dir, launched, false);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "step 3: non-finite training loss");
  }
}

TEST_CASE("json_differences names each changed path with both values", "[grid][stale]") {
  const json::value a = json::parse(R"({"train": {"steps": 60, "lr": 0.001}, "m": {"tau": 5}, "gone": 1, "list": [1, 2]})");
  const json::value b = json::parse(R"({"train": {"steps": 80, "lr": 0.001}, "m": {"tau": 5.0}, "new": true, "list": [1, 3]})");
  const auto d = json_differences(a, b);
  CHECK(d == std::vector<std::string>{"$.train.steps: 60 → 80", "$.gone: removed", "$.list: [1,2] → [1,3]", "$.new: added true"});
  CHECK(json_differences(a, a).empty());
}

TEST_CASE("a finished cell is complete only while its result answers the suite", "[grid][stale]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-grid-stale";
  fs::remove_all(root);
  const auto p = prepared(root);
  auto suite_with = [&](const std::string& methods, int steps) {
    return grid::load_suite(test::write_method_suite("longtail-test-grid-stale-suite", "s.json", methods, steps));
  };
  const auto suite = suite_with(R"([{"name": "temperature", "params": {"tau": 5}}])", 60);
  const auto cell = grid::plan_cells(suite)[0];
  records::CellResult r;
  r.ok = true;
  r.config = grid::cell_config(suite, cell, p);
  r.longtail_version = "0.1.0", r.git_commit = "aaa", r.corpus_fingerprint = "f1ngerprint", r.vocab_sha256 = "5ha256";
  const grid::Provenance now{"0.1.0", "aaa", "f1ngerprint", "5ha256"};

  CHECK(grid::stale_reasons(r, grid::cell_config(suite, cell, p), now, false).empty());
  SECTION("the budget changed") {
    const auto s2 = suite_with(R"([{"name": "temperature", "params": {"tau": 5}}])", 80);
    CHECK(grid::stale_reasons(r, grid::cell_config(s2, grid::plan_cells(s2)[0], p), now, false) ==
          std::vector<std::string>{"$.train.steps: 60 → 80"});
  }
  SECTION("a hyper-parameter changed") {
    const auto s2 = suite_with(R"([{"name": "temperature", "params": {"tau": 1}}])", 60);
    CHECK(grid::stale_reasons(r, grid::cell_config(s2, grid::plan_cells(s2)[0], p), now, false) ==
          std::vector<std::string>{"$.method.params.tau: 5 → 1"});
  }
  SECTION("other code, unless allowed") {
    const grid::Provenance later{"0.1.0", "bbb", "f1ngerprint", "5ha256"};
    CHECK(grid::stale_reasons(r, *r.config, later, false) == std::vector<std::string>{"commit: aaa → bbb"});
    CHECK(grid::stale_reasons(r, *r.config, later, true).empty());
  }
  SECTION("other data") {
    const grid::Provenance other{"0.1.0", "aaa", "0ther", "5ha256"};
    CHECK(grid::stale_reasons(r, *r.config, other, true) == std::vector<std::string>{"corpus fingerprint: f1ngerprint → 0ther"});
  }
  SECTION("the same data in another cache is no change") {
    records::CellConfig moved = *r.config;
    moved.data.shards = "/elsewhere/shards", moved.data.vocab = "/elsewhere/vocab.json", moved.data.corpus = "/elsewhere";
    CHECK(grid::stale_reasons(r, moved, now, false).empty());
  }
  SECTION("a result without its configuration") {
    records::CellResult bare = r;
    bare.config.reset();
    CHECK(grid::stale_reasons(bare, *r.config, now, false) == std::vector<std::string>{"no recorded configuration"});
  }
}

TEST_CASE("a models list is a grid dimension: run paths, configs and system labels", "[grid][models]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-grid-models";
  fs::remove_all(root);
  const auto p = prepared(root);
  auto suite_with = [](const std::string& model_part) {
    return test::write_suite_file("longtail-test-grid-models-suite", "m.json",
                                  R"({"datasets": [{"source": "gettext", "languages": ["fr", "de", "kk"]}], )" + model_part +
                                      R"(, "methods": [{"name": "uniform"}, {"name": "temperature"}], "seeds": [1, 2], "train": {"steps": 50}})");
  };
  const auto suite = grid::load_suite(suite_with(
      R"("models": [{"label": "dense", "config": "tiny"}, {"label": "wide", "config": "tiny", "ffn_dim": 128}])"));
  const auto cells = grid::plan_cells(suite);
  REQUIRE(cells.size() == 8);  // 2 models × 2 methods × 2 seeds, models outside methods
  CHECK(cells[0].id() == "gettext/natural/dense/uniform/seed1");
  CHECK(cells[3].id() == "gettext/natural/dense/temperature/seed2");
  CHECK(cells[4].id() == "gettext/natural/wide/uniform/seed1");
  const auto cfg = grid::cell_config(suite, cells[5], p);
  CHECK(cfg.cell.model == "wide");
  CHECK(cfg.model.ffn_dim == 128);
  CHECK(cfg.model.name == "tiny+custom");
  CHECK(cfg.cell.system() == "wide/uniform");
  const json::object written = to_json(cfg);
  CHECK(written.at("cell").at("model") == "wide");
  CHECK(records::cell_config_from_json(written, "$").cell.model == "wide");
  CHECK(grid::filter_cells(cells, {"model=wide,method=temperature"}).size() == 2);
  // The collector labels the result with the system, so reports compare model × method.
  const std::string dir = (root / "cell").string();
  fs::create_directories(dir);
  grid::ProcessResult killed;
  killed.signal = 9;
  const auto r = grid::collect_result(cfg, p, dir, killed, false);
  CHECK(r.method == "wide/uniform");

  // A single model keeps the old paths and writes no cell.model.
  const auto single = grid::load_suite(suite_with(R"("model": {"config": "tiny"})"));
  const auto one = grid::cell_config(single, grid::plan_cells(single)[0], p);
  CHECK(one.cell.id == "gettext/natural/uniform/seed1");
  CHECK_FALSE(to_json(one).at("cell").as_object().contains("model"));

  auto error_of = [&](const std::string& model_part) -> std::string {
    try {
      grid::load_suite(suite_with(model_part));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  CHECK_THAT(error_of(R"("model": {"config": "tiny"}, "models": [{"label": "a"}])"),
             Catch::Contains("$.models: give either \"model\" or \"models\""));
  CHECK_THAT(error_of(R"("models": [{"config": "tiny"}])"), Catch::Contains("$.models[0].label: expected a string"));
  CHECK_THAT(error_of(R"("models": [{"label": "a"}, {"label": "a", "config": "tiny"}])"),
             Catch::Contains("$.models[1]: two model entries are both labelled \"a\""));
  CHECK_THAT(error_of(R"("models": [{"label": "a"}, {"label": "b", "heads": 3}])"), Catch::Contains("$.models[1]"));
  CHECK_THAT(error_of(R"("models": [{"label": "a/b"}])"), Catch::Contains("$.models[0].label: expected a label"));
  CHECK(error_of(R"("models": [{"label": "base8", "config": "tiny", "experts": 8}])").empty());

  // Dense pre-training loads and plans: the cell's config.json carries the fraction to the trainer.
  const auto sparse = grid::load_suite(suite_with(
      R"("models": [{"label": "base", "config": "tiny", "experts": 2}, {"label": "base-dense", "config": "tiny", "experts": 2, "dense_pretrain": 0.5}])"));
  const auto sparse_cells = grid::plan_cells(sparse);
  REQUIRE(sparse_cells.size() == 8);
  CHECK(sparse_cells[4].id() == "gettext/natural/base-dense/uniform/seed1");
  const auto upcycled = grid::cell_config(sparse, sparse_cells[4], p);
  CHECK(upcycled.model.dense_pretrain == 0.5);
  CHECK(to_json(upcycled).at("model").at("dense_pretrain").to_number<double>() == 0.5);
  CHECK(to_json(grid::cell_config(sparse, sparse_cells[0], p)).at("model").at("dense_pretrain").to_number<double>() == 0);

  // ... but not with a method that keeps a copy of every parameter (Reptile's anchor).
  auto reptile_error = [&](const std::string& models) -> std::string {
    try {
      grid::load_suite(test::write_suite_file(
          "longtail-test-grid-models-suite", "r.json",
          R"({"datasets": [{"source": "gettext", "languages": ["fr", "de"]}], "models": )" + models +
              R"(, "methods": [{"name": "uniform"}, {"name": "sequential_reptile", "params": {"inner_steps": 10}}], "train": {"steps": 50}})"));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  CHECK_THAT(reptile_error(R"([{"label": "a", "config": "tiny", "experts": 2}, {"label": "b", "config": "tiny", "experts": 2, "dense_pretrain": 0.5}])"),
             Catch::Contains("$.models[1].dense_pretrain: method sequential_reptile ($.methods[1])"));
  CHECK(reptile_error(R"([{"label": "a", "config": "tiny", "experts": 2}])").empty());
}

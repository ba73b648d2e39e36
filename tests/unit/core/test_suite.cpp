// Suite files: valid suites resolve every default; every kind of bad suite gets an error that
// names the file, the JSON path and what was expected.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness/common/options.h"
#include "harness/grid/planner.h"
#include "harness/grid/suite.h"
#include "suite_test_util.h"

using namespace longtail;
namespace fs = std::filesystem;
using longtail::test::suite_error;

namespace {

std::string write_suite(const std::string& name, const std::string& text) {
  return test::write_suite_file("longtail-test-suites", name, text);
}

const char* kGood = R"({
  "name": "mini",
  "datasets": [{"source": "gettext", "languages": ["fr", "de"]}],
  "imbalance": [{"profile": "natural"}, {"profile": "exponential", "ratio": 10}],
  "methods": [{"name": "proportional"}, {"name": "temperature", "params": {"tau": 2}}, {"name": "uniform"}],
  "seeds": [1, 2],
  "model": {"config": "tiny"},
  "train": {"steps": 20}
})";

}  // namespace

TEST_CASE("a valid suite resolves every default", "[suite]") {
  auto s = grid::load_suite(write_suite("good.json", kGood));
  CHECK(s.name == "mini");
  REQUIRE(s.datasets.size() == 1);
  CHECK(s.datasets[0].direction == "en-x");
  CHECK(s.methods[1].params.at("tau").to_number<double>() == 2.0);
  REQUIRE(s.models.size() == 1);
  CHECK(s.models[0].label.empty());
  CHECK(s.models[0].config.name == "tiny");
  CHECK(s.models[0].config.d_model == 32);
  CHECK(s.train.at("steps").to_number<int64_t>() == 20);
  CHECK(s.train.at("lr").to_number<double>() == Approx(5e-4));  // default filled in
  CHECK(s.eval.at("beam").to_number<int64_t>() == 5);
  CHECK(s.vocab.at("size").to_number<int64_t>() == 8000);
  CHECK(s.imbalances[1].label == "exponential");
}

TEST_CASE("the grid is the product of datasets, profiles, methods and seeds", "[suite][planner]") {
  auto s = grid::load_suite(write_suite("good.json", kGood));
  auto cells = grid::plan_cells(s);
  CHECK(cells.size() == 1 * 2 * 3 * 2);
  CHECK(cells[0].id() == "gettext/natural/proportional/seed1");
  CHECK(cells.back().id() == "gettext/exponential/uniform/seed2");
  CHECK(grid::filter_cells(cells, {"*/exponential/*"}).size() == 6);
  CHECK(grid::filter_cells(cells, {"method=uniform,seed=2"}).size() == 2);
  CHECK(grid::filter_cells(cells, {"method=uniform", "method=temperature"}).size() == 8);
  CHECK(grid::filter_cells(cells, {"nothing*"}).empty());
  CHECK_THROWS_AS(grid::filter_cells(cells, {"colour=red"}), ConfigError);
}

TEST_CASE("bad suites name the file, the JSON path and what was expected", "[suite][errors]") {
  SECTION("syntax error: file, line and column") {
    auto f = write_suite("syntax.json", "{\n  \"name\": \"x\",\n  \"datasets\": [,]\n}");
    auto msg = suite_error(f);
    CHECK_THAT(msg, Catch::Contains(f + ":3:"));
    CHECK_THAT(msg, Catch::Contains("invalid JSON"));
  }
  SECTION("unknown top-level key") {
    auto f = write_suite("unknown.json", R"({"datasets": [{}], "methods": [{"name": "uniform"}], "epochs": 3})");
    auto msg = suite_error(f);
    CHECK_THAT(msg, Catch::Contains(f));
    CHECK_THAT(msg, Catch::Contains("$.epochs"));
    CHECK_THAT(msg, Catch::Contains("unknown key"));
  }
  SECTION("wrong type") {
    auto f = write_suite("type.json", R"({"datasets": [{}], "methods": [{"name": "uniform"}], "train": {"steps": "many"}})");
    auto msg = suite_error(f);
    CHECK_THAT(msg, Catch::Contains("$.train.steps"));
    CHECK_THAT(msg, Catch::Contains("expected a int"));
  }
  SECTION("out of range") {
    auto f = write_suite("range.json", R"({"datasets": [{}], "methods": [{"name": "temperature", "params": {"tau": 0}}]})");
    auto msg = suite_error(f);
    CHECK_THAT(msg, Catch::Contains("$.methods[0].params.tau"));
    CHECK_THAT(msg, Catch::Contains("> 0"));
  }
  SECTION("unknown method") {
    auto f = write_suite("method.json", R"({"datasets": [{}], "methods": [{"name": "magic"}]})");
    auto msg = suite_error(f);
    CHECK_THAT(msg, Catch::Contains("$.methods[0].name"));
    CHECK_THAT(msg, Catch::Contains("unknown method \"magic\""));
    CHECK_THAT(msg, Catch::Contains("temperature"));
  }
  SECTION("unknown method parameter") {
    auto f = write_suite("param.json", R"({"datasets": [{}], "methods": [{"name": "uniform", "params": {"tau": 1}}]})");
    CHECK_THAT(suite_error(f), Catch::Contains("$.methods[0].params.tau: unknown key"));
  }
  SECTION("bad choice") {
    auto f = write_suite("choice.json", R"({"datasets": [{"direction": "sideways"}], "methods": [{"name": "uniform"}]})");
    auto msg = suite_error(f);
    CHECK_THAT(msg, Catch::Contains("$.datasets[0].direction"));
    CHECK_THAT(msg, Catch::Contains("en-x"));
  }
  SECTION("missing required key") {
    auto f = write_suite("missing.json", R"({"datasets": [{}]})");
    CHECK_THAT(suite_error(f), Catch::Contains("$.methods: missing required"));
  }
  SECTION("external source without a path") {
    auto f = write_suite("nopath.json", R"({"datasets": [{"source": "ted"}], "methods": [{"name": "uniform"}]})");
    CHECK_THAT(suite_error(f), Catch::Contains("$.datasets[0].path"));
  }
  SECTION("duplicate labels") {
    auto f = write_suite("dup.json", R"({"datasets": [{}], "methods": [{"name": "uniform"}, {"name": "uniform"}]})");
    CHECK_THAT(suite_error(f), Catch::Contains("$.methods[1]"));
  }
  SECTION("bad seeds") {
    auto f = write_suite("seeds.json", R"({"datasets": [{}], "methods": [{"name": "uniform"}], "seeds": [1, "two"]})");
    CHECK_THAT(suite_error(f), Catch::Contains("$.seeds[1]"));
  }
  SECTION("heads must divide the width") {
    auto f = write_suite("heads.json", R"({"datasets": [{}], "methods": [{"name": "uniform"}], "model": {"config": "tiny", "heads": 3}})");
    CHECK_THAT(suite_error(f), Catch::Contains("$.model"));
  }
  SECTION("missing file") {
    CHECK_THAT(suite_error("/nonexistent/suite.json"), Catch::Contains("/nonexistent/suite.json"));
  }
}

#include <cstdlib>

#include "harness/grid/datasets.h"

TEST_CASE("a language the corpus lacks names the suite file and JSON path", "[suite][errors]") {
  fs::path cache = fs::temp_directory_path() / "longtail-test-datasets-cache";
  fs::remove_all(cache);
  ::setenv("LONGTAIL_CACHE", cache.c_str(), 1);
  std::string catalogs = std::string(LONGTAIL_TEST_DATA) + "/mo/catalogs";
  auto f = write_suite("lang.json", R"({"datasets": [{"source": "catalogs", "path": ")" + catalogs +
                                        R"(", "languages": ["fr", "xx"], "corpus": {"min_pairs": 1}}],
                                        "methods": [{"name": "uniform"}]})");
  auto s = grid::load_suite(f);
  try {
    grid::prepare_dataset(s.datasets[0], s.file);
    FAIL("an unknown language was accepted");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains(f));
    CHECK_THAT(e.what(), Catch::Contains("$.datasets[0].languages[1]"));
    CHECK_THAT(e.what(), Catch::Contains("\"xx\""));
    CHECK_THAT(e.what(), Catch::Contains("fr"));  // lists what the corpus has
  }
  auto missing = write_suite("missing-data.json", R"({"datasets": [{"source": "ted", "path": "/nonexistent/ted"}],
                                                      "methods": [{"name": "uniform"}]})");
  auto s2 = grid::load_suite(missing);
  CHECK_THROWS_WITH(grid::prepare_dataset(s2.datasets[0], s2.file), Catch::Contains("/nonexistent/ted"));
  ::unsetenv("LONGTAIL_CACHE");
}

TEST_CASE("every shipped suite loads and plans", "[suite][shipped]") {
  const test::SuiteDataVars data_vars;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(std::string(LONGTAIL_SOURCE_DIR) + "/suites")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().filename().string());
    grid::Suite s;
    REQUIRE_NOTHROW(s = grid::load_suite(entry.path().string()));
    // A suite's name is what claims (claims/*.json) and `longtail report` call it.
    CHECK(s.name == entry.path().stem().string());
    CHECK_FALSE(s.description.empty());
    CHECK_FALSE(grid::plan_cells(s).empty());
    names.push_back(s.name);
  }
  std::sort(names.begin(), names.end());
  for (const char* expected : {"quickstart", "sparse", "sparse-ml50"})
    CHECK(std::binary_search(names.begin(), names.end(), std::string(expected)));
}

TEST_CASE("suites/sparse.json plans Dua et al.'s systems: 4 models × temperature and heating", "[suite][shipped][sparse]") {
  const test::SuiteDataVars data_vars;
  for (const char* file : {"sparse.json", "sparse-ml50.json"}) {
    INFO(file);
    const grid::Suite s = grid::load_suite(std::string(LONGTAIL_SOURCE_DIR) + "/suites/" + file);
    REQUIRE(s.models.size() == 4);
    const auto& dense = s.models[0].config;
    const auto& wide = s.models[1].config;
    const auto& base = s.models[2].config;
    const auto& upcycled = s.models[3].config;
    CHECK(s.models[0].label == "dense");
    CHECK(s.models[1].label == "dense-wide");
    CHECK(s.models[2].label == "base");
    CHECK(s.models[3].label == "base-dense");
    CHECK(dense.experts == 0);
    CHECK(wide.experts == 0);
    CHECK(base.experts > 0);
    CHECK(base.dense_pretrain == 0);
    CHECK(upcycled.experts == base.experts);
    CHECK(upcycled.dense_pretrain > 0);
    // dense-wide has the BASE model's total parameters, per layer stack without the shared
    // embedding: the extra FFN width of every layer pays for the E experts and their centroids.
    const int64_t d = dense.d_model, layers = dense.encoder_layers + dense.decoder_layers;
    const int64_t expert = 2 * d * base.ffn_dim + base.ffn_dim + 3 * d;  // LN, FF1, FF2
    const int64_t sparse_extra = base.base_layers * base.experts * (expert + d);
    const int64_t wide_extra = layers * (2 * d + 1) * (wide.ffn_dim - dense.ffn_dim);
    CHECK(std::abs(wide_extra - sparse_extra) <= layers * (2 * d + 1) / 2);  // the nearest ffn_dim
    std::vector<std::string> systems;
    for (const auto& c : grid::plan_cells(s))
      if (c.seed == s.seeds.front()) systems.push_back(c.model->label + "/" + c.method->label);
    CHECK(systems == std::vector<std::string>{"dense/temperature", "dense/heating", "dense-wide/temperature", "dense-wide/heating",
                                              "base/temperature", "base/heating", "base-dense/temperature", "base-dense/heating"});
    // The report's default baseline (the first system) is the dense model with temperature sampling.
    CHECK(grid::plan_cells(s).front().id().find("/dense/temperature/") != std::string::npos);
  }
}

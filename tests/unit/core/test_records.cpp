// The typed records of a cell: config.json (records::CellConfig) and result.json
// (records::CellResult) round-trip through JSON, name the JSON path of what is wrong, check their
// schema version, and have exactly the keys their documentation lists.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "../doc_tables.h"
#include "harness/common/options.h"
#include "harness/records/cell_result.h"
#include "harness/train/train_options.h"

using namespace longtail;
namespace json = boost::json;

namespace {

records::CellConfig sample_config() {
  records::CellConfig c;
  c.cell = {"quickstart", "gettext", "natural", "", "temperature", 3, "gettext/natural/temperature/seed3", 4};
  c.method = "temperature";
  c.method_params = {{"tau", 5.0}};
  c.imbalance = {{"profile", "natural"}};
  c.model = model::resolve_model(json::object{{"config", "tiny"}}, "$.model");
  c.train = Options(resolve_options(train::train_options(), {{"steps", 40}}, "$.train"));
  c.eval = Options(resolve_options(train::eval_options(), {}, "$.eval"));
  c.groups.high = {"fr"};
  c.data.source = "gettext";
  c.data.languages = {"fr", "de", "kk"};
  c.data.train_pairs = {{"fr", 900}, {"de", 300}, {"kk", 40}};
  c.data.natural_pairs = {{"fr", 9000}, {"de", 3000}, {"kk", 40}};
  c.data.subsample_seed = 3;
  c.data.corpus = "/c", c.data.shards = "/s", c.data.vocab = "/v/vocab.json", c.data.corpus_fingerprint = "f00";
  return c;
}

records::CellResult sample_result() {
  records::CellResult r;
  r.dataset = "gettext", r.imbalance = "natural", r.method = "temperature", r.method_name = "temperature";
  r.method_params = {{"tau", 5.0}};
  r.seed = 3, r.direction = "en-x";
  r.longtail_version = "0.1.0", r.git_commit = "abc", r.corpus_fingerprint = "f00", r.vocab_sha256 = "5ha";
  r.shards_fingerprint = "5hard5";
  r.ok = true;
  records::LanguageResult fr;
  fr.train_pairs = 900, fr.natural_pairs = 9000, fr.dev_loss = 2.5;
  fr.splits = {{"dev", {10.5, 30.25, 20}}, {"test", {11.0, 31.5, 25}}};
  fr.bleu = 11.0, fr.chrf = 31.5;
  records::LanguageResult kk = fr;
  kk.dev_loss.reset();
  r.languages = {{"fr", fr}, {"kk", kk}};
  r.scorer = {{"bleu", "nrefs:1|..."}, {"chrf", "nrefs:1|..."}};
  records::TrainingFigures t;
  t.device = "cpu", t.torch_version = "1.13.0", t.precision = "fp32", t.steps = 40, t.tokens_per_s = 1234.5, t.train_wall_s = 9.5;
  t.high = {"fr"}, t.low = {"de", "kk"};
  t.diagnostics = {{"grad_norm_mean", 1.5}};
  r.training = t;
  r.wall_time_s = 12.25;
  r.config = sample_config();
  return r;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::set<std::string> keys_of(const json::object& o) {
  std::set<std::string> k;
  for (const auto& kv : o) k.insert(std::string(kv.key()));
  return k;
}

}  // namespace

TEST_CASE("CellConfig round-trips through config.json's JSON", "[records]") {
  const auto c = sample_config();
  const json::object j = to_json(c);
  CHECK(j.at("schema") == records::kCellConfigSchema);
  const auto back = records::cell_config_from_json(j, "config.json: $");
  CHECK(json::value(to_json(back)) == json::value(j));
  CHECK(back.high_resource_languages() == std::vector<std::string>{"fr"});
  CHECK(back.high_resource_flags() == std::vector<bool>{true, false, false});

  SECTION("a config.json written before the schema key is read as v1") {
    json::object legacy = j;
    legacy.erase("schema");
    CHECK(json::value(to_json(records::cell_config_from_json(legacy, "$"))) == json::value(j));
  }
  SECTION("default groups: the larger half by natural size") {
    json::object o = j;
    o.erase("groups");
    CHECK(records::cell_config_from_json(o, "$").high_resource_languages() == std::vector<std::string>{"fr"});
  }
  SECTION("errors name the file and JSON path") {
    json::object o = j;
    o["schema"] = "longtail-cell-config-v9";
    CHECK_THAT(error_of([&] { records::cell_config_from_json(o, "c.json: $"); }),
               Catch::Contains("c.json: $.schema: this longtail reads longtail-cell-config-v1, got \"longtail-cell-config-v9\""));
    o = j;
    o["data"].as_object().erase("shards");
    CHECK(error_of([&] { records::cell_config_from_json(o, "c.json: $"); }) == "c.json: $.data: missing key \"shards\"");
    o = j;
    o["data"].as_object()["train_pairs"].as_object()["de"] = "many";
    CHECK(error_of([&] { records::cell_config_from_json(o, "c.json: $"); }) == "c.json: $.data.train_pairs.de: expected an integer");
    o = j;
    o["data"].as_object()["direction"] = "sideways";
    CHECK_THAT(error_of([&] { records::cell_config_from_json(o, "c.json: $"); }), Catch::Contains("$.data.direction"));
    o = j;
    o["train"].as_object()["steps"] = -3;
    CHECK_THAT(error_of([&] { records::cell_config_from_json(o, "c.json: $"); }), Catch::Contains("$.train"));
  }
}

TEST_CASE("CellResult round-trips through result.json's JSON", "[records]") {
  const auto r = sample_result();
  const json::object j = to_json(r);
  CHECK(j.at("schema") == records::kCellResultSchema);
  CHECK(j.at("languages").at("kk").at("dev_loss").is_null());
  CHECK(j.at("train_wall_s") == 9.5);
  const auto back = records::cell_result_from_json(j, "$");
  CHECK(json::value(to_json(back)) == json::value(j));
  CHECK(back.grid_index() == 4);
  REQUIRE(back.languages.size() == 2);
  CHECK(back.languages[0].first == "fr");
  CHECK(back.languages[0].second.splits.size() == 2);

  SECTION("a failed cell has a reason and no languages") {
    records::CellResult f = r;
    f.ok = false, f.reason = "loss is NaN at step 3", f.training.reset();
    const json::object fj = to_json(f);
    CHECK(fj.at("status") == "failed");
    CHECK(fj.at("reason") == "loss is NaN at step 3");
    CHECK_FALSE(fj.contains("languages"));
    CHECK(records::cell_result_from_json(fj, "$").reason == "loss is NaN at step 3");
  }
  SECTION("errors name the JSON path") {
    json::object o = j;
    o["status"] = "maybe";
    CHECK(error_of([&] { records::cell_result_from_json(o, "r.json: $"); }) ==
          "r.json: $.status: expected \"ok\" or \"failed\", got \"maybe\"");
    o = j;
    o["languages"].as_object()["fr"].as_object()["test"].as_object().erase("chrf");
    CHECK(error_of([&] { records::cell_result_from_json(o, "r.json: $"); }) == "r.json: $.languages.fr.test: missing key \"chrf\"");
    o = j;
    o["schema"] = "longtail-cell-result-v2";
    CHECK_THAT(error_of([&] { records::cell_result_from_json(o, "r.json: $"); }), Catch::Contains("$.schema"));
  }
}

TEST_CASE("result.json has exactly the keys docs/report-schema.md documents", "[records][docs]") {
  const std::string doc = doc_tables::read_doc("report-schema.md");
  const auto documented = doc_tables::table_keys(doc, "## `result.json`");
  records::CellResult failed = sample_result();
  failed.ok = false, failed.reason = "x", failed.training.reset(), failed.languages.clear();
  failed.stale = {"$.train.steps: 60 → 80"};
  // A finished cell's keys and a failed (here also stale) cell's together are the documented ones.
  auto written = keys_of(to_json(sample_result()));
  for (const auto& k : keys_of(to_json(failed))) written.insert(k);
  CHECK(written == documented);
  // Per language.
  const auto lang = keys_of(to_json(sample_result()).at("languages").at("fr").as_object());
  CHECK(lang == std::set<std::string>{"train_pairs", "natural_pairs", "dev_loss", "dev", "test", "bleu", "chrf"});
  for (const auto& k : lang) CHECK_THAT(doc, Catch::Contains(k));
}

TEST_CASE("config.json has exactly the keys docs/cell-protocol.md shows", "[records][docs]") {
  const std::string doc = doc_tables::read_doc("cell-protocol.md");
  const auto at = doc.find("## Input");
  REQUIRE(at != std::string::npos);
  const auto start = doc.find("```json", at), end = doc.find("```", start + 7);
  const std::string block = doc.substr(start, end - start);
  std::set<std::string> shown;
  static const std::regex key("\"([a-z_]+)\"\\s*:");
  for (std::sregex_iterator it(block.begin(), block.end(), key), e; it != e; ++it) shown.insert((*it)[1]);
  const json::object j = to_json(sample_config());
  for (const auto& lang : sample_config().data.languages) shown.erase(lang);  // {"fr": 12000, ...} are data, not keys
  std::set<std::string> actual = keys_of(j);
  for (const char* part : {"cell", "method", "data", "groups"})
    for (const auto& k : keys_of(j.at(part).as_object())) actual.insert(k);
  for (const auto& k : keys_of(j.at("method").at("params").as_object())) actual.insert(k);  // the example's "tau"
  // The tables behind model/train/eval/imbalance/params are the option tables (longtail run --help).
  for (const auto& k : actual) {
    INFO(k);
    CHECK(shown.count(k) == 1);
  }
  for (const auto& k : shown) {
    INFO(k);
    CHECK(actual.count(k) == 1);
  }

  // The continual block, shown after the main one.
  const auto s2 = doc.find("```json", end + 3), e2 = doc.find("```", s2 + 7);
  REQUIRE(s2 != std::string::npos);
  const std::string stage_block = doc.substr(s2, e2 - s2);
  std::set<std::string> stage_shown;
  static const std::regex stage_key("\"([a-z_0-9]+)\"\\s*:");
  for (std::sregex_iterator it(stage_block.begin(), stage_block.end(), stage_key), e; it != e; ++it) stage_shown.insert((*it)[1]);
  auto staged = sample_config();
  staged.stage.enabled = true;
  staged.stage.train[staged.data.languages[0]] = {{0, 1}};
  const json::object js = to_json(staged);
  CHECK(js.at("cell").as_object().contains("stage"));
  std::set<std::string> stage_actual{"stage"};
  for (const auto& k : keys_of(js.at("stage").as_object())) stage_actual.insert(k);
  for (const auto& lang : staged.data.languages) stage_shown.erase(lang);
  stage_shown.erase("fr"), stage_shown.erase("gl");  // the example's languages
  CHECK(stage_shown == stage_actual);
}

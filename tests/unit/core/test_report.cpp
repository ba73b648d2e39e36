// Report aggregation: cells, per-language entries, group means, failed cells, table layout.
#include <catch2/catch.hpp>

#include <filesystem>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/report.h"

using namespace longtail;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

json::object config(const std::string& method, int seed) {
  // Suite order puts uniform first although "temperature" sorts first by path.
  int64_t grid_index = method == "uniform" ? seed - 1 : 10;
  return {{"cell", {{"suite", "t"}, {"grid_index", grid_index}}},
          {"groups", {{"high_min_pairs", 0}, {"high", json::array{}}, {"low", json::array{}}}},
          {"data",
           {{"languages", {"fr", "de", "gl", "kk"}},
            {"natural_pairs", {{"fr", 9000}, {"de", 8000}, {"gl", 700}, {"kk", 300}}}}},
          {"method", {{"name", method}}},
          {"seed", seed}};
}

void write_result(const fs::path& root, const std::string& method, int seed, double base, bool ok = true) {
  fs::path dir = root / "gettext" / "natural" / method / ("seed" + std::to_string(seed));
  json::object langs;
  int i = 0;
  for (const char* l : {"fr", "de", "gl", "kk"}) {
    double b = base - 5 * i++;
    langs[l] = {{"bleu", b}, {"chrf", b + 10}, {"dev_loss", 3.0}, {"train_pairs", 100}, {"natural_pairs", 100}};
  }
  json::object r{{"dataset", "gettext"}, {"imbalance", "natural"}, {"method", method}, {"seed", seed},
                 {"status", ok ? "ok" : "failed"}, {"config", config(method, seed)},
                 {"corpus_fingerprint", "abc"}, {"git_commit", "123"}, {"device", "cpu"},
                 {"scorer", {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"}}}};
  if (ok) r["languages"] = langs;
  else r["reason"] = "loss is NaN at step 3";
  write_json_file((dir / "result.json").string(), r);
}

}  // namespace

TEST_CASE("report aggregates cells, groups and failures", "[report]") {
  fs::path root = fs::temp_directory_path() / "longtail-test-report";
  fs::remove_all(root);
  write_result(root, "uniform", 1, 30);
  write_result(root, "uniform", 2, 32);
  write_result(root, "temperature", 1, 40, false);
  auto report = reports::build_report(root.string());
  const auto& cells = report.at("cells").as_array();
  REQUIRE(cells.size() == 3);
  CHECK(cells[0].at("method") == "uniform");  // suite order, not path order
  CHECK(cells[2].at("method") == "temperature");
  const json::object* ok = nullptr;
  for (const auto& c : cells)
    if (c.at("method") == "uniform" && c.at("seed") == 1) ok = &c.as_object();
  REQUIRE(ok);
  CHECK(ok->at("status") == "ok");
  // The larger half (fr, de) is high-resource by default.
  CHECK(ok->at("languages").at("fr").at("group") == "high");
  CHECK(ok->at("languages").at("kk").at("group") == "low");
  CHECK(ok->at("high_bleu").as_double() == Approx((30 + 25) / 2.0));
  CHECK(ok->at("low_bleu").as_double() == Approx((20 + 15) / 2.0));
  for (const char* key : {"bleu", "chrf", "dev_loss", "train_pairs"})
    CHECK(ok->at("languages").at("de").as_object().contains(key));
  CHECK(report.at("scorer").at("bleu").as_string().starts_with("nrefs:1"));
  CHECK(report.at("corpus_fingerprints").as_array().size() == 1);

  std::string table = reports::format_table(report);
  CHECK_THAT(table, Catch::Contains("natural/uniform"));
  CHECK_THAT(table, Catch::Contains("31.00"));  // fr: mean of 30 and 32 over seeds
  CHECK_THAT(table, Catch::Contains("failed cells"));
  CHECK_THAT(table, Catch::Contains("loss is NaN"));
  // Rows follow training size: fr before kk.
  CHECK(table.find("\nfr ") < table.find("\nkk "));
  CHECK_THROWS_AS(reports::build_report((root / "empty").string()), ConfigError);
}

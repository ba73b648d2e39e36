// Report aggregation: cells, per-language entries, group means, failed cells, table layout.
#include <catch2/catch.hpp>

#include <filesystem>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/records/cell_result.h"
#include "harness/train/train_options.h"
#include "reports/report.h"

using namespace longtail;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

records::CellConfig config(const std::string& method, int seed) {
  records::CellConfig c;
  // Suite order puts uniform first although "temperature" sorts first by path.
  c.cell = {"t", "gettext", "natural", method, seed, "gettext/natural/" + method + "/seed" + std::to_string(seed),
            method == "uniform" ? seed - 1 : 10};
  c.method = method;
  c.model = model::resolve_model(json::object{{"config", "tiny"}}, "$.model");
  c.train = Options(resolve_options(train::train_options(), {}, "$.train"));
  c.eval = Options(resolve_options(train::eval_options(), {}, "$.eval"));
  c.data.languages = {"fr", "de", "gl", "kk"};
  c.data.natural_pairs = {{"fr", 9000}, {"de", 8000}, {"gl", 700}, {"kk", 300}};
  c.data.train_pairs = c.data.natural_pairs;
  c.data.shards = "/shards";
  c.data.vocab = "/vocab.json";
  return c;
}

void write_result(const fs::path& root, const std::string& method, int seed, double base, bool ok = true) {
  fs::path dir = root / "gettext" / "natural" / method / ("seed" + std::to_string(seed));
  records::CellResult r;
  r.dataset = "gettext", r.imbalance = "natural", r.method = method, r.seed = seed;
  r.ok = ok;
  r.config = config(method, seed);
  r.corpus_fingerprint = "abc", r.git_commit = "123";
  r.scorer = {{"bleu", "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"}};
  if (ok) {
    int i = 0;
    for (const char* l : {"fr", "de", "gl", "kk"}) {
      double b = base - 5 * i++;
      records::LanguageResult lr;
      lr.bleu = b, lr.chrf = b + 10, lr.dev_loss = 3.0, lr.train_pairs = 100, lr.natural_pairs = 100;
      r.languages.emplace_back(l, lr);
    }
    r.training = records::TrainingFigures{};
    r.training->device = "cpu";
  } else {
    r.reason = "loss is NaN at step 3";
  }
  fs::create_directories(dir);
  records::write_cell_result((dir / "result.json").string(), r);
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

// Run statistics of a cell (harness/cell/run_stats.h): the window and the run count the same
// steps, the checkpoint blob restores them exactly, and cell.json's diagnostics have exactly the
// keys docs/report-schema.md documents.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "../doc_tables.h"
#include "harness/cell/run_stats.h"
#include "catch_torch.h"  // last: see there

using namespace longtail;
namespace json = boost::json;

namespace {

train::StepResult step(double loss_fr, double loss_de, double grad_norm, bool measured) {
  train::StepResult r;
  r.loss = (loss_fr + loss_de) / 20;
  r.grad_norm = grad_norm;
  r.lang_loss_sum = {loss_fr, loss_de};
  r.lang_tokens = {10, 10};
  if (measured) {
    r.lang_grad_norm = {1.5, std::nan("")};
    r.lang_grad_cosine = {1, -0.25, -0.25, 1};
    r.grad_conflict_fraction = 1;
  }
  return r;
}

}  // namespace

TEST_CASE("run statistics: windows, run totals, checkpoint blob", "[run_stats]") {
  const std::vector<std::string> langs{"fr", "de"};
  const std::vector<double> rows{100, 40};
  cell::RunStats s;
  s.reset(2);
  s.add(step(20, 40, 2.0, false), {6, 2});
  s.add(step(10, 30, 4.0, true), {5, 3});
  CHECK(s.window.loss() == Approx(100.0 / 40));
  const json::object w = s.close_window(langs, rows);
  CHECK(w.at("grad_norm_mean").as_double() == 3.0);
  CHECK(w.at("grad_norm_var").as_double() == 2.0);
  CHECK(w.at("lang_frac").at("fr").as_double() == 11.0 / 16);
  CHECK(w.at("lang_grad_norm").at("fr").as_double() == 1.5);
  CHECK(w.at("lang_grad_norm").at("de").is_null());
  CHECK(w.at("lang_grad_cosine").at("fr").at("de").as_double() == -0.25);
  CHECK(w.at("epochs").at("de").as_double() == 5.0 / 40);
  // The window starts over; the run keeps counting.
  CHECK(std::isnan(s.window.loss()));
  s.add(step(5, 5, 1.0, false), {4, 0});
  const json::object w2 = s.close_window(langs, rows);
  CHECK_FALSE(w2.contains("lang_grad_norm"));
  CHECK_FALSE(w2.contains("lang_grad_cosine"));
  CHECK(w2.at("epochs").at("fr").as_double() == 15.0 / 100);

  // What a checkpoint holds comes back bit for bit.
  s.elapsed_s = 12.5, s.tokens = 777;
  cell::RunStats back;
  back.load(s.save(), 2);
  CHECK(back.save() == s.save());
  CHECK_THROWS_AS(back.load(s.save(), 3), train::CheckpointError);

  const json::object d = s.diagnostics(langs, rows, "all");
  CHECK(d.at("grad_norm_mean").as_double() == Approx(7.0 / 3));
  CHECK(d.at("grad_norm_var_window_mean").as_double() == 2.0);  // the second window had one step: no variance
  CHECK(d.at("lang_grad_norm_measurements").as_double() == 1.0);
  CHECK(d.at("grad_cosine_measurements").as_double() == 1.0);

  // Exactly the keys of docs/report-schema.md's diagnostics table.
  const auto documented = doc_tables::table_keys(doc_tables::read_doc("report-schema.md"), "`diagnostics` (the run's summary");
  std::set<std::string> written;
  for (const auto& kv : d) written.insert(std::string(kv.key()));
  CHECK(written == documented);
}

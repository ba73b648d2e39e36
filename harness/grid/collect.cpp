#include "harness/grid/collect.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>

#include "eval/scorer/scorer.h"
#include "harness/common/fs_util.h"
#include "harness/common/json_util.h"
#include "harness/data/readers.h"
#include "harness/grid/completeness.h"
#include "harness/records/run_layout.h"

namespace longtail::grid {

namespace json = boost::json;

namespace {

std::string failure_reason(const std::string& cell_dir, const ProcessResult& r) {
  if (!r.ended.empty()) return r.ended;  // ended elsewhere (Slurm) without the cell saying why
  try {
    auto v = read_json_file(cell_dir + "/cell.json").as_object();
    if (const auto* reason = v.if_contains("reason"); reason && reason->is_string() && !reason->as_string().empty())
      return std::string(reason->as_string());
  } catch (const std::exception&) {
  }
  if (!r.signaled && r.exit_code == 75)  // cell::kCellBusy
    return "the cell directory is in use by another longtail-cell (" + cell_dir + "/log.txt names it)";
  return "longtail-cell " + r.describe();
}

// Writes the references a split was scored against into <run>/<dataset>/refs/ (once per run:
// every cell of the dataset scores against the same ones), so outside tools can re-check scores.
void keep_references(const records::CellConfig& config, const std::string& cell_dir, const std::string& lang,
                     const std::string& split, const std::vector<std::string>& refs) {
  const std::string run = records::run_dir_of(cell_dir, config.cell.id);
  if (run.empty()) return;  // a cell run outside a grid layout
  const std::string path = records::refs_file(run, config.cell.dataset, lang, split);
  // Cells collected at once (--jobs) share these files and the process's temporary name.
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  std::string text;
  for (const auto& r : refs) text += r + "\n";
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) == text.size() && !ec && read_file(path) == text) return;
  make_dirs(std::filesystem::path(path).parent_path().string());
  write_file_atomic(path, text);
}

// Scores every decoded language and split into r.languages and r.scorer.
void score(const records::CellConfig& config, const json::object& cell, const std::string& dir, const PreparedData& p,
           records::CellResult& r) {
  const bool to_english = !config.en_to_x();
  const int64_t max_pairs = config.eval.get_int("max_pairs");
  const std::vector<std::string> splits = config.eval.get_strings("splits");
  const json::object* dev_loss = cell.contains("dev_loss") ? &cell.at("dev_loss").as_object() : nullptr;
  for (const auto& lang : config.data.languages) {
    records::LanguageResult entry;
    entry.train_pairs = config.data.train_pairs.at(lang);
    entry.natural_pairs = config.data.natural_pairs.at(lang);
    if (dev_loss && dev_loss->contains(lang) && dev_loss->at(lang).is_number()) entry.dev_loss = dev_loss->at(lang).to_number<double>();
    for (const auto& split : splits) {
      auto pairs = data::read_pairs(p.data.corpus, lang, split == "dev" ? data::Split::Dev : data::Split::Test);
      if (max_pairs > 0 && static_cast<int64_t>(pairs.size()) > max_pairs) pairs.resize(max_pairs);
      std::vector<std::string> refs;
      for (const auto& pr : pairs) refs.push_back(to_english ? pr.en : pr.xx);
      keep_references(config, dir, lang, split, refs);
      auto hyps = read_lines(records::hyps_file(dir, lang, split));
      auto scores = eval::score_corpus(hyps, refs);
      entry.splits.emplace_back(split, records::SplitScores{scores.bleu, scores.chrf, static_cast<int64_t>(refs.size())});
      r.scorer = json::object{{"bleu", scores.bleu_signature}, {"chrf", scores.chrf_signature}};
    }
    // The headline numbers: test when it was scored, else the first split.
    const auto* headline = &entry.splits.front().second;
    for (const auto& [split, s] : entry.splits)
      if (split == "test") headline = &s;
    entry.bleu = headline->bleu;
    entry.chrf = headline->chrf;
    r.languages.emplace_back(lang, std::move(entry));
  }
}

}  // namespace

records::CellResult collect_result(const records::CellConfig& config, const PreparedData& p, const std::string& dir,
                                   const ProcessResult& launched, bool echo, const std::string& echo_prefix) {
  records::CellResult r;
  r.dataset = config.cell.dataset;
  r.imbalance = config.cell.imbalance;
  r.method = config.cell.system();
  r.method_name = config.method;
  r.method_params = config.method_params;
  r.seed = config.cell.seed;
  r.direction = config.data.direction;
  const Provenance now = current_provenance(p);
  r.longtail_version = now.longtail_version;
  r.git_commit = now.git_commit;
  r.corpus_fingerprint = now.corpus_fingerprint;
  r.vocab_sha256 = now.vocab_sha256;
  r.shards_fingerprint = now.shards_fingerprint;
  r.config = config;
  try {
    if (!launched.ok()) throw std::runtime_error(failure_reason(dir, launched));
    auto d = run_process({self_dir() + "/longtail-text", "decode-dir", "--vocab", p.vocab_dir, "--in", dir + "/hyp_ids", "--out",
                          dir + "/hyps"},
                         dir + "/log.txt", echo, {}, echo_prefix);
    if (!d.ok()) throw std::runtime_error("detokenisation failed: longtail-text " + d.describe());
    const json::object cell = read_json_file(dir + "/cell.json").as_object();
    if (const auto* sha = cell.if_contains("init_sha256"); sha && sha->is_string() && r.config)
      r.config->stage.init_sha256 = std::string(sha->as_string());
    score(config, cell, dir, p, r);
    r.training = records::training_figures_from_json(cell, dir + "/cell.json: $", "wall_s");
    r.ok = true;
  } catch (const std::exception& e) {
    r.ok = false;
    r.languages.clear();
    r.scorer.clear();
    r.training.reset();
    r.reason = e.what();
    spdlog::error("{}: failed: {}", config.cell.id, e.what());
  }
  return r;
}

}  // namespace longtail::grid

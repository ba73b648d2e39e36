#include "reports/run_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "eval/scorer/bleu.h"
#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/records/run_layout.h"

namespace longtail::reports {

namespace json = boost::json;
namespace fs = std::filesystem;

std::vector<DevPoint> read_dev_curve(const std::string& metrics_file) {
  std::vector<DevPoint> curve;
  std::ifstream in(metrics_file);
  if (!in) return curve;  // a cell that failed before logging
  std::string line;
  double tokens = 0, seconds = 0;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}: $", metrics_file, n);
    json::value v;
    try {
      v = parse_json(line);
    } catch (const std::exception& e) {
      throw ConfigError(fmt::format("{}:{}", metrics_file, n), fmt::format("not a JSON object ({})", e.what()));
    }
    if (!v.is_object()) throw ConfigError(fmt::format("{}:{}", metrics_file, n), "expected a JSON object");
    const auto& o = v.as_object();
    const std::string kind = json_fields::get_string(o, "kind", where);
    if (kind == "train") {
      tokens = json_fields::get_number(o, "tokens", where, tokens);
      seconds = json_fields::get_number(o, "elapsed_s", where, seconds);
    } else if (kind == "dev") {
      DevPoint p;
      p.step = json_fields::need_int(o, "step", where);
      p.tokens = tokens;
      p.seconds = seconds;
      for (const auto& [lang, loss] : json_fields::need_object(o, "lang_loss", where))
        if (loss.is_number()) p.lang_loss[std::string(lang)] = loss.to_number<double>();
      // A resumed cell re-logs from its checkpoint: the later record of a step wins.
      while (!curve.empty() && curve.back().step >= p.step) curve.pop_back();
      curve.push_back(std::move(p));
    }
  }
  return curve;
}

namespace {

// Tokens trained: the last train record's cumulative count.
double trained_tokens(const std::string& metrics_file, const records::CellResult& r) {
  std::ifstream in(metrics_file);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find("\"kind\":\"train\"") != std::string::npos) last = line;
  if (!last.empty()) {
    const auto v = parse_json(last);
    if (const auto* t = v.as_object().if_contains("tokens"); t && t->is_number()) return t->to_number<double>();
  }
  return r.training ? r.training->tokens_per_s * r.training->train_wall_s : 0.0;
}

// The BLEU statistics of each segment of hyps against refs (sacreBLEU's defaults, as the
// collector scored them).
eval::SegmentStats bleu_segments(const std::string& hyps_file, const std::string& refs_file) {
  if (!fs::exists(refs_file))
    throw ConfigError(refs_file, "missing: the references the run scored against (written by `longtail run` when it "
                                 "scores a cell); re-run the suite's cells to write them");
  if (!fs::exists(hyps_file)) throw ConfigError(hyps_file, "missing: the cell's decoded output for this split");
  const std::vector<std::string> hyps = read_lines(hyps_file), refs = read_lines(refs_file);
  if (hyps.size() != refs.size() || hyps.empty())
    throw ConfigError(hyps_file, fmt::format("{} lines, but {} has {}; expected one line per reference", hyps.size(),
                                             refs_file, refs.size()));
  static const eval::Bleu bleu;
  return eval::segment_stats_table(bleu.segment_stats(hyps, {refs}));
}

}  // namespace

std::vector<CellData> load_run(const std::string& run_dir, const LoadOptions& options) {
  if (!fs::exists(run_dir)) throw ConfigError(run_dir, "no such directory; run the suite first");
  std::vector<std::string> files;
  if (fs::is_directory(run_dir))
    for (const auto& e : fs::recursive_directory_iterator(run_dir))
      if (e.path().filename() == "result.json") files.push_back(e.path().string());
  if (files.empty()) throw ConfigError(run_dir, "no result.json below this directory; run the suite first");
  std::sort(files.begin(), files.end());

  std::vector<CellData> cells;
  for (const auto& f : files) {
    CellData c;
    c.file = f;
    c.result = records::read_cell_result(f);
    const auto& r = c.result;
    c.dataset = r.dataset, c.imbalance = r.imbalance, c.method = r.method, c.seed = r.seed;
    c.ok = r.ok;
    const std::string dir = fs::path(f).parent_path().string();
    if (r.config) c.config_sha256 = sha256_hex(json::serialize(records::to_json(*r.config)));
    c.dev_curve = read_dev_curve(dir + "/metrics.jsonl");
    c.tokens = trained_tokens(dir + "/metrics.jsonl", r);
    if (r.ok) {
      if (!r.config) throw ConfigError(f + ": $", "missing key \"config\" (the cell's configuration names its resource groups)");
      const auto high = r.config->high_resource_languages();
      const std::set<std::string> high_set(high.begin(), high.end());
      const std::string run = records::run_dir_of(dir, r.config->cell.id);
      for (const auto& [code, l] : r.languages) {
        LanguageData d;
        d.code = code;
        d.dev_loss = l.dev_loss;
        d.train_pairs = l.train_pairs, d.natural_pairs = l.natural_pairs;
        d.high = high_set.count(code) > 0;
        const auto split = std::find_if(l.splits.begin(), l.splits.end(), [&](const auto& s) { return s.first == options.split; });
        if (split == l.splits.end())
          throw ConfigError(fmt::format("{}: $.languages.{}", f, code),
                            fmt::format("no \"{}\" scores: the suite's eval.splits did not include it", options.split));
        d.bleu = split->second.bleu, d.chrf = split->second.chrf;
        if (options.segment_statistics) {
          if (run.empty()) throw ConfigError(f, "not inside a run directory laid out as <dataset>/<imbalance>/<method>/seed<k>");
          d.bleu_segments = bleu_segments(records::hyps_file(dir, code, options.split),
                                          records::refs_file(run, r.dataset, code, options.split));
        }
        c.languages.push_back(std::move(d));
      }
    }
    cells.push_back(std::move(c));
  }
  // Suite order (the grid index each cell records), then path for results without one.
  std::stable_sort(cells.begin(), cells.end(), [](const CellData& a, const CellData& b) {
    return a.result.grid_index().value_or(std::numeric_limits<int64_t>::max()) <
           b.result.grid_index().value_or(std::numeric_limits<int64_t>::max());
  });
  return cells;
}

}  // namespace longtail::reports

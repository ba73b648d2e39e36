#include "reports/run_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "eval/scorer/bleu.h"
#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/records/run_layout.h"
#include "reports/parallel.h"

namespace longtail::reports {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// A file's lines as read_lines (fs_util.h) gives them — split at '\n', a last line without one
// kept — read in one piece: a large run has tens of thousands of these files.
std::vector<std::string> lines_of(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    lines.emplace_back(text, pos, end - pos);
    pos = end + 1;
  }
  return lines;
}

// metrics.jsonl read once for the dev curve and the tokens trained.
struct MetricsLog {
  std::vector<DevPoint> curve;
  bool has_train = false;               // a line with "kind":"train"
  std::optional<double> train_tokens;   // the last such line's "tokens", when a number
};

MetricsLog read_metrics(const std::string& metrics_file) {
  MetricsLog log;
  if (!fs::exists(metrics_file)) return log;  // a cell that failed before logging
  std::vector<DevPoint>& curve = log.curve;
  double tokens = 0, seconds = 0;
  int64_t n = 0;
  for (const std::string& line : lines_of(metrics_file)) {
    ++n;
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
    // The tokens trained come from the last train line as the trainer writes it (compact JSON).
    if (line.find("\"kind\":\"train\"") != std::string::npos) {
      log.has_train = true;
      const auto* t = o.if_contains("tokens");
      log.train_tokens = t && t->is_number() ? std::optional<double>(t->to_number<double>()) : std::nullopt;
    }
  }
  return log;
}

}  // namespace

std::vector<DevPoint> read_dev_curve(const std::string& metrics_file) { return read_metrics(metrics_file).curve; }

namespace {

// Tokens trained: the last train record's cumulative count.
double trained_tokens(const MetricsLog& log, const records::CellResult& r) {
  if (log.has_train && log.train_tokens) return *log.train_tokens;
  return r.training ? r.training->tokens_per_s * r.training->train_wall_s : 0.0;
}

const eval::Bleu& bleu_scorer() {
  static const eval::Bleu bleu;  // sacreBLEU's defaults, as the collector scored the outputs
  return bleu;
}

// The BLEU statistics of each segment of hyps against refs (sacreBLEU's defaults, as the
// collector scored them).
eval::SegmentStats bleu_segments(const std::string& hyps_file, const std::string& refs_file) {
  if (!fs::exists(refs_file))
    throw ConfigError(refs_file, "missing: the references the run scored against (written by `longtail run` when it "
                                 "scores a cell); re-run the suite's cells to write them");
  if (!fs::exists(hyps_file)) throw ConfigError(hyps_file, "missing: the cell's decoded output for this split");
  const std::vector<std::string> hyps = lines_of(hyps_file), refs = lines_of(refs_file);
  if (hyps.size() != refs.size() || hyps.empty())
    throw ConfigError(hyps_file, fmt::format("{} lines, but {} has {}; expected one line per reference", hyps.size(),
                                             refs_file, refs.size()));
  return eval::segment_stats_table(bleu_scorer().segment_stats(hyps, {refs}));
}

// One language of one cell to score: its hyps file against the group's references.
struct ScoreJob {
  std::size_t cell = 0, language = 0;  // cells[cell].languages[language]
  std::string hyps_file, refs_file;
  std::vector<std::string> hyps;
  std::exception_ptr error;
};

// Every cell scored against one references file.
struct ScoreGroup {
  std::string refs_file;
  std::vector<ScoreJob> jobs;
};

// The per-segment statistics of every job of a group, each segment's reference preprocessed once
// for all the cells (Bleu::corpus_stats_systems on one segment gives that segment's statistics
// for each system). The same tables as bleu_segments() job by job, which still serves when the
// batch fails (invalid UTF-8, say) so that each job gets the error it would get alone.
void score_group(ScoreGroup& g, std::vector<CellData>& cells) {
  std::vector<ScoreJob*> ready;
  std::optional<std::vector<std::string>> read_refs;  // read with the first hyps file, as bleu_segments does
  if (!fs::exists(g.refs_file)) {
    for (auto& job : g.jobs) job.error = std::make_exception_ptr(ConfigError(
        g.refs_file, "missing: the references the run scored against (written by `longtail run` when it scores a "
                     "cell); re-run the suite's cells to write them"));
    return;
  }
  for (auto& job : g.jobs) {
    try {
      if (!fs::exists(job.hyps_file)) throw ConfigError(job.hyps_file, "missing: the cell's decoded output for this split");
      job.hyps = lines_of(job.hyps_file);
      if (!read_refs) read_refs = lines_of(g.refs_file);
      if (job.hyps.size() != read_refs->size() || job.hyps.empty())
        throw ConfigError(job.hyps_file, fmt::format("{} lines, but {} has {}; expected one line per reference",
                                                     job.hyps.size(), g.refs_file, read_refs->size()));
      ready.push_back(&job);
    } catch (...) {
      job.error = std::current_exception();
    }
  }
  if (ready.empty()) return;
  const std::vector<std::string>& refs = *read_refs;
  const eval::Bleu& bleu = bleu_scorer();
  const auto order = static_cast<std::size_t>(bleu.options().max_ngram_order);
  std::vector<eval::SegmentStats> tables(ready.size());
  try {
    for (auto& t : tables) {
      t.num_stats = 2 + 2 * order;
      t.values.reserve(refs.size() * t.num_stats);
    }
    std::vector<std::vector<std::string>> systems(ready.size(), std::vector<std::string>(1)), ref{{std::string()}};
    for (std::size_t i = 0; i < refs.size(); ++i) {
      for (std::size_t m = 0; m < ready.size(); ++m) systems[m][0] = std::move(ready[m]->hyps[i]);
      ref[0][0] = refs[i];
      const std::vector<eval::BleuStats> stats = bleu.corpus_stats_systems(systems, ref);
      for (std::size_t m = 0; m < ready.size(); ++m) {
        auto& v = tables[m].values;
        v.push_back(static_cast<double>(stats[m].sys_len));
        v.push_back(static_cast<double>(stats[m].ref_len));
        for (const std::int64_t c : stats[m].matches) v.push_back(static_cast<double>(c));
        for (const std::int64_t c : stats[m].totals) v.push_back(static_cast<double>(c));
        ready[m]->hyps[i] = std::move(systems[m][0]);  // back, for the job-by-job path below
      }
    }
  } catch (...) {
    for (ScoreJob* job : ready) {
      try {
        cells[job->cell].languages[job->language].bleu_segments = bleu_segments(job->hyps_file, g.refs_file);
      } catch (...) {
        job->error = std::current_exception();
      }
    }
    return;
  }
  for (std::size_t m = 0; m < ready.size(); ++m) {
    cells[ready[m]->cell].languages[ready[m]->language].bleu_segments = std::move(tables[m]);
    ready[m]->hyps = {};
  }
}

// A cell's result.json and metrics.jsonl into `c`; the languages to score go to `jobs`. `step`
// tracks how far it got, for the order of errors: -1 before the languages, 2·i at language i.
void read_cell(const std::string& f, const LoadOptions& options, CellData& c, std::vector<ScoreJob>& jobs,
               int64_t& step) {
  step = -1;
  c.file = f;
  c.result = records::read_cell_result(f);
  const auto& r = c.result;
  c.dataset = r.dataset, c.imbalance = r.imbalance, c.method = r.method, c.seed = r.seed;
  c.ok = r.ok;
  const std::string dir = fs::path(f).parent_path().string();
  if (r.config) c.config_sha256 = sha256_hex(json::serialize(records::to_json(*r.config)));
  MetricsLog log = read_metrics(dir + "/metrics.jsonl");
  c.tokens = trained_tokens(log, r);
  c.dev_curve = std::move(log.curve);
  if (!r.ok) return;
  if (!r.config) throw ConfigError(f + ": $", "missing key \"config\" (the cell's configuration names its resource groups)");
  const auto high = r.config->high_resource_languages();
  const std::set<std::string> high_set(high.begin(), high.end());
  const std::string run = records::run_dir_of(dir, r.config->cell.id);
  for (const auto& [code, l] : r.languages) {
    step = 2 * int64_t(c.languages.size());
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
      ScoreJob job;
      job.language = c.languages.size();
      job.hyps_file = records::hyps_file(dir, code, options.split);
      job.refs_file = records::refs_file(run, r.dataset, code, options.split);
      jobs.push_back(std::move(job));
    }
    c.languages.push_back(std::move(d));
  }
}

}  // namespace

// Two passes over the cells, each spread over the cores (parallel.h): every result.json and
// metrics.jsonl, then the hyps/ files grouped by the references they are scored against. Errors
// are collected and the one a plain loop over the cells (in path order) would meet first is thrown.
std::vector<CellData> load_run(const std::string& run_dir, const LoadOptions& options) {
  if (!fs::exists(run_dir)) throw ConfigError(run_dir, "no such directory; run the suite first");
  std::vector<std::string> files;
  if (fs::is_directory(run_dir))
    for (const auto& e : fs::recursive_directory_iterator(run_dir))
      if (e.path().filename() == "result.json") files.push_back(e.path().string());
  if (files.empty()) throw ConfigError(run_dir, "no result.json below this directory; run the suite first");
  std::sort(files.begin(), files.end());

  std::vector<CellData> cells(files.size());
  std::vector<std::vector<ScoreJob>> jobs(files.size());
  std::vector<int64_t> steps(files.size());
  std::vector<std::exception_ptr> errors(files.size());
  parallel_for(files.size(), [&](std::size_t i) {
    try {
      read_cell(files[i], options, cells[i], jobs[i], steps[i]);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });

  std::vector<ScoreGroup> groups;
  std::map<std::string, std::size_t> group_of;  // by references file
  for (std::size_t i = 0; i < files.size(); ++i)
    for (auto& job : jobs[i]) {
      job.cell = i;
      const auto [it, added] = group_of.emplace(job.refs_file, groups.size());
      if (added) groups.push_back({job.refs_file, {}});
      groups[it->second].jobs.push_back(std::move(job));
    }
  parallel_for(groups.size(), [&](std::size_t g) { score_group(groups[g], cells); });

  // The first error in cell order; within a cell, the reading error or the scoring error of an
  // earlier language (scoring language i comes after reading it: step 2·i + 1).
  std::vector<std::pair<int64_t, std::exception_ptr>> first(files.size(), {std::numeric_limits<int64_t>::max(), nullptr});
  for (std::size_t i = 0; i < files.size(); ++i)
    if (errors[i]) first[i] = {steps[i], errors[i]};
  for (const auto& g : groups)
    for (const auto& job : g.jobs)
      if (job.error && 2 * int64_t(job.language) + 1 < first[job.cell].first)
        first[job.cell] = {2 * int64_t(job.language) + 1, job.error};
  for (const auto& [step, error] : first)
    if (error) std::rethrow_exception(error);

  // Suite order (the grid index each cell records), then path for results without one.
  std::stable_sort(cells.begin(), cells.end(), [](const CellData& a, const CellData& b) {
    return a.result.grid_index().value_or(std::numeric_limits<int64_t>::max()) <
           b.result.grid_index().value_or(std::numeric_limits<int64_t>::max());
  });
  return cells;
}

}  // namespace longtail::reports

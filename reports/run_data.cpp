#include "reports/run_data.h"

#include <fmt/format.h>

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

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

// A whole file in one read, or none when it does not exist (one open, no separate existence
// check: a large run has tens of thousands of small files, and stream copies or a stat per file
// cost more than the reading). Throws as read_lines does when it exists but cannot be read.
std::optional<std::string> read_if_exists(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    if (errno == ENOENT) return std::nullopt;
    throw std::runtime_error("cannot read " + path);
  }
  std::setvbuf(f.get(), nullptr, _IONBF, 0);  // read straight into the string
  std::string text;
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    const long size = std::ftell(f.get());
    text.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
    std::rewind(f.get());
  }
  text.resize(std::fread(text.data(), 1, text.size(), f.get()));
  char more[4096];  // a file that grew meanwhile
  for (std::size_t got; (got = std::fread(more, 1, sizeof more, f.get())) > 0;) text.append(more, got);
  return text;
}

// The lines of `text` as read_lines (fs_util.h) splits a file: at '\n', a last line without one kept.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  for_each_line(text, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

std::vector<std::string> lines_of(const std::string& path) {
  const auto text = read_if_exists(path);
  if (!text) throw std::runtime_error("cannot read " + path);
  return lines_of(std::string_view(*text));
}

// A train line of metrics.jsonl read without building its JSON value: most lines of a run's
// metrics are train lines with hundreds of numbers, of which the report needs two. The handler
// keeps "kind" and the top-level numbers "tokens" and "elapsed_s" (parsed as parse_json parses
// them: integers exactly, decimals with strtod); anything it does not vouch for (a syntax error,
// a document that is not an object, one of those keys twice or with another type) leaves
// `plain` false and the caller parses the line with parse_json, errors and all.
struct TrainLineScan {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
  enum Field { kOther, kKind, kTokens, kElapsed };

  int depth = 0;
  bool plain = true, object = false, seen[4] = {};
  Field field = kOther;   // of the top-level key whose value comes next
  std::string key, text;  // a key, string or number split across parser writes
  std::string kind;
  std::optional<double> tokens, elapsed_s;

  using ec = boost::system::error_code;
  // A value other than a string or number where a wanted key is, or a document that is not an object.
  bool odd_value() {
    if (depth == 0 || (depth == 1 && field != kOther)) plain = false;
    if (depth == 1) field = kOther;
    return true;
  }
  void number(double v) {
    if (depth == 0 || (depth == 1 && field == kKind)) plain = false;
    if (depth == 1 && field == kTokens) tokens = v;
    if (depth == 1 && field == kElapsed) elapsed_s = v;
    if (depth == 1) field = kOther;
    text.clear();
  }
  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_object_begin(ec&) {
    if (depth == 0) object = true;
    else odd_value();
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t, ec&) { --depth; return true; }
  bool on_array_begin(ec&) { odd_value(); ++depth; return true; }
  bool on_array_end(std::size_t, ec&) { --depth; return true; }
  bool on_key_part(json::string_view s, std::size_t, ec&) {
    if (depth == 1) key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, ec&) {
    if (depth != 1) return true;
    key.append(s.data(), s.size());
    field = key == "kind" ? kKind : key == "tokens" ? kTokens : key == "elapsed_s" ? kElapsed : kOther;
    if (field != kOther && std::exchange(seen[field], true)) plain = false;
    key.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, ec&) {
    if (depth == 1 && field == kKind) text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, ec&) {
    if (depth == 1 && field == kKind) {
      text.append(s.data(), s.size());
      kind = std::move(text);
      text.clear();
      field = kOther;
      return true;
    }
    text.clear();
    return odd_value();
  }
  bool on_number_part(json::string_view s, ec&) {
    if (depth == 1 && (field == kTokens || field == kElapsed)) text.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view, ec&) { number(static_cast<double>(i)); return true; }
  bool on_uint64(uint64_t u, json::string_view, ec&) { number(static_cast<double>(u)); return true; }
  bool on_double(double d, json::string_view s, ec&) {
    if (depth == 1 && (field == kTokens || field == kElapsed)) {  // as json_util's PreciseHandler
      text.append(s.data(), s.size());
      char* end = nullptr;
      const double exact = std::strtod(text.c_str(), &end);
      d = end && *end == '\0' && std::isfinite(exact) ? exact : d;
    }
    number(d);
    return true;
  }
  bool on_bool(bool, ec&) { return odd_value(); }
  bool on_null(ec&) { return odd_value(); }
  bool on_comment_part(json::string_view, ec&) { return true; }
  bool on_comment(json::string_view, ec&) { return true; }
};

// The scan of `line` when it is a plain train line, else none.
std::optional<TrainLineScan> scan_train_line(std::string_view line) {
  json::basic_parser<TrainLineScan> p(json::parse_options{});
  boost::system::error_code ec;
  const std::size_t consumed = p.write_some(false, line.data(), line.size(), ec);
  TrainLineScan& t = p.handler();
  if (ec || consumed < line.size() || !t.plain || !t.object || !t.seen[TrainLineScan::kKind] || t.kind != "train")
    return std::nullopt;
  return std::move(t);
}

// metrics.jsonl read once for the dev curve and the tokens trained.
struct MetricsLog {
  std::vector<DevPoint> curve;
  bool has_train = false;               // a line with "kind":"train"
  std::optional<double> train_tokens;   // the last such line's "tokens", when a number
};

MetricsLog read_metrics(const std::string& metrics_file) {
  MetricsLog log;
  const auto text = read_if_exists(metrics_file);
  if (!text) return log;  // a cell that failed before logging
  std::vector<DevPoint>& curve = log.curve;
  double tokens = 0, seconds = 0;
  int64_t n = 0;
  // The tokens trained come from the last train line as the trainer writes it (compact JSON).
  const auto is_train_line = [](std::string_view line) { return line.find("\"kind\":\"train\"") != std::string::npos; };
  for_each_line(*text, [&](std::string_view line) {
    ++n;
    if (line.empty()) return;
    if (auto t = scan_train_line(line)) {
      tokens = t->tokens.value_or(tokens);
      seconds = t->elapsed_s.value_or(seconds);
      if (is_train_line(line)) log.has_train = true, log.train_tokens = t->tokens;
      return;
    }
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
    if (is_train_line(line)) {
      log.has_train = true;
      const auto* t = o.if_contains("tokens");
      log.train_tokens = t && t->is_number() ? std::optional<double>(t->to_number<double>()) : std::nullopt;
    }
  });
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
      const auto text = read_if_exists(job.hyps_file);
      if (!text) throw ConfigError(job.hyps_file, "missing: the cell's decoded output for this split");
      job.hyps = lines_of(std::string_view(*text));
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
    // 64 cells per call: each reference is preprocessed once for 64 hypotheses, and the scorer's
    // per-call vectors stay small.
    constexpr std::size_t kCells = 64;
    for (std::size_t m0 = 0; m0 < ready.size(); m0 += kCells) {
      const std::size_t nm = std::min(kCells, ready.size() - m0);
      std::vector<std::vector<std::string>> systems(nm, std::vector<std::string>(1)), ref{{std::string()}};
      for (std::size_t i = 0; i < refs.size(); ++i) {
        for (std::size_t m = 0; m < nm; ++m) systems[m][0] = std::move(ready[m0 + m]->hyps[i]);
        ref[0][0] = refs[i];
        const std::vector<eval::BleuStats> stats = bleu.corpus_stats_systems(systems, ref);
        for (std::size_t m = 0; m < nm; ++m) {
          auto& v = tables[m0 + m].values;
          v.push_back(static_cast<double>(stats[m].sys_len));
          v.push_back(static_cast<double>(stats[m].ref_len));
          for (const std::int64_t c : stats[m].matches) v.push_back(static_cast<double>(c));
          for (const std::int64_t c : stats[m].totals) v.push_back(static_cast<double>(c));
          ready[m0 + m]->hyps[i] = std::move(systems[m][0]);  // back, for the job-by-job path below
        }
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
  c.stage = r.config ? r.config->cell.stage : 0;
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
  const auto trained = r.config->trained_languages();
  const std::set<std::string> trained_set(trained.begin(), trained.end());
  const std::string run = records::run_dir_of(dir, r.config->cell.id);
  for (const auto& [code, l] : r.languages) {
    step = 2 * int64_t(c.languages.size());
    LanguageData d;
    d.code = code;
    d.dev_loss = l.dev_loss;
    d.train_pairs = l.train_pairs, d.natural_pairs = l.natural_pairs;
    d.high = high_set.count(code) > 0;
    d.trained = trained_set.count(code) > 0;
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
  return share_base_stages(std::move(cells));
}

// A continual run trains stage 0 once and every update method starts from it: the stage-0 cell
// stands for stage 0 of each of them (config.stage.update_methods), so each method's stages
// compare with the same base (the report's `stages`, from_stage 0).
std::vector<CellData> share_base_stages(std::vector<CellData> cells) {
  std::vector<CellData> out;
  for (auto& c : cells) {
    const auto& cfg = c.result.config;
    if (!cfg || !cfg->stage.enabled || c.stage != 0 || cfg->stage.update_methods.empty()) {
      out.push_back(std::move(c));
      continue;
    }
    for (const auto& label : cfg->stage.update_methods) {
      CellData copy = c;
      copy.method = cfg->cell.model.empty() ? label : cfg->cell.model + "/" + label;
      out.push_back(std::move(copy));
    }
  }
  return out;
}

}  // namespace longtail::reports

#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/version.h"

namespace longtail::reports {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// The per-cell entry of report.json (schema in docs/report-schema.md).
json::object cell_entry(const CellData& c) {
  const auto& r = c.result;
  json::object cell{{"dataset", r.dataset}, {"imbalance", r.imbalance}, {"method", c.method},
                    {"seed", r.seed},       {"stage", c.stage},         {"status", r.ok ? "ok" : "failed"}};
  if (!r.ok) cell["reason"] = r.reason;
  if (!r.stale.empty()) cell["stale"] = json::value_from(r.stale);
  json::object langs;
  if (r.ok) {
    double all = 0, high = 0, low = 0;
    int n_high = 0, n_low = 0;
    for (const auto& l : c.languages) {
      langs[l.code] = json::object{{"bleu", l.bleu}, {"chrf", l.chrf},
                                   {"dev_loss", l.dev_loss ? json::value(*l.dev_loss) : json::value(nullptr)},
                                   {"train_pairs", l.train_pairs}, {"natural_pairs", l.natural_pairs},
                                   {"group", l.high ? "high" : "low"}};
      // Every split the cell scored (results.csv has a row for each).
      for (const auto& [code, lr] : r.languages)
        if (code == l.code) {
          json::object splits;
          for (const auto& [split, scores] : lr.splits) splits[split] = {{"bleu", scores.bleu}, {"chrf", scores.chrf}};
          langs[l.code].as_object()["splits"] = std::move(splits);
        }
      all += l.bleu;
      (l.high ? high : low) += l.bleu;
      ++(l.high ? n_high : n_low);
    }
    cell["mean_bleu"] = c.languages.empty() ? 0.0 : all / double(c.languages.size());
    cell["high_bleu"] = n_high ? high / n_high : 0.0;
    cell["low_bleu"] = n_low ? low / n_low : 0.0;
  }
  cell["languages"] = langs;
  if (const auto& t = r.training) {
    cell["device"] = t->device;
    cell["torch_version"] = t->torch_version;
    cell["precision"] = t->precision;
    cell["steps"] = t->steps;
    cell["tokens"] = static_cast<int64_t>(c.tokens);
    cell["tokens_per_s"] = t->tokens_per_s;
    cell["train_wall_s"] = t->train_wall_s;
    if (!t->diagnostics.empty()) cell["diagnostics"] = t->diagnostics;
  }
  cell["wall_time_s"] = r.wall_time_s;
  cell["corpus_fingerprint"] = r.corpus_fingerprint;
  cell["git_commit"] = r.git_commit;
  if (!c.config_sha256.empty()) cell["config_sha256"] = c.config_sha256;
  return cell;
}

}  // namespace

json::object build_report(const std::string& run_dir, const AnalysisOptions& options) {
  LoadOptions load;
  load.split = options.split;
  return build_report(run_dir, load_run(run_dir, load), options);
}

json::object build_report(const std::string& run_dir, const std::vector<CellData>& cells, const AnalysisOptions& options) {
  json::array entries;
  std::set<std::string> fingerprints, commits, devices, torch_versions, suites;
  json::value scorer = nullptr;
  double wall = 0;
  for (const auto& c : cells) {
    const auto& r = c.result;
    entries.push_back(cell_entry(c));
    fingerprints.insert(r.corpus_fingerprint);
    commits.insert(r.git_commit);
    if (r.training) devices.insert(r.training->device), torch_versions.insert(r.training->torch_version);
    if (r.ok && scorer.is_null()) scorer = r.scorer;
    if (r.config) suites.insert(r.config->cell.suite);
    wall += r.wall_time_s;
  }
  Analysis a = analyze(cells, options);
  auto list = [](const std::set<std::string>& s) { return json::value_from(std::vector<std::string>(s.begin(), s.end())); };
  return json::object{
      {"schema", kReportSchema},
      {"suite", suites.size() == 1 ? json::value(*suites.begin()) : list(suites)},
      {"run_dir", fs::absolute(run_dir).string()},
      {"generated_by", fmt::format("longtail {} ({})", longtail_version(), git_commit())},
      {"scorer", scorer},
      {"corpus_fingerprints", list(fingerprints)},
      {"git_commits", list(commits)},
      {"torch_versions", list(torch_versions)},
      {"devices", list(devices)},
      {"wall_time_s", wall},
      {"settings", {{"baseline", a.baseline.empty() ? json::value(nullptr) : json::value(a.baseline)},
                    {"extra_baselines", json::value_from(a.extra_baselines)},
                    {"alpha", options.alpha},
                    {"split", options.split},
                    {"bootstrap_resamples", options.resamples},
                    {"bootstrap_seed", options.bootstrap_seed}}},
      {"cells", std::move(entries)},
      {"summary", std::move(a.summary)},
      {"comparisons", std::move(a.comparisons)},
      {"convergence", std::move(a.convergence)},
      {"forgetting", std::move(a.forgetting)},
      {"stages", std::move(a.stages)},
      {"cost", std::move(a.cost)},
      {"experts", std::move(a.experts)}};
}

const json::array* stage_transitions(const json::object& report, std::string* path) {
  if (const json::value* v = report.if_contains("stages")) {
    if (!v->is_array()) throw ConfigError("report.json: $.stages", "expected an array");
    if (path) *path = "$.stages";
    return &v->get_array();
  }
  const json::value* f = report.if_contains("forgetting");
  const json::value* v = f && f->is_object() ? f->get_object().if_contains("across_stages") : nullptr;
  if (!v) return nullptr;
  if (!v->is_array()) throw ConfigError("report.json: $.forgetting.across_stages", "expected an array");
  if (path) *path = "$.forgetting.across_stages";
  return &v->get_array();
}

void write_report(const std::string& run_dir, const json::object& report) {
  write_json_file(run_dir + "/report.json", report);
}

namespace {

std::string key_of(const json::object& o) {
  std::string k = fmt::format("{}/{}", o.at("dataset").as_string().c_str(), o.at("imbalance").as_string().c_str());
  if (const auto* s = o.if_contains("stage"); s && s->to_number<int64_t>() > 0) k += fmt::format(" stage {}", s->to_number<int64_t>());
  return k;
}

// mean ± the half-width of a 95% interval from the standard error (seed noise and test-set noise
// together, so the quickstart's single seed gets one too).
std::string mean_pm(const json::object& s) {
  return fmt::format("{:.2f}±{:.2f}", s.at("bleu_mean").to_number<double>(), 1.96 * s.at("bleu_se").to_number<double>());
}

}  // namespace

std::string format_table(const json::object& report) {
  const auto& settings = report.at("settings").as_object();
  const std::string baseline = settings.at("baseline").is_string() ? std::string(settings.at("baseline").as_string()) : "";
  // block (dataset/imbalance[/stage]) -> methods in order, their summary and comparison entries
  std::vector<std::string> blocks;
  std::map<std::string, std::vector<const json::object*>> summaries;
  std::map<std::string, std::map<std::string, const json::object*>> comparisons;
  for (const auto& v : report.at("summary").as_array()) {
    const auto& s = v.as_object();
    const std::string k = key_of(s);
    if (!summaries.count(k)) blocks.push_back(k);
    summaries[k].push_back(&s);
  }
  for (const auto& v : report.at("comparisons").as_array())
    if (v.at("baseline").as_string() == baseline)  // entries against extra_baselines are for claims
      comparisons[key_of(v.as_object())][std::string(v.at("method").as_string())] = &v.as_object();

  std::string out;
  int64_t seeds_max = 0;
  for (const auto& k : blocks) {
    auto& methods = summaries[k];
    std::stable_partition(methods.begin(), methods.end(), [&](const auto* s) { return s->at("method").as_string() == baseline; });
    std::vector<std::pair<std::string, int64_t>> langs;  // by natural size
    for (const auto& l : methods.front()->at("languages").as_object())
      langs.emplace_back(std::string(l.key()), l.value().at("natural_pairs").to_number<int64_t>());
    std::stable_sort(langs.begin(), langs.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    size_t w = 11;
    for (const auto* s : methods) w = std::max(w, s->at("method").as_string().size() + 1);
    out += fmt::format("\n{} — BLEU ({}; mean over seeds ± 95% interval), languages by training size\n", k,
                       settings.at("split").as_string().c_str());
    out += fmt::format("{:<12} {:>9} ", "language", "pairs");
    for (const auto* s : methods) {
      out += fmt::format(" {:>{}}", s->at("method").as_string().c_str(), w);
      seeds_max = std::max<int64_t>(seeds_max, s->at("seeds").as_array().size());
    }
    out += "\n";
    auto cell = [&](const json::object* s, const json::object& stats, const json::object* cmp) {
      std::string text = mean_pm(stats);
      if (cmp && cmp->at("significant").as_bool()) text += cmp->at("delta_bleu").to_number<double>() > 0 ? "+" : "-";
      else if (cmp) text += " ";
      else if (s->at("method").as_string() == baseline) text += " ";
      return fmt::format(" {:>{}}", text, w);
    };
    for (const auto& [code, size] : langs) {
      out += fmt::format("{:<12} {:>9} ", code, size);
      for (const auto* s : methods) {
        const auto* l = s->at("languages").as_object().if_contains(code);
        const json::object* c = nullptr;
        if (auto it = comparisons[k].find(std::string(s->at("method").as_string())); it != comparisons[k].end())
          if (const auto* lc = it->second->at("languages").as_object().if_contains(code)) c = &lc->as_object();
        out += l ? cell(s, l->as_object(), c) : fmt::format(" {:>{}}", "-", w);
      }
      out += "\n";
    }
    for (const char* g : {"all", "high", "low"}) {
      out += fmt::format("{:<12} {:>9} ", std::string(g) == "all" ? "mean" : std::string(g) + "-resource", "");
      for (const auto* s : methods) {
        const json::object* c = nullptr;
        if (auto it = comparisons[k].find(std::string(s->at("method").as_string())); it != comparisons[k].end())
          c = &it->second->at("groups").at(g).as_object();
        out += cell(s, s->at("groups").at(g).as_object(), c);
      }
      out += "\n";
    }
    out += fmt::format("{:<12} {:>9} ", "wins/ties/losses", "");
    for (const auto* s : methods) {
      std::string text = "baseline ";
      if (auto it = comparisons[k].find(std::string(s->at("method").as_string())); it != comparisons[k].end())
        text = fmt::format("{}/{}/{} ", it->second->at("wins").to_number<int64_t>(), it->second->at("ties").to_number<int64_t>(),
                           it->second->at("losses").to_number<int64_t>());
      out += fmt::format(" {:>{}}", text, w);
    }
    out += "\n";
  }
  if (!blocks.empty())
    out += fmt::format(
        "\n+/-: significantly better/worse than the baseline ({}) at p ≤ {} (paired bootstrap, {} resamples{}); "
        "± is 1.96 standard errors (the spread over seeds and the test set's bootstrap variance)\n",
        baseline, settings.at("alpha").to_number<double>(), settings.at("bootstrap_resamples").to_number<int64_t>(),
        seeds_max > 1 ? ", the same resamples for every seed, seed-averaged scores" : "");

  std::vector<std::string> failures, stale;
  for (const auto& cv : report.at("cells").as_array()) {
    const auto& c = cv.as_object();
    const std::string id = fmt::format("{}/{}/{}/seed{}", c.at("dataset").as_string().c_str(), c.at("imbalance").as_string().c_str(),
                                       c.at("method").as_string().c_str(), c.at("seed").to_number<int64_t>());
    if (const auto* why = c.if_contains("stale"))
      stale.push_back(fmt::format("{}: {}", id, fmt::join(json::value_to<std::vector<std::string>>(*why), "; ")));
    if (c.at("status") != "ok")
      failures.push_back(fmt::format("{}: {}", id, c.contains("reason") ? std::string(c.at("reason").as_string()) : "failed"));
  }
  if (!stale.empty()) {
    out += "\nstale cells (kept with --keep-stale; their results no longer answer the suite):\n";
    for (const auto& f : stale) out += "  " + f + "\n";
  }
  if (!failures.empty()) {
    out += "\nfailed cells:\n";
    for (const auto& f : failures) out += "  " + f + "\n";
  }
  return out;
}

}  // namespace longtail::reports

#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/version.h"
#include "harness/records/cell_result.h"

namespace longtail::reports {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

// The per-cell entry of report.json (schema in docs/report-schema.md).
json::object cell_entry(const records::CellResult& r, const std::string& file) {
  json::object cell{{"dataset", r.dataset}, {"imbalance", r.imbalance}, {"method", r.method},
                    {"seed", r.seed}, {"status", r.ok ? "ok" : "failed"}};
  if (!r.ok) cell["reason"] = r.reason;
  if (!r.stale.empty()) cell["stale"] = json::value_from(r.stale);
  json::object langs;
  if (r.ok) {
    if (!r.config) throw ConfigError(file + ": $", "missing key \"config\" (the cell's configuration names its resource groups)");
    std::vector<std::string> high = r.config->high_resource_languages();
    std::set<std::string> high_set(high.begin(), high.end());
    std::vector<double> all, hrl, lrl;
    for (const auto& [code, l] : r.languages) {
      const bool is_high = high_set.count(code) > 0;
      langs[code] = json::object{{"bleu", l.bleu}, {"chrf", l.chrf},
                                 {"dev_loss", l.dev_loss ? json::value(*l.dev_loss) : json::value(nullptr)},
                                 {"train_pairs", l.train_pairs}, {"natural_pairs", l.natural_pairs},
                                 {"group", is_high ? "high" : "low"}};
      all.push_back(l.bleu);
      (is_high ? hrl : lrl).push_back(l.bleu);
    }
    cell["mean_bleu"] = mean(all);
    cell["high_bleu"] = mean(hrl);
    cell["low_bleu"] = mean(lrl);
  }
  cell["languages"] = langs;
  if (const auto& t = r.training) {
    cell["device"] = t->device;
    cell["torch_version"] = t->torch_version;
    cell["precision"] = t->precision;
    cell["steps"] = t->steps;
    cell["tokens_per_s"] = t->tokens_per_s;
  }
  cell["wall_time_s"] = r.wall_time_s;
  cell["corpus_fingerprint"] = r.corpus_fingerprint;
  cell["git_commit"] = r.git_commit;
  return cell;
}

}  // namespace

json::object build_report(const std::string& run_dir) {
  if (!fs::exists(run_dir)) throw ConfigError(run_dir, "no such directory; run the suite first");
  std::vector<std::string> files;
  if (fs::is_directory(run_dir))
    for (const auto& e : fs::recursive_directory_iterator(run_dir))
      if (e.path().filename() == "result.json") files.push_back(e.path().string());
  if (files.empty()) throw ConfigError(run_dir, "no result.json below this directory; run the suite first");
  std::sort(files.begin(), files.end());

  // Suite order (the grid index each cell records), then path for results without one.
  struct Loaded {
    int64_t index;
    std::string file;
    records::CellResult result;
  };
  std::vector<Loaded> results;
  for (const auto& f : files) {
    records::CellResult r = records::read_cell_result(f);
    results.push_back({r.grid_index().value_or(std::numeric_limits<int64_t>::max()), f, std::move(r)});
  }
  std::stable_sort(results.begin(), results.end(), [](const auto& a, const auto& b) { return a.index < b.index; });

  json::array cells;
  std::set<std::string> fingerprints, commits, devices, torch_versions, suites;
  json::value scorer = nullptr;
  double wall = 0;
  for (const auto& [index, file, r] : results) {
    cells.push_back(cell_entry(r, file));
    fingerprints.insert(r.corpus_fingerprint);
    commits.insert(r.git_commit);
    if (r.training) devices.insert(r.training->device), torch_versions.insert(r.training->torch_version);
    if (r.ok && scorer.is_null()) scorer = r.scorer;
    if (r.config) suites.insert(r.config->cell.suite);
    wall += r.wall_time_s;
  }
  auto list = [](const std::set<std::string>& s) { return json::value_from(std::vector<std::string>(s.begin(), s.end())); };
  return json::object{{"schema", "longtail-report-v1"},
                      {"suite", suites.size() == 1 ? json::value(*suites.begin()) : list(suites)},
                      {"run_dir", fs::absolute(run_dir).string()},
                      {"generated_by", fmt::format("longtail {} ({})", longtail_version(), git_commit())},
                      {"scorer", scorer},
                      {"corpus_fingerprints", list(fingerprints)},
                      {"git_commits", list(commits)},
                      {"torch_versions", list(torch_versions)},
                      {"devices", list(devices)},
                      {"wall_time_s", wall},
                      {"cells", cells}};
}

void write_report(const std::string& run_dir, const json::object& report) {
  write_json_file(run_dir + "/report.json", report);
}

std::string format_table(const json::object& report) {
  // dataset -> column (imbalance/method) -> language -> BLEU per seed
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::map<std::string, std::map<std::string, std::vector<double>>>> bleu;
  std::map<std::string, std::map<std::string, int64_t>> natural;
  std::map<std::string, std::map<std::string, std::string>> group;
  std::vector<std::string> failures, stale;
  for (const auto& cv : report.at("cells").as_array()) {
    const auto& c = cv.as_object();
    std::string ds(c.at("dataset").as_string());
    std::string col = fmt::format("{}/{}", c.at("imbalance").as_string(), c.at("method").as_string());
    if (const auto* why = c.if_contains("stale"))
      stale.push_back(fmt::format("{}/{}/seed{}: {}", ds, col, c.at("seed").to_number<int64_t>(),
                                  fmt::join(json::value_to<std::vector<std::string>>(*why), "; ")));
    if (c.at("status") != "ok") {
      failures.push_back(fmt::format("{}/{}/seed{}: {}", ds, col, c.at("seed").to_number<int64_t>(),
                                     c.contains("reason") ? std::string(c.at("reason").as_string()) : "failed"));
      continue;
    }
    auto& cols = columns[ds];
    if (std::find(cols.begin(), cols.end(), col) == cols.end()) cols.push_back(col);
    for (const auto& lv : c.at("languages").as_object()) {
      std::string lang(lv.key());
      bleu[ds][col][lang].push_back(lv.value().at("bleu").to_number<double>());
      natural[ds][lang] = lv.value().at("natural_pairs").to_number<int64_t>();
      group[ds][lang] = std::string(lv.value().at("group").as_string());
    }
  }
  std::string out;
  for (const auto& [ds, cols] : columns) {
    std::vector<std::string> langs;
    for (const auto& kv : natural[ds]) langs.push_back(kv.first);
    std::stable_sort(langs.begin(), langs.end(), [&](const auto& a, const auto& b) { return natural[ds][a] > natural[ds][b]; });
    size_t w = 7;
    for (const auto& c : cols) w = std::max(w, c.size());
    out += fmt::format("\n{} — BLEU (test; mean over seeds), languages by training size\n", ds);
    out += fmt::format("{:<12} {:>9} ", "language", "pairs");
    for (const auto& c : cols) out += fmt::format(" {:>{}}", c, w);
    out += "\n";
    auto cell_mean = [&](const std::string& col, const std::string& lang) {
      auto it = bleu[ds][col].find(lang);
      return it == bleu[ds][col].end() ? -1.0 : mean(it->second);
    };
    for (const auto& l : langs) {
      out += fmt::format("{:<12} {:>9} ", l, natural[ds][l]);
      for (const auto& c : cols) {
        double b = cell_mean(c, l);
        out += b < 0 ? fmt::format(" {:>{}}", "-", w) : fmt::format(" {:>{}.2f}", b, w);
      }
      out += "\n";
    }
    for (const char* which : {"mean", "high", "low"}) {
      out += fmt::format("{:<12} {:>9} ", std::string(which) + (std::string(which) == "mean" ? "" : "-resource"), "");
      for (const auto& c : cols) {
        std::vector<double> v;
        for (const auto& l : langs)
          if (std::string(which) == "mean" || group[ds][l] == which) {
            double b = cell_mean(c, l);
            if (b >= 0) v.push_back(b);
          }
        out += fmt::format(" {:>{}.2f}", mean(v), w);
      }
      out += "\n";
    }
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

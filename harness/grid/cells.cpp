#include "harness/grid/cells.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/grid/collect.h"
#include "harness/grid/completeness.h"
#include "harness/grid/executor.h"

namespace longtail::grid {

namespace fs = std::filesystem;

std::optional<records::CellResult> ok_result(const std::string& cell_dir) {
  const std::string path = cell_dir + "/result.json";
  if (!file_exists(path)) return std::nullopt;
  try {
    records::CellResult r = records::read_cell_result(path);
    if (r.ok) return r;
  } catch (const std::exception& e) {
    spdlog::warn("{}: {}; the cell runs again", path, e.what());
  }
  return std::nullopt;
}

records::CellConfig planned_config(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out) {
  records::CellConfig config = cell_config(suite, c, p);
  if (!config.stage.init_from.empty()) {
    const std::string model = out + "/" + config.stage.init_from + "/model.bin";
    config.stage.init_sha256 = file_exists(model) ? sha256_file_hex(model) : "";
  }
  return config;
}

void clear_cell(const std::string& dir) {
  for (const char* stale : {"ckpt", "metrics.jsonl", "hyp_ids", "hyps", "cell.json", "result.json", "model.bin"})
    fs::remove_all(dir + "/" + stale);
}

void write_config(const records::CellConfig& config, const std::string& dir) {
  const std::string path = dir + "/config.json";
  const boost::json::value now = to_json(config);
  bool changed = false;
  if (file_exists(path)) {
    try {
      changed = to_json(records::read_cell_config(path)) != now;
    } catch (const std::exception&) {
      changed = true;  // unreadable: start over too
    }
  }
  if (changed) {
    spdlog::warn("{}: configuration changed since the last attempt; starting the cell over", config.cell.id);
    clear_cell(dir);
  }
  write_json_file(path, now);
}

Reuse reuse_result(const Suite& suite, const PlannedCell& c, const PreparedData& p, const std::string& out,
                   const SuiteRunOptions& opt, records::CellResult& r) {
  const std::string dir = out + "/" + c.id();
  const auto reasons = stale_reasons(r, planned_config(suite, c, p, out), current_provenance(p), opt.allow_other_version);
  if (reasons.empty() || opt.keep_stale) {
    if (r.stale != reasons) {  // mark (or unmark) what no longer answers the suite
      r.stale = reasons;
      records::write_cell_result(dir + "/result.json", r);
    }
    if (reasons.empty()) return Reuse::complete;
    spdlog::warn("{}: kept although stale (--keep-stale): {}", c.id(), fmt::join(reasons, "; "));
    return Reuse::kept_stale;
  }
  spdlog::warn("{}: its result no longer answers the suite ({}); running it again", c.id(), fmt::join(reasons, "; "));
  clear_cell(dir);
  return Reuse::run_again;
}

std::string previous_stage_missing(const records::CellConfig& config, const std::string& out) {
  if (config.stage.init_from.empty()) return "";
  if (ok_result(out + "/" + config.stage.init_from) && !config.stage.init_sha256.empty()) return "";
  return fmt::format("its previous stage {} did not finish successfully (no result or no model.bin)", config.stage.init_from);
}

records::CellResult not_launched(const records::CellConfig& config, const PreparedData& p, const std::string& dir,
                                 const std::string& reason, double wall_s) {
  records::CellResult failed = collect_result(config, p, dir, ProcessResult{}, false);
  failed.ok = false;
  failed.reason = reason;
  failed.languages.clear();
  failed.wall_time_s = wall_s;
  return failed;
}

}  // namespace longtail::grid

#include "harness/grid/executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "eval/scorer/scorer.h"
#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/common/progress.h"
#include "harness/common/version.h"
#include "harness/grid/datasets.h"
#include "harness/grid/planner.h"
#include "harness/grid/process.h"
#include "reports/report.h"

namespace longtail::grid {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string tool(const std::string& name) { return self_dir() + "/" + name; }

// The vocabulary and shards of one dataset, cached by everything that determines them.
struct Prepared {
  PreparedDataset data;
  std::string vocab_dir, shard_dir;
  std::map<std::string, std::map<std::string, int64_t>> sizes;  // by imbalance label
};

std::string prepare_vocab(const Suite& suite, const PreparedDataset& d, const std::string& log_dir) {
  json::object key{{"corpus", d.corpus.fingerprint},
                   {"languages", json::value_from(d.languages)},
                   {"vocab", suite.vocab},
                   {"format", "vocab-v1"}};
  std::string dir = fmt::format("{}/vocab/{}", cache_dir(), sha256_hex(json::serialize(key)).substr(0, 16));
  if (file_exists(dir + "/vocab.json") && file_exists(dir + "/shards/complete")) return dir;
  // Built under a temporary name and renamed, so a crash never leaves a half-built vocabulary.
  std::string tmp = fmt::format("{}.tmp.{}", dir, ::getpid());
  fs::remove_all(tmp);
  make_dirs(tmp);
  std::string langs = fmt::format("{}", fmt::join(d.languages, ","));
  std::vector<std::string> train = {tool("longtail-text"), "train-vocab", "--corpus", d.corpus.dir, "--options",
                                    json::serialize(suite.vocab), "--out", tmp, "--langs"};
  train.insert(train.end(), d.languages.begin(), d.languages.end());
  spdlog::info("vocabulary for {} ({} languages): {}", d.corpus.name, d.languages.size(), dir);
  auto r = run_process(train, log_dir + "/prepare.log", true);
  if (!r.ok()) throw std::runtime_error(fmt::format("vocabulary training failed ({}); see {}/prepare.log", r.describe(), log_dir));
  std::vector<std::string> encode = {tool("longtail-text"), "encode", "--corpus", d.corpus.dir, "--vocab", tmp,
                                     "--out", tmp + "/shards", "--langs"};
  encode.insert(encode.end(), d.languages.begin(), d.languages.end());
  r = run_process(encode, log_dir + "/prepare.log", true);
  if (!r.ok()) throw std::runtime_error(fmt::format("encoding failed ({}); see {}/prepare.log", r.describe(), log_dir));
  write_file_atomic(tmp + "/shards/complete", key.at("corpus").as_string().c_str());
  write_json_file(tmp + "/key.json", key);
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp);  // another run finished the same vocabulary first
  return dir;
}

json::object cell_config(const Suite& suite, const Cell& c, const Prepared& p, const std::map<std::string, int64_t>& sizes) {
  json::object train_pairs, natural;
  for (const auto& l : p.data.languages) {
    train_pairs[l] = sizes.at(l);
    natural[l] = p.data.natural.at(l);
  }
  return json::object{
      {"cell", {{"suite", suite.name}, {"dataset", c.dataset->label}, {"imbalance", c.imbalance->label},
                {"method", c.method->label}, {"seed", c.seed}, {"id", c.id()}, {"grid_index", c.index}}},
      {"method", {{"name", c.method->name}, {"params", c.method->params}}},
      {"imbalance", c.imbalance->params},
      {"model", model::to_json(suite.model)},
      {"train", suite.train},
      {"eval", suite.eval},
      {"groups", suite.groups},
      {"data",
       {{"source", c.dataset->source}, {"direction", c.dataset->direction},
        {"languages", json::value_from(p.data.languages)}, {"train_pairs", train_pairs}, {"natural_pairs", natural},
        {"subsample_seed", c.seed}, {"corpus", p.data.corpus.dir}, {"shards", fs::absolute(p.shard_dir).string()},
        {"vocab", fs::absolute(p.vocab_dir + "/vocab.json").string()},
        {"corpus_fingerprint", p.data.corpus.fingerprint}}},
  };
}

bool result_ok(const std::string& cell_dir) {
  std::string path = cell_dir + "/result.json";
  if (!file_exists(path)) return false;
  try {
    auto v = read_json_file(path);
    return v.as_object().at("status") == "ok";
  } catch (const std::exception&) {
    return false;
  }
}

std::string failure_reason(const std::string& cell_dir, const ProcessResult& r) {
  try {
    auto v = read_json_file(cell_dir + "/cell.json").as_object();
    if (const auto* reason = v.if_contains("reason"); reason && reason->is_string() && !reason->as_string().empty())
      return std::string(reason->as_string());
  } catch (const std::exception&) {
  }
  return "longtail-cell " + r.describe();
}

json::object provenance(const Prepared& p) {
  return json::object{{"longtail_version", longtail_version()},
                      {"git_commit", git_commit()},
                      {"corpus_fingerprint", p.data.corpus.fingerprint},
                      {"vocab_sha256", read_json_file(p.vocab_dir + "/vocab.json").as_object().at("sha256")}};
}

// Scores every decoded language and split; returns the "languages" object of result.json.
json::object score_cell(const json::object& config, const json::object& cell, const std::string& dir,
                        const Prepared& p, json::object& scorer_info) {
  const auto& data = config.at("data").as_object();
  bool to_english = data.at("direction") == "x-en";
  int64_t max_pairs = config.at("eval").at("max_pairs").to_number<int64_t>();
  const json::object* dev_loss = cell.contains("dev_loss") ? &cell.at("dev_loss").as_object() : nullptr;
  json::object languages;
  for (const auto& lv : data.at("languages").as_array()) {
    std::string lang(lv.as_string());
    json::object entry{{"train_pairs", data.at("train_pairs").at(lang)},
                       {"natural_pairs", data.at("natural_pairs").at(lang)}};
    entry["dev_loss"] = dev_loss && dev_loss->contains(lang) ? dev_loss->at(lang) : json::value(nullptr);
    for (const auto& sv : config.at("eval").at("splits").as_array()) {
      std::string split(sv.as_string());
      data::Split s = split == "dev" ? data::Split::Dev : data::Split::Test;
      auto pairs = data::read_pairs(p.data.corpus, lang, s);
      if (max_pairs > 0 && static_cast<int64_t>(pairs.size()) > max_pairs) pairs.resize(max_pairs);
      std::vector<std::string> refs;
      for (const auto& pr : pairs) refs.push_back(to_english ? pr.en : pr.xx);
      auto hyps = read_lines(fmt::format("{}/hyps/{}.{}.txt", dir, lang, split));
      auto scores = eval::score_corpus(hyps, refs);
      json::object sc{{"bleu", scores.bleu}, {"chrf", scores.chrf}, {"segments", refs.size()}};
      scorer_info = json::object{{"bleu", scores.bleu_signature}, {"chrf", scores.chrf_signature}};
      entry[split] = sc;
    }
    // The headline numbers: test when it was scored, else the first split.
    const auto& first = config.at("eval").at("splits").as_array();
    std::string headline = entry.contains("test") ? "test" : std::string(first.at(0).as_string());
    entry["bleu"] = entry.at(headline).at("bleu");
    entry["chrf"] = entry.at(headline).at("chrf");
    languages[lang] = entry;
  }
  return languages;
}

// Runs one cell to completion; returns true when it succeeded.
bool run_cell(const Suite& suite, const Cell& c, const Prepared& p, const std::string& dir, bool echo) {
  auto t0 = Clock::now();
  make_dirs(dir);
  json::object config = cell_config(suite, c, p, p.sizes.at(c.imbalance->label));
  // A changed configuration invalidates a partial run: start over instead of resuming.
  std::string config_path = dir + "/config.json";
  if (file_exists(config_path) && read_json_file(config_path) != json::value(config)) {
    spdlog::warn("{}: configuration changed since the last attempt; starting the cell over", c.id());
    for (const char* stale : {"ckpt", "metrics.jsonl", "hyp_ids", "hyps", "cell.json", "result.json"})
      fs::remove_all(dir + "/" + stale);
  }
  write_json_file(config_path, config);
  bool resume = file_exists(dir + "/ckpt/checkpoint.bin");
  std::vector<std::string> argv = {tool("longtail-cell"), dir};
  if (resume) argv.push_back("--resume");
  auto r = run_process(argv, dir + "/log.txt", echo);

  json::object result{{"dataset", c.dataset->label}, {"imbalance", c.imbalance->label}, {"method", c.method->label},
                      {"method_name", c.method->name}, {"method_params", c.method->params}, {"seed", c.seed},
                      {"direction", c.dataset->direction}};
  for (const auto& kv : provenance(p)) result[kv.key()] = kv.value();
  try {
    if (!r.ok()) throw std::runtime_error(failure_reason(dir, r));
    auto d = run_process({tool("longtail-text"), "decode-dir", "--vocab", p.vocab_dir, "--in", dir + "/hyp_ids",
                          "--out", dir + "/hyps"},
                         dir + "/log.txt", echo);
    if (!d.ok()) throw std::runtime_error("detokenisation failed: longtail-text " + d.describe());
    json::object cell = read_json_file(dir + "/cell.json").as_object();
    json::object scorer;
    result["languages"] = score_cell(config, cell, dir, p, scorer);
    result["scorer"] = scorer;
    for (const char* key : {"device", "torch_version", "precision", "steps", "tokens_per_s", "train_wall_s", "groups", "diagnostics"})
      if (cell.contains(key)) result[key] = cell.at(key);
    result["status"] = "ok";
  } catch (const std::exception& e) {
    result["status"] = "failed";
    result["reason"] = e.what();
    spdlog::error("{}: failed: {}", c.id(), e.what());
  }
  result["wall_time_s"] = seconds_since(t0);
  result["config"] = config;
  write_json_file(dir + "/result.json", result);
  return result.at("status") == "ok";
}

}  // namespace

int run_suite(const Suite& suite, const RunOptions& opt) {
  std::string out = opt.out_dir.empty() ? default_run_dir(suite) : opt.out_dir;
  auto cells = filter_cells(plan_cells(suite), opt.only);
  if (cells.empty()) throw ConfigError("--only", "no cell of the suite matches the filters");

  if (opt.dry_run) {
    fmt::print("suite {} ({}): {} cells -> {}\n", suite.name, suite.file, cells.size(), out);
    for (const auto& c : cells)
      fmt::print("  {:<60} {}\n", c.id(), result_ok(out + "/" + c.id()) ? "complete" : "pending");
    return 0;
  }

  make_dirs(out);
  std::map<std::string, Prepared> prepared;  // by dataset label
  for (const auto& c : cells) {
    if (prepared.count(c.dataset->label)) continue;
    Prepared p;
    p.data = prepare_dataset(*c.dataset, suite.file);
    // Once per profile: bad profiles fail before training, clipping warnings print once.
    for (const auto& im : suite.imbalances) p.sizes[im.label] = profile_sizes(im, p.data);
    p.vocab_dir = prepare_vocab(suite, p.data, out);
    p.shard_dir = p.vocab_dir + "/shards";
    prepared.emplace(c.dataset->label, std::move(p));
  }

  int64_t done = 0, failed = 0, skipped = 0;
  Progress progress("grid " + suite.name, static_cast<int64_t>(cells.size()), "cells");
  for (const auto& c : cells) {
    std::string dir = out + "/" + c.id();
    if (result_ok(dir)) {
      ++skipped;
      progress.update(++done, c.id() + " (complete)");
      continue;
    }
    spdlog::info("cell {} -> {}", c.id(), dir);
    if (!run_cell(suite, c, prepared.at(c.dataset->label), dir, opt.echo)) ++failed;
    progress.update(++done, c.id());
  }
  progress.finish(fmt::format("{} run, {} already complete, {} failed", cells.size() - skipped, skipped, failed));

  json::object report = reports::build_report(out);
  reports::write_report(out, report);
  fmt::print("{}", reports::format_table(report));
  fmt::print("report: {}/report.json\n", out);
  return failed ? 1 : 0;
}

}  // namespace longtail::grid

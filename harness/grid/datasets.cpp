#include "harness/grid/datasets.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include <unistd.h>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/grid/process.h"
#include "harness/data/corpus_store.h"
#include "harness/data/gettext_corpus.h"
#include "harness/data/imbalance.h"
#include "harness/data/readers.h"
#include "harness/data/shard.h"
#include "harness/data/split.h"

namespace longtail::grid {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Imported corpora are cached by everything that determines them.
std::string import_dir(const DatasetSpec& ds) {
  json::object key{{"source", ds.source},
                   {"path", fs::absolute(ds.path).lexically_normal().string()},
                   {"languages", json::value_from(ds.languages)},
                   {"corpus", ds.corpus},
                   {"format", "import-v1"}};
  return fmt::format("{}/import-{}-{}", data::corpora_root(), ds.label, sha256_hex(json::serialize(key)).substr(0, 16));
}

data::GettextBuildOptions gettext_options(const DatasetSpec& ds) {
  Options corpus_opts(ds.corpus, ds.json_path + ".corpus");
  data::GettextBuildOptions opt;
  opt.split = data::split_options_from(corpus_opts);
  opt.normalize = data::normalize_options_from(corpus_opts);
  return opt;
}

data::CorpusInfo build_or_import(const DatasetSpec& ds) {
  Options corpus_opts(ds.corpus, ds.json_path + ".corpus");
  data::SplitOptions split = data::split_options_from(corpus_opts);
  if (ds.source == "gettext") return data::build_gettext_corpus(gettext_options(ds));
  std::string dir = import_dir(ds);
  if (file_exists(dir + "/manifest.json")) return data::load_corpus(dir);
  if (!fs::exists(ds.path))
    throw ConfigError(ds.json_path + ".path", fmt::format("the {} data is not at \"{}\" (set the path or the variable it names)", ds.source, ds.path));
  spdlog::info("importing {} data from {}", ds.source, ds.path);
  if (ds.source == "catalogs")
    return data::build_corpus_from_dir(ds.path, ds.label, split, data::normalize_options_from(corpus_opts), dir);
  data::ImportResult imported = ds.source == "ted"       ? data::read_ted(ds.path, ds.languages)
                                : ds.source == "opus100" ? data::read_opus100(ds.path, ds.languages)
                                                         : data::read_plain(ds.path, ds.languages);
  if (!imported.missing_held_out.empty()) data::resplit(imported, split);
  return data::write_import(imported, ds.label, dir);
}

}  // namespace

namespace {

// The training languages of `ds` in `corpus` (the listed ones, else all by size, capped at
// max_languages) with their natural sizes; a listed language the corpus lacks is a ConfigError
// naming the suite file and JSON path.
PreparedDataset select_languages(const DatasetSpec& ds, data::CorpusInfo corpus, const std::string& suite_file) {
  PreparedDataset d;
  d.corpus = std::move(corpus);
  for (const auto& [lang, counts] : d.corpus.languages) d.natural[lang] = counts.train;
  if (!ds.languages.empty()) {
    for (size_t i = 0; i < ds.languages.size(); ++i) {
      const std::string& l = ds.languages[i];
      if (!d.natural.count(l)) {
        std::vector<std::string> have;
        for (const auto& kv : d.natural) have.push_back(kv.first);
        throw ConfigError(suite_file, fmt::format("{}.languages[{}]: language \"{}\" is not in corpus {} ({}); it has: {}",
                                                  ds.json_path, i, l, d.corpus.name, d.corpus.dir, fmt::join(have, " ")));
      }
      d.languages.push_back(l);
    }
  } else {
    for (const auto& kv : d.natural) d.languages.push_back(kv.first);
    std::stable_sort(d.languages.begin(), d.languages.end(),
                     [&](const auto& a, const auto& b) { return d.natural[a] > d.natural[b]; });
  }
  if (ds.max_languages > 0 && static_cast<int64_t>(d.languages.size()) > ds.max_languages) {
    std::stable_sort(d.languages.begin(), d.languages.end(),
                     [&](const auto& a, const auto& b) { return d.natural[a] > d.natural[b]; });
    d.languages.resize(ds.max_languages);
  }
  std::map<std::string, int64_t> kept;
  for (const auto& l : d.languages) kept[l] = d.natural[l];
  d.natural = std::move(kept);
  return d;
}

}  // namespace

PreparedDataset prepare_dataset(const DatasetSpec& ds, const std::string& suite_file) {
  data::CorpusInfo corpus;
  try {
    corpus = build_or_import(ds);
  } catch (const ConfigError& e) {
    throw ConfigError(suite_file, ds.json_path + ": " + e.what());
  }
  return select_languages(ds, std::move(corpus), suite_file);
}

std::optional<PreparedDataset> check_built_dataset(const DatasetSpec& ds, const std::string& suite_file) {
  std::optional<data::CorpusInfo> corpus;
  if (ds.source == "gettext") {
    corpus = data::cached_gettext_corpus(gettext_options(ds));
  } else {
    // This very import, or one of all the languages of the same data (a superset of any list).
    DatasetSpec all = ds;
    all.languages.clear();
    for (const std::string& dir : {import_dir(ds), import_dir(all)})
      if (file_exists(dir + "/manifest.json")) {
        corpus = data::load_corpus(dir);
        break;
      }
  }
  if (!corpus) return std::nullopt;
  return select_languages(ds, std::move(*corpus), suite_file);
}

std::map<std::string, int64_t> profile_sizes(const ImbalanceSpec& im, const PreparedDataset& d) {
  auto spec = data::imbalance_from_options(Options(im.params, im.json_path));
  auto plan = data::plan_imbalance(spec, d.natural);
  for (const auto& [lang, c] : plan.clipped)
    spdlog::warn("{}: {} asks for {} pairs of {} but the corpus has {}", im.json_path, im.label, c.target, lang, c.natural);
  return plan.sizes;
}

namespace {

std::string tool(const std::string& name) { return self_dir() + "/" + name; }

// ": <message>" of the last error line longtail-text logged, or "" when there is none.
std::string last_error(const std::string& log_path) {
  std::string found;
  try {
    for (const auto& line : read_lines(log_path))
      if (const auto at = line.find("] [error] "); at != std::string::npos) found = line.substr(at + 10);
  } catch (const std::exception&) {
  }
  return found.empty() ? "" : ": " + found;
}

std::string prepare_vocab(const Suite& suite, const PreparedDataset& d, const std::string& log_dir) {
  json::object key{{"corpus", d.corpus.fingerprint},
                   {"languages", json::value_from(d.languages)},
                   {"vocab", suite.vocab},
                   {"format", "vocab-v2"}};
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
  if (!r.ok())
    throw std::runtime_error(fmt::format("{}: vocabulary training failed ({}){}; see {}/prepare.log", suite.file, r.describe(),
                                         last_error(log_dir + "/prepare.log"), log_dir));
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

}  // namespace

std::string shards_fingerprint(const std::string& shard_dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(shard_dir))
    if (e.path().extension() == ".bin") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  std::string listing;
  for (const auto& f : files) listing += fmt::format("{} {:08x}\n", f, data::shard_checksum(shard_dir + "/" + f));
  return sha256_hex(listing);
}

PreparedData prepare_data(const Suite& suite, const DatasetSpec& ds, const std::string& log_dir) {
  PreparedData p;
  p.data = prepare_dataset(ds, suite.file);
  // Once per profile: bad profiles fail before training, clipping warnings print once.
  for (const auto& im : suite.imbalances) p.sizes[im.label] = profile_sizes(im, p.data);
  p.vocab_dir = prepare_vocab(suite, p.data, log_dir);
  p.shard_dir = p.vocab_dir + "/shards";
  p.vocab_sha256 = std::string(read_json_file(p.vocab_dir + "/vocab.json").as_object().at("sha256").as_string());
  p.shards_fingerprint = shards_fingerprint(p.shard_dir);
  return p;
}

}  // namespace longtail::grid

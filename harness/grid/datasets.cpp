#include "harness/grid/datasets.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/data/corpus_store.h"
#include "harness/data/gettext_corpus.h"
#include "harness/data/imbalance.h"
#include "harness/data/readers.h"
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

data::CorpusInfo build_or_import(const DatasetSpec& ds) {
  Options corpus_opts(ds.corpus, ds.json_path + ".corpus");
  data::SplitOptions split = data::split_options_from(corpus_opts);
  if (ds.source == "gettext") {
    data::GettextBuildOptions opt;
    opt.split = split;
    opt.normalize = data::normalize_options_from(corpus_opts);
    return data::build_gettext_corpus(opt);
  }
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

PreparedDataset prepare_dataset(const DatasetSpec& ds, const std::string& suite_file) {
  PreparedDataset d;
  try {
    d.corpus = build_or_import(ds);
  } catch (const ConfigError& e) {
    throw ConfigError(suite_file, ds.json_path + ": " + e.what());
  }
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

std::map<std::string, int64_t> profile_sizes(const ImbalanceSpec& im, const PreparedDataset& d) {
  auto spec = data::imbalance_from_options(Options(im.params, im.json_path));
  auto plan = data::plan_imbalance(spec, d.natural);
  for (const auto& [lang, c] : plan.clipped)
    spdlog::warn("{}: {} asks for {} pairs of {} but the corpus has {}", im.json_path, im.label, c.target, lang, c.natural);
  return plan.sizes;
}

}  // namespace longtail::grid

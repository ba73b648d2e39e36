#include "harness/data/corpus.h"

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/data/corpus_store.h"

namespace longtail::data {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int kCorpusFormat = 1;
constexpr Split kSplits[] = {Split::Train, Split::Dev, Split::Test};

std::string manifest_path(const std::string& dir) { return dir + "/manifest.json"; }

int64_t count_field(const json::object& counts, const char* key, const std::string& where) {
  const json::value* v = counts.if_contains(key);
  if (!v || !v->is_int64() || v->as_int64() < 0)
    throw ConfigError(where, fmt::format("\"{}\" must be a count (a non-negative integer)", key));
  return v->as_int64();
}

const std::vector<Pair>& pairs_of(const SplitPairs& sp, Split s) {
  return s == Split::Train ? sp.train : s == Split::Dev ? sp.dev : sp.test;
}

// Every line of the corpus files must be one non-empty segment.
void check_segment(const std::string& s, const std::string& lang, Split split, size_t index, const char* side) {
  const char* problem = s.empty()                               ? "is empty"
                        : s.find_first_of("\n\r\t") != std::string::npos ? "contains a tab or line break"
                                                                          : nullptr;
  if (problem)
    throw std::invalid_argument(fmt::format("corpus language {} {} pair {}: the {} side {} (normalise before writing)",
                                            lang, split_name(split), index, side, problem));
}

void write_side_files(const CorpusInfo& c, const std::string& lang, Split split, const std::vector<Pair>& pairs) {
  std::vector<std::string> en, xx;
  en.reserve(pairs.size());
  xx.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    check_segment(pairs[i].en, lang, split, i, "English");
    check_segment(pairs[i].xx, lang, split, i, lang.c_str());
    en.push_back(pairs[i].en);
    xx.push_back(pairs[i].xx);
  }
  write_lines_atomic(side_path(c, lang, split, true), en);
  write_lines_atomic(side_path(c, lang, split, false), xx);
}

// SHA-256 over a canonical serialisation: a format line, then per language (by name) and split
// (train, dev, test) a "lang\tsplit\tcount" line followed by "en\txx" lines.
std::string corpus_fingerprint(const std::map<std::string, SplitPairs>& langs) {
  Sha256 h;
  h.update("longtail-corpus-v1\n");
  for (const auto& [lang, sp] : langs) {
    for (Split s : kSplits) {
      const std::vector<Pair>& pairs = pairs_of(sp, s);
      h.update(fmt::format("{}\t{}\t{}\n", lang, split_name(s), pairs.size()));
      for (const Pair& p : pairs) {
        h.update(p.en);
        h.update("\t");
        h.update(p.xx);
        h.update("\n");
      }
    }
  }
  return h.hex();
}

// Language directories of a previous corpus in `dir` that the new one no longer has.
void remove_stale_languages(const std::string& dir, const std::map<std::string, SplitPairs>& langs) {
  if (!file_exists(manifest_path(dir))) return;
  std::vector<std::string> stale;
  try {
    for (const auto& entry : load_corpus(dir).languages)
      if (!langs.count(entry.first)) stale.push_back(entry.first);
  } catch (const std::exception&) {
    return;  // an unreadable old manifest names nothing we could safely delete
  }
  fs::remove(manifest_path(dir));
  for (const std::string& lang : stale) fs::remove_all(fs::path(dir) / lang);
}

}  // namespace

const char* split_name(Split s) {
  switch (s) {
    case Split::Train: return "train";
    case Split::Dev: return "dev";
    case Split::Test: return "test";
  }
  return "?";
}

CorpusInfo load_corpus(const std::string& dir) {
  const std::string path = manifest_path(dir);
  if (!file_exists(path))
    throw ConfigError(dir, "not a built corpus: no manifest.json (an interrupted build leaves none; build it again)");
  const json::value doc = read_json_file(path);
  if (!doc.is_object()) throw ConfigError(path, "the manifest must be a JSON object");
  CorpusInfo c;
  c.manifest = doc.as_object();
  c.dir = fs::absolute(dir).lexically_normal().string();
  if (!c.dir.empty() && c.dir.back() == '/') c.dir.pop_back();
  for (const char* key : {"name", "fingerprint"}) {
    const json::value* v = c.manifest.if_contains(key);
    if (!v || !v->is_string()) throw ConfigError(path, fmt::format("\"{}\" must be a string", key));
  }
  c.name = std::string(c.manifest.at("name").as_string());
  c.fingerprint = std::string(c.manifest.at("fingerprint").as_string());
  const json::value* langs = c.manifest.if_contains("languages");
  if (!langs || !langs->is_object()) throw ConfigError(path, "\"languages\" must be an object");
  for (const auto& [lang, counts] : langs->as_object()) {
    const std::string where = fmt::format("{}: languages.{}", path, std::string(lang));
    if (!counts.is_object()) throw ConfigError(where, "must be an object {train, dev, test}");
    LanguageCounts lc;
    lc.train = count_field(counts.as_object(), "train", where);
    lc.dev = count_field(counts.as_object(), "dev", where);
    lc.test = count_field(counts.as_object(), "test", where);
    c.languages[std::string(lang)] = lc;
  }
  return c;
}

std::string side_path(const CorpusInfo& c, const std::string& lang, Split split, bool english) {
  return fmt::format("{}/{}/{}.{}", c.dir, lang, split_name(split), english ? "en" : lang);
}

std::vector<Pair> read_pairs(const CorpusInfo& c, const std::string& lang, Split split) {
  const auto it = c.languages.find(lang);
  if (it == c.languages.end()) {
    std::string have;
    for (const auto& entry : c.languages) have += (have.empty() ? "" : " ") + entry.first;
    throw ConfigError(c.dir, fmt::format("corpus \"{}\" has no language \"{}\" (it has: {})", c.name, lang, have));
  }
  const std::string en_path = side_path(c, lang, split, true), xx_path = side_path(c, lang, split, false);
  std::vector<std::string> en = read_lines(en_path), xx = read_lines(xx_path);
  const int64_t expected = split == Split::Train ? it->second.train : split == Split::Dev ? it->second.dev : it->second.test;
  if (en.size() != xx.size() || static_cast<int64_t>(en.size()) != expected)
    throw ConfigError(en_path, fmt::format("{} lines, {} has {}, the manifest says {}: the corpus is damaged, build it again",
                                           en.size(), xx_path, xx.size(), expected));
  std::vector<Pair> pairs(en.size());
  for (size_t i = 0; i < en.size(); ++i) pairs[i] = {std::move(en[i]), std::move(xx[i])};
  return pairs;
}

CorpusInfo write_corpus(const std::string& dir, const std::string& name,
                        const std::map<std::string, SplitPairs>& langs, json::object source) {
  for (const auto& entry : langs) check_path_component("language", entry.first);
  make_dirs(dir);
  remove_stale_languages(dir, langs);  // also removes the old manifest: the corpus is incomplete from here on
  CorpusInfo c;
  c.name = name;
  c.dir = fs::absolute(dir).lexically_normal().string();
  json::object languages;
  int64_t totals[3] = {0, 0, 0};
  for (const auto& [lang, sp] : langs) {
    make_dirs(c.dir + "/" + lang);
    json::object counts;
    for (Split s : kSplits) {
      const std::vector<Pair>& pairs = pairs_of(sp, s);
      write_side_files(c, lang, s, pairs);
      counts[split_name(s)] = static_cast<int64_t>(pairs.size());
      totals[static_cast<int>(s)] += static_cast<int64_t>(pairs.size());
    }
    languages[lang] = std::move(counts);
  }
  json::object manifest;
  manifest["format"] = kCorpusFormat;
  manifest["name"] = name;
  manifest["fingerprint"] = corpus_fingerprint(langs);
  manifest["totals"] = {{"languages", static_cast<int64_t>(langs.size())},
                        {"train", totals[0]}, {"dev", totals[1]}, {"test", totals[2]}};
  manifest["languages"] = std::move(languages);
  manifest["source"] = std::move(source);
  write_json_file(manifest_path(c.dir), manifest);  // last: its presence marks the corpus complete
  return load_corpus(c.dir);
}

// ---- corpus_store.h ----

std::string corpora_root(const std::string& cache) { return (cache.empty() ? cache_dir() : cache) + "/corpora"; }

std::string named_corpus_dir(const std::string& name, const std::string& cache) {
  check_path_component("corpus name", name);
  return corpora_root(cache) + "/" + name;
}

void write_corpus_pointer(const std::string& name, const std::string& dir, const std::string& cache) {
  check_path_component("corpus name", name);
  make_dirs(corpora_root(cache));
  // Relative to the pointer when the corpus sits under the same root, so the cache can be moved.
  const fs::path root = fs::absolute(corpora_root(cache)).lexically_normal();
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path relative = target.lexically_relative(root);
  const bool inside = !relative.empty() && *relative.begin() != "..";
  write_json_file(corpora_root(cache) + "/" + name + ".json",
                  json::object{{"dir", inside ? relative.string() : target.string()}});
}

CorpusInfo find_corpus(const std::string& dir_or_name, const std::string& cache) {
  std::vector<std::string> looked;
  looked.push_back(manifest_path(dir_or_name));
  if (file_exists(looked.back())) return load_corpus(dir_or_name);
  const bool plain_name = dir_or_name.find('/') == std::string::npos && dir_or_name != "." && dir_or_name != "..";
  if (plain_name && !dir_or_name.empty()) {
    const std::string named = corpora_root(cache) + "/" + dir_or_name;
    looked.push_back(manifest_path(named));
    if (file_exists(looked.back())) return load_corpus(named);
    const std::string pointer = corpora_root(cache) + "/" + dir_or_name + ".json";
    looked.push_back(pointer);
    if (file_exists(pointer)) {
      const json::value doc = read_json_file(pointer);
      const json::value* target = doc.is_object() ? doc.as_object().if_contains("dir") : nullptr;
      if (!target || !target->is_string()) throw ConfigError(pointer, "expected {\"dir\": \"<corpus directory>\"}");
      const fs::path dir(std::string(target->as_string()));  // relative: to the pointer's directory
      return load_corpus(dir.is_absolute() ? dir.string() : (fs::path(corpora_root(cache)) / dir).string());
    }
  }
  std::string list;
  for (const std::string& p : looked) list += "\n  " + p;
  throw ConfigError("corpus", fmt::format("no corpus \"{}\"; looked for:{}", dir_or_name, list));
}

void check_path_component(const std::string& what, const std::string& name) {
  const bool ok = !name.empty() && name != "." && name != ".." &&
                  name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@-") ==
                      std::string::npos;
  if (!ok) throw ConfigError(what, fmt::format("\"{}\" is not usable as a directory name (letters, digits, _ . @ -)", name));
}

}  // namespace longtail::data

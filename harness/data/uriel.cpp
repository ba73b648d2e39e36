#include "harness/data/uriel.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"

namespace longtail::data {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace json_fields;

namespace {
constexpr const char* kExportScript = "scripts/export-uriel.sh";

std::map<std::string, std::string> string_map(const json::object& o, const char* key, const std::string& where) {
  std::map<std::string, std::string> out;
  for (const auto& kv : need_object(o, key, where)) {
    const std::string name(kv.key());
    if (!kv.value().is_string()) throw ConfigError(where + "." + key + "." + name, "expected a string");
    out[name] = std::string(kv.value().get_string());
  }
  return out;
}
}  // namespace

UrielTable UrielTable::load(const std::string& path) {
  const json::value doc = read_json_file(path);
  const std::string root = path + ": $";
  const json::object& o = as_object(doc, root);
  UrielTable t;
  t.path_ = path;
  t.version_ = need_string(need_object(o, "source", root), "version", root + ".source");

  t.codes_ = need_strings(o, "codes", root);
  for (size_t i = 0; i < t.codes_.size(); ++i)
    if (!t.code_index_.emplace(t.codes_[i], i).second)
      throw ConfigError(fmt::format("{}.codes[{}]", root, i), fmt::format("\"{}\" appears twice", t.codes_[i]));

  t.languages_ = string_map(o, "languages", root);
  for (const auto& [lang, iso] : t.languages_)
    if (!t.code_index_.count(iso))
      throw ConfigError(root + ".languages." + lang, fmt::format("\"{}\" is not in $.codes", iso));
  if (o.contains("missing")) t.missing_ = string_map(o, "missing", root);

  const size_t n = t.codes_.size();
  const json::object& dist = need_object(o, "distances", root);
  if (dist.empty()) throw ConfigError(root + ".distances", "expected at least one distance kind");
  for (const auto& kv : dist) {
    const std::string kind(kv.key());
    const std::string where = root + ".distances." + kind;
    if (!kv.value().is_array()) throw ConfigError(where, "expected an array of rows (the lower triangle)");
    const json::array& rows = kv.value().get_array();
    if (rows.size() != n)
      throw ConfigError(where, fmt::format("expected {} rows (one per code), found {}", n, rows.size()));
    std::vector<double> lower;
    lower.reserve(n * (n - 1) / 2);
    for (size_t i = 0; i < n; ++i) {
      const std::string row_where = fmt::format("{}[{}]", where, i);
      if (!rows[i].is_array()) throw ConfigError(row_where, "expected an array of numbers");
      const json::array& row = rows[i].get_array();
      if (row.size() != i)
        throw ConfigError(row_where, fmt::format("expected {} entries (the distances to the codes before {}), found {}", i,
                                                 t.codes_[i], row.size()));
      for (size_t j = 0; j < i; ++j) {
        const double d = row[j].is_number() ? row[j].to_number<double>() : NAN;
        if (!(d >= 0.0 && d <= 1.0))  // also rejects NaN and non-numbers
          throw ConfigError(fmt::format("{}[{}]", row_where, j), "expected a distance in [0, 1]");
        lower.push_back(d);
      }
    }
    t.kinds_.push_back(kind);
    t.lower_[kind] = std::move(lower);
  }
  return t;
}

std::vector<std::string> UrielTable::kinds() const { return kinds_; }

std::vector<std::string> UrielTable::languages() const {
  std::vector<std::string> out;
  for (const auto& kv : languages_) out.push_back(kv.first);
  return out;
}

bool UrielTable::has(const std::string& lang) const {
  return languages_.count(lang) > 0 || (code_index_.count(lang) > 0 && !missing_.count(lang));
}

size_t UrielTable::index_of(const std::string& lang) const {
  if (auto it = languages_.find(lang); it != languages_.end()) return code_index_.at(it->second);
  if (auto it = code_index_.find(lang); it != code_index_.end() && !missing_.count(lang)) return it->second;
  if (auto it = missing_.find(lang); it != missing_.end())
    throw ConfigError(path_, fmt::format("no URIEL data for language \"{}\": {}", lang, it->second));
  throw ConfigError(path_, fmt::format("no URIEL data for language \"{}\": it was not exported (the file has {} "
                                       "languages); add it with `{} --languages <all the languages you need>`, "
                                       "mapping it to its ISO 639-3 code in scripts/export-uriel.py if needed",
                                       lang, languages_.size(), kExportScript));
}

std::string UrielTable::iso639_3(const std::string& lang) const { return codes_[index_of(lang)]; }

const std::vector<double>& UrielTable::matrix(const std::string& kind) const {
  auto it = lower_.find(kind);
  if (it != lower_.end()) return it->second;
  std::string known;
  for (const std::string& k : kinds_) known += (known.empty() ? "" : ", ") + k;
  throw ConfigError(path_, fmt::format("unknown URIEL distance kind \"{}\" (known: {})", kind, known));
}

double UrielTable::distance(const std::string& kind, const std::string& a, const std::string& b) const {
  const std::vector<double>& lower = matrix(kind);
  size_t i = index_of(a), j = index_of(b);
  if (i == j) return 0.0;
  if (i < j) std::swap(i, j);
  return lower[i * (i - 1) / 2 + j];  // rows 0..i-1 hold 0 + 1 + ... + (i-1) entries
}

std::string default_uriel_path() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LONGTAIL_URIEL"); env && *env) candidates.push_back(env);
  // The source tree's copy (LONGTAIL_URIEL_FILE, set by CMake: __FILE__ is relative under ccache's base_dir).
#ifdef LONGTAIL_URIEL_FILE
  candidates.push_back(LONGTAIL_URIEL_FILE);
#endif
  candidates.push_back("third_party/uriel/uriel-distances.json");
  for (const std::string& c : candidates)
    if (fs::is_regular_file(c)) return c;
  std::string looked;
  for (const std::string& c : candidates) looked += "\n  " + c;
  throw ConfigError("URIEL", "cannot find uriel-distances.json (set LONGTAIL_URIEL); looked for:" + looked);
}

UrielTable load_uriel(const std::string& path) { return UrielTable::load(path.empty() ? default_uriel_path() : path); }

}  // namespace longtail::data

#include "harness/records/cell_config.h"

#include <algorithm>

#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/train/train_options.h"

namespace longtail::records {

namespace json = boost::json;
using namespace json_fields;

std::vector<std::string> CellConfig::high_resource_languages() const {
  return data::high_resource(data.languages, data.natural_pairs, groups);
}

std::vector<bool> CellConfig::high_resource_flags() const {
  const auto high = high_resource_languages();
  std::vector<bool> flags;
  for (const auto& l : data.languages) flags.push_back(std::find(high.begin(), high.end(), l) != high.end());
  return flags;
}

std::vector<std::string> CellConfig::trained_languages() const {
  if (!stage.enabled) return data.languages;
  std::vector<std::string> out;
  for (const auto& l : data.languages)
    if (stage.train.count(l)) out.push_back(l);
  return out;
}

namespace {

json::object ranges_json(const std::vector<std::string>& order, const CellConfig::Ranges& r) {
  json::object o;
  for (const auto& l : order)
    if (auto it = r.find(l); it != r.end()) {
      json::array a;
      for (const auto& [b, e] : it->second) a.push_back(json::array{b, e});
      o[l] = std::move(a);
    }
  return o;
}

CellConfig::Ranges ranges_from_json(const json::object& parent, const char* key, const std::string& where,
                                    const std::vector<std::string>& languages) {
  CellConfig::Ranges out;
  const std::string w = where + "." + key;
  for (const auto& kv : need_object(parent, key, where)) {
    const std::string lang(kv.key());
    if (std::find(languages.begin(), languages.end(), lang) == languages.end())
      throw ConfigError(w + "." + lang, "not a language of data.languages");
    if (!kv.value().is_array()) throw ConfigError(w + "." + lang, "expected a list of [begin, end] pairs");
    for (const auto& r : kv.value().get_array()) {
      const auto* a = r.if_array();
      if (!a || a->size() != 2 || !(*a)[0].is_int64() || !(*a)[1].is_int64() || (*a)[0].get_int64() < 0 ||
          (*a)[1].get_int64() < (*a)[0].get_int64())
        throw ConfigError(w + "." + lang, "expected a list of [begin, end] pairs with 0 <= begin <= end");
      out[lang].emplace_back((*a)[0].get_int64(), (*a)[1].get_int64());
    }
  }
  return out;
}

json::object int_map(const std::vector<std::string>& order, const std::map<std::string, int64_t>& m) {
  json::object o;
  for (const auto& l : order) o[l] = m.at(l);
  return o;
}

}  // namespace

json::object to_json(const CellConfig& c) {
  // "model" only in a grid of several models, so a single-model cell's config is what it was.
  json::object cell{{"suite", c.cell.suite}, {"dataset", c.cell.dataset}, {"imbalance", c.cell.imbalance}};
  if (!c.cell.model.empty()) cell["model"] = c.cell.model;
  cell["method"] = c.cell.method;
  cell["seed"] = c.cell.seed;
  cell["id"] = c.cell.id;
  cell["grid_index"] = c.cell.grid_index;
  if (c.stage.enabled) cell["stage"] = c.cell.stage;
  json::object o{
      {"schema", kCellConfigSchema},
      {"cell", cell},
      {"method", {{"name", c.method}, {"params", c.method_params}}},
      {"imbalance", c.imbalance},
      {"model", model::to_json(c.model)},
      {"train", c.train.json()},
      {"eval", c.eval.json()},
      {"groups", data::to_json(c.groups)},
      {"data",
       {{"source", c.data.source}, {"direction", c.data.direction}, {"languages", json::value_from(c.data.languages)},
        {"train_pairs", int_map(c.data.languages, c.data.train_pairs)},
        {"natural_pairs", int_map(c.data.languages, c.data.natural_pairs)}, {"subsample_seed", c.data.subsample_seed},
        {"corpus", c.data.corpus}, {"shards", c.data.shards}, {"vocab", c.data.vocab},
        {"corpus_fingerprint", c.data.corpus_fingerprint}}},
  };
  if (c.stage.enabled)
    o["stage"] = json::object{{"partition_seed", c.stage.partition_seed},
                              {"train", ranges_json(c.data.languages, c.stage.train)},
                              {"previous", ranges_json(c.data.languages, c.stage.previous)},
                              {"earlier", ranges_json(c.data.languages, c.stage.earlier)},
                              {"init_from", c.stage.init_from},
                              {"init_sha256", c.stage.init_sha256},
                              {"update_methods", json::value_from(c.stage.update_methods)}};
  return o;
}

CellConfig cell_config_from_json(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw ConfigError(where, "expected an object");
  const auto& root = v.get_object();
  check_schema(root, kCellConfigSchema, where);
  CellConfig c;
  const std::string cw = where + ".cell";
  const auto& cell = need_object(root, "cell", where);
  c.cell.id = need_string(cell, "id", cw);
  c.cell.seed = need_int(cell, "seed", cw);
  c.cell.suite = get_string(cell, "suite", cw);
  c.cell.dataset = get_string(cell, "dataset", cw);
  c.cell.imbalance = get_string(cell, "imbalance", cw);
  c.cell.model = get_string(cell, "model", cw);
  c.cell.method = get_string(cell, "method", cw);
  c.cell.grid_index = cell.contains("grid_index") ? need_int(cell, "grid_index", cw) : 0;

  const auto& method = need_object(root, "method", where);
  c.method = need_string(method, "name", where + ".method");
  if (auto it = method.find("params"); it != method.end() && it->value().is_object()) c.method_params = it->value().get_object();
  if (auto it = root.find("imbalance"); it != root.end() && it->value().is_object()) c.imbalance = it->value().get_object();
  c.model = model::model_from_json(need_object(root, "model", where));
  c.train = Options(resolve_options(train::train_options(), need_object(root, "train", where), where + ".train"), where + ".train");
  c.eval = Options(resolve_options(train::eval_options(), need_object(root, "eval", where), where + ".eval"), where + ".eval");

  const auto& data = need_object(root, "data", where);
  const std::string dw = where + ".data";
  c.data.source = get_string(data, "source", dw);
  c.data.direction = need_string(data, "direction", dw);
  if (c.data.direction != "en-x" && c.data.direction != "x-en") throw ConfigError(dw + ".direction", "expected \"en-x\" or \"x-en\"");
  const auto& langs = need(data, "languages", dw);
  if (!langs.is_array() || langs.get_array().empty()) throw ConfigError(dw + ".languages", "expected a non-empty array");
  const auto& pairs = need_object(data, "train_pairs", dw);
  for (const auto& l : langs.get_array()) {
    if (!l.is_string()) throw ConfigError(dw + ".languages", "expected a non-empty array of strings");
    c.data.languages.emplace_back(l.get_string());
    const std::string& code = c.data.languages.back();
    c.data.train_pairs[code] = need_int(pairs, code.c_str(), dw + ".train_pairs");
  }
  // Without natural sizes the training sizes stand in (the default groups are by size).
  c.data.natural_pairs = data.contains("natural_pairs") ? need_int_map(data, "natural_pairs", dw) : c.data.train_pairs;
  for (const auto& l : c.data.languages)
    if (!c.data.natural_pairs.count(l)) throw ConfigError(dw + ".natural_pairs", "missing key \"" + l + "\"");
  c.data.subsample_seed = need_int(data, "subsample_seed", dw);
  c.data.corpus = get_string(data, "corpus", dw);
  c.data.shards = need_string(data, "shards", dw);
  c.data.vocab = need_string(data, "vocab", dw);
  c.data.corpus_fingerprint = get_string(data, "corpus_fingerprint", dw);

  if (const auto* st = root.if_contains("stage")) {
    const std::string sw = where + ".stage";
    if (!st->is_object()) throw ConfigError(sw, "expected an object");
    const auto& so = st->get_object();
    c.stage.enabled = true;
    c.cell.stage = need_int(cell, "stage", cw);
    if (c.cell.stage < 0) throw ConfigError(cw + ".stage", "expected an integer >= 0");
    c.stage.partition_seed = static_cast<uint64_t>(need_int(so, "partition_seed", sw));
    c.stage.train = ranges_from_json(so, "train", sw, c.data.languages);
    c.stage.previous = ranges_from_json(so, "previous", sw, c.data.languages);
    c.stage.earlier = ranges_from_json(so, "earlier", sw, c.data.languages);
    c.stage.init_from = need_string(so, "init_from", sw);
    c.stage.init_sha256 = get_string(so, "init_sha256", sw);
    if ((c.cell.stage == 0) != c.stage.init_from.empty())
      throw ConfigError(sw + ".init_from", "expected the previous stage's cell directory in an update stage, and \"\" in stage 0");
    if (c.stage.train.empty()) throw ConfigError(sw + ".train", "expected the pairs of at least one language");
    for (const auto& m : need(so, "update_methods", sw).is_array() ? need(so, "update_methods", sw).get_array() : json::array{}) {
      if (!m.is_string()) throw ConfigError(sw + ".update_methods", "expected a list of labels");
      c.stage.update_methods.emplace_back(m.get_string());
    }
  }

  // Groups as the report computes them; without "groups": the larger half.
  if (root.contains("groups"))
    c.groups = data::group_spec_from_json(resolve_options(data::group_options(), need_object(root, "groups", where), where + ".groups"));
  return c;
}

CellConfig read_cell_config(const std::string& path) { return cell_config_from_json(read_json_file(path), path + ": $"); }

void write_cell_config(const std::string& path, const CellConfig& c) { write_json_file(path, to_json(c)); }

}  // namespace longtail::records

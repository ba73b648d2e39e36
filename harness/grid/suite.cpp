#include "harness/grid/suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "harness/common/json_util.h"
#include "harness/data/imbalance.h"
#include "harness/data/split.h"
#include "harness/data/resource_groups.h"
#include "harness/train/train_options.h"
#include "methods/method.h"

namespace longtail::grid {

namespace json = boost::json;

const OptionTable& suite_options() {
  // clang-format off
  static const OptionTable table = {
    {"name", OptType::String, "", "suite name; runs go to runs/<name>/ (default: the file name)"},
    {"description", OptType::String, "", "what the suite is for"},
    {"datasets", OptType::Json, nullptr, "list of dataset entries (see the dataset table)"},
    {"imbalance", OptType::Json, json::array{json::object{{"profile", "natural"}}}, "list of imbalance profiles applied to the training sizes"},
    {"methods", OptType::Json, nullptr, "list of {\"name\": method, \"params\": {...}, \"label\": optional}"},
    {"seeds", OptType::Json, json::array{1}, "list of integer seeds; each seeds data order, sampling, init and dropout"},
    {"model", OptType::Json, json::object{{"config", "small"}}, "model preset and overrides (see the model table)"},
    {"models", OptType::Json, json::array{}, "model variants as a grid dimension, instead of \"model\": a list of model objects, each with a \"label\""},
    {"train", OptType::Json, json::object{}, "training options (see the train table)"},
    {"eval", OptType::Json, json::object{}, "evaluation options (see the eval table)"},
    {"vocab", OptType::Json, json::object{}, "vocabulary options (see the vocab table)"},
    {"groups", OptType::Json, json::object{}, "high/low-resource groups for reports (see the groups table)"},
    {"continual", OptType::Json, json::object{}, "continual learning: a base stage, then update stages on language subsets (see the continual table; docs/continual.md)"},
  };
  // clang-format on
  return table;
}

const OptionTable& dataset_options() {
  // clang-format off
  static const OptionTable table = {
    {"source", OptType::String, "gettext", "corpus source", {}, {}, false, {"gettext", "catalogs", "ted", "opus100", "plain"}},
    {"path", OptType::String, "", "data location: a directory of .mo/.po files (catalogs), the TED TSV directory, the OPUS-100 root, or a plain-text corpus root; $VARS are expanded"},
    {"label", OptType::String, "", "name in the run tree and reports (default: the source)"},
    {"direction", OptType::String, "en-x", "translation direction", {}, {}, false, {"en-x", "x-en"}},
    {"languages", OptType::StringList, json::array{}, "languages to train on (default: all that pass the corpus filters)"},
    {"max_languages", OptType::Int, 0, "keep only the N largest languages (0 = all)", 0, 100000},
    {"corpus", OptType::Json, json::object{}, "corpus building options (split sizes, minimum pairs; see the corpus table)"},
  };
  // clang-format on
  return table;
}

const OptionTable& vocab_options() {
  // clang-format off
  static const OptionTable table = {
    {"size", OptType::Int, 8000, "SentencePiece vocabulary size (language tags included)", 64, 1000000},
    {"model_type", OptType::String, "unigram", "SentencePiece model type", {}, {}, false, {"unigram", "bpe"}},
    {"temperature", OptType::Float, 5.0, "the training text is sampled per language with p ∝ n^(1/T)", 0.0, 1e6, true},
    {"sample_sentences", OptType::Int, 200000, "sentences sampled for training the vocabulary", 100, 1e9},
    {"character_coverage", OptType::Float, 0.9995, "SentencePiece character coverage", 0.5, 1.0},
    {"seed", OptType::Int, 1, "seed of the sample and of SentencePiece's own randomness", 0, 4294967295.0},
  };
  // clang-format on
  return table;
}

const OptionTable& continual_options() {
  // clang-format off
  static const OptionTable table = {
    {"base_fraction", OptType::Float, 0.5, "share of every language's training pairs that stage 0 trains on; the rest is held back for the update stages", 0.0, 1.0, true},
    {"base_method", OptType::Json, json::object{{"name", "proportional"}}, "the balancing method of stage 0: {\"name\", \"params\", \"label\"}"},
    {"update_train", OptType::Json, json::object{}, "train options of the update stages, over the suite's train (e.g. a fine-tuning lr and warmup)"},
    {"stages", OptType::Json, nullptr, "update stages, in order: {\"languages\": [...], \"steps\": N, \"fraction\": share of their held-back pairs}"},
  };
  // clang-format on
  return table;
}

const OptionTable& stage_options() {
  // clang-format off
  static const OptionTable table = {
    {"languages", OptType::StringList, nullptr, "the languages whose new pairs this stage trains on"},
    {"steps", OptType::Int, nullptr, "training steps of the stage", 1, 1e12},
    {"fraction", OptType::Float, 1.0, "share of each of its languages' held-back pairs used (disjoint from the other stages')", 0.0, 1.0, true},
  };
  // clang-format on
  return table;
}

namespace {

const json::array& as_list(const json::object& o, const char* key, const std::string& where, bool non_empty) {
  const json::value& v = o.at(key);
  std::string path = fmt::format("$.{}", key);
  if (!v.is_array()) throw ConfigError(where, fmt::format("{}: expected a list, got {}", path, json::serialize(v)));
  if (non_empty && v.get_array().empty()) throw ConfigError(where, fmt::format("{}: expected a non-empty list", path));
  return v.get_array();
}

const json::object& as_object(const json::value& v, const std::string& where, const std::string& path) {
  if (!v.is_object()) throw ConfigError(where, fmt::format("{}: expected an object, got {}", path, json::serialize(v)));
  return v.get_object();
}

// Labels become directory names: keep them to a safe alphabet.
void check_label(const std::string& label, const std::string& where, const std::string& path) {
  if (label.empty() || label.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+=-") != std::string::npos)
    throw ConfigError(where, fmt::format("{}: expected a label of letters, digits and ._+=-, got \"{}\"", path, label));
  if (label == "." || label == "..")  // a directory name that is not a directory of its own
    throw ConfigError(where, fmt::format("{}: \"{}\" cannot name a directory of the run tree", path, label));
}

template <class T>
void check_unique(const std::vector<T>& items, const std::string& what, const std::string& where) {
  std::set<std::string> seen;
  for (const auto& it : items)
    if (!seen.insert(it.label).second)
      throw ConfigError(where, fmt::format("{}: two {} entries are both labelled \"{}\"; give one a \"label\"", it.json_path, what, it.label));
}

// Wraps a ConfigError from resolve_options (which names only the JSON path) with the file name.
template <class F>
auto in_file(const std::string& file, F&& f) {
  try {
    return f();
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    if (msg.rfind(file, 0) == 0) throw;
    throw ConfigError(file, msg);
  }
}

std::string expand_vars(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$') {
      size_t j = i + 1;
      bool braces = j < s.size() && s[j] == '{';
      if (braces) ++j;
      size_t k = j;
      while (k < s.size() && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_')) ++k;
      std::string var = s.substr(j, k - j);
      if (braces && k < s.size() && s[k] == '}') ++k;
      const char* val = var.empty() ? nullptr : std::getenv(var.c_str());
      out += val ? val : "";
      i = k - 1;
    } else {
      out += s[i];
    }
  }
  return out;
}

template <class MethodAt>
ContinualSpec load_continual(const json::value& v, const Suite& s, const std::string& file, MethodAt&& method_at) {
  ContinualSpec c;
  c.enabled = true;
  const json::object r = in_file(file, [&] { return resolve_options(continual_options(), as_object(v, file, "$.continual"), "$.continual"); });
  c.base_fraction = r.at("base_fraction").to_number<double>();
  c.base_method = method_at(r.at("base_method"), "$.continual.base_method");
  if (methods::find_method(c.base_method.name)->update_method)
    throw ConfigError(file, fmt::format("$.continual.base_method.name: \"{}\" is an update method; the base stage trains from scratch "
                                        "with a balancing method (e.g. proportional)", c.base_method.name));
  for (const auto& m : s.methods)
    if (m.label == c.base_method.label)
      throw ConfigError(file, fmt::format("{}.label: \"{}\" is also the label of continual.base_method; give one a \"label\"", m.json_path,
                                          m.label));
  json::object train = s.train;
  for (const auto& kv : as_object(r.at("update_train"), file, "$.continual.update_train")) train[kv.key()] = kv.value();
  c.update_train = in_file(file, [&] { return resolve_options(train::train_options(), train, "$.continual.update_train"); });

  if (!r.at("stages").is_array() || r.at("stages").as_array().empty())
    throw ConfigError(file, "$.continual.stages: expected a non-empty list of update stages");
  std::map<std::string, double> used;  // per language: the share of its held-back pairs the stages take
  const auto& stages = r.at("stages").as_array();
  for (size_t k = 0; k < stages.size(); ++k) {
    const std::string path = fmt::format("$.continual.stages[{}]", k);
    const json::object o = in_file(file, [&] { return resolve_options(stage_options(), as_object(stages[k], file, path), path); });
    StageSpec st;
    st.json_path = path;
    st.languages = json::value_to<std::vector<std::string>>(o.at("languages"));
    st.steps = o.at("steps").to_number<int64_t>();
    st.fraction = o.at("fraction").to_number<double>();
    if (st.languages.empty()) throw ConfigError(file, path + ".languages: expected at least one language");
    for (size_t i = 0; i < st.languages.size(); ++i) {
      const std::string& l = st.languages[i];
      if (std::find(st.languages.begin(), st.languages.begin() + static_cast<std::ptrdiff_t>(i), l) != st.languages.begin() + static_cast<std::ptrdiff_t>(i))
        throw ConfigError(file, fmt::format("{}.languages[{}]: \"{}\" appears twice", path, i, l));
      for (const auto& d : s.datasets)  // a dataset without a list: checked when its corpus is prepared
        if (!d.languages.empty() && std::find(d.languages.begin(), d.languages.end(), l) == d.languages.end())
          throw ConfigError(file, fmt::format("{}.languages[{}]: \"{}\" is not a language of {} ({})", path, i, l, d.json_path,
                                              fmt::join(d.languages, ", ")));
      used[l] += st.fraction;
      if (used[l] > 1.0 + 1e-9)
        throw ConfigError(file, fmt::format("{}.fraction: the stages up to this one take {:.4g} of {}'s held-back pairs; the "
                                            "fractions of a language's stages must sum to at most 1", path, used[l], l));
    }
    c.stages.push_back(std::move(st));
  }
  if (c.base_fraction >= 1.0)
    throw ConfigError(file, "$.continual.base_fraction: 1 holds nothing back for the update stages; expected a fraction below 1");
  return c;
}

}  // namespace

void check_groups(const data::GroupSpec& g, const std::vector<std::string>& trained, const std::string& file) {
  for (size_t k = 0; k < g.low.size(); ++k)
    if (std::find(g.high.begin(), g.high.end(), g.low[k]) != g.high.end())
      throw ConfigError(file, fmt::format("$.groups.low[{}]: \"{}\" is in both groups.high and groups.low", k, g.low[k]));
  if (trained.empty()) return;  // the corpus decides the languages: checked once it is prepared
  for (const auto& [list, name] : {std::pair{&g.high, "high"}, std::pair{&g.low, "low"}})
    for (size_t k = 0; k < list->size(); ++k)
      if (std::find(trained.begin(), trained.end(), (*list)[k]) == trained.end())
        throw ConfigError(file, fmt::format("$.groups.{}[{}]: \"{}\" is not a training language of this suite ({})", name, k,
                                            (*list)[k], fmt::join(trained, ", ")));
}

Suite load_suite(const std::string& file) {
  json::value root = read_json_file(file);
  const json::object& top = as_object(root, file, "$");
  Suite s;
  s.file = file;
  json::object r = in_file(file, [&] { return resolve_options(suite_options(), top, "$"); });
  s.name = json::value_to<std::string>(r.at("name"));
  if (s.name.empty()) s.name = std::filesystem::path(file).stem().string();
  check_label(s.name, file, "$.name");
  s.description = json::value_to<std::string>(r.at("description"));

  const auto& datasets = as_list(r, "datasets", file, true);
  for (size_t i = 0; i < datasets.size(); ++i) {
    std::string path = fmt::format("$.datasets[{}]", i);
    json::object d = in_file(file, [&] { return resolve_options(dataset_options(), as_object(datasets[i], file, path), path); });
    DatasetSpec ds;
    ds.source = json::value_to<std::string>(d.at("source"));
    ds.path = expand_vars(json::value_to<std::string>(d.at("path")));
    ds.label = json::value_to<std::string>(d.at("label"));
    if (ds.label.empty()) ds.label = ds.source;
    check_label(ds.label, file, path + ".label");
    ds.direction = json::value_to<std::string>(d.at("direction"));
    ds.languages = json::value_to<std::vector<std::string>>(d.at("languages"));
    for (size_t k = 0; k < ds.languages.size(); ++k)
      if (std::find(ds.languages.begin(), ds.languages.begin() + static_cast<std::ptrdiff_t>(k), ds.languages[k]) !=
          ds.languages.begin() + static_cast<std::ptrdiff_t>(k))
        throw ConfigError(file, fmt::format("{}.languages[{}]: \"{}\" appears twice", path, k, ds.languages[k]));
    ds.max_languages = d.at("max_languages").to_number<int64_t>();
    ds.json_path = path;
    if (ds.source != "gettext" && ds.path.empty())
      throw ConfigError(file, fmt::format("{}.path: the \"{}\" source needs a data path", path, ds.source));
    ds.corpus = in_file(file, [&] {
      return resolve_options(data::corpus_options(), as_object(d.at("corpus"), file, path + ".corpus"), path + ".corpus");
    });
    s.datasets.push_back(std::move(ds));
  }
  check_unique(s.datasets, "dataset", file);

  const auto& profiles = as_list(r, "imbalance", file, true);
  for (size_t i = 0; i < profiles.size(); ++i) {
    std::string path = fmt::format("$.imbalance[{}]", i);
    json::object given = as_object(profiles[i], file, path);
    ImbalanceSpec im;
    im.json_path = path;
    if (const json::value* l = given.if_contains("label")) {
      if (!l->is_string()) throw ConfigError(file, path + ".label: expected a string");
      im.label = std::string(l->get_string());
      given.erase("label");
    }
    im.params = in_file(file, [&] { return resolve_options(data::imbalance_options(), given, path); });
    if (im.label.empty()) im.label = json::value_to<std::string>(im.params.at("profile"));
    check_label(im.label, file, path + ".label");
    s.imbalances.push_back(std::move(im));
  }
  check_unique(s.imbalances, "imbalance", file);

  static const OptionTable method_entry = {
      {"name", OptType::String, nullptr, "a registered method (see `longtail methods`)"},
      {"params", OptType::Json, json::object{}, "the method's hyper-parameters"},
      {"label", OptType::String, "", "name in the run tree and reports (default: the method name)"},
  };
  auto method_entry_at = [&](const json::value& v, const std::string& path) {
    json::object m = in_file(file, [&] { return resolve_options(method_entry, as_object(v, file, path), path); });
    MethodEntry me;
    me.name = json::value_to<std::string>(m.at("name"));
    me.json_path = path;
    const methods::MethodSpec* spec = methods::find_method(me.name);
    if (!spec)
      throw ConfigError(file, fmt::format("{}.name: unknown method \"{}\"; known: {}", path, me.name,
                                          fmt::join(methods::method_names(), ", ")));
    me.params = in_file(file, [&] {
      return resolve_options(spec->params, as_object(m.at("params"), file, path + ".params"), path + ".params");
    });
    me.label = json::value_to<std::string>(m.at("label"));
    if (me.label.empty()) me.label = me.name;
    check_label(me.label, file, path + ".label");
    return me;
  };
  const bool continual = top.contains("continual");
  const auto& methods = as_list(r, "methods", file, true);
  for (size_t i = 0; i < methods.size(); ++i) {
    MethodEntry me = method_entry_at(methods[i], fmt::format("$.methods[{}]", i));
    // Update methods fine-tune a trained model on new data: only the stages of a continual suite have one.
    const bool update = methods::find_method(me.name)->update_method;
    if (update && !continual)
      throw ConfigError(file, fmt::format("{}.name: \"{}\" is an update method, usable only in a continual suite (a top-level "
                                          "\"continual\" object; docs/continual.md)", me.json_path, me.name));
    if (!update && continual)
      throw ConfigError(file, fmt::format("{}.name: \"{}\" is not an update method; a continual suite's methods update its base "
                                          "model ({}); its base stage's method is continual.base_method", me.json_path, me.name,
                                          fmt::join(methods::update_method_names(), ", ")));
    s.methods.push_back(std::move(me));
  }
  check_unique(s.methods, "method", file);

  const auto& seeds = as_list(r, "seeds", file, true);
  std::set<int64_t> seen;
  for (size_t i = 0; i < seeds.size(); ++i) {
    if (!seeds[i].is_int64() || seeds[i].get_int64() < 0)
      throw ConfigError(file, fmt::format("$.seeds[{}]: expected a non-negative integer, got {}", i, json::serialize(seeds[i])));
    if (!seen.insert(seeds[i].get_int64()).second)
      throw ConfigError(file, fmt::format("$.seeds[{}]: seed {} appears twice", i, seeds[i].get_int64()));
    s.seeds.push_back(seeds[i].get_int64());
  }

  const auto& model_list = as_list(r, "models", file, false);
  if (model_list.empty()) {
    s.models.push_back({"", in_file(file, [&] { return model::resolve_model(as_object(r.at("model"), file, "$.model"), "$.model"); }), "$.model"});
  } else {
    if (top.contains("model")) throw ConfigError(file, "$.models: give either \"model\" or \"models\", not both");
    for (size_t i = 0; i < model_list.size(); ++i) {
      const std::string path = fmt::format("$.models[{}]", i);
      json::object given = as_object(model_list[i], file, path);
      const json::value* l = given.if_contains("label");
      if (!l || !l->is_string()) throw ConfigError(file, path + ".label: expected a string naming the model in the run tree and reports");
      ModelEntry me{std::string(l->get_string()), {}, path};
      check_label(me.label, file, path + ".label");
      given.erase("label");
      me.config = in_file(file, [&] { return model::resolve_model(given, path); });
      s.models.push_back(std::move(me));
    }
    check_unique(s.models, "model", file);
  }
  s.train = in_file(file, [&] { return resolve_options(train::train_options(), as_object(r.at("train"), file, "$.train"), "$.train"); });
  if (continual) s.continual = load_continual(r.at("continual"), s, file, method_entry_at);
  s.eval = in_file(file, [&] { return resolve_options(train::eval_options(), as_object(r.at("eval"), file, "$.eval"), "$.eval"); });
  s.vocab = in_file(file, [&] { return resolve_options(vocab_options(), as_object(r.at("vocab"), file, "$.vocab"), "$.vocab"); });
  s.groups = in_file(file, [&] { return resolve_options(data::group_options(), as_object(r.at("groups"), file, "$.groups"), "$.groups"); });
  // Checks across parameters and the run: a switch step beyond train.steps, weights of languages
  // the datasets do not train on (when every dataset lists its languages).
  methods::SuiteFacts facts;
  facts.total_steps = s.train.at("steps").to_number<int64_t>();
  bool all_listed = true;
  for (const auto& d : s.datasets) {
    all_listed = all_listed && !d.languages.empty();
    for (const auto& l : d.languages)
      if (std::find(facts.languages.begin(), facts.languages.end(), l) == facts.languages.end()) facts.languages.push_back(l);
  }
  if (!all_listed) facts.languages.clear();
  check_groups(data::group_spec_from_json(s.groups), facts.languages, file);
  if (s.continual.enabled) {
    // The base method trains the suite's steps; the update methods each stage's (the shortest).
    in_file(file, [&] { return methods::validate_method(s.continual.base_method.name, s.continual.base_method.params, facts,
                                                        s.continual.base_method.json_path); });
    facts.total_steps = s.continual.stages.front().steps;
    for (const auto& st : s.continual.stages) facts.total_steps = std::min(facts.total_steps, st.steps);
  }
  for (const auto& me : s.methods)
    in_file(file, [&] { return methods::validate_method(me.name, me.params, facts, me.json_path); });
  if (const std::string e = methods::parameter_scope_error(std::string(s.train.at("grad_cosine_params").as_string())); !e.empty())
    throw ConfigError(file, "$.train.grad_cosine_params: " + e);
  for (const auto& m : s.models)
    for (const auto& me : s.methods)
      if (m.config.dense_pretrain > 0)
        if (const auto* spec = methods::find_method(me.name); spec && spec->copies_parameters)
          throw ConfigError(file, fmt::format("{}.dense_pretrain: method {} ({}) keeps a copy of every parameter, which the "
                                              "dense→sparse switch cannot carry over; use dense_pretrain 0 with it",
                                              m.json_path, me.name, me.json_path));
  for (const auto& m : s.models)
    if (s.train.at("max_len").to_number<int64_t>() > m.config.max_positions)
      throw ConfigError(file, fmt::format("$.train.max_len: expected at most the max_positions of {} ({})", m.json_path,
                                          m.config.max_positions));
  return s;
}

std::string suite_reference() {
  std::string out;
  auto section = [&](const char* title, const OptionTable& t) {
    out += fmt::format("{}:\n{}\n", title, table_to_text(t));
  };
  section("suite (top level)", suite_options());
  section("datasets[]", dataset_options());
  section("datasets[].corpus", data::corpus_options());
  section("imbalance[]", data::imbalance_options());
  section("model", model::model_options());
  section("train", train::train_options());
  section("eval", train::eval_options());
  section("vocab", vocab_options());
  section("groups", data::group_options());
  section("continual", continual_options());
  section("continual.stages[]", stage_options());
  return out;
}

}  // namespace longtail::grid

#include "harness/records/cell_result.h"

#include "harness/common/json_fields.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"

namespace longtail::records {

namespace json = boost::json;
using namespace json_fields;

std::optional<int64_t> CellResult::grid_index() const {
  if (!config) return std::nullopt;
  return config->cell.grid_index;
}

namespace {

json::value number_or_null(const std::optional<double>& x) { return x ? json::value(*x) : json::value(nullptr); }

json::object to_json(const LanguageResult& l) {
  json::object o{{"train_pairs", l.train_pairs}, {"natural_pairs", l.natural_pairs}, {"dev_loss", number_or_null(l.dev_loss)}};
  for (const auto& [split, s] : l.splits) o[split] = json::object{{"bleu", s.bleu}, {"chrf", s.chrf}, {"segments", s.segments}};
  o["bleu"] = l.bleu;
  o["chrf"] = l.chrf;
  return o;
}

LanguageResult language_from_json(const json::object& o, const std::string& where) {
  LanguageResult l;
  l.train_pairs = need_int(o, "train_pairs", where);
  l.natural_pairs = need_int(o, "natural_pairs", where);
  if (const auto* d = o.if_contains("dev_loss"); d && !d->is_null()) l.dev_loss = need_number(o, "dev_loss", where);
  for (const char* split : {"dev", "test"})
    if (o.contains(split)) {
      const auto& s = need_object(o, split, where);
      const std::string sw = where + "." + split;
      l.splits.emplace_back(split, SplitScores{need_number(s, "bleu", sw), need_number(s, "chrf", sw), need_int(s, "segments", sw)});
    }
  l.bleu = need_number(o, "bleu", where);
  l.chrf = need_number(o, "chrf", where);
  return l;
}

}  // namespace

TrainingFigures training_figures_from_json(const json::object& o, const std::string& where, const char* wall_key) {
  TrainingFigures t;
  t.device = get_string(o, "device", where);
  t.torch_version = get_string(o, "torch_version", where);
  t.precision = get_string(o, "precision", where);
  t.steps = need_int(o, "steps", where);
  t.tokens_per_s = get_number(o, "tokens_per_s", where, 0.0);
  t.train_wall_s = get_number(o, wall_key, where, 0.0);
  if (o.contains("groups")) {
    const auto& g = need_object(o, "groups", where);
    t.high = need_strings(g, "high", where + ".groups");
    t.low = need_strings(g, "low", where + ".groups");
  }
  if (const auto* d = o.if_contains("diagnostics"); d && d->is_object()) t.diagnostics = d->get_object();
  return t;
}

json::object to_json(const CellResult& r) {
  json::object o{{"schema", kCellResultSchema},
                 {"dataset", r.dataset},
                 {"imbalance", r.imbalance},
                 {"method", r.method},
                 {"method_name", r.method_name},
                 {"method_params", r.method_params},
                 {"seed", r.seed},
                 {"direction", r.direction},
                 {"longtail_version", r.longtail_version},
                 {"git_commit", r.git_commit},
                 {"corpus_fingerprint", r.corpus_fingerprint},
                 {"vocab_sha256", r.vocab_sha256},
                 {"shards_fingerprint", r.shards_fingerprint}};
  if (r.ok) {
    json::object langs;
    for (const auto& [code, l] : r.languages) langs[code] = to_json(l);
    o["languages"] = std::move(langs);
    o["scorer"] = r.scorer;
  }
  if (const auto& t = r.training) {
    o["device"] = t->device;
    o["torch_version"] = t->torch_version;
    o["precision"] = t->precision;
    o["steps"] = t->steps;
    o["tokens_per_s"] = t->tokens_per_s;
    o["train_wall_s"] = t->train_wall_s;
    o["groups"] = json::object{{"high", json::value_from(t->high)}, {"low", json::value_from(t->low)}};
    o["diagnostics"] = t->diagnostics;
  }
  o["status"] = r.ok ? "ok" : "failed";
  if (!r.ok) o["reason"] = r.reason;
  o["wall_time_s"] = r.wall_time_s;
  if (!r.stale.empty()) o["stale"] = json::value_from(r.stale);
  if (r.config) o["config"] = to_json(*r.config);
  return o;
}

CellResult cell_result_from_json(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw ConfigError(where, "expected an object");
  const auto& o = v.get_object();
  check_schema(o, kCellResultSchema, where);
  CellResult r;
  r.dataset = need_string(o, "dataset", where);
  r.imbalance = need_string(o, "imbalance", where);
  r.method = need_string(o, "method", where);
  r.method_name = get_string(o, "method_name", where);
  if (const auto* p = o.if_contains("method_params"); p && p->is_object()) r.method_params = p->get_object();
  r.seed = need_int(o, "seed", where);
  r.direction = get_string(o, "direction", where);
  r.longtail_version = get_string(o, "longtail_version", where);
  r.git_commit = get_string(o, "git_commit", where);
  r.corpus_fingerprint = get_string(o, "corpus_fingerprint", where);
  r.vocab_sha256 = get_string(o, "vocab_sha256", where);
  r.shards_fingerprint = get_string(o, "shards_fingerprint", where);
  const std::string status = need_string(o, "status", where);
  if (status != "ok" && status != "failed") throw ConfigError(where + ".status", "expected \"ok\" or \"failed\", got \"" + status + "\"");
  r.ok = status == "ok";
  r.reason = get_string(o, "reason", where);
  if (r.ok) {
    for (const auto& kv : need_object(o, "languages", where)) {
      const std::string code(kv.key());
      if (!kv.value().is_object()) throw ConfigError(where + ".languages." + code, "expected an object");
      r.languages.emplace_back(code, language_from_json(kv.value().get_object(), where + ".languages." + code));
    }
    if (const auto* s = o.if_contains("scorer"); s && s->is_object()) r.scorer = s->get_object();
  }
  if (o.contains("steps")) r.training = training_figures_from_json(o, where, "train_wall_s");
  r.wall_time_s = get_number(o, "wall_time_s", where, 0.0);
  if (o.contains("stale")) r.stale = need_strings(o, "stale", where);
  if (o.contains("config")) r.config = cell_config_from_json(need(o, "config", where), where + ".config");
  return r;
}

CellResult read_cell_result(const std::string& path) { return cell_result_from_json(read_json_file(path), path + ": $"); }

void write_cell_result(const std::string& path, const CellResult& r) { write_json_file(path, to_json(r)); }

}  // namespace longtail::records

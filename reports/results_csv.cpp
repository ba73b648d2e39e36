#include "reports/results_csv.h"

#include <fmt/format.h>

#include "harness/common/json_fields.h"
#include "harness/common/options.h"

namespace longtail::reports {

namespace json = boost::json;
using namespace json_fields;

namespace {

// A JSON number as its shortest round-trip text: integers as they are, doubles as fmt's "{}".
std::string number_text(const json::value& v, const std::string& path) {
  if (v.is_int64()) return fmt::format("{}", v.get_int64());
  if (v.is_uint64()) return fmt::format("{}", v.get_uint64());
  if (v.is_double()) return fmt::format("{}", v.get_double());
  throw ConfigError(path, "expected a number");
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string results_csv(const json::object& report) {
  const std::string root = "report.json: $";
  const std::string split = need_string(need_object(report, "settings", root), "split", root + ".settings");
  const auto& cells_value = need(report, "cells", root);
  if (!cells_value.is_array()) throw ConfigError(root + ".cells", "expected an array");

  std::string out = "dataset,imbalance,method,stage,seed,language,group,train_pairs,natural_pairs,split,metric,value\n";
  std::size_t index = 0;
  for (const auto& cell_value : cells_value.get_array()) {
    const std::string where = fmt::format("{}.cells[{}]", root, index++);
    if (!cell_value.is_object()) throw ConfigError(where, "expected an object");
    const auto& cell = cell_value.get_object();
    if (need_string(cell, "status", where) != "ok") continue;
    const std::string key = fmt::format(
        "{},{},{},{},{}", csv_field(need_string(cell, "dataset", where)), csv_field(need_string(cell, "imbalance", where)),
        csv_field(need_string(cell, "method", where)), need_int(cell, "stage", where), need_int(cell, "seed", where));
    for (const auto& [code, lang_value] : need_object(cell, "languages", where)) {
      const std::string lang_where = where + ".languages." + std::string(code);
      if (!lang_value.is_object()) throw ConfigError(lang_where, "expected an object");
      const auto& lang = lang_value.get_object();
      const std::string prefix =
          fmt::format("{},{},{},{},{},", key, csv_field(std::string(code)), csv_field(need_string(lang, "group", lang_where)),
                      need_int(lang, "train_pairs", lang_where), need_int(lang, "natural_pairs", lang_where));
      if (const auto* splits = lang.if_contains("splits")) {  // every split the cell scored
        if (!splits->is_object()) throw ConfigError(lang_where + ".splits", "expected an object");
        for (const auto& [name, scores] : splits->get_object()) {
          const std::string split_where = lang_where + ".splits." + std::string(name);
          if (!scores.is_object()) throw ConfigError(split_where, "expected an object");
          for (const char* metric : {"bleu", "chrf"})
            out += fmt::format("{}{},{},{}\n", prefix, csv_field(std::string(name)), metric,
                               number_text(need(scores.get_object(), metric, split_where), split_where + "." + metric));
        }
      } else {
        for (const char* metric : {"bleu", "chrf"})
          out += fmt::format("{}{},{},{}\n", prefix, csv_field(split), metric,
                             number_text(need(lang, metric, lang_where), lang_where + "." + metric));
      }
      const auto& dev_loss = need(lang, "dev_loss", lang_where);
      if (!dev_loss.is_null())
        out += fmt::format("{}dev,dev_loss,{}\n", prefix, number_text(dev_loss, lang_where + ".dev_loss"));
    }
  }
  return out;
}

}  // namespace longtail::reports

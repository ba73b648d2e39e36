#include "reports/check.h"

#include "reports/aggregate_key.h"

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "harness/common/json_fields.h"
#include "harness/common/options.h"

namespace longtail::reports {

namespace json = boost::json;

namespace {

using Key = AggregateKey;

struct Mean {
  double mean = 0, se = 0;
};

struct Entry {
  Key key;
  std::map<std::string, std::pair<Mean, int64_t>> groups;  // group -> (mean, languages)
  std::vector<std::pair<std::string, Mean>> languages;      // in the file's order
};

Mean read_mean(const json::value& v, const std::string& where) {
  if (!v.is_object()) throw ConfigError(where, "expected an object");
  const json::object& o = v.get_object();
  Mean m;
  m.mean = json_fields::need_number(o, "bleu_mean", where);
  auto it = o.find("bleu_se");
  if (it == o.end() || !it->value().is_number())
    throw ConfigError(where + ".bleu_se", "expected a number (the standard error of bleu_mean; longtail-report-v2 has it)");
  m.se = it->value().to_number<double>();
  if (!(m.se >= 0) || !std::isfinite(m.se)) throw ConfigError(where + ".bleu_se", "expected a finite number >= 0");
  return m;
}

std::vector<Entry> read_entries(const json::object& doc, const std::string& file, bool leaderboard) {
  const std::string where = file + ": $";
  const std::string schema = json_fields::need_string(doc, "schema", where);
  if (schema != "longtail-report-v2" && !(leaderboard && schema == "longtail-leaderboard-v1"))
    throw ConfigError(where + ".schema",
                      fmt::format("expected {}, got \"{}\"",
                                  leaderboard ? "\"longtail-report-v2\" or \"longtail-leaderboard-v1\"" : "\"longtail-report-v2\"",
                                  schema));
  const json::value& s = json_fields::need(doc, "summary", where);
  if (!s.is_array()) throw ConfigError(where + ".summary", "expected an array");
  std::vector<Entry> out;
  for (size_t i = 0; i < s.get_array().size(); ++i) {
    const std::string w = fmt::format("{}.summary[{}]", where, i);
    const json::value& v = s.get_array()[i];
    if (!v.is_object()) throw ConfigError(w, "expected an object");
    const json::object& e = v.get_object();
    Entry entry;
    entry.key = read_aggregate_key(e, w);
    const json::object& groups = json_fields::need_object(e, "groups", w);
    for (const char* g : {"all", "high", "low"}) {
      const std::string gw = w + ".groups." + g;
      const json::value& gv = json_fields::need(groups, g, w + ".groups");
      const int64_t n = gv.is_object() ? json_fields::need_int(gv.get_object(), "languages", gw) : 0;
      // An empty group has no mean to compare; its numbers are placeholders.
      entry.groups[g] = {n > 0 ? read_mean(gv, gw) : Mean{}, n};
    }
    for (const auto& kv : json_fields::need_object(e, "languages", w))
      entry.languages.emplace_back(std::string(kv.key()), read_mean(kv.value(), w + ".languages." + std::string(kv.key())));
    out.push_back(std::move(entry));
  }
  return out;
}

std::string split_of(const json::object& doc) {
  auto it = doc.find("settings");
  if (it == doc.end() || !it->value().is_object()) return {};
  auto s = it->value().get_object().find("split");
  return s != it->value().get_object().end() && s->value().is_string() ? std::string(s->value().get_string()) : std::string();
}

CheckRow compare(const Key& k, const std::string& what, bool is_group, const Mean& old_m, const Mean& new_m,
                 const CheckOptions& o) {
  CheckRow r;
  std::tie(r.dataset, r.imbalance, r.method, r.stage) = k;
  r.what = what;
  r.is_group = is_group;
  r.old_mean = old_m.mean;
  r.new_mean = new_m.mean;
  r.delta = new_m.mean - old_m.mean;
  r.old_se = old_m.se;
  r.new_se = new_m.se;
  const double drop_beyond = old_m.mean - o.tolerance - new_m.mean;  // > 0: dropped by more than the tolerance
  const double se = std::sqrt(old_m.se * old_m.se + new_m.se * new_m.se);
  if (se > 0) {
    r.z = drop_beyond / se;
    r.p = boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), *r.z));
  } else {
    r.p = drop_beyond > 0 ? 0.0 : 1.0;  // no noise: any drop beyond the tolerance is certain
  }
  r.regressed = drop_beyond > 0 && r.p < o.alpha;
  return r;
}

std::string fmt_num(double v) { return fmt::format("{:.2f}", v); }

}  // namespace

std::string CheckRow::key() const { return key_text({dataset, imbalance, method, stage}); }

CheckResult check_against(const json::object& report, const json::object& leaderboard, const CheckOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 1)) throw ConfigError("--alpha", fmt::format("expected a number in (0, 1), got {}", o.alpha));
  if (!(o.tolerance >= 0) || !std::isfinite(o.tolerance))
    throw ConfigError("--tolerance", fmt::format("expected a finite number >= 0, got {}", o.tolerance));
  const std::vector<Entry> run = read_entries(report, o.report_path, false);
  const std::vector<Entry> board = read_entries(leaderboard, o.leaderboard_path, true);
  const std::string run_split = split_of(report), board_split = split_of(leaderboard);
  if (!run_split.empty() && !board_split.empty() && run_split != board_split)
    throw ConfigError(o.leaderboard_path, fmt::format("scores the {} split, {} the {} split: the means are not comparable",
                                                      board_split, o.report_path, run_split));
  std::map<Key, const Entry*> old_of;
  for (const Entry& e : board) old_of[e.key] = &e;
  std::map<Key, bool> in_run;
  for (const Entry& e : run) in_run[e.key] = true;

  CheckResult res;
  res.options = o;
  for (const Entry& e : run) {
    auto it = old_of.find(e.key);
    if (it == old_of.end()) {
      res.only_in_run.push_back(key_text(e.key));
      continue;
    }
    const Entry& old_e = *it->second;
    for (const char* g : {"all", "high", "low"}) {
      const auto& [nm, nn] = e.groups.at(g);
      const auto& [om, on] = old_e.groups.at(g);
      if (nn == 0 || on == 0) continue;
      res.rows.push_back(compare(e.key, g, true, om, nm, o));
    }
    if (o.per_language)
      for (const auto& [lang, nm] : e.languages) {
        auto ol = std::find_if(old_e.languages.begin(), old_e.languages.end(), [&](const auto& x) { return x.first == lang; });
        if (ol != old_e.languages.end()) res.rows.push_back(compare(e.key, lang, false, ol->second, nm, o));
      }
  }
  for (const Entry& e : board)
    if (!in_run.count(e.key)) res.only_in_leaderboard.push_back(key_text(e.key));
  if (res.only_in_run.size() == run.size()) {
    auto list = [](const std::vector<std::string>& v) { return v.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(v, ", ")); };
    throw ConfigError(o.leaderboard_path,
                      fmt::format("no dataset/imbalance/method/stage in common with {}: the run has {}; the leaderboard has {}",
                                  o.report_path, list(res.only_in_run), list(res.only_in_leaderboard)));
  }
  for (const CheckRow& r : res.rows) res.regressed += r.regressed;
  return res;
}

std::string format_check_table(const CheckResult& res) {
  size_t kw = 4, ww = 4;
  for (const CheckRow& r : res.rows) kw = std::max(kw, r.key().size()), ww = std::max(ww, r.what.size());
  std::string out = fmt::format("{:<{}}  {:<{}}  {:>7}  {:>7}  {:>7}  {:>6}  {:>6}  {:>6}  {:>6}\n", "cell", kw, "what", ww,
                                "old", "new", "delta", "se_old", "se_new", "z", "p");
  for (const CheckRow& r : res.rows) {
    out += fmt::format("{:<{}}  {:<{}}  {:>7}  {:>7}  {:>+7.2f}  {:>6}  {:>6}  {:>6}  {:>6.4f}{}\n", r.key(), kw, r.what, ww,
                       fmt_num(r.old_mean), fmt_num(r.new_mean), r.delta, fmt_num(r.old_se), fmt_num(r.new_se),
                       r.z ? fmt::format("{:.2f}", *r.z) : std::string("-"), r.p, r.regressed ? "  REGRESSED" : "");
  }
  for (const std::string& k : res.only_in_run) out += fmt::format("not in the leaderboard: {}\n", k);
  for (const std::string& k : res.only_in_leaderboard) out += fmt::format("not in the run: {}\n", k);
  out += fmt::format("{} of {} means regressed (dropped by more than {} BLEU; one-sided z-test, p < {})\n",
                     res.regressed, res.rows.size(), res.options.tolerance, res.options.alpha);
  return out;
}

json::object check_to_json(const CheckResult& res) {
  json::array rows;
  for (const CheckRow& r : res.rows)
    rows.push_back(json::object{{"dataset", r.dataset},
                                {"imbalance", r.imbalance},
                                {"method", r.method},
                                {"stage", r.stage},
                                {"what", r.what},
                                {"kind", r.is_group ? "group" : "language"},
                                {"old", r.old_mean},
                                {"new", r.new_mean},
                                {"delta", r.delta},
                                {"old_se", r.old_se},
                                {"new_se", r.new_se},
                                {"z", r.z ? json::value(*r.z) : json::value(nullptr)},
                                {"p", r.p},
                                {"regressed", r.regressed}});
  return json::object{{"schema", "longtail-check-v1"},
                      {"report", res.options.report_path},
                      {"leaderboard", res.options.leaderboard_path},
                      {"tolerance", res.options.tolerance},
                      {"alpha", res.options.alpha},
                      {"per_language", res.options.per_language},
                      {"compared", int64_t(res.rows.size())},
                      {"regressed", res.regressed},
                      {"rows", std::move(rows)},
                      {"only_in_run", json::value_from(res.only_in_run)},
                      {"only_in_leaderboard", json::value_from(res.only_in_leaderboard)}};
}

}  // namespace longtail::reports

#include "reports/claims.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <filesystem>
#include <set>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/seed_stats.h"

namespace longtail::reports {

namespace json = boost::json;
namespace fs = std::filesystem;

const char* kind_name(ClaimKind kind) {
  switch (kind) {
    case ClaimKind::PublishedValue: return "published_value";
    case ClaimKind::AtLeast: return "at_least";
    case ClaimKind::AtMost: return "at_most";
    case ClaimKind::LessThan: return "less_than";
  }
  return "?";
}

namespace {

// ---------------------------------------------------------------- the claim files

// What each section of a report is, and which selection keys it takes.
struct SectionRule {
  const char* name;
  std::vector<std::string> match;  // match keys, in checking order
  bool languages, groups;          // whether `language` / `group` may be given
  bool significance;               // whether the selected language/group object has `significant`
};

const std::vector<SectionRule>& section_rules() {
  static const std::vector<SectionRule> rules = {
      {"summary", {"dataset", "imbalance", "method", "stage"}, true, true, false},
      {"comparisons", {"dataset", "imbalance", "method", "stage", "baseline"}, true, true, true},
      {"convergence", {"dataset", "imbalance", "method", "stage", "baseline"}, false, false, false},
      {"cells", {"dataset", "imbalance", "method", "stage", "seed"}, true, false, false},
      {"within_run", {"dataset", "imbalance", "method", "stage"}, true, false, false},
      {"stages", {"dataset", "imbalance", "method", "from_stage", "to_stage"}, true, false, true},
      {"cost", {"dataset", "imbalance", "method", "stage"}, false, false, false},
  };
  return rules;
}

const SectionRule* find_section(const std::string& name) {
  for (const auto& r : section_rules())
    if (name == r.name) return &r;
  return nullptr;
}

bool is_integer_key(const std::string& key) {
  return key == "stage" || key == "seed" || key == "from_stage" || key == "to_stage";
}

std::string names(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, ", ")); }

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw ConfigError(file_ + ": " + path, what);
  }

  const json::object& object(const json::value& v, const std::string& path) const {
    if (!v.is_object()) fail(path, fmt::format("expected an object, got {}", json::serialize(v)));
    return v.get_object();
  }

  void only(const json::object& o, const std::vector<std::string>& allowed, const std::string& path,
            const std::string& context) const {
    for (const auto& kv : o)
      if (std::find(allowed.begin(), allowed.end(), std::string(kv.key())) == allowed.end())
        fail(path + "." + std::string(kv.key()),
             fmt::format("unknown key{}; allowed: {}", context.empty() ? "" : " " + context, names(allowed)));
  }

  std::string string(const json::object& o, const char* key, const std::string& path, bool required = true) const {
    const json::value* v = o.if_contains(key);
    if (!v) {
      if (required) fail(path, fmt::format("missing key \"{}\"", key));
      return {};
    }
    if (!v->is_string() || v->get_string().empty())
      fail(path + "." + key, fmt::format("expected a non-empty string, got {}", json::serialize(*v)));
    return std::string(v->get_string());
  }

  double number(const json::object& o, const char* key, const std::string& path, std::optional<double> fallback,
                std::optional<double> min = std::nullopt, bool min_exclusive = false) const {
    const json::value* v = o.if_contains(key);
    if (!v) {
      if (!fallback) fail(path, fmt::format("missing key \"{}\"", key));
      return *fallback;
    }
    if (!v->is_number()) fail(path + "." + key, fmt::format("expected a number, got {}", json::serialize(*v)));
    const double x = v->to_number<double>();
    if (!std::isfinite(x) || (min && (min_exclusive ? x <= *min : x < *min)))
      fail(path + "." + key, fmt::format("expected a number {} {}, got {}", min_exclusive ? ">" : "≥", *min, json::serialize(*v)));
    return x;
  }

  ClaimSelection selection(const json::value& v, const std::string& path) const {
    const json::object& o = object(v, path);
    ClaimSelection s;
    s.section = string(o, "section", path);
    // Claim files written before the report's `stages` existed name its entries by their old place,
    // forgetting.across_stages.
    if (s.section == "across_stages") s.section = "stages";
    const SectionRule* rule = find_section(s.section);
    if (!rule) {
      std::vector<std::string> known;
      for (const auto& r : section_rules()) known.push_back(r.name);
      fail(path + ".section", fmt::format("unknown section \"{}\"; known: {}", s.section, names(known)));
    }
    std::vector<std::string> allowed = {"section", "field"};
    allowed.insert(allowed.end(), rule->match.begin(), rule->match.end());
    if (rule->languages) allowed.push_back("language");
    if (rule->groups) allowed.push_back("group");
    only(o, allowed, path, fmt::format("for section {}", s.section));
    for (const auto& key : rule->match) {
      const json::value* m = o.if_contains(key);
      if (!m) continue;
      if (is_integer_key(key)) {
        if (!m->is_int64() || m->get_int64() < 0)
          fail(path + "." + key, fmt::format("expected a non-negative integer, got {}", json::serialize(*m)));
      } else if (!m->is_string() || m->get_string().empty()) {
        fail(path + "." + key, fmt::format("expected a non-empty string, got {}", json::serialize(*m)));
      }
      s.match.emplace_back(key, *m);
    }
    s.language = string(o, "language", path, false);
    s.group = string(o, "group", path, false);
    if (!s.language.empty() && !s.group.empty()) fail(path, "give either \"language\" or \"group\", not both");
    if (!s.group.empty() && s.group != "all" && s.group != "high" && s.group != "low")
      fail(path + ".group", fmt::format("expected \"all\", \"high\" or \"low\", got \"{}\"", s.group));
    s.field = string(o, "field", path);
    size_t start = 0;
    while (true) {
      const size_t dot = s.field.find('.', start);
      if ((dot == std::string::npos ? s.field.size() : dot) == start)
        fail(path + ".field", fmt::format("\"{}\" has an empty part", s.field));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return s;
  }

  ClaimSpec claim(const json::value& v, const std::string& path) const {
    const json::object& o = object(v, path);
    ClaimSpec c;
    c.file = file_;
    c.json_path = path;
    c.id = string(o, "id", path);
    for (char ch : c.id)
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
        fail(path + ".id", fmt::format("\"{}\": use letters, digits, '-', '_' and '.'", c.id));
    c.paper = string(o, "paper", path);
    c.statement = string(o, "statement", path);
    c.suite = string(o, "suite", path);
    c.pending = string(o, "pending", path, false);
    if (const json::value* p = o.if_contains("published")) c.published = *p;
    const std::string kind = string(o, "kind", path);
    std::vector<std::string> allowed = {"id", "paper", "statement", "suite", "kind", "published", "pending"};
    if (kind == "published_value") {
      c.kind = ClaimKind::PublishedValue;
      allowed.insert(allowed.end(), {"select", "tolerance"});
      only(o, allowed, path, "for kind published_value");
      if (!c.published.is_number())
        fail(path + ".published", fmt::format("expected the published number, got {}",
                                              o.contains("published") ? json::serialize(c.published) : "nothing"));
      c.tolerance = number(o, "tolerance", path, std::nullopt, 0.0);
    } else if (kind == "at_least" || kind == "at_most") {
      c.kind = kind == "at_least" ? ClaimKind::AtLeast : ClaimKind::AtMost;
      allowed.insert(allowed.end(), {"select", "threshold", "significance"});
      only(o, allowed, path, "for kind " + kind);
      c.threshold = number(o, "threshold", path, std::nullopt);
      const std::string sig = string(o, "significance", path, false);
      if (sig == "required") c.significance = Significance::Required;
      else if (sig == "to_refute") c.significance = Significance::ToRefute;
      else if (!sig.empty())
        fail(path + ".significance", fmt::format("expected \"required\" or \"to_refute\", got \"{}\"", sig));
    } else if (kind == "less_than") {
      c.kind = ClaimKind::LessThan;
      allowed.insert(allowed.end(), {"left", "right", "factor", "margin"});
      only(o, allowed, path, "for kind less_than");
      c.factor = number(o, "factor", path, 1.0, 0.0, true);
      c.margin = number(o, "margin", path, 0.0);
    } else {
      fail(path + ".kind", fmt::format("unknown kind \"{}\"; known: published_value, at_least, at_most, less_than", kind));
    }
    if (c.kind == ClaimKind::LessThan) {
      if (!o.contains("left")) fail(path, "missing key \"left\"");
      if (!o.contains("right")) fail(path, "missing key \"right\"");
      c.select = selection(o.at("left"), path + ".left");
      c.right = selection(o.at("right"), path + ".right");
    } else {
      if (!o.contains("select")) fail(path, "missing key \"select\"");
      c.select = selection(o.at("select"), path + ".select");
    }
    if (c.significance != Significance::Ignored) {
      const SectionRule* rule = find_section(c.select.section);
      if (!rule->significance || (c.select.language.empty() && c.select.group.empty()))
        fail(path + ".significance",
             "significance needs a selection whose object has \"significant\": a language or group of comparisons, "
             "or a language of stages");
    }
    return c;
  }

 private:
  std::string file_;
};

// ---------------------------------------------------------------- reading a number from a report

struct Reading {
  bool found = false;
  std::string why;    // when not found
  std::string label;  // what was read, e.g. "opus100/natural/cooldown groups.high.bleu_mean"
  double value = 0;
  std::optional<std::pair<double, double>> ci95;
  std::optional<bool> significant;
  size_t entries = 1;  // cells averaged
};

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

const json::array* section_of(const json::object& report, const std::string& section) {
  const json::value* v = nullptr;
  const json::value* f = report.if_contains("forgetting");
  if (section == "within_run") {
    if (f && f->is_object()) v = f->as_object().if_contains(section);
  } else if (section == "stages") {
    v = report.if_contains("stages");
    // A report written before `stages` existed holds the same entries as forgetting.across_stages.
    if (!v && f && f->is_object()) v = f->as_object().if_contains("across_stages");
  } else {
    v = report.if_contains(section);
  }
  return v && v->is_array() ? &v->get_array() : nullptr;
}

bool matches(const json::object& entry, const std::string& key, const json::value& want) {
  const json::value* have = entry.if_contains(key);
  if (!have) return false;
  if (want.is_string()) return have->is_string() && have->get_string() == want.get_string();
  return have->is_number() && want.is_number() && have->to_number<double>() == want.to_number<double>();
}

// "gettext/natural/temperature" plus what else tells entries of the section apart.
std::string entry_name(const json::object& e, const std::string& section) {
  auto part = [&](const char* k) { return e.contains(k) ? text(e.at(k)) : std::string("?"); };
  std::string out = fmt::format("{}/{}/{}", part("dataset"), part("imbalance"), part("method"));
  if (section == "stages") return out + fmt::format(" stage {}→{}", part("from_stage"), part("to_stage"));
  if (const json::value* s = e.if_contains("stage"); s && s->is_number() && s->to_number<double>() != 0)
    out += " stage " + text(*s);
  if (section == "cells") out += " seed " + part("seed");
  return out;
}

std::optional<std::pair<double, double>> interval(const json::value* v) {
  if (!v || !v->is_array() || v->get_array().size() != 2 || !v->get_array()[0].is_number() || !v->get_array()[1].is_number())
    return std::nullopt;
  return std::make_pair(v->get_array()[0].to_number<double>(), v->get_array()[1].to_number<double>());
}

// The number at language/group + field of one entry; `why` says what is missing.
struct Field {
  const json::value* value = nullptr;
  const json::object* holder = nullptr;  // the object the last part of the field is in
  std::string why;
};

Field field_of(const json::object& entry, const ClaimSelection& s, const std::string& name) {
  Field f;
  const json::object* at = &entry;
  std::string where = name;
  if (!s.language.empty() || !s.group.empty()) {
    const char* container = s.language.empty() ? "groups" : "languages";
    const std::string& key = s.language.empty() ? s.group : s.language;
    const json::value* c = entry.if_contains(container);
    const json::value* x = c && c->is_object() ? c->as_object().if_contains(key) : nullptr;
    if (!x || !x->is_object()) {
      f.why = fmt::format("{} has no {} \"{}\"", name, s.language.empty() ? "group" : "language", key);
      return f;
    }
    at = &x->get_object();
    where += fmt::format(" {}.{}", container, key);
  }
  size_t start = 0;
  while (true) {
    const size_t dot = s.field.find('.', start);
    const std::string part = s.field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const json::value* v = at->if_contains(part);
    if (!v) {
      f.why = fmt::format("{} has no field \"{}\"", where, s.field.substr(0, dot == std::string::npos ? s.field.size() : dot));
      return f;
    }
    if (dot == std::string::npos) {
      if (v->is_null()) f.why = fmt::format("{} has {} = null", where, s.field);
      else if (!v->is_number()) f.why = fmt::format("{} has {} = {}, not a number", where, s.field, json::serialize(*v));
      else f.value = v, f.holder = at;
      return f;
    }
    if (!v->is_object()) {
      f.why = fmt::format("{} has no field \"{}\"", where, s.field);
      return f;
    }
    at = &v->get_object();
    start = dot + 1;
  }
}

Reading read(const json::object& report, const ClaimSelection& s) {
  Reading r;
  const json::array* section = section_of(report, s.section);
  if (!section) {
    r.why = fmt::format("the report has no {} section", s.section);
    return r;
  }
  std::vector<const json::object*> entries;
  for (const auto& v : *section)
    if (v.is_object()) entries.push_back(&v.get_object());
  if (entries.empty()) {
    r.why = fmt::format("the report's {} is empty", s.section);
    return r;
  }
  // Narrow down key by key, so that `why` names the first key nothing matches. A comparisons or
  // convergence selection without `baseline` reads the entries against the report's baseline: a
  // report holds entries against further baselines too (settings.extra_baselines).
  std::vector<std::pair<std::string, json::value>> match = s.match;
  if ((s.section == "comparisons" || s.section == "convergence") &&
      std::none_of(match.begin(), match.end(), [](const auto& m) { return m.first == "baseline"; }))
    if (const json::value* st = report.if_contains("settings"); st && st->is_object())
      if (const json::value* b = st->as_object().if_contains("baseline"); b && b->is_string()) match.emplace_back("baseline", *b);
  std::vector<std::string> narrowed;
  for (const auto& [key, want] : match) {
    std::vector<const json::object*> kept;
    std::vector<std::string> seen;
    for (const auto* e : entries) {
      if (matches(*e, key, want)) kept.push_back(e);
      if (const json::value* have = e->if_contains(key)) {
        const std::string t = text(*have);
        if (std::find(seen.begin(), seen.end(), t) == seen.end()) seen.push_back(t);
      }
    }
    if (kept.empty()) {
      r.why = fmt::format("the run has no {} for {} {}{} (it has: {})", s.section, key, text(want),
                          narrowed.empty() ? "" : " with " + names(narrowed), seen.empty() ? "none" : names(seen));
      return r;
    }
    narrowed.push_back(fmt::format("{} {}", key, text(want)));
    entries = std::move(kept);
  }
  if (s.section == "cells") {
    std::vector<const json::object*> ok;
    for (const auto* e : entries)
      if (const json::value* st = e->if_contains("status"); st && st->is_string() && st->get_string() == "ok") ok.push_back(e);
    if (ok.empty()) {
      r.why = fmt::format("every cell with {} failed", names(narrowed));
      return r;
    }
    std::vector<double> values;
    std::string first_why;
    for (const auto* e : ok) {
      Field f = field_of(*e, s, entry_name(*e, s.section));
      if (f.value) values.push_back(f.value->to_number<double>());
      else if (first_why.empty()) first_why = f.why;
    }
    if (values.empty()) {
      r.why = first_why;
      return r;
    }
    const SeedStats st = seed_stats(values);
    r.found = true;
    r.value = st.mean;
    r.ci95 = st.ci95;
    r.entries = values.size();
    const json::object& e = *ok.front();
    r.label = fmt::format("{}/{}/{}", text(e.at("dataset")), text(e.at("imbalance")), text(e.at("method")));
    if (!s.language.empty()) r.label += " " + s.language;
    r.label += " " + s.field;
    r.label += values.size() == 1 ? " (1 cell)" : fmt::format(" (mean of {} cells)", values.size());
    return r;
  }
  if (entries.size() > 1) {
    std::vector<std::string> which;
    for (const auto* e : entries) which.push_back(entry_name(*e, s.section));
    r.why = fmt::format("the selection matches {} {} entries ({}); the claim must name one", entries.size(), s.section,
                        names(which));
    return r;
  }
  const json::object& e = *entries.front();
  const std::string name = entry_name(e, s.section);
  Field f = field_of(e, s, name);
  if (!f.value) {
    r.why = f.why;
    return r;
  }
  r.found = true;
  r.value = f.value->to_number<double>();
  r.label = name;
  if (!s.language.empty()) r.label += " " + s.language;
  if (!s.group.empty()) r.label += " " + s.group;
  r.label += " " + s.field;
  const std::string last = s.field.substr(s.field.rfind('.') + 1);
  if (last.size() > 5 && last.compare(last.size() - 5, 5, "_mean") == 0)
    r.ci95 = interval(f.holder->if_contains(last.substr(0, last.size() - 5) + "_ci95"));
  if (const json::value* sig = f.holder->if_contains("significant"); sig && sig->is_bool()) r.significant = sig->get_bool();
  return r;
}

std::string num(double x) { return fmt::format("{:.4g}", x); }

std::string ci_text(const std::optional<std::pair<double, double>>& ci) {
  return ci ? fmt::format(" (95% CI {}–{})", num(ci->first), num(ci->second)) : "";
}

bool suite_matches(const json::object& report, const std::string& suite) {
  const json::value* s = report.if_contains("suite");
  if (!s) return false;
  if (s->is_string()) return s->get_string() == suite;
  if (s->is_array())
    for (const auto& x : s->get_array())
      if (x.is_string() && x.get_string() == suite) return true;
  return false;
}

// A published figure in a few words: numbers short, objects as "key value, …".
std::string short_text(const json::value& v) {
  if (v.is_number()) return num(v.to_number<double>());
  if (v.is_string()) return std::string(v.get_string());
  std::vector<std::string> parts;
  if (v.is_object())
    for (const auto& kv : v.get_object()) parts.push_back(fmt::format("{} {}", std::string(kv.key()), short_text(kv.value())));
  else if (v.is_array())
    for (const auto& x : v.get_array()) parts.push_back(short_text(x));
  else
    return json::serialize(v);
  return names(parts);
}

// Code points, for column widths.
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

}  // namespace

// ---------------------------------------------------------------- loading

std::vector<ClaimSpec> load_claims_file(const std::string& file) {
  Reader reader(file);
  const json::value doc = read_json_file(file);
  if (!doc.is_array()) reader.fail("$", "expected an array of claims");
  if (doc.get_array().empty()) reader.fail("$", "expected at least one claim");
  std::vector<ClaimSpec> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < doc.get_array().size(); ++i) {
    const std::string path = fmt::format("$[{}]", i);
    out.push_back(reader.claim(doc.get_array()[i], path));
    if (!ids.insert(out.back().id).second) reader.fail(path + ".id", fmt::format("\"{}\" appears twice", out.back().id));
  }
  return out;
}

std::vector<ClaimSpec> load_claims(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ConfigError(dir, "no such directory of claim files");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json" && e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw ConfigError(dir, "no claim files (*.json)");
  std::vector<ClaimSpec> out;
  for (const auto& f : files) {
    for (auto& c : load_claims_file(f)) {
      for (const auto& o : out)
        if (o.id == c.id)
          throw ConfigError(c.file + ": " + c.json_path + ".id",
                            fmt::format("\"{}\" is already the id of {}: {}", c.id, o.file, o.json_path));
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<std::string> claim_baselines(const std::vector<ClaimSpec>& claims) {
  std::vector<std::string> out;
  for (const auto& c : claims) {
    if (!c.pending.empty()) continue;
    for (const ClaimSelection* s : {&c.select, &c.right})
      for (const auto& [key, value] : s->match)
        if (key == "baseline" && value.is_string() &&
            std::find(out.begin(), out.end(), std::string(value.get_string())) == out.end())
          out.emplace_back(value.get_string());
  }
  return out;
}

// ---------------------------------------------------------------- evaluating

boost::json::array evaluate_claims(const json::object& report, const std::vector<ClaimSpec>& claims) {
  json::array out;
  for (const auto& c : claims) {
    json::object e{{"id", c.id}, {"paper", c.paper}, {"statement", c.statement}, {"suite", c.suite}};
    std::string verdict, why;
    std::optional<double> measured;
    std::optional<std::pair<double, double>> ci95;
    auto not_testable = [&](const std::string& reason) {
      verdict = "not testable";
      why = reason;
      if (c.pending.empty() && !suite_matches(report, c.suite))
        why += fmt::format("; the claim is tested by suites/{}.json", c.suite);
    };
    if (!c.pending.empty()) {
      not_testable("pending: " + c.pending);
    } else {
      const Reading left = read(report, c.select);
      const Reading right = c.kind == ClaimKind::LessThan ? read(report, c.right) : Reading{};
      if (!left.found) {
        not_testable(left.why);
      } else if (c.kind == ClaimKind::LessThan && !right.found) {
        not_testable(right.why);
      } else {
        measured = left.value;
        ci95 = left.ci95;
        bool ok = false;
        const std::string measured_text = fmt::format("{} = {}{}", left.label, num(left.value), ci_text(left.ci95));
        switch (c.kind) {
          case ClaimKind::PublishedValue: {
            const double p = c.published.to_number<double>();
            const bool near = std::fabs(left.value - p) <= c.tolerance;
            const bool in_ci = left.ci95 && left.ci95->first <= p && p <= left.ci95->second;
            ok = near || in_ci;
            why = fmt::format("{}; published {} is {}", measured_text, num(p),
                              near && in_ci ? fmt::format("within ±{} and inside the 95% CI", num(c.tolerance))
                              : near        ? fmt::format("within ±{}", num(c.tolerance))
                              : in_ci       ? fmt::format("inside the 95% CI (but not within ±{})", num(c.tolerance))
                                            : fmt::format("not within ±{}{}", num(c.tolerance),
                                                          left.ci95 ? " nor inside the 95% CI" : ""));
            break;
          }
          case ClaimKind::AtLeast:
          case ClaimKind::AtMost: {
            const bool at_least = c.kind == ClaimKind::AtLeast;
            const bool holds = at_least ? left.value >= c.threshold : left.value <= c.threshold;
            why = fmt::format("{} {} {}", measured_text, holds ? (at_least ? "≥" : "≤") : (at_least ? "<" : ">"),
                              num(c.threshold));
            if (c.significance == Significance::Ignored) {
              ok = holds;
              break;
            }
            if (!left.significant) {
              measured.reset(), ci95.reset();
              not_testable(fmt::format("{} has no \"significant\"", left.label));
              break;
            }
            const bool sig = *left.significant;
            why += sig ? ", significant" : ", not significant";
            if (c.significance == Significance::Required) ok = holds && sig;
            else ok = holds || !sig;
            break;
          }
          case ClaimKind::LessThan: {
            const double bound = c.factor * right.value - c.margin;
            ok = left.value < bound;
            std::string rhs = fmt::format("{} = {}{}", right.label, num(right.value), ci_text(right.ci95));
            if (c.factor != 1 || c.margin != 0) {
              std::string expr = c.factor != 1 ? num(c.factor) + " × right" : "right";
              if (c.margin != 0) expr += " − " + num(c.margin);
              rhs = fmt::format("{} = {} (right: {})", expr, num(bound), rhs);
            }
            why = fmt::format("{} {} {}", measured_text, ok ? "<" : "≥", rhs);
            break;
          }
        }
        if (verdict.empty()) verdict = ok ? "supported" : "not supported";
      }
    }
    e["verdict"] = verdict;
    if (measured) e["measured"] = *measured;
    if (ci95) e["ci95"] = json::array{ci95->first, ci95->second};
    if (!c.published.is_null()) e["published"] = c.published;
    e["why"] = why;
    out.push_back(std::move(e));
  }
  return out;
}

std::string format_claims(const json::array& claims) {
  // Tested claims in a table; untested ones grouped by their reason, which is usually shared
  // (all the claims of another suite, all those waiting for the same methods).
  std::vector<std::array<std::string, 5>> rows;
  std::vector<std::pair<std::string, std::vector<std::string>>> untested;  // why -> ids, first-seen order
  int supported = 0, refuted = 0;
  for (const auto& v : claims) {
    const auto& c = v.as_object();
    const std::string verdict(c.at("verdict").as_string()), id(c.at("id").as_string());
    const std::string why = c.contains("why") ? std::string(c.at("why").as_string()) : "";
    if (verdict != "supported" && verdict != "not supported") {
      auto it = std::find_if(untested.begin(), untested.end(), [&](const auto& g) { return g.first == why; });
      if (it == untested.end()) untested.push_back({why, {id}});
      else it->second.push_back(id);
      continue;
    }
    ++(verdict == "supported" ? supported : refuted);
    std::string measured = "-", published = "-";
    if (const json::value* m = c.if_contains("measured"); m && m->is_number()) measured = num(m->to_number<double>());
    if (const json::value* p = c.if_contains("published")) {
      published = short_text(*p);
      if (display_width(published) > 28) {
        std::string cut;
        for (char ch : published) {  // whole code points only
          if (display_width(cut) >= 25 && (static_cast<unsigned char>(ch) & 0xC0) != 0x80) break;
          cut += ch;
        }
        published = cut + "...";
      }
    }
    rows.push_back({verdict, id, measured, published, why});
  }
  std::size_t untested_count = 0;
  for (const auto& g : untested) untested_count += g.second.size();
  std::string out = fmt::format("\nclaims: {} supported, {} not supported, {} not testable\n", supported, refuted, untested_count);
  if (!rows.empty()) {
    const std::array<std::string, 5> head = {"verdict", "claim", "measured", "published", "why"};
    std::array<std::size_t, 5> width{};
    for (std::size_t i = 0; i < 4; ++i) width[i] = display_width(head[i]);
    for (const auto& r : rows)
      for (std::size_t i = 0; i < 4; ++i) width[i] = std::max(width[i], display_width(r[i]));
    auto line = [&](const std::array<std::string, 5>& r) {
      std::string l;
      for (std::size_t i = 0; i < 4; ++i) {
        const std::string pad(width[i] - display_width(r[i]), ' ');
        l += (i == 2 ? pad + r[i] : r[i] + pad) + "  ";  // numbers right-aligned
      }
      return l + r[4] + "\n";
    };
    out += line(head);
    for (const auto& r : rows) out += line(r);
  }
  if (!untested.empty()) {
    out += "not testable:\n";
    for (const auto& [why, ids] : untested) out += fmt::format("  {}\n    {}\n", why, fmt::join(ids, ", "));
  }
  return out;
}

}  // namespace longtail::reports

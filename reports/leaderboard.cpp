#include "reports/leaderboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "harness/common/json_fields.h"
#include "harness/common/options.h"
#include "reports/report.h"

namespace longtail::reports {

namespace json = boost::json;
using namespace json_fields;

namespace {

const std::string kRoot = "report.json: $";
const std::array<const char*, 3> kGroups = {"all", "high", "low"};
const std::array<const char*, 3> kGroupNames = {"All", "High", "Low"};

// ---------------------------------------------------------------- the tables as data

struct Value {
  bool present = false;
  double mean = 0;
  std::optional<double> sd;  // null with one seed
  bool bold = false;
  bool dagger = false;
};

struct Table {
  std::vector<std::string> columns;  // language codes, or All/High/Low
  std::vector<std::string> notes;    // per column: natural training pairs, or number of languages
  std::vector<std::vector<Value>> values;  // [method][column]
  bool has_wtl = false;
  std::vector<std::optional<std::array<int64_t, 3>>> wtl;  // [method]: wins, ties, losses (none for the baseline)
};

struct Block {
  std::string dataset, imbalance;
  int64_t stage = 0;
  std::vector<std::string> methods;  // baseline first, then summary order
  std::vector<const json::object*> summary;     // [method]
  std::vector<std::string> summary_where;       // [method]
  std::vector<const json::object*> comparison;  // [method], null when none
  std::vector<std::string> comparison_where;
  std::size_t min_seeds = 0, max_seeds = 0;
  Table languages, groups;
};

// Continual runs: per dataset × imbalance, each method's stage transitions (the report's `stages`).
struct StageValue {
  bool present = false;
  std::optional<double> gains, forgetting, bwt;
  std::optional<int64_t> improved, scored;  // absent in reports written before `stages`
  std::array<bool, 3> bold{};               // gains, forgetting, BWT
};

struct StageTable {
  std::string dataset, imbalance;
  std::vector<std::pair<int64_t, int64_t>> transitions;  // (from, to), in stage order
  std::vector<std::string> methods;                      // the baseline first, then as listed
  std::vector<std::vector<StageValue>> values;           // [method][transition]
};

struct Leaderboard {
  std::string suite, generated_by, baseline, split, signature;
  double alpha = 0.05;
  int64_t resamples = 0;
  std::vector<Block> blocks;
  std::vector<StageTable> stages;
};

std::optional<double> number_or_null(const json::object& o, const char* key, const std::string& where) {
  if (need(o, key, where).is_null()) return std::nullopt;
  return need_number(o, key, where);
}

// BLEU mean and std of a seed_stats object.
Value seed_stats(const json::object& o, const std::string& where) {
  Value v;
  v.present = true;
  v.mean = need_number(o, "bleu_mean", where);
  v.sd = number_or_null(o, "bleu_std", where);
  return v;
}

std::string fixed(double x, int precision) { return fmt::format("{:.{}f}", x, precision); }

// Bold: every value whose printed mean equals the best printed mean, when the column compares
// at least two methods.
void mark_best(Table& t, int precision) {
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    std::optional<double> best;
    int present = 0;
    for (const auto& row : t.values)
      if (row[c].present) {
        ++present;
        const double shown = std::stod(fixed(row[c].mean, precision));
        best = best ? std::max(*best, shown) : shown;
      }
    if (present < 2) continue;
    for (auto& row : t.values)
      if (row[c].present && std::stod(fixed(row[c].mean, precision)) == *best) row[c].bold = true;
  }
}

std::string group_digits(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

void build_tables(Block& b, const std::string& baseline, int precision) {
  // Languages: the union over methods, by natural training pairs (largest first), then code.
  std::map<std::string, int64_t> natural;
  for (std::size_t m = 0; m < b.methods.size(); ++m) {
    const std::string where = b.summary_where[m] + ".languages";
    for (const auto& [code, lang] : need_object(*b.summary[m], "languages", b.summary_where[m])) {
      const std::string lang_where = where + "." + std::string(code);
      const int64_t n = need_int(as_object(lang, lang_where), "natural_pairs", lang_where);
      natural.emplace(std::string(code), n);  // the first method's (the baseline's) count wins
    }
  }
  std::vector<std::pair<std::string, int64_t>> langs(natural.begin(), natural.end());
  std::stable_sort(langs.begin(), langs.end(), [](const auto& a, const auto& z) { return a.second > z.second; });

  Table& lt = b.languages;
  for (const auto& [code, n] : langs) {
    lt.columns.push_back(code);
    lt.notes.push_back(group_digits(n));
  }
  Table& gt = b.groups;
  for (std::size_t g = 0; g < kGroups.size(); ++g) gt.columns.push_back(kGroupNames[g]);
  gt.has_wtl = !baseline.empty();

  for (std::size_t m = 0; m < b.methods.size(); ++m) {
    const json::object& s = *b.summary[m];
    const json::object* cmp = b.comparison[m];
    const std::string& sw = b.summary_where[m];
    const std::string& cw = b.comparison_where[m];

    std::vector<Value> row;
    const auto& slangs = need_object(s, "languages", sw);
    const json::object* clangs = cmp ? &need_object(*cmp, "languages", cw) : nullptr;
    for (const auto& [code, n] : langs) {
      Value v;
      if (const auto* e = slangs.if_contains(code)) {
        v = seed_stats(as_object(*e, sw + ".languages." + code), sw + ".languages." + code);
        if (clangs)
          if (const auto* c = clangs->if_contains(code))
            v.dagger = need_bool(as_object(*c, cw + ".languages." + code), "significant", cw + ".languages." + code);
      }
      row.push_back(v);
    }
    lt.values.push_back(std::move(row));

    row.clear();
    const auto& sgroups = need_object(s, "groups", sw);
    const json::object* cgroups = cmp ? &need_object(*cmp, "groups", cw) : nullptr;
    for (std::size_t g = 0; g < kGroups.size(); ++g) {
      const std::string gw = sw + ".groups." + kGroups[g];
      const auto& stats = need_object(sgroups, kGroups[g], sw + ".groups");
      const int64_t count = need_int(stats, "languages", gw);
      if (m == 0) gt.notes.push_back(std::to_string(count));
      Value v;
      if (count > 0) {
        v = seed_stats(stats, gw);
        if (cgroups) v.dagger = need_bool(need_object(*cgroups, kGroups[g], cw + ".groups"), "significant", cw + ".groups." + kGroups[g]);
      }
      row.push_back(v);
    }
    gt.values.push_back(std::move(row));
    if (cmp)
      gt.wtl.push_back(std::array<int64_t, 3>{need_int(*cmp, "wins", cw), need_int(*cmp, "ties", cw), need_int(*cmp, "losses", cw)});
    else
      gt.wtl.push_back(std::nullopt);
  }
  mark_best(lt, precision);
  mark_best(gt, precision);
}

std::optional<int64_t> int_if_present(const json::object& o, const char* key, const std::string& where) {
  if (!o.contains(key)) return std::nullopt;
  return need_int(o, key, where);
}

// Bold per transition and figure: every method whose printed value is the best printed one (the
// most gains, the least forgetting, the highest backward transfer), when two or more have one.
void mark_best_stages(StageTable& t, int precision) {
  for (std::size_t c = 0; c < t.transitions.size(); ++c)
    for (int k = 0; k < 3; ++k) {
      auto shown = [&](const StageValue& v) -> std::optional<double> {
        const auto& x = k == 0 ? v.gains : k == 1 ? v.forgetting : v.bwt;
        if (!v.present || !x) return std::nullopt;
        return k == 0 ? std::round(100 * *x) : std::stod(fixed(*x, precision));
      };
      std::optional<double> best;
      int present = 0;
      for (const auto& row : t.values)
        if (const auto x = shown(row[c])) {
          ++present;
          best = !best ? *x : k == 1 ? std::min(*best, *x) : std::max(*best, *x);
        }
      if (present < 2) continue;
      for (auto& row : t.values)
        if (const auto x = shown(row[c]); x && *x == *best) row[c].bold[k] = true;
    }
}

void read_stage_tables(const json::object& report, Leaderboard& lb, int precision) {
  std::string path;
  const json::array* entries = stage_transitions(report, &path);
  if (!entries) return;
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::size_t> table_of;
  struct Read {
    std::size_t table;
    std::string method, where;
    std::pair<int64_t, int64_t> transition;
    StageValue value;
  };
  std::vector<Read> reads;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = fmt::format("report.json: {}[{}]", path, i);
    const auto& e = as_object((*entries)[i], where);
    const Key key{need_string(e, "dataset", where), need_string(e, "imbalance", where)};
    auto [it, added] = table_of.emplace(key, lb.stages.size());
    if (added) {
      lb.stages.emplace_back();
      std::tie(lb.stages.back().dataset, lb.stages.back().imbalance) = key;
    }
    Read r{it->second, need_string(e, "method", where), where,
           {need_int(e, "from_stage", where), need_int(e, "to_stage", where)}, {}};
    r.value.present = true;
    r.value.gains = number_or_null(e, "gains", where);
    r.value.forgetting = number_or_null(e, "forgetting", where);
    r.value.bwt = number_or_null(e, "backward_transfer", where);
    r.value.improved = int_if_present(e, "improved", where);
    r.value.scored = int_if_present(e, "languages_scored", where);
    StageTable& t = lb.stages[r.table];
    if (std::find(t.transitions.begin(), t.transitions.end(), r.transition) == t.transitions.end())
      t.transitions.push_back(r.transition);
    // The baseline leads; the others keep the order they are listed in.
    if (std::find(t.methods.begin(), t.methods.end(), r.method) == t.methods.end())
      t.methods.insert(r.method == lb.baseline ? t.methods.begin() : t.methods.end(), r.method);
    reads.push_back(std::move(r));
  }
  for (auto& t : lb.stages) {
    std::sort(t.transitions.begin(), t.transitions.end());
    t.values.assign(t.methods.size(), std::vector<StageValue>(t.transitions.size()));
  }
  for (auto& r : reads) {
    StageTable& t = lb.stages[r.table];
    const auto m = std::find(t.methods.begin(), t.methods.end(), r.method) - t.methods.begin();
    const auto c = std::find(t.transitions.begin(), t.transitions.end(), r.transition) - t.transitions.begin();
    if (t.values[m][c].present)
      throw ConfigError(r.where, fmt::format("a second entry for method \"{}\", stage {} to {}", r.method,
                                             r.transition.first, r.transition.second));
    t.values[m][c] = r.value;
  }
  for (auto& t : lb.stages) mark_best_stages(t, precision);
}

Leaderboard read_leaderboard(const json::object& report, int precision) {
  if (precision < 0 || precision > 6) throw ConfigError("leaderboard", fmt::format("precision {} is outside 0..6", precision));
  Leaderboard lb;
  const auto& settings = need_object(report, "settings", kRoot);
  const std::string sw = kRoot + ".settings";
  if (!need(settings, "baseline", sw).is_null()) lb.baseline = need_string(settings, "baseline", sw);
  lb.alpha = need_number(settings, "alpha", sw);
  lb.split = need_string(settings, "split", sw);
  lb.resamples = need_int(settings, "bootstrap_resamples", sw);
  if (const auto* scorer = report.if_contains("scorer"); scorer && !scorer->is_null())
    lb.signature = need_string(as_object(*scorer, kRoot + ".scorer"), "bleu", kRoot + ".scorer");
  if (const auto* suite = report.if_contains("suite")) {
    if (suite->is_string()) {
      lb.suite = std::string(suite->get_string());
    } else if (suite->is_array()) {
      for (const auto& s : suite->get_array())
        if (s.is_string()) lb.suite += (lb.suite.empty() ? "" : ", ") + std::string(s.get_string());
    }
  }
  lb.generated_by = get_string(report, "generated_by", kRoot);

  // Blocks in the order their first summary entry appears.
  using Key = std::tuple<std::string, std::string, int64_t>;
  std::map<Key, std::size_t> block_of;
  std::size_t i = 0;
  for (const auto& v : need_array(report, "summary", kRoot)) {
    const std::string where = fmt::format("{}.summary[{}]", kRoot, i++);
    const auto& s = as_object(v, where);
    Key key{need_string(s, "dataset", where), need_string(s, "imbalance", where), need_int(s, "stage", where)};
    auto [it, added] = block_of.emplace(key, lb.blocks.size());
    if (added) {
      Block b;
      std::tie(b.dataset, b.imbalance, b.stage) = key;
      lb.blocks.push_back(std::move(b));
    }
    Block& b = lb.blocks[it->second];
    const std::string method = need_string(s, "method", where);
    if (std::find(b.methods.begin(), b.methods.end(), method) != b.methods.end())
      throw ConfigError(where, "a second summary entry for method \"" + method + "\" in this dataset, imbalance and stage");
    const std::size_t seeds = need_array(s, "seeds", where).size();
    b.min_seeds = b.methods.empty() ? seeds : std::min(b.min_seeds, seeds);
    b.max_seeds = std::max(b.max_seeds, seeds);
    // The baseline leads; the others keep summary (suite) order.
    const bool first = method == lb.baseline;
    b.methods.insert(first ? b.methods.begin() : b.methods.end(), method);
    b.summary.insert(first ? b.summary.begin() : b.summary.end(), &s);
    b.summary_where.insert(first ? b.summary_where.begin() : b.summary_where.end(), where);
  }
  for (auto& b : lb.blocks) {
    b.comparison.assign(b.methods.size(), nullptr);
    b.comparison_where.assign(b.methods.size(), "");
  }
  i = 0;
  for (const auto& v : need_array(report, "comparisons", kRoot)) {
    const std::string where = fmt::format("{}.comparisons[{}]", kRoot, i++);
    const auto& c = as_object(v, where);
    Key key{need_string(c, "dataset", where), need_string(c, "imbalance", where), need_int(c, "stage", where)};
    auto it = block_of.find(key);
    if (it == block_of.end()) continue;  // nothing to mark without a summary
    if (need_string(c, "baseline", where) != lb.baseline) continue;  // against settings.extra_baselines: for claims
    Block& b = lb.blocks[it->second];
    const auto m = std::find(b.methods.begin(), b.methods.end(), need_string(c, "method", where)) - b.methods.begin();
    if (m == std::ptrdiff_t(b.methods.size())) continue;
    b.comparison[m] = &c;
    b.comparison_where[m] = where;
  }
  for (auto& b : lb.blocks) build_tables(b, lb.baseline, precision);
  read_stage_tables(report, lb, precision);
  return lb;
}

// ---------------------------------------------------------------- captions

struct Symbols {
  std::string pm, dagger, alpha, dash;
  std::string sizes;   // where the header shows each language's training pairs
  std::string counts;  // where the header shows each group's number of languages
  std::string (*escape)(const std::string&);
  std::string (*code)(const std::string&);
  std::string arrow, percent;
};

std::string seeds_phrase(const Block& b, const Symbols& sym) {
  if (b.max_seeds <= 1) return "one seed (no standard deviation)";
  if (b.min_seeds == b.max_seeds) return fmt::format("mean {} sample standard deviation over {} seeds", sym.pm, b.max_seeds);
  return fmt::format("mean {} sample standard deviation over {}{}{} seeds (the mean alone for a method with one seed)",
                     sym.pm, b.min_seeds, sym.dash, b.max_seeds);
}

std::string block_title(const Block& b, const Symbols& sym) {
  std::string t = sym.escape(b.dataset) + ", imbalance " + sym.escape(b.imbalance);
  if (b.stage > 0) t += fmt::format(", stage {}", b.stage);
  return t;
}

std::string common_tail(const Leaderboard& lb, const Symbols& sym) {
  std::string t = " Bold: best in the column.";
  if (!lb.baseline.empty())
    t += fmt::format(" {}: significantly different from the baseline ({}), paired bootstrap test, {} resamples, {}.",
                     sym.dagger, sym.escape(lb.baseline), lb.resamples, fmt::format(fmt::runtime(sym.alpha), lb.alpha));
  if (!lb.signature.empty()) t += " BLEU signature: " + sym.code(lb.signature) + ".";
  return t;
}

std::string language_caption(const Leaderboard& lb, const Block& b, const Symbols& sym) {
  return fmt::format("{}: {} BLEU per language, {}. Languages are ordered by their natural training pairs "
                     "({}), largest first.{}",
                     block_title(b, sym), sym.escape(lb.split), seeds_phrase(b, sym), sym.sizes, common_tail(lb, sym));
}

std::string group_caption(const Leaderboard& lb, const Block& b, const Symbols& sym) {
  std::string t = fmt::format("{}: {} BLEU averaged over the languages of each resource group (their number {}), {}.{}",
                              block_title(b, sym), sym.escape(lb.split), sym.counts, seeds_phrase(b, sym),
                              common_tail(lb, sym));
  if (b.groups.has_wtl)
    t += fmt::format(" W/T/L: languages where the method is significantly better than, not significantly different "
                     "from, or significantly worse than {}.",
                     sym.escape(lb.baseline));
  return t;
}

std::string stage_title(const StageTable& t, const Symbols& sym) {
  return sym.escape(t.dataset) + ", imbalance " + sym.escape(t.imbalance) + ": continual stages";
}

std::string stage_caption(const Leaderboard& lb, const StageTable& t, const Symbols& sym) {
  return fmt::format(
      "{}: what each update stage did to the languages, per method: every language's {} BLEU after the stage "
      "against the stage before (means over seeds; paired bootstrap test, {} resamples, {}). Gains: the share of "
      "the languages significantly better (improved / scored). Forgetting: the mean BLEU lost by the languages that "
      "got worse. BWT: backward transfer, the mean over the languages of their BLEU after the stage minus their BLEU "
      "at the stage where they were first scored. Bold: best in the column (most gains, least forgetting, highest "
      "BWT).",
      sym.escape(t.dataset) + ", imbalance " + sym.escape(t.imbalance), sym.escape(lb.split), lb.resamples,
      fmt::format(fmt::runtime(sym.alpha), lb.alpha));
}

std::string stage_name(const std::pair<int64_t, int64_t>& tr, const Symbols& sym) {
  return fmt::format("{}{}{}", tr.first, sym.arrow, tr.second);
}

// The three figures of one transition as text (a dash for a missing one), bold as marked.
std::array<std::string, 3> stage_texts(const StageValue& v, int precision, const Symbols& sym, const std::string& dash,
                                       std::string (*bold)(const std::string&)) {
  std::array<std::string, 3> out{dash, dash, dash};
  if (!v.present) return out;
  if (v.gains) {
    out[0] = fmt::format("{:.0f}{}", 100 * *v.gains, sym.percent);
    if (v.improved && v.scored) out[0] += fmt::format(" ({}/{})", *v.improved, *v.scored);
  }
  if (v.forgetting) out[1] = fixed(*v.forgetting, precision);
  if (v.bwt) {
    out[2] = fmt::format("{:+.{}f}", *v.bwt, precision);
    if (out[2].find_first_not_of("-0.") == std::string::npos) out[2][0] = '+';  // no "-0.0"
  }
  for (int k = 0; k < 3; ++k)
    if (v.bold[k]) out[k] = bold(out[k]);
  return out;
}

// ---------------------------------------------------------------- Markdown

std::string md_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|~&$#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string md_code(const std::string& text) {
  if (text.find('`') != std::string::npos || text.find('\n') != std::string::npos) return md_escape(text);
  return "`" + text + "`";
}

std::string md_bold(const std::string& t) { return "**" + t + "**"; }

const Symbols kMarkdown{"±", "†", "α = {}", "–", "in parentheses", "in parentheses", md_escape, md_code, "→", "%"};

std::string md_value(const Value& v, int precision) {
  if (!v.present) return "–";
  std::string t = fixed(v.mean, precision);
  if (v.sd) t += " ± " + fixed(*v.sd, precision);
  if (v.bold) t = "**" + t + "**";
  if (v.dagger) t += "†";
  return t;
}

std::string md_table(const Block& b, const Table& t, int precision) {
  std::string head = "| Method |", rule = "|:---|";
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    head += fmt::format(" {} ({}) |", md_escape(t.columns[c]), t.notes[c]);
    rule += "---:|";
  }
  if (t.has_wtl) {
    head += " W | T | L |";
    rule += "---:|---:|---:|";
  }
  std::string out = head + "\n" + rule + "\n";
  for (std::size_t m = 0; m < b.methods.size(); ++m) {
    out += "| " + md_escape(b.methods[m]) + " |";
    for (const auto& v : t.values[m]) out += " " + md_value(v, precision) + " |";
    if (t.has_wtl) {
      if (t.wtl[m])
        out += fmt::format(" {} | {} | {} |", (*t.wtl[m])[0], (*t.wtl[m])[1], (*t.wtl[m])[2]);
      else
        out += " – | – | – |";
    }
    out += "\n";
  }
  return out;
}

std::string md_stage_table(const StageTable& t, int precision) {
  std::string head = "| Method |", rule = "|:---|";
  for (const auto& tr : t.transitions) {
    const std::string name = stage_name(tr, kMarkdown);
    head += fmt::format(" {} gains | {} forgetting | {} BWT |", name, name, name);
    rule += "---:|---:|---:|";
  }
  std::string out = head + "\n" + rule + "\n";
  for (std::size_t m = 0; m < t.methods.size(); ++m) {
    out += "| " + md_escape(t.methods[m]) + " |";
    for (const auto& v : t.values[m])
      for (const auto& x : stage_texts(v, precision, kMarkdown, "–", md_bold)) out += " " + x + " |";
    out += "\n";
  }
  return out;
}

// ---------------------------------------------------------------- LaTeX

const Symbols kLatex{"$\\pm$", "$^\\dagger$", "$\\alpha = {}$", "--", "in the second header row", "in the second header row",
                     latex_escape, latex_escape, "$\\to$", "\\%"};

std::string latex_value(const Value& v, int precision) {
  if (!v.present) return "--";
  std::string t = fixed(v.mean, precision);
  if (v.sd) t += "\\,$\\pm$\\," + fixed(*v.sd, precision);
  if (v.bold) t = "\\textbf{\\boldmath " + t + "}";
  if (v.dagger) t += "$^\\dagger$";
  return t;
}

std::string latex_bold(const std::string& t) { return "\\textbf{\\boldmath " + t + "}"; }

// A transition per column group: its name over three columns, the figures' names beneath.
std::string latex_stage_table(const StageTable& t, const Leaderboard& lb, const std::string& label, int precision) {
  std::string spec = "l", head = "Method", names;
  for (std::size_t c = 0; c < t.transitions.size(); ++c) {
    spec += "ccc";
    head += fmt::format(" & \\multicolumn{{3}}{{c}}{{Stage {}}}", stage_name(t.transitions[c], kLatex));
    names += fmt::format("\\cmidrule(lr){{{}-{}}}", 2 + 3 * c, 4 + 3 * c);
  }
  for (std::size_t c = 0; c < t.transitions.size(); ++c)
    names += " & {\\footnotesize Gains} & {\\footnotesize Forgetting} & {\\footnotesize BWT}";
  std::string out = "\\begin{table}[htbp]\n\\centering\n";
  out += "\\caption{" + stage_caption(lb, t, kLatex) + "}\n\\label{" + label + "}\n";
  out += "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n";
  out += "\\begin{tabular}{" + spec + "}\n\\toprule\n" + head + " \\\\\n" + names + " \\\\\n\\midrule\n";
  for (std::size_t m = 0; m < t.methods.size(); ++m) {
    out += latex_escape(t.methods[m]);
    for (const auto& v : t.values[m])
      for (const auto& x : stage_texts(v, precision, kLatex, "--", latex_bold)) out += " & " + x;
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}%\n}\n\\end{table}\n";
  return out;
}

// A \label key: letters and digits, everything else a hyphen; unique within the fragment.
std::string latex_label(const std::string& text, std::set<std::string>& used) {
  std::string key;
  for (char c : text) key += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '-';
  std::string candidate = key;
  for (int n = 2; !used.insert(candidate).second; ++n) candidate = fmt::format("{}-{}", key, n);
  return candidate;
}

std::string latex_table(const Block& b, const Table& t, const std::string& caption, const std::string& label,
                        const std::string& notes_label, int precision) {
  std::string spec = "l" + std::string(t.columns.size(), 'c') + (t.has_wtl ? "rrr" : "");
  std::string head = "Method", notes = "{\\footnotesize " + notes_label + "}";
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    head += " & " + latex_escape(t.columns[c]);
    notes += " & {\\footnotesize " + t.notes[c] + "}";
  }
  if (t.has_wtl) {
    head += " & W & T & L";
    notes += " & & &";
  }
  std::string out = "\\begin{table}[htbp]\n\\centering\n";
  out += "\\caption{" + caption + "}\n\\label{" + label + "}\n";
  // Scaled down to the line width only when wider.
  out += "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n";
  out += "\\begin{tabular}{" + spec + "}\n\\toprule\n" + head + " \\\\\n" + notes + " \\\\\n\\midrule\n";
  for (std::size_t m = 0; m < b.methods.size(); ++m) {
    out += latex_escape(b.methods[m]);
    for (const auto& v : t.values[m]) out += " & " + latex_value(v, precision);
    if (t.has_wtl) {
      if (t.wtl[m])
        out += fmt::format(" & {} & {} & {}", (*t.wtl[m])[0], (*t.wtl[m])[1], (*t.wtl[m])[2]);
      else
        out += " & -- & -- & --";
    }
    out += " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}%\n}\n\\end{table}\n";
  return out;
}

std::string comment_line(const std::string& text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

std::string latex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\textbackslash{}"; break;
      case '{': out += "\\{"; break;
      case '}': out += "\\}"; break;
      case '_': out += "\\_"; break;
      case '%': out += "\\%"; break;
      case '&': out += "\\&"; break;
      case '#': out += "\\#"; break;
      case '$': out += "\\$"; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '|': out += "\\textbar{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string leaderboard_markdown(const json::object& report, int precision) {
  const Leaderboard lb = read_leaderboard(report, precision);
  std::string out = "# Leaderboard";
  if (!lb.suite.empty()) out += ": " + md_escape(lb.suite);
  out += "\n\n";
  if (!lb.generated_by.empty()) out += "Generated by " + md_escape(lb.generated_by) + ".\n\n";
  if (lb.blocks.empty()) return out + "No results: the report's summary is empty.\n";
  for (const auto& b : lb.blocks) {
    out += "## " + block_title(b, kMarkdown) + "\n\n";
    out += "### Per language\n\n" + language_caption(lb, b, kMarkdown) + "\n\n" + md_table(b, b.languages, precision) + "\n";
    out += "### Per resource group\n\n" + group_caption(lb, b, kMarkdown) + "\n\n" + md_table(b, b.groups, precision) + "\n";
  }
  for (const auto& t : lb.stages)
    out += "## " + stage_title(t, kMarkdown) + "\n\n" + stage_caption(lb, t, kMarkdown) + "\n\n" + md_stage_table(t, precision) + "\n";
  return out;
}

std::string leaderboard_latex(const json::object& report, int precision) {
  const Leaderboard lb = read_leaderboard(report, precision);
  std::string out = "% longtail leaderboard";
  if (!lb.suite.empty()) out += ": suite " + comment_line(lb.suite);
  if (!lb.generated_by.empty()) out += " (" + comment_line(lb.generated_by) + ")";
  out += "\n% A fragment of table environments. The preamble needs:\n%   \\usepackage{booktabs}\n%   \\usepackage{graphicx}\n";
  if (lb.blocks.empty()) return out + "% No results: the report's summary is empty.\n";
  std::set<std::string> used;
  for (const auto& b : lb.blocks) {
    std::string key = "tab:longtail-" + latex_label(b.dataset + "-" + b.imbalance + (b.stage > 0 ? fmt::format("-stage{}", b.stage) : ""), used);
    out += "\n" + latex_table(b, b.languages, language_caption(lb, b, kLatex), key + "-languages", "training pairs", precision);
    out += "\n" + latex_table(b, b.groups, group_caption(lb, b, kLatex), key + "-groups", "languages", precision);
  }
  for (const auto& t : lb.stages)
    out += "\n" + latex_stage_table(t, lb, "tab:longtail-" + latex_label(t.dataset + "-" + t.imbalance + "-stages", used), precision);
  return out;
}

std::string latex_document(const std::string& body) {
  return "\\documentclass{article}\n"
         "\\usepackage{booktabs}\n"
         "\\usepackage{graphicx}\n"
         "\\extrafloats{500}\n"  // a long run of tables must not exhaust the default 18 float slots
         "\\begin{document}\n" +
         body + "\n\\end{document}\n";
}

}  // namespace longtail::reports

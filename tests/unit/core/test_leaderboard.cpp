// Leaderboards (Markdown, LaTeX) and results.csv from a report v2: the example report and small
// hand-made ones (bold, daggers, language order, one seed, escaping, CSV rows and quoting).
#include <catch2/catch.hpp>

#include "example_report.h"
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "reports/leaderboard.h"
#include "reports/results_csv.h"

using namespace longtail;
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------- hand-made reports

struct Lang {
  std::string code;
  int64_t natural;
  std::string group;
};

json::object stats(double mean, std::optional<double> sd) {
  return {{"bleu_mean", mean}, {"bleu_std", sd ? json::value(*sd) : json::value(nullptr)}, {"bleu_ci95", nullptr},
          {"bleu_se", 0.1},    {"chrf_mean", 2 * mean}, {"chrf_std", nullptr}, {"chrf_ci95", nullptr}};
}

// A summary entry: `means` per language (a language left out is missing for this method), the
// standard deviation `sd` everywhere (null: one seed), group means over the languages present.
json::object summary(const std::string& imbalance, const std::string& method, const std::vector<Lang>& langs,
                     const std::map<std::string, double>& means, std::optional<double> sd, int seeds = 3,
                     int64_t stage = 0, const std::string& dataset = "ds") {
  json::object languages;
  std::map<std::string, std::vector<double>> by_group;
  for (const auto& l : langs) {
    auto it = means.find(l.code);
    if (it == means.end()) continue;
    json::object e = stats(it->second, sd);
    e["train_pairs"] = l.natural, e["natural_pairs"] = l.natural, e["group"] = l.group;
    languages[l.code] = e;
    by_group["all"].push_back(it->second);
    by_group[l.group].push_back(it->second);
  }
  json::object groups;
  for (const char* g : {"all", "high", "low"}) {
    const auto& v = by_group[g];
    double m = 0;
    for (double x : v) m += x;
    json::object e = stats(v.empty() ? 0 : m / double(v.size()), sd);
    e["languages"] = int64_t(v.size()), e["train_pairs"] = 0;
    groups[g] = e;
  }
  json::array seed_list;
  for (int s = 1; s <= seeds; ++s) seed_list.push_back(s);
  return {{"dataset", dataset}, {"imbalance", imbalance}, {"method", method}, {"stage", stage},
          {"seeds", seed_list}, {"languages", languages}, {"groups", groups}};
}

json::object comparison(const std::string& imbalance, const std::string& method, const std::vector<Lang>& langs,
                        const std::set<std::string>& significant_langs, const std::set<std::string>& significant_groups,
                        std::array<int64_t, 3> wtl = {0, 0, 0}, int64_t stage = 0, const std::string& dataset = "ds") {
  json::object languages, groups;
  for (const auto& l : langs)
    languages[l.code] = json::object{{"delta_bleu", 1.0}, {"delta_chrf", 2.0}, {"p_value", 0.5},
                                     {"significant", significant_langs.count(l.code) > 0}};
  for (const char* g : {"all", "high", "low"})
    groups[g] = json::object{{"delta_bleu", 1.0}, {"delta_chrf", 2.0}, {"p_value", 0.5},
                             {"significant", significant_groups.count(g) > 0}, {"wins", 0}, {"ties", 0}, {"losses", 0}};
  return {{"dataset", dataset}, {"imbalance", imbalance}, {"method", method}, {"stage", stage},
          {"baseline", "base"}, {"seeds", json::array{1, 2, 3}}, {"languages", languages}, {"groups", groups},
          {"wins", wtl[0]}, {"ties", wtl[1]}, {"losses", wtl[2]}};
}

json::object report(json::array summaries, json::array comparisons, json::array cells = {},
                    json::value baseline = "base") {
  return {{"schema", "longtail-report-v2"},
          {"suite", "hand"},
          {"generated_by", "longtail test"},
          {"scorer", json::object{{"bleu", "nrefs:1|tok:13a"}, {"chrf", "nrefs:1"}}},
          {"settings", json::object{{"baseline", baseline}, {"alpha", 0.01}, {"split", "test"},
                                    {"bootstrap_resamples", 1000}, {"bootstrap_seed", 1}}},
          {"cells", cells},
          {"summary", summaries},
          {"comparisons", comparisons}};
}

json::object example() { return test::example_report(); }

// ---------------------------------------------------------------- reading the output back

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// Splits on `sep` where it is not escaped by a backslash (Markdown's \| and LaTeX's \&).
std::vector<std::string> split_unescaped(const std::string& line, char sep) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      out.back() += line.substr(i, 2);
      ++i;
    } else if (line[i] == sep) {
      out.emplace_back();
    } else {
      out.back() += line[i];
    }
  }
  return out;
}

// A Markdown table: header cells, then rows of cells (method label first).
struct MdTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  const std::vector<std::string>& row(const std::string& method) const {
    for (const auto& r : rows)
      if (r[0] == method) return r;
    FAIL("no row " << method);
    return rows[0];
  }
};

std::vector<std::string> md_cells(const std::string& line) {
  auto parts = split_unescaped(line, '|');
  REQUIRE(parts.size() >= 3);  // "| a | b |" → "", " a ", " b ", ""
  std::vector<std::string> out;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) out.push_back(trim(parts[i]));
  return out;
}

std::vector<MdTable> md_tables(const std::string& md) {
  std::vector<MdTable> out;
  const auto lines = lines_of(md);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("| Method |", 0) != 0) continue;
    MdTable t;
    t.header = md_cells(lines[i]);
    for (i += 2; i < lines.size() && !lines[i].empty() && lines[i][0] == '|'; ++i) {
      t.rows.push_back(md_cells(lines[i]));
      CHECK(t.rows.back().size() == t.header.size());
    }
    out.push_back(t);
  }
  return out;
}

// A LaTeX tabular: rows between \midrule and \bottomrule, split on unescaped &; the header line
// (a \multicolumn{n} cell in it counted n times).
struct TexTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<TexTable> tex_tables(const std::string& tex) {
  std::vector<TexTable> out;
  const auto lines = lines_of(tex);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != "\\toprule") continue;
    TexTable t;
    auto strip_end = [](std::string s) {
      REQUIRE(s.size() >= 3);
      REQUIRE(s.substr(s.size() - 3) == " \\\\");
      return s.substr(0, s.size() - 3);
    };
    for (auto& c : split_unescaped(strip_end(lines[i + 1]), '&')) {
      const std::string cell = trim(c);
      const std::size_t span = cell.rfind("\\multicolumn{", 0) == 0 ? std::stoul(cell.substr(13)) : 1;
      for (std::size_t k = 0; k < span; ++k) t.header.push_back(cell);
    }
    REQUIRE(lines[i + 3] == "\\midrule");
    for (i += 4; lines[i] != "\\bottomrule"; ++i) {
      std::vector<std::string> row;
      for (auto& c : split_unescaped(strip_end(lines[i]), '&')) row.push_back(trim(c));
      CHECK(row.size() == t.header.size());
      t.rows.push_back(row);
    }
    out.push_back(t);
  }
  return out;
}

bool md_bold(const std::string& cell) { return cell.rfind("**", 0) == 0; }
bool md_dagger(const std::string& cell) { return cell.find("†") != std::string::npos; }
bool tex_bold(const std::string& cell) { return cell.rfind("\\textbf{", 0) == 0; }
bool tex_dagger(const std::string& cell) { return cell.find("$^\\dagger$") != std::string::npos; }

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// LaTeX that cannot break a document: braces balance (escaped ones aside), no unescaped % except
// the line-end ones after the \resizebox and tabular, no unescaped $ outside $...$ pairs per line.
void check_latex_structure(const std::string& tex) {
  int depth = 0;
  for (const auto& line : lines_of(tex)) {
    if (!line.empty() && line[0] == '%') continue;  // a comment line
    int dollars = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '\\') {
        ++i;  // an escaped character or the first letter of a command
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}') --depth;
      if (c == '$') ++dollars;
      if (c == '%') CHECK(i + 1 == line.size());
      CHECK(depth >= 0);
    }
    INFO(line);
    CHECK(dollars % 2 == 0);
  }
  CHECK(depth == 0);
}

// RFC 4180 records.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row(1);
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        row.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        row.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.emplace_back();
    } else if (c == '\n') {
      rows.push_back(row);
      row.assign(1, "");
    } else {
      row.back() += c;
    }
  }
  REQUIRE_FALSE(quoted);
  REQUIRE(row == std::vector<std::string>{""});  // the text ends with a newline
  return rows;
}

const std::vector<Lang> kLangs = {{"fr", 9000, "high"}, {"de", 5000, "high"}, {"gl", 700, "low"}, {"kk", 300, "low"}};

}  // namespace

TEST_CASE("the example report's leaderboards: layout, values, daggers and W/T/L from the JSON", "[leaderboard]") {
  const json::object r = example();
  const std::string md = reports::leaderboard_markdown(r);
  const std::string tex = reports::leaderboard_latex(r);
  const auto mds = md_tables(md);
  const auto texs = tex_tables(tex);
  REQUIRE(mds.size() == 5);  // natural and exponential, per language and per group; natural's stages
  REQUIRE(texs.size() == 5);
  CHECK(count(tex, "\\begin{table}") == 5);
  CHECK(count(tex, "\\toprule") == 5);
  CHECK(count(tex, "\\bottomrule") == 5);
  check_latex_structure(tex);
  CHECK(md.find("## gettext, imbalance natural") < md.find("## gettext, imbalance exponential"));

  std::size_t significant = 0;
  for (const auto& c : r.at("comparisons").as_array()) {
    for (const auto& [code, l] : c.at("languages").as_object()) significant += l.at("significant").as_bool();
    for (const auto& [g, v] : c.at("groups").as_object()) significant += v.at("significant").as_bool();
  }
  CHECK(significant > 0);
  CHECK(count(md, "†") == significant + 4);  // + once in every caption
  CHECK(count(tex, "$^\\dagger$") == significant + 4);  // + once in every caption

  for (int block = 0; block < 2; ++block) {
    const std::string imbalance = block == 0 ? "natural" : "exponential";
    const MdTable& lt = mds[2 * block];
    const MdTable& gt = mds[2 * block + 1];
    // Languages: from the JSON, by natural pairs, largest first.
    std::vector<std::pair<int64_t, std::string>> sizes;
    std::map<std::string, const json::object*> entry;
    for (const auto& s : r.at("summary").as_array())
      if (s.at("imbalance").as_string() == imbalance) entry[std::string(s.at("method").as_string())] = &s.as_object();
    for (const auto& [code, l] : entry.at("proportional")->at("languages").as_object())
      sizes.emplace_back(l.at("natural_pairs").as_int64(), std::string(code));
    std::sort(sizes.rbegin(), sizes.rend());
    REQUIRE(lt.header.size() == sizes.size() + 1);
    for (std::size_t c = 1; c <= sizes.size(); ++c) CHECK(lt.header[c].rfind(sizes[c - 1].second + " (", 0) == 0);
    CHECK(lt.header[1] == "fr (25,090)");
    CHECK(lt.header[6] == "az (2,900)");
    CHECK(texs[2 * block].header[1] == "fr");
    // Rows: the baseline first, then summary order.
    REQUIRE(lt.rows.size() == 3);
    CHECK(lt.rows[0][0] == "proportional");
    CHECK(lt.rows[1][0] == "temperature");
    CHECK(lt.rows[2][0] == "uniform");
    // Each value: mean ± std of the summary, bold where the printed mean is the column's best.
    for (std::size_t c = 1; c <= sizes.size(); ++c) {
      const std::string code = sizes[c - 1].second;
      double best = 0;
      for (const auto& [m, e] : entry) best = std::max(best, std::stod(fmt::format("{:.1f}", e->at("languages").at(code).at("bleu_mean").as_double())));
      for (const auto& row : lt.rows) {
        const auto& l = entry.at(row[0])->at("languages").at(code).as_object();
        const double mean = l.at("bleu_mean").as_double();
        std::string cell = row[c];
        const bool bold = md_bold(cell);
        CHECK(bold == (std::stod(fmt::format("{:.1f}", mean)) == best));
        cell.erase(std::remove(cell.begin(), cell.end(), '*'), cell.end());
        if (md_dagger(cell)) cell = cell.substr(0, cell.size() - std::string("†").size());
        CHECK(cell == fmt::format("{:.1f} ± {:.1f}", mean, l.at("bleu_std").as_double()));
      }
    }
    // Groups: n languages in the header, W/T/L from the comparison, none for the baseline.
    CHECK(gt.header == std::vector<std::string>{"Method", "All (6)", "High (3)", "Low (3)", "W", "T", "L"});
    CHECK(gt.row("proportional")[4] == "–");
    for (const auto& c : r.at("comparisons").as_array()) {
      if (c.at("imbalance").as_string() != imbalance) continue;
      const auto& row = gt.row(std::string(c.at("method").as_string()));
      CHECK(row[4] == std::to_string(c.at("wins").as_int64()));
      CHECK(row[5] == std::to_string(c.at("ties").as_int64()));
      CHECK(row[6] == std::to_string(c.at("losses").as_int64()));
      CHECK(md_dagger(row[3]) == c.at("groups").at("low").at("significant").as_bool());
    }
  }
  // What the captions say.
  for (const std::string& text : {md, tex}) {
    CHECK(text.find("test BLEU") != std::string::npos);
    CHECK(text.find("over 3 seeds") != std::string::npos);
    CHECK(text.find("paired bootstrap test, 1000 resamples") != std::string::npos);
    CHECK(text.find("= 0.05") != std::string::npos);
  }
  CHECK(md.find("`nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`") != std::string::npos);
  CHECK(tex.find("nrefs:1\\textbar{}case:mixed\\textbar{}eff:no") != std::string::npos);
  CHECK(tex.find("\\usepackage{booktabs}") != std::string::npos);  // the preamble comment
}

namespace {

// A stages entry: gains, forgetting and backward transfer of one method's transition.
json::object stage_entry(const std::string& imbalance, const std::string& method, int64_t from, int64_t to,
                         json::value gains, json::value forgetting, json::value bwt, int64_t improved = 1,
                         int64_t scored = 4) {
  return {{"dataset", "ds"}, {"imbalance", imbalance}, {"method", method}, {"from_stage", from}, {"to_stage", to},
          {"languages", json::object{}}, {"languages_scored", scored}, {"improved", improved}, {"degraded", 0},
          {"gains", gains}, {"forgetting", forgetting}, {"backward_transfer", bwt}};
}

}  // namespace

TEST_CASE("the stage table: a row per method, gains, forgetting and BWT per transition, best in bold", "[leaderboard][stages]") {
  json::array s{summary("one", "base", kLangs, {{"fr", 1}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5)};
  json::object r = report(s, {});
  // Listed out of order: the table puts the transitions in stage order and the baseline first.
  r["stages"] = json::array{stage_entry("one", "lora", 1, 2, 0.5, 0.3, -0.04, 2),
                            stage_entry("one", "lora", 0, 1, 0.25, 1.0, 0.61),
                            stage_entry("one", "base", 0, 1, 0.25, 0.5, 0.44),
                            stage_entry("one", "base", 1, 2, 0.0, 2.0, nullptr, 0),
                            stage_entry("two", "base", 0, 1, nullptr, nullptr, nullptr, 0, 0)};
  const std::string md = reports::leaderboard_markdown(r);
  const std::string tex = reports::leaderboard_latex(r);
  INFO(md);
  const auto mds = md_tables(md);
  REQUIRE(mds.size() == 4);  // the block's two, then a stage table per dataset × imbalance
  const MdTable& t = mds[2];
  CHECK(md.find("## ds, imbalance one: continual stages") < md.find("## ds, imbalance two: continual stages"));
  CHECK(t.header == std::vector<std::string>{"Method", "0→1 gains", "0→1 forgetting", "0→1 BWT", "1→2 gains",
                                             "1→2 forgetting", "1→2 BWT"});
  REQUIRE(t.rows.size() == 2);
  // Gains as a share with improved / scored; bold: most gains, least forgetting, highest BWT (ties all bold).
  CHECK(t.rows[0] == std::vector<std::string>{"base", "**25% (1/4)**", "**0.5**", "+0.4", "0% (0/4)", "2.0", "–"});
  CHECK(t.rows[1] == std::vector<std::string>{"lora", "**25% (1/4)**", "1.0", "**+0.6**", "**50% (2/4)**", "**0.3**",
                                              "+0.0"});  // −0.04 rounds to 0: no "-0.0"
  // One method in a column: nothing bold; nulls are dashes.
  CHECK(mds[3].rows[0] == std::vector<std::string>{"base", "–", "–", "–"});
  CHECK(md.find("Gains: the share of the languages significantly better") != std::string::npos);

  const auto texs = tex_tables(tex);
  REQUIRE(texs.size() == 4);
  CHECK(texs[2].header[1] == "\\multicolumn{3}{c}{Stage 0$\\to$1}");
  CHECK(texs[2].header[4] == "\\multicolumn{3}{c}{Stage 1$\\to$2}");
  CHECK(texs[2].rows[1] == std::vector<std::string>{"lora", "\\textbf{\\boldmath 25\\% (1/4)}", "1.0",
                                                    "\\textbf{\\boldmath +0.6}", "\\textbf{\\boldmath 50\\% (2/4)}",
                                                    "\\textbf{\\boldmath 0.3}", "+0.0"});
  CHECK(tex.find("\\cmidrule(lr){2-4}\\cmidrule(lr){5-7}") != std::string::npos);
  CHECK(tex.find("\\label{tab:longtail-ds-one-stages}") != std::string::npos);
  check_latex_structure(tex);

  // A report written before `stages` existed: its forgetting.across_stages, without the counts.
  json::object old = report(s, {});
  json::array legacy;
  for (auto e : r.at("stages").as_array()) {
    e.as_object().erase("improved");
    e.as_object().erase("languages_scored");
    legacy.push_back(e);
  }
  old["forgetting"] = json::object{{"within_run", json::array{}}, {"across_stages", legacy}};
  const auto old_tables = md_tables(reports::leaderboard_markdown(old));
  REQUIRE(old_tables.size() == 4);
  CHECK(old_tables[2].rows[1][1] == "**25%**");
  // None at all: no stage table.
  CHECK(md_tables(reports::leaderboard_markdown(report(s, {}))).size() == 2);

  // Errors name the JSON path; one transition twice is an error.
  json::object bad = r;
  bad["stages"].as_array()[1].as_object()["gains"] = "most";
  CHECK_THROWS_WITH(reports::leaderboard_markdown(bad), Catch::Contains("report.json: $.stages[1]") && Catch::Contains("gains"));
  json::object twice = r;
  twice["stages"].as_array().push_back(stage_entry("one", "lora", 0, 1, 0.5, 0.5, 0.5));
  CHECK_THROWS_WITH(reports::leaderboard_markdown(twice), Catch::Contains("$.stages[5]") && Catch::Contains("a second entry"));
  old["forgetting"].as_object()["across_stages"].as_array()[0].as_object().erase("method");
  CHECK_THROWS_WITH(reports::leaderboard_latex(old), Catch::Contains("$.forgetting.across_stages[0]") && Catch::Contains("method"));
}

TEST_CASE("bold goes to the best printed value of each column only", "[leaderboard]") {
  // a is best on fr, b on de; base and b tie on gl at one decimal (20.04 and 19.96 print 20.0).
  json::array s{summary("nat", "a", kLangs, {{"fr", 30}, {"de", 5}, {"gl", 10}, {"kk", 1}}, 0.5),
                summary("nat", "base", kLangs, {{"fr", 10}, {"de", 20}, {"gl", 20.04}, {"kk", 2}}, 0.5),
                summary("nat", "b", kLangs, {{"fr", 12}, {"de", 25}, {"gl", 19.96}, {"kk", 3}}, 0.5)};
  const json::object r = report(s, {});
  const auto lt = md_tables(reports::leaderboard_markdown(r))[0];
  REQUIRE(lt.header[1] == "fr (9,000)");
  const std::map<std::string, std::set<int>> bold = {{"base", {3}}, {"a", {1}}, {"b", {2, 3, 4}}};
  for (const auto& row : lt.rows)
    for (int c = 1; c <= 4; ++c) {
      INFO(row[0] << " column " << c << ": " << row[c]);
      CHECK(md_bold(row[c]) == (bold.at(row[0]).count(c) > 0));
    }
  CHECK(lt.row("a")[1] == "**30.0 ± 0.5**");
  const auto tt = tex_tables(reports::leaderboard_latex(r))[0];
  for (const auto& row : tt.rows)
    for (int c = 1; c <= 4; ++c) CHECK(tex_bold(row[c]) == (bold.at(row[0]).count(c) > 0));
  CHECK(tt.rows[1][1] == "\\textbf{\\boldmath 30.0\\,$\\pm$\\,0.5}");  // a, after the baseline

  // Two decimals tell the tie on gl apart.
  const auto lt2 = md_tables(reports::leaderboard_markdown(r, 2))[0];
  CHECK(lt2.row("base")[3] == "**20.04 ± 0.50**");
  CHECK(lt2.row("b")[3] == "19.96 ± 0.50");
  // The group table: the best mean of All/High/Low.
  const auto gt = md_tables(reports::leaderboard_markdown(r))[1];
  CHECK(md_bold(gt.row("b")[2]));  // high (fr, de): base 15, a 17.5, b 18.5
  CHECK_FALSE(md_bold(gt.row("a")[2]));
  CHECK_FALSE(md_bold(gt.row("base")[2]));
}

TEST_CASE("a dagger marks exactly the significant differences", "[leaderboard]") {
  json::array s{summary("nat", "base", kLangs, {{"fr", 10}, {"de", 11}, {"gl", 3}, {"kk", 2}}, 0.5),
                summary("nat", "a", kLangs, {{"fr", 12}, {"de", 11}, {"gl", 4}, {"kk", 2}}, 0.5),
                summary("nat", "b", kLangs, {{"fr", 9}, {"de", 12}, {"gl", 5}, {"kk", 1}}, 0.5)};
  json::array c{comparison("nat", "a", kLangs, {"fr"}, {"low"}, {1, 3, 0}),
                comparison("nat", "b", kLangs, {"de", "kk"}, {"all", "high"}, {1, 2, 1})};
  const json::object r = report(s, c);
  const std::map<std::string, std::set<std::string>> lang_sig = {{"base", {}}, {"a", {"fr"}}, {"b", {"de", "kk"}}};
  const std::map<std::string, std::set<std::string>> group_sig = {{"base", {}}, {"a", {"Low"}}, {"b", {"All", "High"}}};
  const auto mds = md_tables(reports::leaderboard_markdown(r));
  const auto texs = tex_tables(reports::leaderboard_latex(r));
  for (int t = 0; t < 2; ++t) {
    const auto& sig = t == 0 ? lang_sig : group_sig;
    for (std::size_t row = 0; row < 3; ++row)
      for (std::size_t col = 1; col <= 4 - t; ++col) {
        const std::string method = mds[t].rows[row][0];
        std::string name = mds[t].header[col].substr(0, mds[t].header[col].find(' '));
        INFO(method << " " << name);
        CHECK(md_dagger(mds[t].rows[row][col]) == (sig.at(method).count(name) > 0));
        CHECK(tex_dagger(texs[t].rows[row][col]) == (sig.at(method).count(name) > 0));
      }
  }
  CHECK(mds[1].row("b")[4] == "1");
  CHECK(mds[1].row("b")[5] == "2");
  CHECK(mds[1].row("b")[6] == "1");
  CHECK(texs[1].rows[1][4] == "1");  // a: wins
  CHECK(texs[1].rows[0][5] == "--");  // the baseline has none
}

TEST_CASE("languages are ordered by natural training size, largest first; a missing one is a dash", "[leaderboard]") {
  // JSON order aa, zz, mm; alphabetical aa, mm, zz; by size zz, mm, aa.
  const std::vector<Lang> langs = {{"aa", 100, "low"}, {"zz", 5000, "high"}, {"mm", 300, "low"}};
  json::array s{summary("nat", "base", langs, {{"aa", 1}, {"zz", 2}, {"mm", 3}}, 0.1),
                summary("nat", "a", langs, {{"aa", 1}, {"zz", 2}}, 0.1)};
  const json::object r = report(s, {});
  const auto lt = md_tables(reports::leaderboard_markdown(r))[0];
  CHECK(lt.header == std::vector<std::string>{"Method", "zz (5,000)", "mm (300)", "aa (100)"});
  CHECK(lt.row("a")[2] == "–");
  const std::string tex = reports::leaderboard_latex(r);
  const auto tt = tex_tables(tex)[0];
  CHECK(tt.header == std::vector<std::string>{"Method", "zz", "mm", "aa"});
  CHECK(tt.rows[1][2] == "--");
  CHECK(tex.find("{\\footnotesize training pairs} & {\\footnotesize 5,000} & {\\footnotesize 300} & {\\footnotesize 100}") !=
        std::string::npos);
}

TEST_CASE("a one-seed report prints means without ±", "[leaderboard]") {
  json::array s{summary("nat", "base", kLangs, {{"fr", 10}, {"de", 11}, {"gl", 3}, {"kk", 2}}, std::nullopt, 1),
                summary("nat", "a", kLangs, {{"fr", 12.26}, {"de", 11}, {"gl", 4}, {"kk", 2}}, std::nullopt, 1)};
  const json::object r = report(s, {comparison("nat", "a", kLangs, {}, {})});
  const std::string md = reports::leaderboard_markdown(r);
  const std::string tex = reports::leaderboard_latex(r);
  CHECK(md.find("±") == std::string::npos);
  CHECK(tex.find("\\pm") == std::string::npos);
  CHECK(md.find("one seed") != std::string::npos);
  CHECK(md_tables(md)[0].row("a")[1] == "**12.3**");
  CHECK(tex_tables(tex)[0].rows[0][1] == "10.0");

  // Seeds differing between methods: the range, and ± only where there is a std.
  json::array mixed{summary("nat", "base", kLangs, {{"fr", 10}, {"de", 11}, {"gl", 3}, {"kk", 2}}, 0.5, 3),
                    summary("nat", "a", kLangs, {{"fr", 12}, {"de", 11}, {"gl", 4}, {"kk", 2}}, std::nullopt, 1)};
  const std::string md2 = reports::leaderboard_markdown(report(mixed, {}));
  CHECK(md2.find("over 1–3 seeds") != std::string::npos);
  CHECK(md_tables(md2)[0].row("a")[1] == "**12.0**");
  CHECK(md_tables(md2)[0].row("base")[1] == "10.0 ± 0.5");
}

TEST_CASE("labels with LaTeX and Markdown special characters are escaped", "[leaderboard]") {
  const std::string nasty = "50%&#$ {a}~b^c\\d|<e>";
  const std::vector<Lang> langs = {{"zh_Hant", 900, "high"}, {"x&y", 100, "low"}};
  json::array s{summary("exp#2", "temperature_tau5", langs, {{"zh_Hant", 3}, {"x&y", 1}}, 0.5, 3, 0, "ted_58"),
                summary("exp#2", "gettext/x", langs, {{"zh_Hant", 2}, {"x&y", 2}}, 0.5, 3, 0, "ted_58"),
                summary("exp#2", nasty, langs, {{"zh_Hant", 1}, {"x&y", 3}}, 0.5, 3, 0, "ted_58")};
  const json::object r = report(s, {}, {}, "temperature_tau5");
  const std::string tex = reports::leaderboard_latex(r);
  check_latex_structure(tex);
  const auto tables = tex_tables(tex);
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].header == std::vector<std::string>{"Method", "zh\\_Hant", "x\\&y"});
  std::vector<std::string> methods;
  for (const auto& row : tables[0].rows) methods.push_back(row[0]);
  const std::string nasty_tex =
      "50\\%\\&\\#\\$ \\{a\\}\\textasciitilde{}b\\textasciicircum{}c\\textbackslash{}d\\textbar{}\\textless{}e\\textgreater{}";
  CHECK(methods == std::vector<std::string>{"temperature\\_tau5", "gettext/x", nasty_tex});
  CHECK(reports::latex_escape(nasty) == nasty_tex);
  CHECK(tex.find("\\caption{ted\\_58, imbalance exp\\#2: test BLEU") != std::string::npos);
  CHECK(tex.find("baseline (temperature\\_tau5)") != std::string::npos);
  // \label keys hold letters, digits and hyphens only, and differ.
  CHECK(tex.find("\\label{tab:longtail-ted-58-exp-2-languages}") != std::string::npos);
  CHECK(tex.find("\\label{tab:longtail-ted-58-exp-2-groups}") != std::string::npos);

  const std::string md = reports::leaderboard_markdown(r);
  const auto mt = md_tables(md);  // each row splits into as many cells as the header
  REQUIRE(mt.size() == 2);
  CHECK(mt[0].rows[2][0] == "50%\\&\\#\\$ {a}\\~b^c\\\\d\\|\\<e\\>");
  CHECK(mt[0].rows[0][0] == "temperature\\_tau5");
  CHECK(md.find("## ted\\_58, imbalance exp\\#2") != std::string::npos);

  // The document wrapper: article, booktabs, graphicx, the body.
  const std::string doc = reports::latex_document(tex);
  CHECK(doc.rfind("\\documentclass{article}\n", 0) == 0);
  CHECK(doc.find("\\usepackage{booktabs}") < doc.find("\\begin{document}"));
  CHECK(doc.find(tex) > doc.find("\\begin{document}"));
  CHECK(doc.find("\\end{document}") > doc.find(tex));
}

TEST_CASE("a method without a summary entry for a block is left out; the baseline leads; stages are named", "[leaderboard]") {
  json::array s{summary("one", "a", kLangs, {{"fr", 1}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5),
                summary("one", "base", kLangs, {{"fr", 1}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5),
                summary("one", "b", kLangs, {{"fr", 1}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5),
                summary("two", "base", kLangs, {{"fr", 1}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5),
                summary("two", "a", kLangs, {{"fr", 1}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5),
                summary("two", "a", kLangs, {{"fr", 2}, {"de", 1}, {"gl", 1}, {"kk", 1}}, 0.5, 3, 2)};
  const json::object r = report(s, {});
  const std::string md = reports::leaderboard_markdown(r);
  const auto t = md_tables(md);
  REQUIRE(t.size() == 6);
  auto methods = [](const MdTable& x) {
    std::vector<std::string> m;
    for (const auto& row : x.rows) m.push_back(row[0]);
    return m;
  };
  CHECK(methods(t[0]) == std::vector<std::string>{"base", "a", "b"});
  CHECK(methods(t[2]) == std::vector<std::string>{"base", "a"});
  CHECK(methods(t[4]) == std::vector<std::string>{"a"});
  CHECK(md.find("## ds, imbalance two\n") != std::string::npos);
  CHECK(md.find("## ds, imbalance two, stage 2\n") != std::string::npos);
  // One method in a column: nothing to compare, nothing bold.
  CHECK(md_bold(t[4].rows[0][1]) == false);

  // No baseline (a one-method run): no daggers, no W/T/L columns.
  const auto solo = md_tables(reports::leaderboard_markdown(report({s[5]}, {}, {}, nullptr)));
  CHECK(solo[1].header == std::vector<std::string>{"Method", "All (4)", "High (2)", "Low (2)"});
}

TEST_CASE("a report lacking what the tables need is an error naming the JSON path", "[leaderboard]") {
  json::object r = example();
  r["summary"].as_array()[1].as_object()["languages"].as_object()["de"].as_object().erase("bleu_mean");
  try {
    reports::leaderboard_markdown(r);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("report.json: $.summary[1].languages.de") != std::string::npos);
    CHECK(std::string(e.what()).find("bleu_mean") != std::string::npos);
  }
  json::object c = example();
  c["cells"].as_array()[2].as_object()["languages"].as_object()["fr"].as_object()["bleu"] = "high";
  CHECK_THROWS_WITH(reports::results_csv(c), Catch::Contains("$.cells[2].languages.fr.bleu") && Catch::Contains("number"));
  CHECK_THROWS_AS(reports::leaderboard_latex(example(), 9), ConfigError);
}

TEST_CASE("results.csv: one row per ok cell × language × metric, round-trip values", "[leaderboard]") {
  const json::object r = example();
  const std::string csv = reports::results_csv(r);
  const auto rows = parse_csv(csv);
  REQUIRE(!rows.empty());
  CHECK(rows[0] == std::vector<std::string>{"dataset", "imbalance", "method", "stage", "seed", "language", "group",
                                            "train_pairs", "natural_pairs", "split", "metric", "value"});
  std::size_t expected = 0, ok_cells = 0;
  for (const auto& c : r.at("cells").as_array()) {
    if (c.at("status").as_string() != "ok") continue;
    ++ok_cells;
    for (const auto& [code, l] : c.at("languages").as_object()) expected += 2 + !l.at("dev_loss").is_null();
  }
  CHECK(ok_cells == 18);
  CHECK(rows.size() == expected + 1);
  // Every value reads back to the very double of the report.
  std::size_t checked = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    REQUIRE(row.size() == 12);
    CHECK(row[9] == (row[10] == "dev_loss" ? "dev" : "test"));
    for (const auto& c : r.at("cells").as_array())
      if (c.at("status").as_string() == "ok" && c.at("imbalance").as_string() == row[1] && c.at("method").as_string() == row[2] &&
          std::to_string(c.at("seed").as_int64()) == row[4]) {
        const auto& l = c.at("languages").at(row[5]).as_object();
        CHECK(std::stod(row[11]) == l.at(row[10]).as_double());
        CHECK(row[7] == std::to_string(l.at("train_pairs").as_int64()));
        CHECK(row[6] == std::string(l.at("group").as_string()));
        ++checked;
      }
  }
  CHECK(checked == expected);
  CHECK(csv.find("gettext,exponential,temperature,0,2,gl,low,1200,4000,test,bleu,") != std::string::npos);
}

TEST_CASE("results.csv quotes fields holding commas, quotes and newlines; null dev_loss has no row", "[leaderboard]") {
  auto cell = [](const std::string& method, const std::string& status, json::value dev_loss) {
    json::object langs;
    if (status == "ok")
      langs["fr"] = json::object{{"bleu", 0.30000000000000004}, {"chrf", 40.0}, {"dev_loss", dev_loss},
                                 {"train_pairs", 10}, {"natural_pairs", 20}, {"group", "high"}};
    return json::object{{"dataset", "ds"}, {"imbalance", "nat"}, {"method", method}, {"seed", 7}, {"stage", 1},
                        {"status", status}, {"languages", langs}, {"wall_time_s", 1.0}, {"corpus_fingerprint", "x"},
                        {"git_commit", "y"}};
  };
  json::array cells{cell("temp,tau=5", "ok", 2.5), cell("say \"hi\"", "ok", nullptr), cell("two\nlines", "ok", nullptr),
                    cell("broken", "failed", nullptr)};
  const std::string csv = reports::results_csv(report({}, {}, cells));
  CHECK(csv.find("ds,nat,\"temp,tau=5\",1,7,fr,high,10,20,test,bleu,0.30000000000000004\n") != std::string::npos);
  CHECK(csv.find("ds,nat,\"temp,tau=5\",1,7,fr,high,10,20,dev,dev_loss,2.5\n") != std::string::npos);
  CHECK(csv.find("ds,nat,\"say \"\"hi\"\"\",1,7,fr,high,10,20,test,chrf,40\n") != std::string::npos);
  const auto rows = parse_csv(csv);
  REQUIRE(rows.size() == 1 + 3 + 2 + 2);
  CHECK(rows[4][2] == "say \"hi\"");
  CHECK(rows[6][2] == "two\nlines");
  for (const auto& row : rows) CHECK(row[2] != "broken");
  CHECK(reports::csv_field("plain") == "plain");
  CHECK(reports::csv_field("a\rb") == "\"a\rb\"");
}

TEST_CASE("results.csv has a row for every split a cell scored", "[leaderboard]") {
  json::object fr{{"bleu", 31.5}, {"chrf", 50.0}, {"dev_loss", nullptr}, {"train_pairs", 10}, {"natural_pairs", 20},
                  {"group", "high"},
                  {"splits", json::object{{"dev", json::object{{"bleu", 29.25}, {"chrf", 48.0}}},
                                          {"test", json::object{{"bleu", 31.5}, {"chrf", 50.0}}}}}};
  json::array cells{json::object{{"dataset", "ds"}, {"imbalance", "nat"}, {"method", "m"}, {"seed", 1}, {"stage", 0},
                                 {"status", "ok"}, {"languages", json::object{{"fr", fr}}}, {"wall_time_s", 1.0},
                                 {"corpus_fingerprint", "x"}, {"git_commit", "y"}}};
  const std::string csv = reports::results_csv(report({}, {}, cells));
  CHECK(csv.find("ds,nat,m,0,1,fr,high,10,20,dev,bleu,29.25\n") != std::string::npos);
  CHECK(csv.find("ds,nat,m,0,1,fr,high,10,20,dev,chrf,48\n") != std::string::npos);
  CHECK(csv.find("ds,nat,m,0,1,fr,high,10,20,test,bleu,31.5\n") != std::string::npos);
  CHECK(parse_csv(csv).size() == 1 + 4);
  cells[0].as_object()["languages"].as_object()["fr"].as_object()["splits"] = json::array{};
  CHECK_THROWS_WITH(reports::results_csv(report({}, {}, cells)), Catch::Contains("$.cells[0].languages.fr.splits"));
}

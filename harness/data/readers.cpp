#include "harness/data/readers.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include "harness/common/fs_util.h"
#include "harness/common/options.h"
#include "harness/common/utf8.h"
#include "harness/data/corpus_store.h"
#include "harness/data/normalize.h"

namespace longtail::data {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr Split kSplits[] = {Split::Train, Split::Dev, Split::Test};

std::vector<Pair>& pairs_of(SplitPairs& sp, Split s) { return s == Split::Train ? sp.train : s == Split::Dev ? sp.dev : sp.test; }

std::string path_list(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) out += "\n  " + p;
  return out;
}

bool is_file(const std::string& p) { return fs::is_regular_file(p); }

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

json::array to_json_array(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

// The lines of a text file, checked for UTF-8 as `text` says (invalid: refused naming the line
// and byte, or replaced with a warning in `warnings`).
std::vector<std::string> read_text_lines(const std::string& path, const TextOptions& text, std::vector<std::string>& warnings) {
  std::vector<std::string> lines = read_lines(path);
  int64_t affected = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t bad = first_invalid_utf8(lines[i]);
    if (bad == lines[i].size()) continue;
    if (!text.replace_invalid_utf8)
      throw ConfigError(fmt::format("{}:{}", path, i + 1),
                        fmt::format("invalid UTF-8 at byte {} (0x{:02x}); fix the file, or import with --replace-invalid-utf8 "
                                    "to replace such bytes with U+FFFD",
                                    bad, static_cast<unsigned char>(lines[i][bad])));
    lines[i] = replace_invalid_utf8(lines[i]);
    ++affected;
  }
  if (affected > 0) warnings.push_back(fmt::format("{}: {} lines had invalid UTF-8, replaced with U+FFFD", path, affected));
  return lines;
}

// Appends aligned lines of two files as pairs; a mismatch in line counts is an error.
int64_t append_aligned(const std::string& en_path, const std::string& xx_path, std::vector<Pair>& out, const TextOptions& text,
                       std::vector<std::string>& warnings) {
  const std::vector<std::string> en = read_text_lines(en_path, text, warnings), xx = read_text_lines(xx_path, text, warnings);
  if (en.size() != xx.size())
    throw ConfigError(en_path, fmt::format("{} lines, but {} has {}: the files are not aligned", en.size(), xx_path, xx.size()));
  int64_t skipped = 0;
  for (size_t i = 0; i < en.size(); ++i) {
    Pair p{clean_segment(en[i]), clean_segment(xx[i])};
    if (p.en.empty() || p.xx.empty()) {
      ++skipped;
      continue;
    }
    out.push_back(std::move(p));
  }
  return skipped;
}

// ---- TED ----

// Moses' escape-special-chars.perl, undone (fairseq's TED recipe detokenises the same way).
std::string unescape_moses(std::string s) {
  static const std::array<std::pair<std::string_view, std::string_view>, 8> kEscapes = {
      {{"&apos;", "'"}, {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#124;", "|"}, {"&#91;", "["}, {"&#93;", "]"},
       {"&amp;", "&"}}};  // &amp; last, so "&amp;lt;" stays "&lt;"
  for (const auto& [from, to] : kEscapes) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
      s.replace(at, from.size(), to);
  }
  return s;
}

bool is_ted_null(const std::string& v) { return v.empty() || v == "__NULL__" || v == "_ _ NULL _ _"; }

struct TedTable {
  std::string path;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  int64_t malformed_rows = 0;
};

TedTable read_ted_table(const std::string& path, const TextOptions& text, std::vector<std::string>& warnings) {
  TedTable t;
  t.path = path;
  std::vector<std::string> lines = read_text_lines(path, text, warnings);
  if (lines.empty()) throw ConfigError(path, "empty file: expected a header row (talk_name, en, ...)");
  for (std::string& line : lines)
    if (!line.empty() && line.back() == '\r') line.pop_back();
  t.columns = split_tabs(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> fields = split_tabs(lines[i]);
    if (fields.size() != t.columns.size()) {
      ++t.malformed_rows;  // as csv.DictReader would mis-assign them, they are skipped
      continue;
    }
    t.rows.push_back(std::move(fields));
  }
  return t;
}

size_t column_index(const TedTable& t, const std::string& name) {
  const auto it = std::find(t.columns.begin(), t.columns.end(), name);
  return it == t.columns.end() ? std::string::npos : static_cast<size_t>(it - t.columns.begin());
}

std::vector<std::string> ted_languages(const TedTable& t, const std::vector<std::string>& requested) {
  if (column_index(t, "en") == std::string::npos) throw ConfigError(t.path, "no \"en\" column in the header");
  std::vector<std::string> available;
  for (const std::string& c : t.columns)
    if (c != "en" && c != "talk_name") available.push_back(c);
  if (requested.empty()) return available;
  for (const std::string& lang : requested)
    if (column_index(t, lang) == std::string::npos || lang == "talk_name" || lang == "en")
      throw ConfigError(t.path, fmt::format("no language column \"{}\"; the file has: {}", lang, fmt::join(available, " ")));
  return requested;
}

// ---- OPUS-100 ----

std::string opus_pair(const std::string& lang) { return lang < "en" ? lang + "-en" : "en-" + lang; }

// The directories that may hold the pair directories.
std::vector<std::string> opus_roots(const std::string& root) { return {root, root + "/supervised"}; }

std::vector<std::string> discover_opus_languages(const std::string& root) {
  std::vector<std::string> langs;
  for (const std::string& base : opus_roots(root)) {
    if (!fs::is_directory(base)) continue;
    for (const auto& entry : fs::directory_iterator(base)) {
      const std::string pair = entry.path().filename().string();
      if (!entry.is_directory() || pair.size() < 4) continue;
      if (pair.rfind("en-", 0) == 0) langs.push_back(pair.substr(3));
      else if (pair.size() > 3 && pair.compare(pair.size() - 3, 3, "-en") == 0) langs.push_back(pair.substr(0, pair.size() - 3));
    }
    if (!langs.empty()) break;
  }
  std::sort(langs.begin(), langs.end());
  return langs;
}

std::string opus_file(const std::string& base, const std::string& lang, Split s, const std::string& side) {
  const std::string pair = opus_pair(lang);
  return fmt::format("{}/{}/opus.{}-{}.{}", base, pair, pair, split_name(s), side);
}

// The base directory whose files for `lang` exist, or throws listing every path tried.
std::string find_opus_base(const std::string& root, const std::string& lang) {
  std::vector<std::string> looked;
  for (const std::string& base : opus_roots(root)) {
    const std::string en = opus_file(base, lang, Split::Train, "en"), xx = opus_file(base, lang, Split::Train, lang);
    if (is_file(en) && is_file(xx)) return base;
    looked.push_back(en);
    looked.push_back(xx);
  }
  throw ConfigError(root, fmt::format("OPUS-100: no training data for {} ({}); looked for:{}", lang, opus_pair(lang),
                                      path_list(looked)));
}

}  // namespace

std::string clean_segment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

ImportResult read_ted(const std::string& dir, const std::vector<std::string>& langs, const TextOptions& text) {
  std::vector<std::string> missing;
  for (Split s : kSplits) {
    const std::string path = fmt::format("{}/all_talks_{}.tsv", dir, split_name(s));
    if (!is_file(path)) missing.push_back(path);
  }
  if (!missing.empty())
    throw ConfigError(dir, fmt::format("TED talks: missing {} of all_talks_{{train,dev,test}}.tsv; looked for:{}",
                                       missing.size(), path_list(missing)));
  ImportResult result;
  std::vector<std::string> selected;
  int64_t malformed = 0;
  for (Split s : kSplits) {
    const TedTable t = read_ted_table(fmt::format("{}/all_talks_{}.tsv", dir, split_name(s)), text, result.warnings);
    malformed += t.malformed_rows;
    if (s == Split::Train) selected = ted_languages(t, langs);
    const size_t en_col = column_index(t, "en");
    for (const std::string& lang : selected) {
      const size_t col = column_index(t, lang);
      if (col == std::string::npos)
        throw ConfigError(t.path, fmt::format("no language column \"{}\" (the training file has it)", lang));
      std::vector<Pair>& out = pairs_of(result.langs[lang], s);
      for (const auto& row : t.rows) {
        if (is_ted_null(row[en_col]) || is_ted_null(row[col])) continue;
        Pair p{clean_segment(unescape_moses(row[en_col])), clean_segment(unescape_moses(row[col]))};
        if (!p.en.empty() && !p.xx.empty()) out.push_back(std::move(p));
      }
    }
  }
  if (malformed > 0)
    result.warnings.push_back(fmt::format("TED talks: skipped {} rows whose field count differs from the header", malformed));
  result.source = {{"kind", "ted"}, {"dir", fs::absolute(dir).string()}, {"languages", to_json_array(selected)},
                   {"malformed_rows", malformed}, {"note", "Moses-tokenised text; Moses entity escapes undone"}};
  return result;
}

ImportResult read_opus100(const std::string& root, const std::vector<std::string>& langs, const TextOptions& text) {
  const std::vector<std::string> selected = langs.empty() ? discover_opus_languages(root) : langs;
  if (selected.empty())
    throw ConfigError(root, fmt::format("OPUS-100: no pair directories (en-xx or xx-en) in{}", path_list(opus_roots(root))));
  ImportResult result;
  int64_t skipped = 0;
  for (const std::string& lang : selected) {
    const std::string base = find_opus_base(root, lang);
    for (Split s : kSplits) {
      const std::string en = opus_file(base, lang, s, "en"), xx = opus_file(base, lang, s, lang);
      if (s != Split::Train && !(is_file(en) && is_file(xx))) {
        result.missing_held_out.push_back(fmt::format("{} {} (no {} or {})", lang, split_name(s), en, xx));
        continue;
      }
      skipped += append_aligned(en, xx, pairs_of(result.langs[lang], s), text, result.warnings);
    }
  }
  result.source = {{"kind", "opus100"}, {"root", fs::absolute(root).string()}, {"languages", to_json_array(selected)},
                   {"skipped_empty", skipped}};
  return result;
}

ImportResult read_plain(const std::string& root, const std::vector<std::string>& langs, const TextOptions& text) {
  std::vector<std::string> selected = langs;
  if (selected.empty() && fs::is_directory(root)) {
    for (const auto& entry : fs::directory_iterator(root))
      if (entry.is_directory() && is_file((entry.path() / "train.en").string()))
        selected.push_back(entry.path().filename().string());
    std::sort(selected.begin(), selected.end());
  }
  if (selected.empty())
    throw ConfigError(root, fmt::format("plain text: no language directories with train.en under {}", root));
  std::vector<PlainFiles> files;
  std::vector<std::string> missing;
  for (const std::string& lang : selected) {
    for (Split s : kSplits) {
      const std::string stem = fmt::format("{}/{}/{}", root, lang, split_name(s));
      PlainFiles f{lang, s, stem + ".en", stem + "." + lang};
      const bool present = is_file(f.en_path) && is_file(f.xx_path);
      if (present) files.push_back(f);
      if (!present && s == Split::Train) {
        missing.push_back(f.en_path);
        missing.push_back(f.xx_path);
      }
    }
  }
  if (!missing.empty())
    throw ConfigError(root, fmt::format("plain text: training files missing; looked for:{}", path_list(missing)));
  ImportResult result = read_plain_files(files, text);
  for (const std::string& lang : selected)
    for (Split s : {Split::Dev, Split::Test})
      if (pairs_of(result.langs[lang], s).empty())
        result.missing_held_out.push_back(fmt::format("{} {}", lang, split_name(s)));
  result.source["root"] = fs::absolute(root).string();
  return result;
}

ImportResult read_plain_files(const std::vector<PlainFiles>& files, const TextOptions& text) {
  std::vector<std::string> missing;
  for (const PlainFiles& f : files) {
    check_path_component("language", f.lang);
    for (const std::string* p : {&f.en_path, &f.xx_path})
      if (!is_file(*p)) missing.push_back(*p);
  }
  if (!missing.empty()) throw ConfigError("plain text", fmt::format("missing files:{}", path_list(missing)));
  ImportResult result;
  json::array listed;
  int64_t skipped = 0;
  for (const PlainFiles& f : files) {
    skipped += append_aligned(f.en_path, f.xx_path, pairs_of(result.langs[f.lang], f.split), text, result.warnings);
    listed.push_back(json::object{{"lang", f.lang}, {"split", split_name(f.split)},
                                  {"en", fs::absolute(f.en_path).string()}, {"xx", fs::absolute(f.xx_path).string()}});
  }
  result.source = {{"kind", "plain"}, {"files", std::move(listed)}, {"skipped_empty", skipped}};
  return result;
}

void resplit(ImportResult& data, const SplitOptions& opt) {
  std::map<std::string, std::vector<Pair>> pooled;
  for (auto& [lang, sp] : data.langs) {
    std::vector<Pair>& all = pooled[lang];
    for (Split s : kSplits) {
      std::vector<Pair>& part = pairs_of(sp, s);
      std::move(part.begin(), part.end(), std::back_inserter(all));
    }
    dedup_pairs(all);
  }
  SplitReport report;
  data.langs = split_corpus(pooled, opt, &report);
  data.missing_held_out.clear();
  for (const std::string& lang : report.dropped_languages)
    data.warnings.push_back(fmt::format("{} dropped: fewer than {} pairs", lang, opt.min_pairs));
  data.source["resplit"] = to_json(opt);
}

CorpusInfo write_import(const ImportResult& data, const std::string& name, const std::string& out_dir) {
  for (const std::string& w : data.warnings) spdlog::warn("{}", w);
  for (const std::string& m : data.missing_held_out)
    spdlog::warn("no held-out set: {} (import with resplit to carve one out of the training data)", m);
  json::object source = data.source;
  source["warnings"] = to_json_array(data.warnings);
  source["missing_held_out"] = to_json_array(data.missing_held_out);
  return write_corpus(out_dir.empty() ? named_corpus_dir(name) : out_dir, name, data.langs, std::move(source));
}

}  // namespace longtail::data

// Test driver for the external tokenizers (eval/scorer/tokenizer_ext.h): tests/scorer/diff_ext.py
// compares its output with sacreBLEU's.
//
//   tokenize_ext_cli CASES.json
//
// CASES is a JSON array of {"tokenizer": "ja-mecab", "path": "<dictionary dir or model>" (optional),
// "lines": [...], "hyps": [...], "refs": [[...], ...] (optional: corpus BLEU with this tokenizer)}.
// One JSON line per case: {"signature", "lines": [tokenized...], "bleu": {"score", "signature",
// "format", "stats"}} or {"error": "..."}.
// {"op": "var", "hyps": [...], "refs": [[... or null], ...]}: corpus BLEU, chrF and TER (defaults)
// with missing references (eval/scorer/variable_refs.h): {"bleu"|"chrf"|"ter": {"score",
// "signature", "format"}}.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"
#include "eval/scorer/ter.h"
#include "eval/scorer/tokenizer_ext.h"
#include "eval/scorer/variable_refs.h"

namespace json = boost::json;
using namespace longtail::eval;

namespace {

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

json::object run_var(const json::object& c) {
  const std::vector<std::string> hyps = strings(c.at("hyps"));
  OptionalRefStreams refs;
  for (const auto& stream : c.at("refs").as_array()) {
    refs.emplace_back();
    for (const auto& r : stream.as_array())
      refs.back().push_back(r.is_null() ? std::nullopt : std::optional<std::string>(std::string(r.as_string())));
  }
  const int n = count_refs(refs);
  const Bleu bleu;
  const Chrf chrf;
  const Ter ter;
  const BleuScore b = bleu.score_from_stats(corpus_stats_var(bleu, hyps, refs));
  const ChrfScore f = chrf.score_from_stats(corpus_stats_var(chrf, hyps, refs));
  const TerScore t = ter.score_from_stats(corpus_stats_var(ter, hyps, refs));
  return {{"bleu", {{"score", b.score}, {"signature", bleu.signature(n).format()}, {"format", b.format()}}},
          {"chrf", {{"score", f.score}, {"signature", chrf.signature(n).format()}, {"format", f.format()}}},
          {"ter", {{"score", t.score}, {"signature", ter.signature(n).format()}, {"format", t.format()}}}};
}

json::object run_case(const json::object& c) {
  if (c.contains("op") && c.at("op").as_string() == "var") return run_var(c);
  const std::string name(c.at("tokenizer").as_string());
  const std::string path = c.contains("path") ? std::string(c.at("path").as_string()) : std::string();
  std::unique_ptr<Tokenizer> tok;
  if (path.empty()) {
    tok = make_tokenizer(name);
  } else if (name == "ja-mecab") {
    tok = make_ja_mecab_tokenizer(path);
  } else if (name == "ko-mecab") {
    tok = make_ko_mecab_tokenizer(path);
  } else {
    tok = make_spm_tokenizer(name, path);
  }
  json::object out{{"signature", tok->signature()}};
  if (c.contains("lines")) {
    json::array lines;
    for (const auto& line : strings(c.at("lines"))) lines.emplace_back(tok->tokenize(line));
    out["lines"] = std::move(lines);
  }
  if (c.contains("hyps")) {
    if (!path.empty()) {  // Bleu makes its tokenizer by name: point the registry at this one
      register_tokenizer(name, [name, path]() -> std::unique_ptr<Tokenizer> {
        if (name == "ja-mecab") return make_ja_mecab_tokenizer(path);
        if (name == "ko-mecab") return make_ko_mecab_tokenizer(path);
        return make_spm_tokenizer(name, path);
      });
    }
    BleuOptions bo;
    bo.tokenize = name;
    Bleu bleu(bo);
    std::vector<std::vector<std::string>> refs;
    for (const auto& r : c.at("refs").as_array()) refs.push_back(strings(r));
    const BleuStats st = bleu.corpus_stats(strings(c.at("hyps")), refs);
    const BleuScore sc = bleu.score_from_stats(st);
    json::array stats{st.sys_len, st.ref_len};
    for (auto m : st.matches) stats.push_back(m);
    for (auto t : st.totals) stats.push_back(t);
    out["bleu"] = json::object{{"score", sc.score},
                               {"signature", bleu.signature(static_cast<int>(refs.size())).format()},
                               {"format", sc.format()},
                               {"stats", std::move(stats)}};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tokenize_ext_cli CASES.json\n";
    return 2;
  }
  register_external_tokenizers();
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  const json::value cases = json::parse(buf.str());
  for (const auto& c : cases.as_array()) {
    json::object result;
    try {
      result = run_case(c.as_object());
    } catch (const std::exception& e) {
      result = {{"error", e.what()}};
    }
    std::cout << json::serialize(result) << '\n';
  }
  return 0;
}

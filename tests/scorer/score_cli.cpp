// Test driver for eval/scorer: prints everything sacreBLEU would compute, as JSON, so that
// tests/scorer/diff_sacrebleu.py can compare it number by number.
//
//   score_cli --hyp H --ref R1 [--ref R2 ...] [options]   one corpus from files, read like the
//                                                          sacreBLEU CLI (lines split on \n, rstrip)
//   score_cli --batch cases.json                           many cases, one JSON result per line
//
// A batch file is a JSON array of objects: {"op": "score", "hyps": [...], "refs": [[...], ...],
// "bleu": {...}, "chrf": {...}, "ter": {...}} (options as below, keys without the leading dashes,
// e.g. "smooth_method"; TER: "normalized", "no_punct", "asian_support", "case_sensitive"),
// {"op": "tokenize", "tokenizer": "13a", "lines": [...]} ("tokenizer": "tercom" takes "ter"
// options), {"op": "lower", "lines": [...]} or {"op": "ter_words", "pairs": [[hyp words, ref
// words], ...]} (lib_ter's translation_edit_rate on word lists: [edits, ref length] per pair).
// Each result carries the case's "id" if it has one; a failing case yields {"error": "..."} and
// the batch goes on.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"
#include "eval/scorer/ter.h"
#include "eval/scorer/tokenizer.h"
#include "eval/scorer/unicode.h"

namespace json = boost::json;
using namespace longtail::eval;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// sacreBLEU CLI: open(newline="\n"), one segment per line, each line rstrip()ped.
std::vector<std::string> read_lines(const std::string& path) {
  const std::string data = read_file(path);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + start, end - start);
    check_utf8(line, path + " line " + std::to_string(lines.size() + 1));
    lines.emplace_back(rstrip(line));
    start = end + 1;
  }
  return lines;
}

json::array to_json(const std::vector<double>& v) { return json::array(v.begin(), v.end()); }

json::object bleu_json(const Bleu& bleu, const std::vector<std::string>& hyps,
                       const std::vector<std::vector<std::string>>& refs, int width) {
  const std::vector<BleuStats> segments = bleu.segment_stats(hyps, refs);
  BleuStats total(bleu.options().max_ngram_order);
  json::array seg_json;
  for (const BleuStats& s : segments) {
    total += s;
    json::array row{s.sys_len, s.ref_len};
    for (auto m : s.matches) row.push_back(m);
    for (auto t : s.totals) row.push_back(t);
    seg_json.push_back(std::move(row));
  }
  const BleuScore score = bleu.score_from_stats(total);
  const std::string sig = bleu.signature(static_cast<int>(refs.size())).format();
  return {{"score", score.score},         {"counts", to_json(score.counts)},
          {"totals", to_json(score.totals)}, {"precisions", to_json(score.precisions)},
          {"bp", score.bp},               {"ratio", score.ratio},
          {"sys_len", score.sys_len},     {"ref_len", score.ref_len},
          {"format", score.format(width)}, {"format_sig", score.format(width, sig)},
          {"signature", sig},             {"segments", std::move(seg_json)}};
}

json::object chrf_json(const Chrf& chrf, const std::vector<std::string>& hyps,
                       const std::vector<std::vector<std::string>>& refs, int width) {
  const std::vector<ChrfStats> segments = chrf.segment_stats(hyps, refs);
  ChrfStats total(segments.empty() ? 0 : segments.front().orders.size());
  json::array seg_json;
  for (const ChrfStats& s : segments) {
    total += s;
    json::array row;
    for (const auto& o : s.orders) row.insert(row.end(), {o.hyp, o.ref, o.match});
    seg_json.push_back(std::move(row));
  }
  const ChrfScore score = chrf.score_from_stats(total);
  const std::string sig = chrf.signature(static_cast<int>(refs.size())).format();
  return {{"score", score.score},
          {"name", score.name},
          {"format", score.format(width)},
          {"format_sig", score.format(width, sig)},
          {"signature", sig},
          {"segments", std::move(seg_json)}};
}

json::object ter_json(const Ter& ter, const std::vector<std::string>& hyps,
                      const std::vector<std::vector<std::string>>& refs, int width) {
  const std::vector<TerStats> segments = ter.segment_stats(hyps, refs);
  TerStats total;
  json::array seg_json;
  for (const TerStats& s : segments) {
    total += s;
    seg_json.push_back(json::array{s.edits, s.ref_length});
  }
  const TerScore score = ter.score_from_stats(total);
  const Signature signature = ter.signature(static_cast<int>(refs.size()));
  const std::string sig = signature.format();
  return {{"score", score.score},
          {"num_edits", score.num_edits},
          {"ref_length", score.ref_length},
          {"format", score.format(width)},
          {"format_sig", score.format(width, sig)},
          {"signature", sig},
          {"signature_short", signature.format(true)},
          {"segments", std::move(seg_json)}};
}

// ---- options from JSON ----

template <typename T>
void read_opt(const json::object& o, const char* key, T& out) {
  if (const json::value* v = o.if_contains(key)) out = json::value_to<T>(*v);
}

BleuOptions bleu_options(const json::object& o) {
  BleuOptions opt;
  read_opt(o, "lowercase", opt.lowercase);
  read_opt(o, "tokenize", opt.tokenize);
  read_opt(o, "trg_lang", opt.trg_lang);
  if (const json::value* v = o.if_contains("smooth_method")) opt.smooth_method = parse_smooth_method(v->as_string());
  if (const json::value* v = o.if_contains("smooth_value"); v && !v->is_null()) opt.smooth_value = v->to_number<double>();
  read_opt(o, "max_ngram_order", opt.max_ngram_order);
  read_opt(o, "effective_order", opt.effective_order);
  return opt;
}

ChrfOptions chrf_options(const json::object& o) {
  ChrfOptions opt;
  read_opt(o, "char_order", opt.char_order);
  read_opt(o, "word_order", opt.word_order);
  read_opt(o, "beta", opt.beta);
  read_opt(o, "lowercase", opt.lowercase);
  read_opt(o, "whitespace", opt.whitespace);
  read_opt(o, "eps_smoothing", opt.eps_smoothing);
  return opt;
}

TerOptions ter_options(const json::object& o) {
  TerOptions opt;
  read_opt(o, "normalized", opt.normalized);
  read_opt(o, "no_punct", opt.no_punct);
  read_opt(o, "asian_support", opt.asian_support);
  read_opt(o, "case_sensitive", opt.case_sensitive);
  return opt;
}

std::vector<std::string> strings(const json::value& v) { return json::value_to<std::vector<std::string>>(v); }

// ---- batch ----

json::object run_case(const json::object& c) {
  const std::string op = c.contains("op") ? std::string(c.at("op").as_string()) : "score";
  json::object out;
  if (op == "tokenize") {
    const std::string name(c.at("tokenizer").as_string());
    const json::value* ter = c.if_contains("ter");
    const std::unique_ptr<Tokenizer> tok =
        name == "tercom" ? std::make_unique<TercomTokenizer>(ter ? ter_options(ter->as_object()) : TerOptions{})
                         : make_tokenizer(name);
    json::array lines;
    for (const auto& line : strings(c.at("lines"))) {
      check_utf8(line);
      lines.push_back(json::string(tok->tokenize(line)));
    }
    out["lines"] = std::move(lines);
  } else if (op == "lower") {
    json::array lines;
    for (const auto& line : strings(c.at("lines"))) lines.push_back(json::string(to_lower(line)));
    out["lines"] = std::move(lines);
  } else if (op == "ter_words") {
    TranslationEditRate ter;
    json::array results;
    for (const auto& pair : c.at("pairs").as_array()) {
      const auto hyp = strings(pair.as_array().at(0)), ref = strings(pair.as_array().at(1));
      const TerEdits e = translation_edit_rate(std::vector<std::string_view>(hyp.begin(), hyp.end()),
                                               std::vector<std::string_view>(ref.begin(), ref.end()));
      results.push_back(json::array{e.edits, e.ref_length});
    }
    out["pairs"] = std::move(results);
  } else if (op == "score") {
    const auto hyps = strings(c.at("hyps"));
    std::vector<std::vector<std::string>> refs;
    for (const auto& stream : c.at("refs").as_array()) refs.push_back(strings(stream));
    int width = 2;
    read_opt(c, "width", width);
    if (const json::value* o = c.if_contains("bleu")) out["bleu"] = bleu_json(Bleu(bleu_options(o->as_object())), hyps, refs, width);
    if (const json::value* o = c.if_contains("chrf")) out["chrf"] = chrf_json(Chrf(chrf_options(o->as_object())), hyps, refs, width);
    if (const json::value* o = c.if_contains("ter")) out["ter"] = ter_json(Ter(ter_options(o->as_object())), hyps, refs, width);
  } else {
    throw std::invalid_argument("unknown op '" + op + "'");
  }
  return out;
}

int run_batch(const std::string& path) {
  const json::value cases = json::parse(read_file(path));
  for (const json::value& c : cases.as_array()) {
    json::object result;
    try {
      result = run_case(c.as_object());
    } catch (const std::exception& e) {
      result = {{"error", e.what()}};
    }
    if (const json::value* id = c.as_object().if_contains("id")) result["id"] = *id;
    std::cout << json::serialize(result) << '\n';
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Scores hypotheses with longtail's sacreBLEU port and prints JSON"};
  std::string batch, hyp_path;
  std::vector<std::string> ref_paths, metrics{"bleu", "chrf"};
  int width = 2;
  BleuOptions bo;
  ChrfOptions co;
  TerOptions to;
  std::string smooth = "exp";
  std::optional<double> smooth_value;
  app.add_option("--batch", batch, "JSON array of cases (see the source)");
  app.add_option("--hyp", hyp_path, "hypothesis file");
  app.add_option("--ref", ref_paths, "reference file(s)");
  app.add_option("--metrics,-m", metrics, "bleu, chrf and/or ter");
  app.add_option("--width,-w", width, "decimals in the formatted lines");
  app.add_option("--tokenize", bo.tokenize, "BLEU tokenizer");
  app.add_flag("--lowercase", bo.lowercase);
  app.add_option("--smooth-method", smooth);
  app.add_option("--smooth-value", smooth_value);
  app.add_option("--max-ngram-order", bo.max_ngram_order);
  app.add_flag("--effective-order", bo.effective_order);
  app.add_option("--chrf-char-order", co.char_order);
  app.add_option("--chrf-word-order", co.word_order);
  app.add_option("--chrf-beta", co.beta);
  app.add_flag("--chrf-whitespace", co.whitespace);
  app.add_flag("--chrf-lowercase", co.lowercase);
  app.add_flag("--chrf-eps-smoothing", co.eps_smoothing);
  app.add_flag("--ter-normalized", to.normalized);
  app.add_flag("--ter-no-punct", to.no_punct);
  app.add_flag("--ter-asian-support", to.asian_support);
  app.add_flag("--ter-case-sensitive", to.case_sensitive);
  CLI11_PARSE(app, argc, argv);

  try {
    if (!batch.empty()) return run_batch(batch);
    if (hyp_path.empty() || ref_paths.empty()) throw std::invalid_argument("need --batch, or --hyp and --ref");
    bo.smooth_method = parse_smooth_method(smooth);
    bo.smooth_value = smooth_value;
    const auto hyps = read_lines(hyp_path);
    std::vector<std::vector<std::string>> refs;
    for (const auto& path : ref_paths) refs.push_back(read_lines(path));
    json::object out;
    for (const auto& m : metrics) {
      if (m == "bleu") out["bleu"] = bleu_json(Bleu(bo), hyps, refs, width);
      else if (m == "chrf") out["chrf"] = chrf_json(Chrf(co), hyps, refs, width);
      else if (m == "ter") out["ter"] = ter_json(Ter(to), hyps, refs, width);
      else throw std::invalid_argument("unknown metric '" + m + "'");
    }
    std::cout << json::serialize(out) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "score_cli: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

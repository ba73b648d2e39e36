// `longtail score` (eval/cli/cmd_score.h) and its formatting helpers (eval/scorer/report_format.h).
// Expected strings were printed by sacreBLEU 2.6.0 / tabulate 0.10 / Python 3.11 (json.dumps, repr)
// for the same inputs; the broad byte-for-byte comparison is tests/scorer/diff_cli.py.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eval/scorer/report_format.h"
#include "eval/cli/argparse_compat.h"
#include "eval/cli/cmd_score.h"

using namespace longtail::eval;
using longtail::eval::cli::run_score;
using longtail::eval::cli::ScoreEnvironment;
namespace fs = std::filesystem;

namespace {

// A scratch directory with the small corpus below, removed at the end of the test.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() /
          ("longtail-score-cli-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(dir);
    write("ref.txt", "The cat sat on the mat.\nIt is raining today!\nEin kleiner Test.\n");
    write("a.txt", "The cat sat on a mat.\nIt rains today!\nEin Test.\n");
    write("b.txt", "A cat is on the mat.\nToday it is raining!\nEin kleiner Test .\n");
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  }
};

struct Run {
  int code;
  std::string out, err;
};

Run score(std::vector<std::string> args, const std::string& stdin_text = "", ScoreEnvironment env = {}) {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = run_score(args, in, out, err, env);
  return {code, out.str(), err.str()};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("python_float_repr is Python's repr(float)", "[score_cli]") {
  CHECK(python_float_repr(20.8) == "20.8");
  CHECK(python_float_repr(21.0) == "21.0");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(1e-05) == "1e-05");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(1.2345678901234568e+17) == "1.2345678901234568e+17");
  CHECK(python_float_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(python_float_repr(-0.0) == "-0.0");
  CHECK(python_float_repr(5e-324) == "5e-324");
  CHECK(python_float_repr(1e22) == "1e+22");
  CHECK(python_float_repr(9999999999999998.0) == "9999999999999998.0");
  CHECK(python_float_repr(0.047619047619047616) == "0.047619047619047616");
}

TEST_CASE("json_quote escapes as json.dumps", "[score_cli]") {
  const std::string s = "a\"b\\c\n\t\x01\xc3\xa9\xf0\x9f\x98\x80\x7f";
  CHECK(json_quote(s, true) == "\"a\\\"b\\\\c\\n\\t\\u0001\\u00e9\\ud83d\\ude00\x7f\"");
  CHECK(json_quote(s, false) == "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\xf0\x9f\x98\x80\x7f\"");
}

TEST_CASE("format_score: text line, bare number, JSON with a confidence interval", "[score_cli]") {
  ScoreSummary s{"BLEU", 20.90294308945829, "56.3/27.0/14.6/8.6 (BP = 1.000 ratio = 1.000 hyp_len = 881 ref_len = 881)",
                 20.625, 3.037};
  const std::string sig = "nrefs:1|bs:20|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0";
  CHECK(format_score(s, 3, true, sig, true) == "20.903 (\u03bc = 20.625 \u00b1 3.037)");
  CHECK(format_score(s, 1, false, sig, false) ==
        "BLEU|" + sig + " = 20.9 (\u03bc = 20.6 \u00b1 3.0) 56.3/27.0/14.6/8.6 (BP = 1.000 ratio = 1.000 hyp_len = 881 ref_len = 881)");
  CHECK(format_score(s, 3, false, sig, true) ==
        "{\n \"name\": \"BLEU\",\n \"score\": 20.903,\n \"signature\": \"" + sig +
            "\",\n \"confidence_mean\": 20.625,\n \"confidence_var\": 3.037,\n \"confidence\": \"\u03bc = 20.625 \u00b1 3.037\",\n"
            " \"verbose_score\": \"56.3/27.0/14.6/8.6 (BP = 1.000 ratio = 1.000 hyp_len = 881 ref_len = 881)\",\n"
            " \"nrefs\": \"1\",\n \"bs\": \"20\",\n \"seed\": \"12345\",\n \"case\": \"mixed\",\n \"eff\": \"no\",\n"
            " \"tok\": \"13a\",\n \"smooth\": \"exp\",\n \"version\": \"2.6.0\"\n}");
  s.mean = 0.0;  // no CI part unless the mean is positive
  CHECK(format_score(s, 0, true, sig, false) == "21");
  CHECK_THROWS_AS(format_score(s, 1, false, "nrefs", true), std::invalid_argument);
}

TEST_CASE("format_single_results aligns on the first '=' and keeps sacreBLEU's zip quirk", "[score_cli]") {
  CHECK(format_single_results({"BLEU|x = 1.0 v", "chrF2|x = 2.0"}, false) == " BLEU|x = 1.0 v\nchrF2|x = 2.0\n");
  CHECK(format_single_results({"20.9", "49.9"}, false) == "20.9\n49.9\n");
  CHECK(format_single_results({"20.9", "49.9"}, true) == "[\n20.9,\n49.9\n]\n");
  // A line without '=' prints at once; the one width found is then applied to results[0]
  // (zip(lens, results)), so the line with '=' is never printed (sacreBLEU prints "20.9" twice).
  CHECK(format_single_results({"20.9", "49.9 (\u03bc = 50.1 \u00b1 2.5)"}, false) == "20.9\n   20.9\n");
}

TEST_CASE("tabulate: fancy_grid with number re-formatting, with and without invisible codes", "[score_cli]") {
  const std::vector<std::string> headers{"System", "BLEU", "chrF2"};
  const std::vector<std::vector<std::string>> cols{{"2", "1.5", "10"}, {"20.8", "1,000.5", "7.0"}, {"52.0", "49.9", "100.0"}};
  TableOptions o;
  o.has_invisible = true;
  CHECK(tabulate(headers, cols, o) ==
        "╒══════════╤═════════╤═════════╕\n│   System │  BLEU   │  chrF2  │\n╞══════════╪═════════╪═════════╡\n"
        "│      2.0 │  20.8   │  52.0   │\n├──────────┼─────────┼─────────┤\n│      1.5 │ 1,000.5 │  49.9   │\n"
        "├──────────┼─────────┼─────────┤\n│     10.0 │   7.0   │  100.0  │\n╘══════════╧═════════╧═════════╛");
  o.has_invisible = false;
  CHECK(tabulate(headers, cols, o) ==
        "╒══════════╤════════╤═════════╕\n│   System │  BLEU  │  chrF2  │\n╞══════════╪════════╪═════════╡\n"
        "│      2.0 │  20.8  │  52.0   │\n├──────────┼────────┼─────────┤\n│      1.5 │ 1000.5 │  49.9   │\n"
        "├──────────┼────────┼─────────┤\n│     10.0 │  7.0   │  100.0  │\n╘══════════╧════════╧═════════╛");
}

TEST_CASE("tabulate: multi-line paired cells and latex_booktabs escaping", "[score_cli]") {
  CHECK(tabulate({"System", "BLEU (\u03bc \u00b1 95% CI)", "TER"},
                 {{"Baseline: a_b", "c%d"},
                  {"20.9 (20.6 \u00b1 3.0)", "27.9 (27.8 \u00b1 4.2)\n(p = 0.0476)*"},
                  {"71.1", "62.1\n(p = 0.0476)*"}},
                 {}) ==
        "╒═══════════════╤═════════════════════╤═══════════════╕\n│        System │  BLEU (μ ± 95% CI)  │      TER      │\n"
        "╞═══════════════╪═════════════════════╪═══════════════╡\n│ Baseline: a_b │  20.9 (20.6 ± 3.0)  │     71.1      │\n"
        "├───────────────┼─────────────────────┼───────────────┤\n│           c%d │  27.9 (27.8 ± 4.2)  │     62.1      │\n"
        "│               │    (p = 0.0476)*    │ (p = 0.0476)* │\n╘═══════════════╧═════════════════════╧═══════════════╛");
  CHECK(tabulate({"System", "BLEU"}, {{"Baseline: a_b", "c%d"}, {"20.9", "27.9 (p = 0.0476)*"}},
                 {TableStyle::kLatexBooktabs, 1, true}) ==
        "\\begin{tabular}{rc}\n\\toprule\n        System &        BLEU        \\\\\n\\midrule\n"
        " Baseline: a\\_b &        20.9        \\\\\n           c\\%d & 27.9 (p = 0.0476)* \\\\\n\\bottomrule\n\\end{tabular}");
}

TEST_CASE("format_results_table: JSON of paired results", "[score_cli]") {
  MetricColumn bleu;
  bleu.name = "BLEU";
  bleu.paired = {PairedResult{20.90294308945829, std::nullopt, std::nullopt, std::nullopt},
                 PairedResult{27.90315888929233, 0.047619047619047616, std::nullopt, std::nullopt}};
  ResultsTableOptions o;
  o.paired = PairedTestType::kApproximateRandomization;
  CHECK(format_results_table({"Baseline: a", "b\xc3\xa9"}, {bleu}, o) ==
        "[\n    {\n        \"system\": \"Baseline: a\",\n        \"BLEU\": {\n            \"score\": 20.90294308945829,\n"
        "            \"p_value\": null,\n            \"mean\": null,\n            \"ci\": null\n        }\n    },\n"
        "    {\n        \"system\": \"b\\u00e9\",\n        \"BLEU\": {\n            \"score\": 27.90315888929233,\n"
        "            \"p_value\": 0.047619047619047616,\n            \"mean\": null,\n            \"ci\": null\n        }\n    }\n]\n");
}

TEST_CASE("longtail score prints what sacreBLEU prints", "[score_cli]") {
  Scratch t;
  const fs::path cwd = fs::current_path();
  fs::current_path(t.dir);  // system names are the paths as given, as in sacreBLEU
  Run r = score({"ref.txt", "-i", "a.txt", "-m", "bleu", "chrf", "ter"});
  CHECK(r.code == 0);
  CHECK(r.out ==
        "[\n{\n \"name\": \"BLEU\",\n \"score\": 33.9,\n \"signature\": \"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0\",\n"
        " \"verbose_score\": \"85.7/54.5/25.0/20.0 (BP = 0.867 ratio = 0.875 hyp_len = 14 ref_len = 16)\",\n \"nrefs\": \"1\",\n"
        " \"case\": \"mixed\",\n \"eff\": \"no\",\n \"tok\": \"13a\",\n \"smooth\": \"exp\",\n \"version\": \"2.6.0\"\n},\n{\n"
        " \"name\": \"chrF2\",\n \"score\": 46.5,\n \"signature\": \"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0\",\n"
        " \"nrefs\": \"1\",\n \"case\": \"mixed\",\n \"eff\": \"yes\",\n \"nc\": \"6\",\n \"nw\": \"0\",\n \"space\": \"no\",\n"
        " \"version\": \"2.6.0\"\n},\n{\n \"name\": \"TER\",\n \"score\": 30.8,\n"
        " \"signature\": \"nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0\",\n \"nrefs\": \"1\",\n"
        " \"case\": \"lc\",\n \"tok\": \"tercom\",\n \"norm\": \"no\",\n \"punct\": \"yes\",\n \"asian\": \"no\",\n"
        " \"version\": \"2.6.0\"\n}\n]\n");
  r = score({"ref.txt", "-i", "a.txt", "-m", "bleu", "chrf", "-f", "text", "-w", "2", "-sh"});
  CHECK(r.out ==
        "   BLEU|#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0 = 33.90 85.7/54.5/25.0/20.0 (BP = 0.867 ratio = 0.875 hyp_len = 14 "
        "ref_len = 16)\nchrF2|#:1|c:mixed|e:yes|nc:6|nw:0|s:no|v:2.6.0 = 46.46\n");
  r = score({"ref.txt", "-i", "a.txt", "b.txt", "-m", "bleu", "ter", "-f", "text"});
  CHECK(r.out ==
        "╒══════════╤════════╤═══════╕\n│   System │  BLEU  │  TER  │\n╞══════════╪════════╪═══════╡\n│    a.txt │  33.9  │ 30.8  │\n"
        "├──────────┼────────┼───────┤\n│    b.txt │  46.4  │ 53.8  │\n╘══════════╧════════╧═══════╛\n\n-----------------\n"
        "Metric signatures\n-----------------\n - BLEU       nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0\n"
        " - TER        nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0\n");
  r = score({"ref.txt", "-i", "a.txt", "b.txt", "-m", "chrf", "-par", "-parn", "50", "-f", "text"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "│ Baseline: a.txt │     46.5     │\n"));
  CHECK(contains(r.out, "│                 │ (p = 0.2549) │\n"));
  CHECK(contains(r.out, "Paired approximate randomization test with 50 trials\n"));
  CHECK(contains(r.out, " - chrF2      nrefs:1|ar:50|seed:12345|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0\n"));
  r = score({"ref.txt", "-i", "a.txt", "-ci", "-cin", "100", "-m", "ter", "-f", "text"});
  CHECK(r.out == "TER|nrefs:1|bs:100|seed:12345|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0 = 30.8 "
                 "(\u03bc = 30.8 \u00b1 16.7)\n");
  // Two systems on stdin, tab-separated; SACREBLEU_FORMAT picks LaTeX.
  ScoreEnvironment env;
  env.sacrebleu_format = "LaTeX";
  r = score({"ref.txt"}, "The cat sat on a mat.\tA cat is on the mat.\r\nIt rains today!\tToday it is raining!\rEin Test.\tEin kleiner Test .\n",
            env);
  CHECK(r.out ==
        "\\begin{tabular}{rc}\n\\toprule\n   System &  BLEU  \\\\\n\\midrule\n System 1 &  33.9  \\\\\n System 2 &  46.4  \\\\\n"
        "\\bottomrule\n\\end{tabular}\n\n-----------------\nMetric signatures\n-----------------\n"
        " - BLEU       nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0\n");
  fs::current_path(cwd);
}

TEST_CASE("longtail score errors: status, message on stderr, nothing on stdout", "[score_cli]") {
  Scratch t;
  const std::string ref = t.path("ref.txt"), a = t.path("a.txt");
  const auto fails = [](const Run& r, int code, std::vector<std::string> parts) {
    CHECK(r.code == code);
    CHECK(r.out.empty());
    for (const auto& p : parts) {
      INFO(r.err);
      CHECK(contains(r.err, p));
    }
  };
  SECTION("line-count mismatch names both files and counts") {
    t.write("short.txt", "one\ntwo\n");
    fails(score({ref, "-i", t.path("short.txt")}), 1, {"short.txt' has 2 lines", "ref.txt' has 3"});
  }
  SECTION("invalid UTF-8 names the file and the line") {
    t.write("bad.txt", "ok\nbad \xff byte\nok\n");
    fails(score({ref, "-i", t.path("bad.txt")}), 1, {"bad.txt' line 2: invalid UTF-8 at byte offset 4"});
    fails(score({ref}, "ok\n\xc3\n"), 1, {"standard input line 2: invalid UTF-8"});
  }
  SECTION("unreadable file") { fails(score({ref, "-i", t.path("missing.txt")}), 1, {"cannot read", "missing.txt"}); }
  SECTION("unknown flag lists the options") {
    fails(score({ref, "-i", a, "--bogus"}), 2, {"unrecognized arguments: --bogus", "--tokenize/-tok"});
    fails(score({ref, "-i", a, "-c"}), 2, {"ambiguous option: -c could match -cc, -cw, -ci, -cin"});
  }
  SECTION("unknown tokenizer lists the tokenizers") {
    fails(score({ref, "-i", a, "-tok", "moses"}), 2, {"invalid choice: 'moses'", "'13a'", "'intl'", "'char'"});
    fails(score({ref, "-i", a, "-tok", "ja-mecab"}), 1, {"ja-mecab", "not available"});
  }
  SECTION("argument values") {
    fails(score({ref, "-i", a, "-w", "x"}), 2, {"argument --width/-w: invalid int value: 'x'"});
    fails(score({ref, "-i", a, "-pbs", "-par"}), 2, {"not allowed with argument"});
    fails(score({ref, "-i", a, "-w", "-1"}), 1, {"width"});
    fails(score({ref, "-i", a, "-e", "latin-1"}), 1, {"only UTF-8"});
  }
  SECTION("sacreBLEU's special statuses") {
    t.write("tsv.txt", "a\tb\nc\nd\te\n");
    fails(score({t.path("tsv.txt"), "-nr", "2", "-i", a}), 17, {"line 2: expected 2 fields, but found 1"});
    fails(score({ref}, "a\tb\nc\nd\te\n"), 17, {"tab-delimited fields"});
  }
  SECTION("test sets point to local files") {
    fails(score({"-t", "wmt17", "-l", "en-de"}), 1, {"local reference files"});
    fails(score({ref, "--list"}), 1, {"local reference files"});
    fails(score({"-i", a}), 1, {"no reference files"});
  }
  SECTION("mode conflicts") {
    fails(score({ref, "-i", a, "-sl", "-m", "bleu", "chrf"}), 1, {"Only one metric"});
    fails(score({ref, "-i", a, "-pbs"}), 1, {"Paired tests require multiple input systems"});
    fails(score({ref, "-i", a, t.path("b.txt"), "-ci"}), 1, {"paired tests"});
  }
  SECTION("help and version succeed") {
    Run r = score({"-V"});
    CHECK(r.code == 0);
    CHECK(r.out == "longtail score 2.6.0\n");
    r = score({"--help"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, "--paired-bs-n, -pbsn"));
  }
}

TEST_CASE("argparse_compat follows argparse's spellings", "[score_cli]") {
  using namespace longtail::eval::cli;
  ArgParser p;
  ArgSpec w{"width", {"--width", "-w"}};
  w.type = ArgSpec::Type::kInt;
  p.add(w);
  p.add(ArgSpec{"quiet", {"--quiet", "-q"}, Nargs::kFlag});
  p.add(ArgSpec{"score_only", {"--score-only", "-b"}, Nargs::kFlag});
  p.add(ArgSpec{"input", {"--input", "-i"}, Nargs::kZeroOrMore});
  p.add(ArgSpec{"refs", {}, Nargs::kZeroOrMore});
  p.add(ArgSpec{"tok", {"--tokenize", "-tok"}});
  ParsedArgs r = p.parse({"r1", "r2", "-w2", "-qb", "-to", "intl", "--inp", "a", "b"});
  CHECK(r.values["refs"] == std::vector<std::string>{"r1", "r2"});
  CHECK(r.values["width"] == std::vector<std::string>{"2"});
  CHECK(r.has("quiet"));
  CHECK(r.has("score_only"));
  CHECK(r.values["tok"] == std::vector<std::string>{"intl"});
  CHECK(r.values["input"] == std::vector<std::string>{"a", "b"});
  r = p.parse({"-w", "-3", "--width=4", "-tok=zh", "-i", "x", "--", "-y"});
  CHECK(r.values["width"] == std::vector<std::string>{"4"});
  CHECK(r.values["tok"] == std::vector<std::string>{"zh"});
  CHECK(r.values["input"] == std::vector<std::string>{"x", "-y"});
  CHECK(p.parse({"-i", "a", "r"}).values["input"] == std::vector<std::string>{"a", "r"});  // -i takes r too
  CHECK_THROWS_WITH(p.parse({"r", "-q", "r2"}), Catch::Contains("unrecognized arguments: r2"));
  CHECK_THROWS_WITH(p.parse({"-qx"}), Catch::Contains("ignored explicit argument 'x'"));
  CHECK(parse_python_int(" 1_000 ") == 1000);
  CHECK_FALSE(parse_python_int("1__0"));
  CHECK(parse_python_float_arg("1e-2") == 0.01);
  CHECK_FALSE(parse_python_float_arg("0x1p3"));
}

namespace {

// A reproducible corpus for the multi-system tests: two reference files and `systems` system files
// of `segments` lines, words drawn from a small vocabulary (so that n-grams match), lengths 0-24.
std::vector<std::string> write_corpus(const Scratch& t, std::size_t systems, std::size_t segments) {
  const std::vector<std::string> words = {"the", "cat", "sat", "on", "a", "mat", ".", "Die", "Katze", "saß",
                                          "auf", "der", "Matte", "!", "über", "große", "Straßen", "und", "es", "regnet"};
  std::uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  const auto file = [&](const std::string& name) {
    std::string text;
    for (std::size_t i = 0; i < segments; ++i) {
      const std::size_t len = next() % 25;
      for (std::size_t w = 0; w < len; ++w) text += (w ? " " : "") + words[next() % words.size()];
      text += "\n";
    }
    t.write(name, text);
    return t.path(name);
  };
  std::vector<std::string> paths = {file("ref1.txt"), file("ref2.txt")};
  for (std::size_t k = 0; k < systems; ++k) paths.push_back(file("sys" + std::to_string(k) + ".txt"));
  return paths;
}

// The values of `key` in a multi-system JSON report, system by system ("BLEU": "12.3456").
std::vector<std::string> json_strings(const std::string& json, const std::string& key) {
  std::vector<std::string> out;
  const std::string pattern = "\"" + key + "\": \"";
  for (std::size_t at = json.find(pattern); at != std::string::npos; at = json.find(pattern, at + 1)) {
    const std::size_t begin = at + pattern.size();
    out.push_back(json.substr(begin, json.find('"', begin) - begin));
  }
  return out;
}

}  // namespace

TEST_CASE("longtail score -j: the same output on any number of threads", "[score_cli]") {
  Scratch t;
  const std::vector<std::string> files = write_corpus(t, 5, 61);
  const auto args = [&files](const std::vector<std::string>& opts, const std::string& jobs_flag, const std::string& jobs) {
    std::vector<std::string> out = {files[0], files[1], "-i"};
    out.insert(out.end(), files.begin() + 2, files.end());
    out.insert(out.end(), opts.begin(), opts.end());
    out.insert(out.end(), {jobs_flag, jobs});
    return out;
  };
  for (const std::vector<std::string>& opts :
       {std::vector<std::string>{"-m", "bleu", "chrf", "ter", "-w", "8"},
        std::vector<std::string>{"-m", "chrf", "bleu", "-f", "text", "-cw", "2", "-lc"},
        std::vector<std::string>{"-m", "bleu", "chrf", "-pbs", "-pbsn", "30", "-f", "text"},
        std::vector<std::string>{"-m", "ter", "bleu", "-par", "-parn", "40"}}) {
    const Run one = score(args(opts, "-j", "1"));
    INFO(one.err);
    REQUIRE(one.code == 0);
    for (const std::string jobs : {"2", "3", "16", "0"}) {
      INFO("--jobs " << jobs);
      const Run many = score(args(opts, "--jobs", jobs));
      CHECK(many.code == 0);
      CHECK(many.out == one.out);
    }
  }
}

TEST_CASE("longtail score: several systems score as each system alone", "[score_cli]") {
  Scratch t;
  const std::vector<std::string> files = write_corpus(t, 4, 37);
  const std::vector<std::string> metrics = {"-m", "bleu", "chrf", "ter", "-w", "10"};
  std::vector<std::string> all = {files[0], files[1], "-i"};
  all.insert(all.end(), files.begin() + 2, files.end());
  all.insert(all.end(), metrics.begin(), metrics.end());
  all.insert(all.end(), {"-j", "2"});
  const Run multi = score(all);
  INFO(multi.err);
  REQUIRE(multi.code == 0);
  const std::size_t systems = files.size() - 2;
  const std::vector<std::string> bleu = json_strings(multi.out, "BLEU"), chrf = json_strings(multi.out, "chrF2"),
                                 ter = json_strings(multi.out, "TER");
  REQUIRE(bleu.size() == systems);
  REQUIRE(chrf.size() == systems);
  REQUIRE(ter.size() == systems);
  for (std::size_t k = 0; k < systems; ++k) {
    std::vector<std::string> one = {files[0], files[1], "-i", files[k + 2], "-b", "-f", "text"};
    one.insert(one.end(), metrics.begin(), metrics.end());
    const Run alone = score(one);
    REQUIRE(alone.code == 0);
    CHECK(alone.out == bleu[k] + "\n" + chrf[k] + "\n" + ter[k] + "\n");
  }
}

// eval/scorer/scorer.h (the harness's entry point) and the WMT17 en-de check: all 16 systems'
// corpus BLEU and chrF equal sacreBLEU 2.6.0 bit for bit.
#include "eval/scorer/scorer.h"

#include <cstdlib>
#include <filesystem>

#include "eval/scorer/unicode.h"
#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

namespace {

// The WMT17 files live outside the repository; LONGTAIL_WMT17_DIR overrides the default.


}  // namespace

TEST_CASE("scorer/score_corpus: defaults and errors", "[scorer]") {
  const std::vector<std::string> hyps{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."};
  const std::vector<std::string> refs{"The dog bit the man.", "It was not unexpected.", "The man bit him first."};
  const CorpusScores s = score_corpus(hyps, refs);
  CHECK(s.bleu == Bleu().corpus_score(hyps, {refs}).score);
  CHECK(s.chrf == Chrf().corpus_score(hyps, {refs}).score);
  CHECK(s.bleu_signature == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  CHECK(s.chrf_signature == "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0");
  CHECK(s.bleu_detail.score == s.bleu);
  CHECK(s.bleu_stats.sys_len == s.bleu_detail.sys_len);
  CHECK(Chrf().score_from_stats(s.chrf_stats).score == s.chrf);

  CHECK_THROWS_WITH(score_corpus({"a", "b", "c"}, {"a", "b"}), "score_corpus: 3 hypotheses but 2 references");
  CHECK_THROWS_AS(score_corpus({}, {}), std::invalid_argument);
  CHECK_THROWS_AS(score_corpus({"\xC0\x80"}, {"a"}), Utf8Error);
}

TEST_CASE("scorer/score_corpus: WMT17 en-de systems equal sacreBLEU", "[scorer][wmt17]") {
  const std::string dir = wmt17_dir();
  const auto& systems = section("wmt17");
  if (!std::filesystem::exists(dir + "/reference.txt") || systems.empty()) {
    WARN("WMT17 data not found in " << dir << " (set LONGTAIL_WMT17_DIR); skipped");
    return;
  }
  REQUIRE(systems.size() == 16);
  const auto refs = read_corpus_lines(dir + "/reference.txt");
  REQUIRE(refs.size() == 3004);
  for (const auto& v : systems) {
    const auto& sys = v.as_object();
    INFO("system " << str(sys.at("system")));
    const auto hyps = read_corpus_lines(dir + "/" + str(sys.at("file")));
    const CorpusScores s = score_corpus(hyps, refs);
    CHECK(s.bleu == num(sys.at("bleu")));
    CHECK(s.chrf == num(sys.at("chrf")));
    CHECK(s.bleu_detail.format() == str(sys.at("bleu_line")));
    CHECK(s.chrf_detail.format() == str(sys.at("chrf_line")));
    CHECK(s.bleu_detail.format(1, s.bleu_signature) == str(sys.at("bleu_line_cli")));
    CHECK(s.chrf_detail.format(1, s.chrf_signature) == str(sys.at("chrf_line_cli")));
    CHECK(s.bleu_detail.format(4, s.bleu_signature) == str(sys.at("bleu_line_cli_w4")));
    CHECK(s.chrf_detail.format(4, s.chrf_signature) == str(sys.at("chrf_line_cli_w4")));
  }
}

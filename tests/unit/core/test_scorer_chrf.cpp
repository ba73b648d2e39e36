// eval/scorer chrF / chrF++ against sacreBLEU 2.6.0: golden cases, edge cases, additivity.
#include "eval/scorer/chrf.h"

#include "eval/scorer/unicode.h"
#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

namespace {

ChrfOptions options_from(const json::object& o) {
  ChrfOptions opt;
  read_opt(o, "char_order", opt.char_order);
  read_opt(o, "word_order", opt.word_order);
  read_opt(o, "beta", opt.beta);
  read_opt(o, "lowercase", opt.lowercase);
  read_opt(o, "whitespace", opt.whitespace);
  read_opt(o, "eps_smoothing", opt.eps_smoothing);
  return opt;
}

std::vector<std::int64_t> flat(const ChrfStats& s) {
  std::vector<std::int64_t> out;
  for (const auto& o : s.orders) out.insert(out.end(), {o.hyp, o.ref, o.match});
  return out;
}

}  // namespace

TEST_CASE("scorer/chrf: golden cases equal sacreBLEU", "[scorer][chrf]") {
  for (const auto& v : section("chrf")) {
    const auto& c = v.as_object();
    INFO("case " << str(c.at("name")));
    const Chrf chrf(options_from(c.at("options").as_object()));
    const auto hyps = strings(c.at("hyps"));
    const auto refs = streams(c.at("refs"));

    const auto segments = chrf.segment_stats(hyps, refs);
    const auto& expected_segments = c.at("segments").as_array();
    REQUIRE(segments.size() == expected_segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) CHECK(flat(segments[i]) == ints(expected_segments[i]));

    const ChrfScore s = chrf.corpus_score(hyps, refs);
    CHECK(s.score == num(c.at("score")));
    CHECK(s.name == str(c.at("score_name")));
    CHECK(s.format() == str(c.at("format")));
    const std::string sig = chrf.signature(static_cast<int>(refs.size())).format();
    CHECK(sig == str(c.at("signature")));
    CHECK(chrf.signature(static_cast<int>(refs.size())).format(true) == str(c.at("signature_short")));
    CHECK(s.format(1, sig) == str(c.at("format_sig_w1")));
  }
}

TEST_CASE("scorer/chrf: edge cases", "[scorer][chrf]") {
  const Chrf chrf;
  SECTION("empty hypothesis or reference scores 0") {
    CHECK(chrf.sentence_score("", {"abc def"}).score == 0.0);
    CHECK(chrf.sentence_score("abc def", {""}).score == 0.0);
    CHECK(chrf.sentence_score("", {""}).score == 0.0);
  }
  SECTION("hypothesis n-grams are not counted for orders the reference lacks") {
    const ChrfStats s = chrf.segment_stats("abcdefgh", {"abc"});
    CHECK(s.orders[2].hyp == 6);  // the reference has one 3-gram
    CHECK(s.orders[3].hyp == 0);  // ... and no 4-gram
    CHECK(s.orders[3].ref == 0);
    CHECK(chrf.sentence_score("abcdefgh", {"abc"}).score == num(golden_case("chrf", "short_ref").at("score")));
  }
  SECTION("all Python whitespace is removed, ZWSP is not whitespace") {
    CHECK(chrf.sentence_score("a\xC2\xA0" "b\xE3\x80\x80" "c", {"abc"}).score == 100.0);
    CHECK(chrf.sentence_score("a\xE2\x80\x8B" "b", {"ab"}).score < 100.0);
  }
  SECTION("character n-grams are over code points") {
    const ChrfStats s = chrf.segment_stats("\xF0\x9F\x91\x8D\xC3\xA9", {"\xF0\x9F\x91\x8D\xC3\xA9"});  // 👍é
    CHECK(s.orders[0].hyp == 2);
    CHECK(s.orders[1].match == 1);
    CHECK(s.orders[2].ref == 0);
  }
  SECTION("chrF++ splits one trailing (else leading) punctuation mark off a word") {
    ChrfOptions pp;
    pp.word_order = 2;
    const Chrf chrfpp(pp);
    CHECK(chrfpp.name() == "chrF2++");
    // '(hi)' -> '(hi' ')' but '(hi' -> '(' 'hi': only ')' matches (sacreBLEU issue #124).
    const ChrfStats s = chrfpp.segment_stats("(hi)", {"(hi )"});
    CHECK(s.orders[6].hyp == 2);
    CHECK(s.orders[6].ref == 3);
    CHECK(s.orders[6].match == 1);
  }
  SECTION("the first reference with the strictly best sentence score is kept") {
    const ChrfStats s = chrf.segment_stats("the cat sat", {"a dog ran", "the cat sat down", "the cat sat down"});
    CHECK(s == chrf.segment_stats("the cat sat", {"the cat sat down"}));
  }
}

TEST_CASE("scorer/chrf: statistics are additive", "[scorer][chrf]") {
  const auto& c = golden_case("chrf", "unicode_three_refs");
  const auto hyps = strings(c.at("hyps"));
  const auto refs = streams(c.at("refs"));
  const Chrf chrf(options_from(c.at("options").as_object()));
  const ChrfStats whole = chrf.corpus_stats(hyps, refs);
  ChrfStats sum(whole.orders.size());
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    std::vector<std::string_view> seg_refs;
    for (const auto& stream : refs) seg_refs.push_back(stream[i]);
    sum += chrf.segment_stats(hyps[i], seg_refs);
  }
  CHECK(sum == whole);
  CHECK(chrf.score_from_stats(sum).score == num(c.at("score")));
  CHECK_THROWS_AS(sum += ChrfStats(6), std::invalid_argument);
}

TEST_CASE("scorer/chrf: options, signature, errors", "[scorer][chrf]") {
  const Chrf chrf;
  CHECK(chrf.name() == "chrF2");
  CHECK(chrf.signature(1).format() == "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0");
  CHECK(chrf.signature(1).format(true) == "#:1|c:mixed|e:yes|nc:6|nw:0|s:no|v:2.6.0");
  ChrfOptions opt;
  opt.word_order = 2;
  opt.beta = 3;
  opt.eps_smoothing = true;
  opt.whitespace = true;
  opt.lowercase = true;
  CHECK(Chrf(opt).name() == "chrF3++");
  CHECK(Chrf(opt).signature(2).format() == "nrefs:2|case:lc|eff:no|nc:6|nw:2|space:yes|version:2.6.0");
  ChrfOptions none;
  none.char_order = 0;
  CHECK_THROWS_AS(Chrf(none), std::invalid_argument);
  CHECK_THROWS_WITH(chrf.corpus_score({"a"}, {{"a", "b"}}),
                    "line count mismatch: 1 hypotheses but 2 lines in reference stream 1");
  CHECK_THROWS_WITH(chrf.corpus_score({"a", "b"}, {{"a", "\xE2\x82"}}),
                    "reference stream 1 line 2: invalid UTF-8 at byte offset 0");
}

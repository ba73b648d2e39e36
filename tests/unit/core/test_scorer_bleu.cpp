// eval/scorer BLEU against sacreBLEU 2.6.0: golden cases (every number bit for bit, every string
// byte for byte), edge cases, additivity, errors.
#include "eval/scorer/bleu.h"

#include <cmath>

#include "eval/scorer/unicode.h"
#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

namespace {

BleuOptions options_from(const json::object& o) {
  BleuOptions opt;
  read_opt(o, "lowercase", opt.lowercase);
  read_opt(o, "tokenize", opt.tokenize);
  read_opt(o, "trg_lang", opt.trg_lang);
  read_opt(o, "max_ngram_order", opt.max_ngram_order);
  read_opt(o, "effective_order", opt.effective_order);
  if (const auto* v = o.if_contains("smooth_method")) opt.smooth_method = parse_smooth_method(v->as_string());
  if (const auto* v = o.if_contains("smooth_value")) opt.smooth_value = v->to_number<double>();
  return opt;
}

BleuScore score_of(const char* name, BleuOptions opt = {}) {
  const auto& c = golden_case("bleu", name);
  return Bleu(opt).corpus_score(strings(c.at("hyps")), streams(c.at("refs")));
}

}  // namespace

TEST_CASE("scorer/bleu: golden cases equal sacreBLEU", "[scorer][bleu]") {
  for (const auto& v : section("bleu")) {
    const auto& c = v.as_object();
    INFO("case " << str(c.at("name")));
    const Bleu bleu(options_from(c.at("options").as_object()));
    const auto hyps = strings(c.at("hyps"));
    const auto refs = streams(c.at("refs"));

    const auto segments = bleu.segment_stats(hyps, refs);
    const auto& expected_segments = c.at("segments").as_array();
    REQUIRE(segments.size() == expected_segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) {
      std::vector<std::int64_t> row{segments[i].sys_len, segments[i].ref_len};
      row.insert(row.end(), segments[i].matches.begin(), segments[i].matches.end());
      row.insert(row.end(), segments[i].totals.begin(), segments[i].totals.end());
      CHECK(row == ints(expected_segments[i]));
    }

    const BleuScore s = bleu.corpus_score(hyps, refs);
    CHECK(s.score == num(c.at("score")));
    CHECK(s.counts == nums(c.at("counts")));
    CHECK(s.totals == nums(c.at("totals")));
    CHECK(s.precisions == nums(c.at("precisions")));
    CHECK(s.bp == num(c.at("bp")));
    CHECK(s.ratio == num(c.at("ratio")));
    CHECK(s.sys_len == c.at("sys_len").as_int64());
    CHECK(s.ref_len == c.at("ref_len").as_int64());
    CHECK(s.format() == str(c.at("format")));
    const std::string sig = bleu.signature(static_cast<int>(refs.size())).format();
    CHECK(sig == str(c.at("signature")));
    CHECK(bleu.signature(static_cast<int>(refs.size())).format(true) == str(c.at("signature_short")));
    CHECK(s.format(1, sig) == str(c.at("format_sig_w1")));
  }
}

TEST_CASE("scorer/bleu: edge cases", "[scorer][bleu]") {
  SECTION("empty hypothesis: no matches, BP 0") {
    const BleuScore s = score_of("empty_hyp");
    CHECK(s.score == 0.0);
    CHECK(s.bp == 0.0);
    CHECK(s.format() == "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 3)");
  }
  SECTION("empty reference: ratio is 0, not a division by zero") {
    const BleuScore s = score_of("empty_ref");
    CHECK(s.score == 0.0);
    CHECK(s.ratio == 0.0);
    CHECK(s.ref_len == 0);
  }
  SECTION("no match of any order is 0 whatever the smoothing") {
    BleuOptions floor;
    floor.smooth_method = SmoothMethod::kFloor;
    CHECK(score_of("no_matches", floor).score == 0.0);
    CHECK(score_of("no_matches", floor).precisions == std::vector<double>(4, 0.0));
  }
  SECTION("single token: 0 without effective order, 100 with it") {
    CHECK(score_of("single_token").score == 0.0);
    BleuOptions eff;
    eff.effective_order = true;
    const BleuScore s = score_of("single_token", eff);
    CHECK(s.score == std::exp(std::log(100.0)));  // 100.00000000000004, as in Python
    CHECK(s.format() == "BLEU = 100.00 100.0/0.0/0.0/0.0 (BP = 1.000 ratio = 1.000 hyp_len = 1 ref_len = 1)");
    CHECK(s.precisions == std::vector<double>{100.0, 0.0, 0.0, 0.0});
  }
  SECTION("add-k changes the reported counts and totals of orders >= 2") {
    BleuOptions addk;
    addk.smooth_method = SmoothMethod::kAddK;
    const BleuScore s = score_of("unigram_only_add_k", addk);
    CHECK(s.counts == std::vector<double>{1, 1, 1, 1});
    CHECK(s.totals == std::vector<double>{5, 5, 4, 3});
  }
  SECTION("exp smoothing halves successively for zero-match orders") {
    const BleuScore s = score_of("unigram_only_match");
    CHECK(s.precisions[1] == 100. / (2 * 4.0));
    CHECK(s.precisions[2] == 100. / (4 * 3.0));
    CHECK(s.precisions[3] == 100. / (8 * 2.0));
  }
}

TEST_CASE("scorer/bleu: statistics are additive", "[scorer][bleu]") {
  const auto& c = golden_case("bleu", "three_refs");
  const auto hyps = strings(c.at("hyps"));
  const auto refs = streams(c.at("refs"));
  const Bleu bleu;
  const BleuStats whole = bleu.corpus_stats(hyps, refs);

  // Split the corpus in two parts and add their statistics.
  const std::size_t cut = 2;
  std::vector<std::string> h1(hyps.begin(), hyps.begin() + cut), h2(hyps.begin() + cut, hyps.end());
  std::vector<std::vector<std::string>> r1, r2;
  for (const auto& stream : refs) {
    r1.emplace_back(stream.begin(), stream.begin() + cut);
    r2.emplace_back(stream.begin() + cut, stream.end());
  }
  const BleuStats parts = bleu.corpus_stats(h1, r1) + bleu.corpus_stats(h2, r2);
  CHECK(parts == whole);
  CHECK(bleu.score_from_stats(parts).score == bleu.corpus_score(hyps, refs).score);
  CHECK(bleu.score_from_stats(parts).score == num(c.at("score")));

  // Segment statistics through the single-segment API equal the corpus ones.
  BleuStats sum;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    std::vector<std::string_view> seg_refs;
    for (const auto& stream : refs) seg_refs.push_back(stream[i]);
    sum += bleu.segment_stats(hyps[i], seg_refs);
  }
  CHECK(sum == whole);
  CHECK_THROWS_AS(sum += BleuStats(3), std::invalid_argument);
}

TEST_CASE("scorer/bleu: options, signature, errors", "[scorer][bleu]") {
  const Bleu bleu;
  CHECK(bleu.signature(1).format() == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  CHECK(bleu.signature(1).format(true) == "#:1|c:mixed|e:no|tok:13a|s:exp|v:2.6.0");
  CHECK(bleu.signature(-1).format() == "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");

  BleuOptions opt;
  opt.smooth_method = SmoothMethod::kFloor;
  opt.lowercase = true;
  opt.effective_order = true;
  opt.tokenize = "none";
  CHECK(Bleu(opt).signature(2).format() == "nrefs:2|case:lc|eff:yes|tok:none|smooth:floor[0.10]|version:2.6.0");
  opt.smooth_method = SmoothMethod::kAddK;
  opt.smooth_value = 0.5;
  CHECK(Bleu(opt).signature(1).format() == "nrefs:1|case:lc|eff:yes|tok:none|smooth:add-k[0.50]|version:2.6.0");

  CHECK(parse_smooth_method("add-k") == SmoothMethod::kAddK);
  CHECK_THROWS_AS(parse_smooth_method("add_k"), std::invalid_argument);
  BleuOptions zh;
  zh.trg_lang = "zh";
  CHECK(resolve_bleu_tokenizer(zh) == "zh");
  CHECK(Bleu(zh).tokenizer().name() == "zh");  // more in test_scorer_tokenizers_intl.cpp
  BleuOptions ja;
  ja.trg_lang = "ja";
  CHECK_THROWS_WITH(Bleu(ja), Catch::Contains("tokenizer 'ja-mecab' is not available"));  // not built in
  BleuOptions bad_order;
  bad_order.max_ngram_order = 0;
  CHECK_THROWS_AS(Bleu(bad_order), std::invalid_argument);

  CHECK_THROWS_WITH(bleu.corpus_score({"a", "b"}, {{"a"}}),
                    "line count mismatch: 2 hypotheses but 1 lines in reference stream 1");
  CHECK_THROWS_AS(bleu.corpus_score({"a"}, {}), std::invalid_argument);
  CHECK_THROWS_AS(bleu.corpus_score({}, {{}}), std::invalid_argument);
  try {
    bleu.corpus_score({"fine", "bad \xC3("}, {{"a", "b"}});
    FAIL("no exception");
  } catch (const Utf8Error& e) {
    CHECK(e.offset() == 4);
    CHECK(std::string(e.what()) == "hypothesis line 2: invalid UTF-8 at byte offset 4");
  }
  CHECK_THROWS_WITH(bleu.corpus_score({"a"}, {{"\xFF"}}),
                    "reference stream 1 line 1: invalid UTF-8 at byte offset 0");
}

TEST_CASE("scorer/bleu: compute_bleu on raw statistics", "[scorer][bleu]") {
  // Degenerate statistics straight into the formula (text-derived ones are golden cases).
  BleuStats zero(4);
  const BleuScore s = Bleu::compute_bleu(zero, SmoothMethod::kExp, std::nullopt, false);
  CHECK(s.score == 0.0);
  CHECK(s.bp == 1.0);  // sys_len == ref_len == 0
  CHECK(s.format() == "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)");

  BleuStats st(4);
  st.sys_len = 10;
  st.ref_len = 12;
  st.matches = {8, 5, 2, 0};
  st.totals = {10, 9, 8, 7};
  const BleuScore floor = Bleu::compute_bleu(st, SmoothMethod::kFloor, 0.0, false);
  CHECK(floor.score == 0.0);  // floor 0 leaves a zero precision -> my_log(0)
  const BleuScore none = Bleu::compute_bleu(st, SmoothMethod::kNone, std::nullopt, false);
  CHECK(none.score == 0.0);
  const BleuScore exp = Bleu::compute_bleu(st, SmoothMethod::kExp, std::nullopt, false);
  CHECK(exp.precisions[3] == 100. / (2 * 7.0));
  CHECK(exp.bp == std::exp(1.0 - 12.0 / 10.0));
}

// eval/scorer TER against sacreBLEU 2.6.0: the tercom tokenizer, lib_ter's translation_edit_rate,
// golden corpora, edge cases, additivity, and the 16 WMT17 en-de systems.
#include "eval/scorer/ter.h"

#include <cstdlib>
#include <filesystem>
#include <map>

#include "eval/scorer/unicode.h"
#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

namespace {

TerOptions ter_options_from(const json::object& o) {
  TerOptions opt;
  read_opt(o, "normalized", opt.normalized);
  read_opt(o, "no_punct", opt.no_punct);
  read_opt(o, "asian_support", opt.asian_support);
  read_opt(o, "case_sensitive", opt.case_sensitive);
  return opt;
}

std::vector<std::string_view> views(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

std::vector<std::string_view> words(std::string_view s) { return split_whitespace(s); }



}  // namespace

TEST_CASE("scorer/ter: tercom tokenizer equals sacreBLEU", "[scorer][ter][tokenizer]") {
  for (const auto& v : section("tokenize_tercom")) {
    const auto& c = v.as_object();
    const std::string input = str(c.at("input"));
    INFO("input " << input << " options " << json::serialize(c.at("options")));
    CHECK(TercomTokenizer(ter_options_from(c.at("options").as_object())).tokenize(input) == str(c.at("output")));
  }
}

TEST_CASE("scorer/ter: tercom tokenizer rules", "[scorer][ter][tokenizer]") {
  TerOptions norm;
  norm.normalized = true;
  const TercomTokenizer n(norm);
  CHECK(TercomTokenizer().tokenize("  The  CAT\tsat ") == "the cat sat");
  CHECK(TercomTokenizer().tokenize("\xC4\xB0") == "i\xCC\x87");  // 'İ'.lower()
  CHECK(n.tokenize("pre\n-post line\nbreak") == "prepost line break");  // "\n-", not "-\n"
  CHECK(n.tokenize("&amp;lt; &amp;quot;") == "< & quot ;");          // entities in sequence
  CHECK(n.tokenize("it's John's") == "it 's john 's");
  CHECK(n.tokenize("U.S.A. 3.14 1,000 a.1 10-20") == "u . s . a . 3.14 1,000 a . 1 10 - 20");
  norm.asian_support = true;
  // CJK ideographs are split off; the kana rules never fire after the padding (sacreBLEU quirk)
  CHECK(TercomTokenizer(norm).tokenize("\xE3\x82\x8A\xE3\x81\xAE\xE6\x8B\xB3\xE9\x8A\x83\xE3\x82\x92\xE6\x8C\x81") ==
        "\xE3\x82\x8A\xE3\x81\xAE \xE6\x8B\xB3 \xE9\x8A\x83 \xE3\x82\x92 \xE6\x8C\x81");  // りの 拳 銃 を 持
  TerOptions punct;
  punct.no_punct = true;
  CHECK(TercomTokenizer(punct).tokenize("Hello, world! (Really?) \"Yes\": a; b.") == "hello world really yes a b");
  CHECK(TercomTokenizer(punct).tokenize("a - b") == "a - b");
  TerOptions asian_only;
  asian_only.asian_support = true;  // no effect without normalized / no_punct
  CHECK(TercomTokenizer(asian_only).tokenize("\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82") ==
        "\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82");
}

TEST_CASE("scorer/ter: translation_edit_rate equals lib_ter", "[scorer][ter]") {
  TranslationEditRate ter;  // one object for all: its scratch space must not leak between calls
  for (const auto& v : section("ter_edit_rate")) {
    const auto& c = v.as_object();
    const auto hyp = strings(c.at("hyp")), ref = strings(c.at("ref"));
    INFO("hyp '" << json::serialize(c.at("hyp")) << "' ref '" << json::serialize(c.at("ref")) << "'");
    const auto expected = ints(c.at("result"));
    const TerEdits e = translation_edit_rate(views(hyp), views(ref));
    CHECK(e.edits == expected.at(0));
    CHECK(e.ref_length == expected.at(1));
    // the same through reused scratch space, with other ids: large ones (remapped inside) and
    // small ones assigned in another order
    std::map<std::string, std::uint32_t> index;
    for (const auto& w : ref) index.emplace(w, static_cast<std::uint32_t>(index.size()));
    for (const auto& w : hyp) index.emplace(w, static_cast<std::uint32_t>(index.size()));
    for (const auto scramble : {+[](std::uint32_t i) { return (i * 2654435761u) ^ 0x80000000u; },
                                +[](std::uint32_t i) { return 1000 - i; }}) {
      std::vector<std::uint32_t> h, r;
      for (const auto& w : hyp) h.push_back(scramble(index.at(w)));
      for (const auto& w : ref) r.push_back(scramble(index.at(w)));
      CHECK(ter(h, r) == e);
    }
  }
}

TEST_CASE("scorer/ter: golden cases equal sacreBLEU", "[scorer][ter]") {
  for (const auto& v : section("ter")) {
    const auto& c = v.as_object();
    INFO("case " << str(c.at("name")));
    const Ter ter(ter_options_from(c.at("options").as_object()));
    const auto hyps = strings(c.at("hyps"));
    const auto refs = streams(c.at("refs"));

    const auto segments = ter.segment_stats(hyps, refs);
    const auto& expected_segments = c.at("segments").as_array();
    REQUIRE(segments.size() == expected_segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const auto& e = expected_segments[i].as_array();
      CHECK(segments[i].edits == e.at(0).to_number<std::int64_t>());
      CHECK(segments[i].ref_length == num(e.at(1)));
    }

    const TerScore s = ter.corpus_score(hyps, refs);
    CHECK(s.score == num(c.at("score")));
    CHECK(s.num_edits == c.at("num_edits").to_number<std::int64_t>());
    CHECK(s.ref_length == num(c.at("ref_length")));
    CHECK(s.format() == str(c.at("format")));
    const Signature signature = ter.signature(static_cast<int>(refs.size()));
    CHECK(signature.format() == str(c.at("signature")));
    CHECK(signature.format(true) == str(c.at("signature_short")));
    CHECK(s.format(1, signature.format()) == str(c.at("format_sig_w1")));

    if (hyps.size() == 1) {  // sentence_score is the corpus score of one segment
      std::vector<std::string_view> seg_refs;
      for (const auto& stream : refs) seg_refs.push_back(stream[0]);
      CHECK(ter.sentence_score(hyps[0], seg_refs).score == s.score);
    }
  }
}

TEST_CASE("scorer/ter: edge cases", "[scorer][ter]") {
  const Ter ter;
  SECTION("empty hypothesis: one deletion per reference word") {
    CHECK(ter.segment_stats("", {"a b c"}) == TerStats{3, 3.0});
    CHECK(ter.sentence_score("", {"a b c"}).score == 100.0);
  }
  SECTION("empty reference: edits without length, TER 100; both empty: 0") {
    CHECK(ter.segment_stats("a b", {""}) == TerStats{2, 0.0});
    CHECK(ter.sentence_score("a b", {""}).score == 100.0);
    CHECK(ter.sentence_score("", {""}).score == 0.0);
    CHECK(ter.sentence_score(" \t", {"\xE3\x80\x80"}).score == 0.0);
  }
  SECTION("a shift is one edit") {
    CHECK(ter.segment_stats("the cat sat on the mat", {"on the mat the cat sat"}).edits == 1);
    CHECK(ter.segment_stats("a b c d e f g h", {"b c d e a f g h"}).edits == 1);
  }
  SECTION("case-insensitive by default") {
    CHECK(ter.segment_stats("The CAT", {"the cat"}).edits == 0);
    TerOptions cs;
    cs.case_sensitive = true;
    CHECK(Ter(cs).segment_stats("The CAT", {"the cat"}).edits == 2);
  }
  SECTION("several references: fewest edits, average length") {
    const TerStats s = ter.segment_stats("a b", {"a c", "c b", "a b c d"});
    CHECK(s.edits == 1);
    CHECK(s.ref_length == 8.0 / 3.0);
    CHECK(ter.segment_stats("a b c", {"", "a b c d e"}) == TerStats{2, 2.5});
  }
  SECTION("blocks of more than 10 words move in pieces") {
    std::string a, b;
    for (int i = 0; i < 12; ++i) {
      a += " w" + std::to_string(i);
      b += " v" + std::to_string(i);
    }
    const TerEdits e = translation_edit_rate(words(a + b), words(b + a));
    CHECK(e.edits == golden_case("ter", "long_block").at("num_edits").to_number<std::int64_t>());
    CHECK(e == TerEdits{2, 24});
  }
}

TEST_CASE("scorer/ter: statistics are additive", "[scorer][ter]") {
  const auto& c = golden_case("ter", "readme_2refs");
  const Ter ter;
  const auto hyps = strings(c.at("hyps"));
  const auto refs = streams(c.at("refs"));
  TerStats sum;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    std::vector<std::string_view> seg_refs;
    for (const auto& stream : refs) seg_refs.push_back(stream[i]);
    sum += ter.segment_stats(hyps[i], seg_refs);
  }
  CHECK(sum == ter.corpus_stats(hyps, refs));
  CHECK(ter.score_from_stats(sum).score == num(c.at("score")));
  CHECK(TerStats{1, 2.0} + TerStats{3, 4.5} == TerStats{4, 6.5});
}

TEST_CASE("scorer/ter: options, signature, errors", "[scorer][ter]") {
  CHECK(Ter().signature(1).format() == "nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0");
  CHECK(Ter().signature(1).format(true) == "#:1|c:lc|t:tercom|nr:no|pn:yes|as:no|v:2.6.0");
  TerOptions all{true, true, true, true};
  CHECK(Ter(all).signature(2).format() == "nrefs:2|case:mixed|tok:tercom|norm:yes|punct:no|asian:yes|version:2.6.0");
  CHECK(Ter().signature(-1).format().rfind("nrefs:var|", 0) == 0);
  CHECK(Ter().name() == "TER");
  CHECK(Ter().tokenizer().name() == "tercom");

  TerScore s;
  s.score = 69.04761904761905;
  CHECK(s.format() == "TER = 69.05");
  CHECK(s.format(1, "sig") == "TER|sig = 69.0");
  CHECK(s.format(4, "", true) == "69.0476");

  const Ter ter;
  CHECK_THROWS_WITH(ter.corpus_score({"a", "b"}, {{"a"}}),
                    "line count mismatch: 2 hypotheses but 1 lines in reference stream 1");
  CHECK_THROWS_WITH(ter.corpus_score({"a"}, {}), "TER needs at least one reference stream");
  CHECK_THROWS_AS(ter.corpus_score({}, {{}}), std::invalid_argument);
  CHECK_THROWS_AS(ter.segment_stats("a", {}), std::invalid_argument);
  CHECK_THROWS_AS(ter.corpus_score({"a", "\xC0\x80"}, {{"a", "b"}}), Utf8Error);
  CHECK_THROWS_AS(ter.sentence_score("a", {"\xFF"}), Utf8Error);
}

TEST_CASE("scorer/ter: WMT17 en-de systems equal sacreBLEU", "[scorer][ter][wmt17]") {
  const std::string dir = wmt17_dir();
  const auto& systems = section("wmt17_ter");
  if (!std::filesystem::exists(dir + "/reference.txt") || systems.empty()) {
    WARN("WMT17 data not found in " << dir << " (set LONGTAIL_WMT17_DIR); skipped");
    return;
  }
  const auto refs = read_corpus_lines(dir + "/reference.txt");
  const Ter ter;
  const std::string sig = ter.signature(1).format();
  for (const auto& v : systems) {
    const auto& c = v.as_object();
    INFO("system " << str(c.at("system")));
    const TerScore s = ter.corpus_score(read_corpus_lines(dir + "/" + str(c.at("file"))), {refs});
    CHECK(s.score == num(c.at("ter")));
    CHECK(s.num_edits == c.at("num_edits").to_number<std::int64_t>());
    CHECK(s.ref_length == num(c.at("ref_length")));
    CHECK(s.format() == str(c.at("ter_line")));
    CHECK(s.format(1, sig) == str(c.at("ter_line_cli")));
    CHECK(s.format(4, sig) == str(c.at("ter_line_cli_w4")));
    CHECK(sig == str(c.at("ter_signature")));
  }
}


TEST_CASE("TER refuses a pathologically long segment at once instead of exhausting memory", "[scorer][ter]") {
  Ter ter;
  std::string line;
  for (std::size_t i = 0; i < kTerMaxSegmentWords; ++i) line += (i ? " w" : "w") + std::to_string(i % 997);
  // At the limit it still scores (identical: no edits).
  CHECK(ter.sentence_score(line, {line}).score == 0.0);
  const std::string longer = line + " extra";
  CHECK_THROWS_WITH(ter.sentence_score(longer, {line}),
                    "TER: a hypothesis segment of 20001 words; TER scores segments of at most 20000 words (its shift search "
                    "grows faster than the square of the length)");
  CHECK_THROWS_AS(ter.corpus_score({"a b"}, {{longer}}), std::length_error);
}

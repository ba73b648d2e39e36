// eval/scorer tokenizers `intl`, `zh` and `char` against sacreBLEU 2.6.0 (golden data), the
// registry entries, and BLEU's trg_lang default-tokenizer selection.
#include <algorithm>
#include <thread>

#include "eval/scorer/bleu.h"
#include "eval/scorer/tokenizer.h"
#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

namespace {

void check_golden(const Tokenizer& tok, const char* section_name, std::size_t min_cases) {
  const auto& cases = section(section_name);
  REQUIRE(cases.size() >= min_cases);
  for (const auto& v : cases) {
    const auto& c = v.as_object();
    INFO(section_name << " input: " << str(c.at("input")));
    CHECK(tok.tokenize(str(c.at("input"))) == str(c.at("output")));
  }
}

}  // namespace

TEST_CASE("scorer/intl: hand-picked hard cases equal sacreBLEU", "[scorer][tokenizer]") {
  // The golden data and the C++ class tables must come from the same `regex` release.
  REQUIRE(std::string(intl_regex_version()) == str(golden().at("regex")));
  check_golden(TokenizerIntl(), "tokenize_intl", 150);
}

TEST_CASE("scorer/zh: hand-picked hard cases equal sacreBLEU", "[scorer][tokenizer]") {
  check_golden(TokenizerZh(), "tokenize_zh", 80);
}

TEST_CASE("scorer/char: hand-picked cases equal sacreBLEU", "[scorer][tokenizer]") {
  check_golden(TokenizerChar(), "tokenize_char", 10);
}

TEST_CASE("scorer/intl: the passes and the classes", "[scorer][tokenizer]") {
  const TokenizerIntl tok;
  CHECK(tok.tokenize("It's") == "It ' s");              // apostrophe is Po
  CHECK(tok.tokenize("2019.") == "2019.");              // no padding: a final '.' after a digit stays
  CHECK(tok.tokenize("2019. Next") == "2019 . Next");
  CHECK(tok.tokenize("3,000.50") == "3,000.50");        // punctuation between digits
  CHECK(tok.tokenize("!!!1") == "! ! !1");              // pass 1 consumes pairs, pass 2 sees its spaces
  CHECK(tok.tokenize("$3.50") == "$ 3.50");             // every symbol is split off
  CHECK(tok.tokenize("1+1=2") == "1 + 1 = 2");
  CHECK(tok.tokenize("\xE2\x85\xAB.") == "\xE2\x85\xAB.");  // U+216B ROMAN NUMERAL TWELVE is Nl
  CHECK(tok.tokenize("x\xC2\xB2.") == "x\xC2\xB2.");         // U+00B2 SUPERSCRIPT TWO is No
  CHECK(tok.tokenize("x\xC2\xB2.y") == "x\xC2\xB2 . y");      // ... but '.' is followed by a non-number
  CHECK(tok.tokenize("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD ok!") ==
        "\xF0\x9F\x91\x8D \xF0\x9F\x8F\xBD ok !");      // thumbs up (So) + skin tone (Sk)
  CHECK(tok.tokenize("a\xC2\xA0.\xE3\x80\x80" "b") == "a . b");  // NBSP, U+3000 split
  CHECK(tok.tokenize("a\xE2\x80\x8B.b") == "a\xE2\x80\x8B . b");  // ZWSP (Cf) is neither class nor space
  // Newer than Python 3.11's Unicode 14: the regex module's tables decide.
  CHECK(tok.tokenize("\xF0\x9F\x9B\x9C.") == "\xF0\x9F\x9B\x9C .");  // U+1F6DC (Unicode 15.0, So)
  CHECK(std::string(intl_unicode_version()) >= "15.0.0");
}

TEST_CASE("scorer/zh: Chinese ranges with sacreBLEU's quirks, 13a without padding", "[scorer][tokenizer]") {
  const TokenizerZh tok;
  CHECK(tok.tokenize("\xE4\xB8\xAD\xE6\x96\x87" "abc\xE6\xB7\xB7\xE5\x90\x88" "123\xE6\xB5\x8B\xE8\xAF\x95.") ==
        "\xE4\xB8\xAD \xE6\x96\x87 abc \xE6\xB7\xB7 \xE5\x90\x88 123 \xE6\xB5\x8B \xE8\xAF\x95 .");
  CHECK(tok.tokenize("zero\xE2\x80\x8Bwidth") == "zero \xE2\x80\x8B width");  // U+200B is "Chinese"
  CHECK(tok.tokenize("end with digit 5.") == "end with digit 5.");          // no padding, unlike 13a
  CHECK(tok.tokenize("&amp; <skipped>") == "& amp ; < skipped >");         // no unescaping either
  CHECK(tok.tokenize("  x  ") == "x");

  // '\u20000' is U+2000 '0' in Python: the effective range starts at U+2001 and ends at U+2A6D.
  CHECK_FALSE(is_zh_chinese_char(0x2000));
  CHECK(is_zh_chinese_char(0x2001));
  CHECK(is_zh_chinese_char(0x2014));   // em dash
  CHECK(is_zh_chinese_char(0x20AC));   // euro sign
  CHECK(is_zh_chinese_char(0x2A6D));
  CHECK_FALSE(is_zh_chinese_char(0x2A6E));
  CHECK_FALSE(is_zh_chinese_char(0x20000));  // CJK Extension B is not
  CHECK_FALSE(is_zh_chinese_char(0x2F800));
  CHECK_FALSE(is_zh_chinese_char(0x3042));   // hiragana is not
  CHECK(is_zh_chinese_char(0x3000));
  CHECK(is_zh_chinese_char(0x4DB5));
  CHECK_FALSE(is_zh_chinese_char(0x4DB6));
  CHECK(is_zh_chinese_char(0x9FBB));
  CHECK_FALSE(is_zh_chinese_char(0x9FBC));
  CHECK(is_zh_chinese_char(0xFF01));
  CHECK_FALSE(is_zh_chinese_char(0xFFF0));
  CHECK_FALSE(is_zh_chinese_char('a'));
}

TEST_CASE("scorer/char: every code point separated", "[scorer][tokenizer]") {
  const TokenizerChar tok;
  CHECK(tok.tokenize("") == "");
  CHECK(tok.tokenize("a b") == "a   b");  // spaces are characters too; BLEU's split() drops them
  CHECK(tok.tokenize("\xE4\xB8\xAD\xF0\x9F\x91\x8D" "e\xCC\x81") == "\xE4\xB8\xAD \xF0\x9F\x91\x8D e \xCC\x81");
}

TEST_CASE("scorer/tokenizers: stateless across threads", "[scorer][tokenizer]") {
  const auto& cases = section("tokenize_intl");
  const TokenizerIntl intl;
  const TokenizerZh zh;
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (const auto& v : cases) {
          const auto& c = v.as_object();
          const std::string in = str(c.at("input"));
          if (intl.tokenize(in) != str(c.at("output"))) ++bad[static_cast<std::size_t>(t)];
          (void)zh.tokenize(in);
        }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad == std::vector<int>(4, 0));
}

TEST_CASE("scorer/tokenizer registry: intl, zh, char; ja/ko not built in", "[scorer][tokenizer]") {
  const auto names = tokenizer_names();
  for (const char* name : {"none", "13a", "intl", "zh", "char"}) {
    INFO(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
    auto tok = make_tokenizer(name);
    CHECK(tok->name() == name);
    CHECK(tok->signature() == name);
  }
  for (const char* name : {"ja-mecab", "ko-mecab", "spm", "flores101", "flores200", "spBLEU-1K"}) {
    INFO(name);
    CHECK_THROWS_WITH(make_tokenizer(name), Catch::Contains(std::string("tokenizer '") + name + "' is not available") &&
                                                Catch::Contains("known: 13a, char, intl, none, "));
  }
}

TEST_CASE("scorer/bleu: trg_lang selects sacreBLEU's default tokenizer", "[scorer][bleu][tokenizer]") {
  BleuOptions zh;
  zh.trg_lang = "zh";
  CHECK(resolve_bleu_tokenizer(zh) == "zh");
  const Bleu bleu_zh(zh);
  CHECK(bleu_zh.tokenizer().name() == "zh");
  CHECK(bleu_zh.signature(1).format() == "nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0");
  const auto& c = golden_case("bleu", "zh_trg_lang");
  CHECK(bleu_zh.corpus_score(strings(c.at("hyps")), streams(c.at("refs"))).score == num(c.at("score")));

  // An explicit tokenizer wins over trg_lang (sacreBLEU only warns).
  BleuOptions zh_13a = zh;
  zh_13a.tokenize = "13a";
  CHECK(Bleu(zh_13a).tokenizer().name() == "13a");

  for (const auto& [lang, tok] : {std::pair<const char*, const char*>{"ja", "ja-mecab"}, {"ko", "ko-mecab"}}) {
    BleuOptions o;
    o.trg_lang = lang;
    CHECK(resolve_bleu_tokenizer(o) == tok);
    CHECK_THROWS_WITH(Bleu(o), Catch::Contains(std::string("trg_lang '") + lang + "'") &&
                                   Catch::Contains(std::string("tokenizer '") + tok + "' is not available") &&
                                   Catch::Contains("known: 13a, char, intl, none, "));
    o.tokenize = "intl";  // the way out the message suggests
    CHECK(Bleu(o).tokenizer().name() == "intl");
  }
  BleuOptions other;
  other.trg_lang = "de";
  CHECK(Bleu(other).tokenizer().name() == "13a");
}

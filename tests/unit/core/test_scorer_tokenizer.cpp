// eval/scorer tokenizers: 13a against sacreBLEU 2.6.0 (golden data), plus the registry.
#include "eval/scorer/tokenizer.h"

#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

TEST_CASE("scorer/13a: hand-picked hard cases equal sacreBLEU", "[scorer][tokenizer]") {
  const Tokenizer13a tok;
  const auto& cases = section("tokenize_13a");
  REQUIRE(cases.size() > 100);
  for (const auto& v : cases) {
    const auto& c = v.as_object();
    INFO("input: " << str(c.at("input")));
    CHECK(tok.tokenize(str(c.at("input"))) == str(c.at("output")));
  }
}

TEST_CASE("scorer/13a: the sequential regex passes", "[scorer][tokenizer]") {
  const Tokenizer13a tok;
  // Examples from the spec, each exercising how one re.sub pass feeds the next.
  CHECK(tok.tokenize("a..b") == "a . . b");          // rule 2 consumes the first '.', rule 3 the second
  CHECK(tok.tokenize("2019.") == "2019 .");           // padding puts a space after the final '.'
  CHECK(tok.tokenize("3,000-4,000") == "3,000 - 4,000");
  CHECK(tok.tokenize("-9") == "-9");
  CHECK(tok.tokenize("1.-2.") == "1 . -2 .");
  CHECK(tok.tokenize("1--2") == "1 - -2");            // rule 4 is non-overlapping too
  CHECK(tok.tokenize("&amp;lt;") == "<");              // sequential replaces
  CHECK(tok.tokenize("<skip<skipped>ped>") == "< skipped >");  // str.replace does not rescan
  CHECK(tok.tokenize("pre-\npost") == "prepost");
  CHECK(tok.tokenize("a\xC2\xA0" "b") == "a b");       // NBSP splits
  CHECK(tok.tokenize("a\xE2\x80\x8B" "b") == "a\xE2\x80\x8B" "b");  // ZWSP does not
  CHECK(tok.tokenize("\xD9\xA3.\xD9\xA4") == "\xD9\xA3 . \xD9\xA4");  // Arabic-Indic digits are not [0-9]
}

TEST_CASE("scorer/tokenizer registry", "[scorer][tokenizer]") {
  const auto names = tokenizer_names();
  CHECK(std::find(names.begin(), names.end(), "13a") != names.end());
  CHECK(std::find(names.begin(), names.end(), "none") != names.end());
  auto t13a = make_tokenizer("13a");
  CHECK(t13a->name() == "13a");
  CHECK(t13a->signature() == "13a");
  auto none = make_tokenizer("none");
  CHECK(none->tokenize(" a  b.") == " a  b.");
  CHECK_THROWS_WITH(make_tokenizer("intl-typo"), Catch::Contains("unknown tokenizer 'intl-typo'") &&
                                                      Catch::Contains("13a"));

  // A tokenizer registered at run time is found by name.
  struct Upper final : Tokenizer {
    std::string name() const override { return "test-upper"; }
    std::string tokenize(std::string_view line) const override {
      std::string out(line);
      for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return out;
    }
  };
  register_tokenizer("test-upper", [] { return std::make_unique<Upper>(); });
  CHECK(make_tokenizer("test-upper")->tokenize("ab c") == "AB C");
}

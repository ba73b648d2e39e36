// eval/scorer/unicode: UTF-8 and Python str semantics (expected values from Python 3.11).
#include "eval/scorer/unicode.h"

#include "tests/unit/core/scorer_golden.h"

using namespace longtail::eval;
using namespace scorer_test;

TEST_CASE("scorer/unicode: UTF-8 round trip over every scalar value", "[scorer][unicode]") {
  std::u32string all;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp)
    if (cp < 0xD800 || cp > 0xDFFF) all.push_back(cp);
  const std::string utf8 = encode_utf8(all);
  CHECK(find_invalid_utf8(utf8) == std::string_view::npos);
  CHECK(decode_utf8(utf8) == all);
  CHECK(count_code_points(utf8) == all.size());
}

TEST_CASE("scorer/unicode: invalid UTF-8 is rejected with its byte offset", "[scorer][unicode]") {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  const std::vector<Case> cases = {
      {"ab\x80", 2},                // stray continuation byte
      {"a\xC3", 1},                 // truncated 2-byte sequence
      {"a\xC3(", 1},                // bad continuation
      {"\xC0\xAF", 0},              // overlong '/'
      {"\xC1\xBF", 0},              // overlong
      {"ok\xE0\x80\xAF", 2},        // overlong 3-byte
      {"\xED\xA0\x80", 0},          // UTF-16 surrogate U+D800
      {"x\xED\xBF\xBF", 1},         // surrogate U+DFFF
      {"\xF0\x8F\xBF\xBF", 0},      // overlong 4-byte
      {"\xF4\x90\x80\x80", 0},      // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},      // invalid lead byte
      {"\xFF", 0},
      {"\xC3\xA9\xE2\x82", 2},      // valid é, then a truncated €
      {"\xE2\x82\xAC\xF0\x9F\x91", 3},
  };
  for (const auto& c : cases) {
    INFO("offset " << c.offset);
    CHECK(find_invalid_utf8(c.text) == c.offset);
    try {
      decode_utf8(c.text);
      FAIL("no exception");
    } catch (const Utf8Error& e) {
      CHECK(e.offset() == c.offset);
      CHECK(std::string(e.what()) == "invalid UTF-8 at byte offset " + std::to_string(c.offset));
    }
  }
  CHECK_THROWS_WITH(check_utf8("ok\xFF", "hypothesis line 7"), "hypothesis line 7: invalid UTF-8 at byte offset 2");
  CHECK_NOTHROW(check_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF itself is fine
  CHECK_NOTHROW(check_utf8(std::string("a\0b", 3)));
}

TEST_CASE("scorer/unicode: Python's whitespace set", "[scorer][unicode]") {
  // str.isspace() in Python 3.11, enumerated over all code points.
  const std::vector<char32_t> spaces = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x1C,   0x1D,   0x1E,
                                        0x1F,   0x20,   0x85,   0xA0,   0x1680, 0x2000, 0x2001, 0x2002,
                                        0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
                                        0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
  std::vector<char32_t> found;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp)
    if (is_python_space(cp)) found.push_back(cp);
  CHECK(found == spaces);
  for (char32_t cp : spaces) {
    std::string s;
    append_utf8(cp, s);
    CHECK(space_length_at(s, 0) == s.size());
  }
  CHECK(space_length_at("\xE2\x80\x8B", 0) == 0);  // ZWSP
  CHECK(space_length_at("\xEF\xBB\xBF", 0) == 0);  // BOM
  CHECK(space_length_at("\xE1\xA0\x8E", 0) == 0);  // U+180E (whitespace before Unicode 6.3)
}

TEST_CASE("scorer/unicode: split / rstrip / strip match golden Python results", "[scorer][unicode]") {
  for (const auto& v : section("split")) {
    const auto& c = v.as_object();
    const std::string input = str(c.at("input"));
    INFO(input);
    std::vector<std::string> parts;
    for (auto p : split_whitespace(input)) parts.emplace_back(p);
    CHECK(parts == strings(c.at("output")));
    CHECK(std::string(rstrip(input)) == str(c.at("rstrip")));
    CHECK(std::string(strip(input)) == str(c.at("strip")));
    std::string joined;
    for (const auto& p : parts) joined += (joined.empty() ? "" : " ") + p;
    CHECK(join_whitespace(input) == joined);
  }
}

TEST_CASE("scorer/unicode: lower() matches Python, incl. İ, ß and final sigma", "[scorer][unicode]") {
  CHECK(to_lower("\xC4\xB0") == "i\xCC\x87");  // 'İ' -> 'i' + U+0307
  CHECK(to_lower("\xC3\x9F") == "\xC3\x9F");   // 'ß' stays
  CHECK(to_lower("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xCE\xA3.") ==
        "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82 \xCF\x83.");  // 'ΟΔΟΣ Σ.' -> 'οδος σ.'
  CHECK(std::string(case_tables_unicode_version()) == "14.0.0");
  for (const auto& v : section("lower")) {
    const auto& c = v.as_object();
    INFO(str(c.at("input")));
    CHECK(to_lower(str(c.at("input"))) == str(c.at("output")));
  }
}

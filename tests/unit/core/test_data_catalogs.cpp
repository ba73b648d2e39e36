// .mo and .po readers.
#include <catch2/catch.hpp>

#include "harness/data/mo_reader.h"
#include "harness/data/po_reader.h"
#include "test_data_util.h"

using namespace longtail::data;
using namespace std::string_literals;
using longtail::test::fixture;
using longtail::test::TempDir;
using longtail::test::write_bytes;

namespace {

const CatalogEntry* find_entry(const Catalog& c, const std::string& msgid, const std::string& context = "") {
  for (const CatalogEntry& e : c.entries)
    if (e.msgid == msgid && e.context == context) return &e;
  return nullptr;
}

std::vector<MoMessage> demo_messages() {
  return {
      {"", "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=3;\n"},
      {"_Save", "_Speichern"},
      {"menu\x04Open", "\xC3\x96" "ffnen"},
      {"%d file\0%d files"s, "%d plik\0%d pliki\0%d plików"s},
      {"%d day\0%d days"s, "%d jour"s},  // a catalog with a single plural form
  };
}

std::string patch_word(std::string bytes, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

}  // namespace

TEST_CASE("mo: both byte orders give the same entries", "[data][mo]") {
  for (bool big_endian : {false, true}) {
    CAPTURE(big_endian);
    const Catalog c = parse_mo(encode_mo(demo_messages(), big_endian), "demo.mo");
    CHECK(c.charset == "UTF-8");
    REQUIRE(c.entries.size() == 5);  // header skipped; the first plural entry gives two pairs
    REQUIRE(find_entry(c, "_Save"));
    CHECK(find_entry(c, "_Save")->msgstr == "_Speichern");
    CHECK_FALSE(find_entry(c, "_Save")->plural);
  }
}

TEST_CASE("mo: context and plurals", "[data][mo]") {
  const Catalog c = parse_mo(encode_mo(demo_messages()), "demo.mo");
  const CatalogEntry* open = find_entry(c, "Open", "menu");
  REQUIRE(open);
  CHECK(open->msgstr == "\xC3\x96" "ffnen");
  CHECK(find_entry(c, "Open") == nullptr);  // only under its context

  const CatalogEntry* singular = find_entry(c, "%d file");
  const CatalogEntry* plural = find_entry(c, "%d files");
  REQUIRE(singular);
  REQUIRE(plural);
  CHECK(singular->msgstr == "%d plik");   // msgstr[0]
  CHECK(plural->msgstr == "%d pliki");    // msgstr[1]
  CHECK(singular->plural);
  CHECK(plural->plural);
  // One plural form only: the plural msgid has nothing to pair with.
  REQUIRE(find_entry(c, "%d day"));
  CHECK(find_entry(c, "%d days") == nullptr);
}

TEST_CASE("mo: files written by GNU msgfmt, little- and big-endian, UTF-8 and Latin-1", "[data][mo]") {
  const Catalog fr = read_mo(fixture("mo/catalogs/fr/LC_MESSAGES/demo.mo"));
  REQUIRE(find_entry(fr, "Open", "verb"));
  CHECK(find_entry(fr, "Open", "verb")->msgstr == "Ouvrir");
  CHECK(find_entry(fr, "Open", "adjective")->msgstr == "Ouvert");
  CHECK(find_entry(fr, "%d files were copied")->msgstr == "%d fichiers ont été copiés");
  CHECK(find_entry(fr, "Quit") == nullptr);  // msgfmt leaves fuzzy entries out

  const Catalog pt = read_mo(fixture("mo/catalogs/pt_BR/LC_MESSAGES/demo.mo"));  // big-endian
  CHECK(find_entry(pt, "_File")->msgstr == "_Arquivo");
  CHECK(find_entry(pt, "%d file was copied")->msgstr == "%d arquivo foi copiado");

  const Catalog de = read_mo(fixture("mo/catalogs/de/LC_MESSAGES/demo.mo"));
  CHECK(de.charset == "ISO-8859-1");
  CHECK(find_entry(de, "Size")->msgstr == "Gr\xC3\xB6\xC3\x9F" "e");  // converted to UTF-8
}

TEST_CASE("mo: a string not valid in its charset is dropped and counted", "[data][mo]") {
  std::vector<MoMessage> msgs = {{"", "Content-Type: text/plain; charset=UTF-8\n"},
                                 {"Good", "Bien"},
                                 {"Bad", "Mal\xC3("}};
  const Catalog c = parse_mo(encode_mo(msgs), "bad-utf8.mo");
  CHECK(c.entries.size() == 1);
  CHECK(c.dropped_bad_encoding == 1);

  msgs[0].value = "Content-Type: text/plain; charset=NOT-A-CHARSET\n";
  CHECK_THROWS_WITH(parse_mo(encode_mo(msgs), "weird.mo"),
                    Catch::Contains("weird.mo") && Catch::Contains("NOT-A-CHARSET"));
}

TEST_CASE("mo: truncated and corrupt files are rejected naming the file", "[data][mo]") {
  const std::string good = encode_mo(demo_messages());
  SECTION("shorter than the header") {
    CHECK_THROWS_WITH(parse_mo(good.substr(0, 20), "short.mo"), Catch::Contains("short.mo") && Catch::Contains("truncated"));
  }
  SECTION("bad magic") {
    CHECK_THROWS_WITH(parse_mo(patch_word(good, 0, 0x12345678), "magic.mo"),
                      Catch::Contains("magic.mo") && Catch::Contains("bad magic"));
  }
  SECTION("unsupported major revision") {
    CHECK_THROWS_WITH(parse_mo(patch_word(good, 4, 2u << 16), "rev.mo"),
                      Catch::Contains("rev.mo") && Catch::Contains("major revision 2"));
  }
  SECTION("string table past the end") {
    CHECK_THROWS_WITH(parse_mo(patch_word(good, 12, static_cast<uint32_t>(good.size())), "table.mo"),
                      Catch::Contains("table.mo") && Catch::Contains("past the end"));
  }
  SECTION("a string past the end") {
    CHECK_THROWS_WITH(parse_mo(patch_word(good, 48 + 8, 1000000), "len.mo"),  // length of original 1
                      Catch::Contains("len.mo") && Catch::Contains("past the end"));
  }
  SECTION("cut in the string data") {
    CHECK_THROWS_WITH(parse_mo(good.substr(0, good.size() - 10), "cut.mo"), Catch::Contains("cut.mo"));
  }
  SECTION("from disk, the path is named") {
    TempDir tmp;
    write_bytes(tmp / "broken.mo", good.substr(0, good.size() / 2));
    CHECK_THROWS_WITH(read_mo(tmp / "broken.mo"), Catch::Contains(tmp / "broken.mo"));
  }
}

TEST_CASE("mo: revision 1 system-dependent strings are read back as written", "[data][mo]") {
  // Hand-assembled like msgfmt does for "%Id": a static piece, segment "I", a static piece.
  std::string mo = encode_mo({{"", "Content-Type: text/plain; charset=UTF-8\n"}});
  const uint32_t static_strings_end = static_cast<uint32_t>(mo.size());
  std::string extra;
  const auto put = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) extra += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  // Layout after the static part: segment table, segment name, two string descriptors, data.
  const uint32_t seg_table = static_strings_end, seg_name = seg_table + 8;
  const uint32_t orig_table = seg_name + 2, trans_table = orig_table + 4;
  const uint32_t orig_desc = trans_table + 4, trans_desc = orig_desc + 4 + 16;
  const uint32_t orig_data = trans_desc + 4 + 16;
  const std::string orig_a = "%", orig_b = "d days\0"s, trans_a = "%", trans_b = "d jours\0"s;
  const uint32_t trans_data = orig_data + static_cast<uint32_t>(orig_a.size() + orig_b.size());
  put(2);  // segment "I" with its NUL
  put(seg_name);
  extra += "I"s + '\0';
  put(orig_desc);
  put(trans_desc);
  for (auto [data, a, b] : {std::tuple{orig_data, orig_a, orig_b}, std::tuple{trans_data, trans_a, trans_b}}) {
    put(data);
    put(static_cast<uint32_t>(a.size()));
    put(0);  // segment 0
    put(static_cast<uint32_t>(b.size()));
    put(0xffffffff);
  }
  extra += orig_a + orig_b + trans_a + trans_b;
  mo += extra;
  // A revision 1.1 header: encode_mo left the system-dependent fields (28..44) zero.
  mo = patch_word(mo, 4, 0x10001);
  mo = patch_word(mo, 28, 1);
  mo = patch_word(mo, 32, seg_table);
  mo = patch_word(mo, 36, 1);
  mo = patch_word(mo, 40, orig_table);
  mo = patch_word(mo, 44, trans_table);
  const Catalog c = parse_mo(mo, "sysdep.mo");
  REQUIRE(find_entry(c, "%Id days"));
  CHECK(find_entry(c, "%Id days")->msgstr == "%Id jours");
}

TEST_CASE("po: entries, context, plurals, continuation lines, escapes, fuzzy, obsolete", "[data][po]") {
  const Catalog c = read_po(fixture("mo/po/fr.po"));
  CHECK(c.charset == "UTF-8");
  CHECK(find_entry(c, "_File")->msgstr == "_Fichier");
  CHECK(find_entry(c, "Open", "verb")->msgstr == "Ouvrir");
  CHECK(find_entry(c, "Open", "adjective")->msgstr == "Ouvert");
  CHECK(find_entry(c, "%d file was copied")->msgstr == "%d fichier a été copié");
  CHECK(find_entry(c, "%d files were copied")->msgstr == "%d fichiers ont été copiés");
  CHECK(find_entry(c, "A long message over two lines\n")->msgstr == "Un long message sur deux lignes\n");
  CHECK(find_entry(c, "Say \"hello\"\tnow")->msgstr == "Dites « bonjour »\tmaintenant");
  CHECK(find_entry(c, "Quit") == nullptr);
  CHECK(c.skipped_fuzzy == 1);
  CHECK(find_entry(c, "Obsolete") == nullptr);
  REQUIRE(find_entry(c, "Untranslated"));
  CHECK(find_entry(c, "Untranslated")->msgstr.empty());
}

TEST_CASE("po: the header's charset is converted to UTF-8", "[data][po]") {
  const Catalog c = read_po(fixture("mo/po/de.po"));
  CHECK(c.charset == "ISO-8859-1");
  CHECK(find_entry(c, "Close")->msgstr == "Schlie\xC3\x9F" "en");
}

TEST_CASE("po: syntax errors name file and line", "[data][po]") {
  CHECK_THROWS_WITH(parse_po("msgid \"a\"\nmsgstr \"b\"\nmsgfoo \"c\"\n", "x.po"), Catch::Contains("x.po:3") && Catch::Contains("msgfoo"));
  CHECK_THROWS_WITH(parse_po("msgid \"a\nmsgstr \"b\"\n", "x.po"), Catch::Contains("x.po:1"));
  CHECK_THROWS_WITH(parse_po("msgid \"a\"\nmsgstr \"b\\q\"\n", "x.po"), Catch::Contains("x.po:2") && Catch::Contains("escape"));
  CHECK_THROWS_WITH(parse_po("msgstr \"b\"\n", "x.po"), Catch::Contains("x.po:1") && Catch::Contains("without a msgid"));
  CHECK_THROWS_WITH(parse_po("\"dangling\"\n", "x.po"), Catch::Contains("x.po:1"));
  CHECK_THROWS_WITH(parse_po("msgid \"a\"\nmsgid_plural \"b\"\nmsgstr \"c\"\n", "x.po"), Catch::Contains("x.po:3"));
  CHECK_THROWS_WITH(parse_po("msgid \"a\"\n\nmsgid \"b\"\nmsgstr \"c\"\n", "x.po"), Catch::Contains("x.po:3"));
  CHECK_THROWS_WITH(read_po("/nonexistent/dir/x.po"), Catch::Contains("/nonexistent/dir/x.po"));
}

TEST_CASE("po: escapes", "[data][po]") {
  const Catalog c = parse_po("msgid \"tab\\there\\n\\\\ \\x41\\101\"\nmsgstr \"ok\"\n", "esc.po");
  REQUIRE(c.entries.size() == 1);
  CHECK(c.entries[0].msgid == "tab\there\n\\ AA");
}

TEST_CASE("utf-8 validation and header charset", "[data][mo]") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("\xE6\x96\x87\xE4\xBB\xB6"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE6\x96"));          // cut
  CHECK(header_charset("Content-Type: text/plain; charset=iso-8859-2\n") == "iso-8859-2");
  CHECK(header_charset("Content-Type: text/plain; charset=CHARSET\n") == "UTF-8");
  CHECK(header_charset("Project-Id-Version: x\n") == "UTF-8");
}

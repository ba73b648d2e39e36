// Normalisation rules (docs/corpora.md).
#include <catch2/catch.hpp>

#include "harness/data/normalize.h"

using namespace longtail::data;

namespace {

DropReason check_pair(const std::string& en, const std::string& xx, Pair* out = nullptr, int64_t max_chars = 400) {
  Pair p;
  const DropReason r = normalize_pair(en, xx, NormalizeOptions{max_chars}, p);
  if (out) *out = p;
  return r;
}

}  // namespace

TEST_CASE("normalize: accelerator markers", "[data][normalize]") {
  CHECK(normalize_segment("_File") == "File");
  CHECK(normalize_segment("E_xit") == "Exit");
  CHECK(normalize_segment("&Open") == "Open");
  CHECK(normalize_segment("Save &As...") == "Save As...");
  CHECK(normalize_segment("~Format") == "Format");
  CHECK(normalize_segment("Tom && Jerry") == "Tom & Jerry");
  CHECK(normalize_segment("Tom & Jerry") == "Tom & Jerry");
  CHECK(normalize_segment("Ö_ffnen") == "Öffnen");
  CHECK(normalize_segment("_Öffnen") == "Öffnen");
  // Not markers: identifiers, several underscores, paths.
  CHECK(normalize_segment("LC_ALL is set") == "LC_ALL is set");
  CHECK(normalize_segment("use foo_bar and baz_qux") == "use foo_bar and baz_qux");
  CHECK(normalize_segment("__init__") == "__init__");
  CHECK(normalize_segment("~/.bashrc") == "~/.bashrc");
  CHECK(normalize_segment("snake_") == "snake_");
}

TEST_CASE("normalize: CJK-style trailing accelerators", "[data][normalize]") {
  CHECK(normalize_segment("ファイル(_F)") == "ファイル");
  CHECK(normalize_segment("打开(&O)...") == "打开...");
  CHECK(normalize_segment("保存 (_S):") == "保存:");
  CHECK(normalize_segment("Option (A)") == "Option (A)");  // no marker: ordinary text
}

TEST_CASE("normalize: placeholders become {}", "[data][normalize]") {
  CHECK(normalize_segment("%s") == "{}");
  CHECK(normalize_segment("Copied %d of %lu files (%5.1f%%)") == "Copied {} of {} files ({}%)");
  CHECK(normalize_segment("%1$s to %2$s") == "{} to {}");
  CHECK(normalize_segment("%(name)s is %(age)d") == "{} is {}");
  CHECK(normalize_segment("{0} and {name} and {0:>4} and {}") == "{} and {} and {} and {}");
  CHECK(normalize_segment("Copying %1 of %2.") == "Copying {} of {}.");
  CHECK(normalize_segment("size %<PRIu64> bytes") == "size {} bytes");
  CHECK(normalize_segment("%-10s|%*d|%.*s|%'d|%Id") == "{}|{}|{}|{}|{}");
  CHECK(normalize_segment("home is ${HOME}") == "home is {}");
  CHECK(normalize_segment("100%") == "100%");
  CHECK(normalize_segment("50 % de remise") == "50 % de remise");  // French spacing, not "% d"
  CHECK(normalize_segment("{ not a field }") == "{ not a field }");
  CHECK(normalize_segment("%(file_name)s") == "{}");  // the '_' inside is not an accelerator
}

TEST_CASE("normalize: markup, entities, whitespace", "[data][normalize]") {
  CHECK(normalize_segment("<b>Warning:</b> disk <i>full</i>") == "Warning: disk full");
  CHECK(normalize_segment("<span weight=\"bold\">Bold</span>") == "Bold");
  CHECK(normalize_segment("line<br/>break") == "line break");
  CHECK(normalize_segment("Usage: cp <source> <dest>") == "Usage: cp <source> <dest>");  // not markup
  CHECK(normalize_segment("Fish &amp; Chips &lt;3 &#65;&#x42;") == "Fish & Chips <3 AB");
  CHECK(normalize_segment("  two\n\tlines  \r\n ") == "two lines");
  CHECK(normalize_segment("non\xC2\xA0" "breaking") == "non breaking");
  CHECK(normalize_segment("zero\xE2\x80\x8Bwidth") == "zerowidth");
}

TEST_CASE("normalize: pairs are dropped for the documented reasons", "[data][normalize]") {
  Pair p;
  CHECK(check_pair("_Open", "_Ouvrir", &p) == DropReason::None);
  CHECK(p.en == "Open");
  CHECK(p.xx == "Ouvrir");
  CHECK(check_pair("", "x") == DropReason::Empty);
  CHECK(check_pair("<b></b>", "x") == DropReason::Empty);
  CHECK(check_pair("Open", "") == DropReason::Untranslated);
  CHECK(check_pair("Open", "  \n") == DropReason::Untranslated);
  CHECK(check_pair("OK", "ok") == DropReason::Identical);
  CHECK(check_pair("_Open", "&Open") == DropReason::Identical);
  CHECK(check_pair("%s: %s", "%s : %s") == DropReason::MostlyPlaceholders);
  CHECK(check_pair("{} of {}", "{} sur {}") == DropReason::MostlyPlaceholders);
  CHECK(check_pair("Page %d", "%d") == DropReason::MostlyPlaceholders);  // no words left in the translation
  CHECK(check_pair("%d files", "fichiers") == DropReason::PlaceholderMismatch);
  CHECK(check_pair("Bad \xC3(", "x") == DropReason::BadEncoding);
  CHECK(check_pair(std::string(50, 'a'), "b b", nullptr, 40) == DropReason::TooLong);
  CHECK(check_pair("\xE6\x96\x87\xE4\xBB\xB6ok", "ab", nullptr, 4) == DropReason::None);  // code points, not bytes
  CHECK(check_pair("%d files", "%d fichiers", &p) == DropReason::None);
  CHECK(p.xx == "{} fichiers");
  CHECK(std::string(drop_reason_name(DropReason::PlaceholderMismatch)) == "placeholder_mismatch");
}

TEST_CASE("normalize: dedup keeps the first occurrence in order", "[data][normalize]") {
  std::vector<Pair> pairs = {{"a", "1"}, {"b", "2"}, {"a", "1"}, {"a", "3"}, {"b", "2"}};
  CHECK(dedup_pairs(pairs) == 2);
  REQUIRE(pairs.size() == 3);
  CHECK(pairs[0].en == "a");
  CHECK(pairs[1].en == "b");
  CHECK(pairs[2].xx == "3");  // same English, another translation: kept
}

TEST_CASE("normalize: stats count by reason", "[data][normalize]") {
  NormalizeStats a, b;
  a.count(DropReason::None);
  a.count(DropReason::Identical);
  b.count(DropReason::Identical);
  b.duplicates = 2;
  a.merge(b);
  CHECK(a.seen == 3);
  CHECK(a.kept == 1);
  CHECK(a.duplicates == 2);
  CHECK(a.dropped.at("identical") == 2);
  CHECK(utf8_length("\xE6\x96\x87x") == 2);
}

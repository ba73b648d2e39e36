// Corpus layout, importers, catalog corpora and shards.
#include <catch2/catch.hpp>

#include <filesystem>

#include "harness/common/fs_util.h"
#include "harness/common/options.h"
#include "harness/data/corpus.h"
#include "harness/data/corpus_store.h"
#include "harness/data/gettext_corpus.h"
#include "harness/data/readers.h"
#include "harness/data/shard.h"
#include "test_data_util.h"

using namespace longtail;
using namespace longtail::data;
using longtail::test::fixture;
using longtail::test::numbered_pairs;
using longtail::test::TempDir;
using longtail::test::write_bytes;

namespace {

std::map<std::string, SplitPairs> small_corpus() {
  std::map<std::string, SplitPairs> langs;
  langs["fr"] = {numbered_pairs(5, "fr"), {{"dev en", "dev fr"}}, {{"test en", "test fr"}}};
  langs["pt_BR"] = {numbered_pairs(3, "pt"), {}, {{"test en", "teste"}}};
  return langs;
}

}  // namespace

TEST_CASE("corpus: write, load, read back; fingerprint follows the contents", "[data][corpus]") {
  TempDir tmp;
  const CorpusInfo c = write_corpus(tmp / "c1", "demo", small_corpus(), {{"kind", "test"}});
  CHECK(c.name == "demo");
  CHECK(c.fingerprint.size() == 64);
  CHECK(c.languages.at("fr").train == 5);
  CHECK(c.languages.at("pt_BR").dev == 0);
  CHECK(c.manifest.at("source").at("kind") == "test");
  CHECK(file_exists(tmp / "c1/fr/train.fr"));
  CHECK(side_path(c, "fr", Split::Dev, true) == c.dir + "/fr/dev.en");

  const CorpusInfo loaded = load_corpus(tmp / "c1");
  CHECK(loaded.fingerprint == c.fingerprint);
  const std::vector<Pair> dev = read_pairs(loaded, "fr", Split::Dev);
  REQUIRE(dev.size() == 1);
  CHECK(dev[0].xx == "dev fr");
  CHECK(read_pairs(loaded, "pt_BR", Split::Train).size() == 3);
  CHECK_THROWS_WITH(read_pairs(loaded, "de", Split::Train), Catch::Contains("no language \"de\""));

  // Same contents elsewhere: same fingerprint; one changed line: another.
  CHECK(write_corpus(tmp / "c2", "other", small_corpus(), {}).fingerprint == c.fingerprint);
  auto changed = small_corpus();
  changed["fr"].train[0].xx = "changed";
  CHECK(write_corpus(tmp / "c3", "demo", changed, {}).fingerprint != c.fingerprint);

  // Rewriting a corpus with fewer languages removes the stale language directory.
  changed.erase("pt_BR");
  write_corpus(tmp / "c1", "demo", changed, {});
  CHECK_FALSE(std::filesystem::exists(tmp / "c1/pt_BR"));
}

TEST_CASE("corpus: damaged or missing corpora are reported", "[data][corpus]") {
  TempDir tmp;
  CHECK_THROWS_WITH(load_corpus(tmp / "nothing"), Catch::Contains("no manifest.json"));
  const CorpusInfo c = write_corpus(tmp / "c", "demo", small_corpus(), {});
  write_bytes(tmp / "c/fr/train.fr", "only one line\n");
  CHECK_THROWS_WITH(read_pairs(c, "fr", Split::Train), Catch::Contains("damaged"));
  auto bad = small_corpus();
  bad["fr"].train[0].en = "tab\tinside";
  CHECK_THROWS_AS(write_corpus(tmp / "bad", "demo", bad, {}), std::invalid_argument);
  bad = small_corpus();
  bad["../escape"] = {};
  CHECK_THROWS_AS(write_corpus(tmp / "bad", "demo", bad, {}), ConfigError);
}

TEST_CASE("corpus: find by directory, name or pointer", "[data][corpus]") {
  TempDir cache;
  const CorpusInfo c = write_corpus(named_corpus_dir("mine", cache.str()), "mine", small_corpus(), {});
  CHECK(find_corpus("mine", cache.str()).fingerprint == c.fingerprint);
  CHECK(find_corpus(c.dir, cache.str()).fingerprint == c.fingerprint);
  write_corpus_pointer("alias", c.dir, cache.str());
  CHECK(find_corpus("alias", cache.str()).dir == c.dir);
  CHECK_THROWS_WITH(find_corpus("absent", cache.str()),
                    Catch::Contains("absent/manifest.json") && Catch::Contains("absent.json"));
}

TEST_CASE("import: TED talks TSV", "[data][readers]") {
  const ImportResult r = read_ted(fixture("ted"), {"fr", "pt-br"});
  CHECK(r.langs.size() == 2);
  const SplitPairs& fr = r.langs.at("fr");
  REQUIRE(fr.train.size() == 2);  // the _ _ NULL _ _ row and the malformed row are skipped
  CHECK(fr.train[1].en == "It 's a \" big \" idea .");  // Moses escapes undone, tokens kept
  CHECK(fr.train[1].xx == "C' est une \" grande \" idée .");
  CHECK(fr.dev.size() == 1);
  CHECK(fr.test.size() == 2);
  CHECK(r.langs.at("pt-br").train.size() == 2);  // __NULL__ skipped
  CHECK(r.warnings.size() == 1);                 // the malformed row
  CHECK(read_ted(fixture("ted"), {}).langs.size() == 3);

  TempDir tmp;
  const CorpusInfo c = write_import(r, "ted-demo", tmp / "ted");
  CHECK(c.languages.at("fr").test == 2);
  CHECK(c.manifest.at("source").at("kind") == "ted");
}

TEST_CASE("import: TED errors say what is missing and where", "[data][readers]") {
  CHECK_THROWS_WITH(read_ted(fixture("ted"), {"xx"}), Catch::Contains("\"xx\"") && Catch::Contains("pt-br"));
  TempDir tmp;
  CHECK_THROWS_WITH(read_ted(tmp.str(), {}), Catch::Contains(tmp / "all_talks_train.tsv") &&
                                                  Catch::Contains(tmp / "all_talks_dev.tsv") &&
                                                  Catch::Contains(tmp / "all_talks_test.tsv"));
}

TEST_CASE("import: OPUS-100 layout", "[data][readers]") {
  const ImportResult r = read_opus100(fixture("opus100"), {});
  REQUIRE(r.langs.size() == 2);  // af (af-en) and fr (en-fr)
  CHECK(r.langs.at("fr").train.size() == 3);  // the empty English line is skipped
  CHECK(r.langs.at("fr").dev.size() == 1);
  CHECK(r.langs.at("af").train.size() == 2);
  CHECK(r.langs.at("af").train[1].en == "Fire and smoke");  // a tab inside a line is cleaned
  CHECK(r.missing_held_out.size() == 2);                    // af has no dev/test
  CHECK_THROWS_WITH(read_opus100(fixture("opus100"), {"de"}),
                    Catch::Contains("de-en") && Catch::Contains("opus.de-en-train.de") && Catch::Contains("supervised"));
}

TEST_CASE("import: plain aligned text", "[data][readers]") {
  const ImportResult r = read_plain(fixture("plain"), {"fr"});
  CHECK(r.langs.at("fr").train.size() == 3);
  CHECK(r.langs.at("fr").test[0].xx == "cinq");
  CHECK_THROWS_WITH(read_plain(fixture("plain"), {"de"}), Catch::Contains("not aligned"));
  CHECK_THROWS_WITH(read_plain(fixture("plain"), {"it"}),
                    Catch::Contains("it/train.en") && Catch::Contains("it/train.it"));
  const ImportResult files = read_plain_files({{"xx", Split::Train, fixture("plain/fr/train.en"), fixture("plain/fr/train.fr")}});
  CHECK(files.langs.at("xx").train.size() == 3);
  CHECK_THROWS_WITH(read_plain_files({{"xx", Split::Train, "/no/such.en", "/no/such.xx"}}),
                    Catch::Contains("/no/such.en") && Catch::Contains("/no/such.xx"));
}

TEST_CASE("import: resplit pools and splits without leakage", "[data][readers]") {
  ImportResult r;
  r.langs["fr"] = {numbered_pairs(300, "fr"), numbered_pairs(10, "fr"), {}};  // dev duplicates train
  r.missing_held_out = {"fr test"};
  SplitOptions opt;
  opt.min_pairs = 100;
  resplit(r, opt);
  CHECK(r.missing_held_out.empty());
  const SplitPairs& fr = r.langs.at("fr");
  CHECK(fr.train.size() + fr.dev.size() + fr.test.size() == 300);
  CHECK(fr.dev.size() == 30);
  CHECK(fr.test.size() == 30);
}

TEST_CASE("catalogs: locales from paths; English and C are not translations", "[data][gettext]") {
  CHECK(is_translation_locale("fr"));
  CHECK(is_translation_locale("pt_BR"));
  CHECK(is_translation_locale("sr@latin"));
  CHECK(is_translation_locale("ca@valencia"));
  CHECK(is_translation_locale("es_419"));
  CHECK_FALSE(is_translation_locale("en"));
  CHECK_FALSE(is_translation_locale("en_GB"));
  CHECK_FALSE(is_translation_locale("en@quot"));
  CHECK_FALSE(is_translation_locale("C"));
  CHECK_FALSE(is_translation_locale("POSIX"));
  CHECK_FALSE(is_translation_locale("x-test"));

  TempDir tmp;
  write_bytes(tmp / "fr/LC_MESSAGES/a.mo", "");
  write_bytes(tmp / "en@quot/LC_MESSAGES/a.mo", "");
  write_bytes(tmp / "fr/LC_TIME/a.mo", "");
  write_bytes(tmp / "po/de.po", "");
  write_bytes(tmp / "misc/notes.mo", "");
  std::vector<std::string> skipped;
  const std::vector<CatalogFile> files = find_catalogs(tmp.str(), &skipped);
  REQUIRE(files.size() == 2);
  CHECK(files[0].locale == "fr");
  CHECK(files[0].domain == "a");
  CHECK(files[1].locale == "de");
  REQUIRE(skipped.size() == 1);
  CHECK_THAT(skipped[0], Catch::Contains("notes.mo"));
}

TEST_CASE("catalogs: a corpus from a directory of .po and .mo files", "[data][gettext]") {
  TempDir tmp;
  SplitOptions split;
  split.min_pairs = 1;
  const CorpusInfo c = build_corpus_from_dir(fixture("mo"), "demo", split, NormalizeOptions{}, tmp / "corpus");
  // de.po and catalogs/de, fr.po and catalogs/fr, pt_BR.po and catalogs/pt_BR: the same pairs twice.
  REQUIRE(c.languages.size() == 3);
  const auto total = [&](const std::string& lang) {
    const LanguageCounts& n = c.languages.at(lang);
    return n.train + n.dev + n.test;
  };
  CHECK(total("de") == 2);
  CHECK(total("pt_BR") == 4);  // File, Open, and both plural forms, deduplicated across .po and .mo
  const auto pairs = [&](const std::string& lang) {
    std::vector<Pair> all;
    for (Split s : {Split::Train, Split::Dev, Split::Test})
      for (Pair& p : read_pairs(c, lang, s)) all.push_back(p);
    return all;
  };
  bool saw_file = false;
  for (const Pair& p : pairs("fr")) {
    CHECK(p.xx != "Quittez");  // fuzzy
    if (p.en == "File") saw_file = (p.xx == "Fichier");
  }
  CHECK(saw_file);
  CHECK(c.manifest.at("source").at("kind") == "catalogs");
  CHECK_THROWS_AS(build_corpus_from_dir(fixture("ted"), "x", split, NormalizeOptions{}, tmp / "none"), ConfigError);
}

TEST_CASE("gettext: package list parsing", "[data][gettext]") {
  const PackageList repo = read_package_list(default_package_list_path());
  CHECK(repo.packages.size() >= 16);
  CHECK_FALSE(repo.excluded_domains.empty());
  for (const PinnedPackage& p : repo.packages) {
    CHECK_FALSE(p.name.empty());
    CHECK_FALSE(p.version.empty());
  }
  TempDir tmp;
  write_bytes(tmp / "list.txt", "# comment\ncoreutils=9.1-1  # trailing\n\ndiffutils=1:3.8-4\nexclude-domain iso_639-3\n");
  const PackageList l = read_package_list(tmp / "list.txt");
  REQUIRE(l.packages.size() == 2);
  CHECK(l.packages[1].version == "1:3.8-4");
  CHECK(l.excluded_domains == std::vector<std::string>{"iso_639-3"});
  write_bytes(tmp / "bad.txt", "coreutils=9.1-1\njust-a-name\n");
  CHECK_THROWS_WITH(read_package_list(tmp / "bad.txt"), Catch::Contains("bad.txt:2"));
}

TEST_CASE("shard: round trip", "[data][shard]") {
  TempDir tmp;
  Shard s;
  s.vocab_hash = 0x1234abcd5678ef00ULL;
  s.add({5, 6, 7}, {8});
  s.add({}, {9, 10});
  s.add({-1}, {});
  const std::string path = shard_file(tmp.str(), "fr", "train");
  CHECK(path == tmp / "fr.train.bin");
  write_shard(path, s);
  const Shard r = read_shard(path, s.vocab_hash);
  REQUIRE(r.size() == 3);
  CHECK(r.en_len(0) == 3);
  CHECK(r.en(0)[2] == 7);
  CHECK(r.en_len(1) == 0);
  CHECK(r.xx_len(1) == 2);
  CHECK(r.xx(1)[1] == 10);
  CHECK(r.en(2)[0] == -1);
  CHECK(r.vocab_hash == s.vocab_hash);
  CHECK(read_shard(path).size() == 3);  // 0: no vocabulary check
  Shard empty;
  write_shard(tmp / "empty.bin", empty);
  CHECK(read_shard(tmp / "empty.bin").size() == 0);
}

TEST_CASE("shard: corrupt files are rejected naming the file", "[data][shard]") {
  TempDir tmp;
  Shard s;
  s.vocab_hash = 77;
  for (int i = 0; i < 10; ++i) s.add({i, i + 1}, {i});
  const std::string path = tmp / "x.bin";
  write_shard(path, s);
  const std::string good = read_file(path);

  CHECK_THROWS_WITH(read_shard(path, 78), Catch::Contains(path) && Catch::Contains("vocabulary"));
  write_bytes(path, "NOTSHARD" + good.substr(8));
  CHECK_THROWS_WITH(read_shard(path), Catch::Contains(path) && Catch::Contains("magic"));
  std::string bad_version = good;
  bad_version[8] = 9;
  write_bytes(path, bad_version);
  CHECK_THROWS_WITH(read_shard(path), Catch::Contains(path) && Catch::Contains("version 9"));
  write_bytes(path, good.substr(0, good.size() - 4));
  CHECK_THROWS_WITH(read_shard(path), Catch::Contains(path) && Catch::Contains("truncated"));
  write_bytes(path, good.substr(0, 20));
  CHECK_THROWS_WITH(read_shard(path), Catch::Contains(path) && Catch::Contains("truncated"));
  write_bytes(path, good + "xx");
  CHECK_THROWS_WITH(read_shard(path), Catch::Contains(path) && Catch::Contains("unexpected bytes"));
  std::string huge_n = good;
  huge_n[24 + 7] = 0x7f;  // n = ~2^62
  write_bytes(path, huge_n);
  CHECK_THROWS_WITH(read_shard(path), Catch::Contains(path) && Catch::Contains("truncated"));
  CHECK_THROWS_WITH(read_shard(tmp / "absent.bin"), Catch::Contains("absent.bin"));
}

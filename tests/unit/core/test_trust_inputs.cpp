// Inputs that used to pass silently or fail with an unclear message (docs/reliability.md): each is
// now an error before anything runs, naming the file, the position or JSON path, and the cause.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/utf8.h"
#include "harness/data/corpus_store.h"
#include "harness/data/readers.h"
#include "harness/data/shard.h"
#include "harness/common/fs_util.h"
#include "harness/grid/suite.h"
#include "reports/report.h"
#include "suite_test_util.h"

using namespace longtail;
namespace fs = std::filesystem;
using longtail::test::suite_error;

namespace {

std::string write(const std::string& name, const std::string& text) {
  return test::write_suite_file("longtail-test-trust", name, text);
}

std::string json_error(const std::string& path) {
  try {
    read_json_file(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string suite(const std::string& extra, const std::string& languages = R"(["fr", "de", "kk"])") {
  return R"({"datasets": [{"source": "gettext", "languages": )" + languages + R"(}], "methods": [{"name": "uniform"}])" + extra + "}";
}

}  // namespace

TEST_CASE("JSON files: encoding, duplicate keys, directories and unreadable files are named", "[trust]") {
  const auto dup = write("dup.json", "{\n  \"train\": {\"steps\": 60,\n    \"steps\": 80}\n}");
  CHECK(json_error(dup) == dup + ":3:5: $.train.steps: the key \"steps\" appears twice in this object (the JSON standard "
                                  "leaves that undefined; keep one)");
  const auto dup_in_list = write("dup2.json", R"({"methods": [{"name": "a"}, {"name": "b", "name": "c"}]})");
  CHECK_THAT(json_error(dup_in_list), Catch::Contains("$.methods[1].name: the key \"name\" appears twice"));
  CHECK(json_error(write("nodup.json", R"({"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 1}, {"x": 2}], "s": "{\"x\":1,\"x\":2}"})")).empty());

  const auto bom = write("bom.json", "\xEF\xBB\xBF{}");
  CHECK(json_error(bom) == bom + ":1:1: the file starts with a UTF-8 byte-order mark; save it as UTF-8 without one");
  const auto latin1 = write("latin1.json", "{\n \"description\": \"caf\xE9\"\n}");
  CHECK(json_error(latin1) == latin1 + ":2:21: invalid UTF-8 (byte 0xe9); JSON files must be UTF-8");

  const auto dir = fs::temp_directory_path() / "longtail-test-trust" / "a-directory";
  fs::create_directories(dir);
  CHECK(json_error(dir.string()) == dir.string() + ": is a directory; expected a JSON file");
  CHECK(json_error((dir / "missing.json").string()) == (dir / "missing.json").string() + ": cannot read the file: No such file or directory");
}

TEST_CASE("suite mistakes that used to pass validation", "[trust][suite]") {
  CHECK_THAT(suite_error(write("dotdot.json", suite(R"(, "name": "..")"))), Catch::Contains("$.name: \"..\" cannot name a directory"));
  CHECK_THAT(suite_error(write("duplang.json", suite("", R"(["fr", "de", "fr"])"))),
             Catch::Contains("$.datasets[0].languages[2]: \"fr\" appears twice"));
  CHECK_THAT(suite_error(write("both.json", suite(R"(, "groups": {"high": ["fr"], "low": ["de", "fr"]})"))),
             Catch::Contains("$.groups.low[1]: \"fr\" is in both groups.high and groups.low"));
  CHECK_THAT(suite_error(write("untrained.json", suite(R"(, "groups": {"high": ["fr", "ja"]})"))),
             Catch::Contains("$.groups.high[1]: \"ja\" is not a training language of this suite (fr, de, kk)"));
  CHECK(suite_error(write("fine.json", suite(R"(, "groups": {"high": ["fr"], "low": ["kk"]})"))).empty());
  // When the corpus decides the languages, the groups are checked once it is prepared.
  CHECK(suite_error(write("later.json", R"({"datasets": [{"source": "gettext"}], "methods": [{"name": "uniform"}],
                                           "groups": {"high": ["ja"]}})")).empty());
  CHECK_THROWS_WITH(grid::check_groups(data::GroupSpec{0, {"ja"}, {}}, {"fr", "de"}, "s.json"),
                    Catch::Contains("s.json: $.groups.high[0]: \"ja\" is not a training language"));
}

TEST_CASE("longtail report on a directory that does not exist says so", "[trust][report]") {
  const auto missing = (fs::temp_directory_path() / "longtail-test-trust" / "no-such-run").string();
  CHECK_THROWS_WITH(reports::build_report(missing), missing + ": no such directory; run the suite first");
}

TEST_CASE("UTF-8 well-formedness: overlong forms, surrogates, truncation, beyond U+10FFFF", "[trust][utf8]") {
  CHECK(first_invalid_utf8("plain ascii") == 11);
  CHECK(first_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == 14);  // é € 😀: all 14 bytes well-formed
  CHECK(first_invalid_utf8("a\xC0\xAF") == 1);              // overlong '/'
  CHECK(first_invalid_utf8("ab\xED\xA0\x80") == 2);         // a UTF-16 surrogate
  CHECK(first_invalid_utf8("abc\xE2\x82") == 3);            // truncated
  CHECK(first_invalid_utf8("\xF4\x90\x80\x80") == 0);       // above U+10FFFF
  size_t n = 0;
  CHECK(replace_invalid_utf8("caf\xE9!", &n) == "caf\xEF\xBF\xBD!");
  CHECK(n == 1);
}

TEST_CASE("data import refuses invalid UTF-8 naming file, line and byte, or replaces it when told", "[trust][data]") {
  const fs::path root = fs::temp_directory_path() / "longtail-test-trust" / "plain-utf8";
  fs::remove_all(root);
  fs::create_directories(root / "fr");
  std::ofstream(root / "fr" / "train.en") << "open the file\nsave the file\nclose\n";
  std::ofstream(root / "fr" / "train.fr") << "ouvrir le fichier\nenregistrer le fichier \xE9t\xE9\nfermer\n";
  const std::string bad = (root / "fr" / "train.fr").string();
  try {
    data::read_plain(root.string(), {});
    FAIL("invalid UTF-8 was imported");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == bad + ":2: invalid UTF-8 at byte 23 (0xe9); fix the file, or import with "
                                         "--replace-invalid-utf8 to replace such bytes with U+FFFD");
  }
  const auto r = data::read_plain(root.string(), {}, data::TextOptions{true});
  REQUIRE(r.langs.at("fr").train.size() == 3);
  CHECK(r.langs.at("fr").train[1].xx == "enregistrer le fichier \xEF\xBF\xBDt\xEF\xBF\xBD");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0] == bad + ": 1 lines had invalid UTF-8, replaced with U+FFFD");
}

TEST_CASE("a corpus pointer inside the cache is relative, so the cache can be moved", "[trust][data]") {
  const fs::path base = fs::temp_directory_path() / "longtail-test-trust" / "relocate";
  fs::remove_all(base);
  const std::string a = (base / "cache-a").string(), b = (base / "cache-b").string();
  data::ImportResult r;
  r.langs["fr"].train = {{"open the file", "ouvrir le fichier"}, {"close", "fermer"}};
  r.langs["fr"].dev = {{"save", "enregistrer"}};
  r.langs["fr"].test = {{"quit", "quitter"}};
  const auto corpus = data::write_import(r, "pointed", data::named_corpus_dir("pointed-1234", a));
  data::write_corpus_pointer("alias", corpus.dir, a);
  CHECK(read_json_file(a + "/corpora/alias.json").at("dir") == "pointed-1234");
  fs::rename(a, b);
  const auto found = data::find_corpus("alias", b);
  CHECK(found.fingerprint == corpus.fingerprint);
  CHECK(fs::equivalent(found.dir, b + "/corpora/pointed-1234"));
  // A corpus outside the cache keeps its absolute path.
  data::write_corpus_pointer("outside", (base / "cache-b" / "corpora" / "pointed-1234").string(), (base / "other").string());
  CHECK(fs::path(std::string(read_json_file((base / "other" / "corpora" / "outside.json").string()).at("dir").as_string())).is_absolute());
}

TEST_CASE("shards end with a CRC-32: in-range corruption is found at load", "[trust][data]") {
  const fs::path dir = fs::temp_directory_path() / "longtail-test-trust" / "shards";
  fs::create_directories(dir);
  const std::string path = (dir / "fr.train.bin").string();
  data::Shard s;
  s.vocab_hash = 0x1234;
  s.add({10, 11, 12}, {20, 21});
  s.add({13}, {22, 23, 24});
  data::write_shard(path, s);
  const std::string good = read_file(path);
  CHECK(data::read_shard(path, 0x1234).xx_ids == s.xx_ids);
  CHECK(data::shard_checksum(path) != 0);

  // An id shifted by 7 stays inside any vocabulary of 40: only the checksum can tell.
  std::string bad = good;
  bad[bad.size() - 4 - 4] = static_cast<char>(bad[bad.size() - 4 - 4] + 7);  // the last translation id
  write_file_atomic(path, bad);
  CHECK_THROWS_WITH(data::read_shard(path, 0x1234), Catch::StartsWith(path + ": bad shard: checksum mismatch"));

  // A version-1 shard (no CRC) still reads.
  std::string v1 = good.substr(0, good.size() - 4);
  v1[8] = 1;
  write_file_atomic(path, v1);
  CHECK(data::read_shard(path, 0x1234).en_ids == s.en_ids);
}

// The URIEL reader (harness/data/uriel.h) on the shipped third_party/uriel/uriel-distances.json:
// every entry against the file read independently, symmetry, variants of one language, the
// suites' languages all present, plausible orderings; clear errors for an unknown language or
// kind and for malformed files (the file and the JSON path in the message).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "harness/common/options.h"
#include "harness/data/uriel.h"
#include "test_data_util.h"

using namespace longtail;
using namespace longtail::data;
namespace json = boost::json;

namespace {

const std::string kShipped = std::string(LONGTAIL_SOURCE_DIR) + "/third_party/uriel/uriel-distances.json";

json::object read_plain(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

// A small table: codes aaa, bbb, ccc; languages a, a_X -> aaa, b -> bbb, c -> ccc; "zz" missing.
std::string small_table(const std::string& syntactic_rows = "[[], [0.25], [0.5, 0.75]]",
                        const std::string& languages = R"({"a": "aaa", "a_X": "aaa", "b": "bbb", "c": "ccc"})") {
  return R"j({"source": {"package": "lang2vec", "version": "1.1.2"},
             "languages": )j" + languages + R"j(,
             "missing": {"zz": "lang2vec lacks it (zzz: not in URIEL)"},
             "codes": ["aaa", "bbb", "ccc"],
             "distances": {"syntactic": )j" + syntactic_rows + R"j(, "genetic": [[], [1], [1, 0.5]]}})j";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("uriel: the shipped table returns the file's values, symmetric, 0 on the diagonal", "[uriel]") {
  const UrielTable t = load_uriel(kShipped);
  const json::object doc = read_plain(kShipped);
  const json::array& codes = doc.at("codes").as_array();
  const json::object& dist = doc.at("distances").as_object();
  REQUIRE(codes.size() > 100);

  std::vector<std::string> kinds;
  for (const auto& kv : dist) kinds.emplace_back(kv.key());
  CHECK(t.kinds() == kinds);
  for (const char* k : {"syntactic", "phonological", "inventory", "genetic", "geographic", "featural"})
    CHECK(std::count(kinds.begin(), kinds.end(), k) == 1);

  // Every entry of every kind, both ways round, by ISO 639-3 code.
  size_t compared = 0;
  for (const std::string& kind : kinds) {
    const json::array& rows = dist.at(kind).as_array();
    for (size_t i = 0; i < codes.size(); ++i) {
      const std::string a(codes[i].as_string());
      CHECK(t.distance(kind, a, a) == 0.0);
      for (size_t j = 0; j < i; ++j) {
        const std::string b(codes[j].as_string());
        const double expected = rows[i].as_array()[j].to_number<double>();
        if (t.distance(kind, a, b) != expected || t.distance(kind, b, a) != expected)
          FAIL(kind << " " << a << "-" << b << ": " << t.distance(kind, a, b) << " / " << t.distance(kind, b, a)
                    << ", the file has " << expected);
        ++compared;
      }
    }
  }
  CHECK(compared == kinds.size() * codes.size() * (codes.size() - 1) / 2);

  // By longtail code, through the "languages" map, for a few pairs.
  const json::object& languages = doc.at("languages").as_object();
  auto index = [&](const std::string& lang) {
    const std::string iso(languages.at(lang).as_string());
    for (size_t i = 0; i < codes.size(); ++i)
      if (codes[i].as_string() == iso) return i;
    FAIL("no code " << iso);
    return size_t{0};
  };
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"fr", "de"}, {"kk", "fr"}, {"pt_BR", "gl"}, {"en", "ja"}, {"sr@latin", "hr"}, {"zh_TW", "ko"}}) {
    const size_t i = std::max(index(a), index(b)), j = std::min(index(a), index(b));
    for (const std::string& kind : kinds) {
      const double expected = dist.at(kind).as_array()[i].as_array()[j].to_number<double>();
      CHECK(t.distance(kind, a, b) == expected);
      CHECK(t.distance(kind, b, a) == expected);
      CHECK(t.similarity(kind, a, b) == 1.0 - expected);
    }
  }
}

TEST_CASE("uriel: variants of one language are one entry; every suite language is shipped", "[uriel]") {
  const UrielTable t = load_uriel(kShipped);
  CHECK(t.iso639_3("pt_BR") == "por");
  CHECK(t.iso639_3("fr") == "fra");
  CHECK(t.has("fra"));
  for (const std::string& kind : t.kinds()) {
    CHECK(t.distance(kind, "pt", "pt_BR") == 0.0);
    CHECK(t.distance(kind, "sr", "sr@latin") == 0.0);
    CHECK(t.distance(kind, "fr", "fra") == 0.0);
  }

  // The languages of the suites that list them (TED-8, ML-50, OPUS-100), and the source side.
  std::vector<std::string> needed = {"en"};
  for (const auto& entry : std::filesystem::directory_iterator(std::string(LONGTAIL_SOURCE_DIR) + "/suites")) {
    if (entry.path().extension() != ".json") continue;
    const json::object suite = read_plain(entry.path().string());
    if (!suite.contains("datasets")) continue;
    for (const auto& ds : suite.at("datasets").as_array())
      if (ds.as_object().contains("languages"))
        for (const auto& l : ds.as_object().at("languages").as_array()) needed.emplace_back(l.as_string());
  }
  CHECK(needed.size() > 50);
  for (const std::string& lang : needed) {
    INFO(lang);
    CHECK(t.has(lang));
  }
}

TEST_CASE("uriel: the shipped distances are plausible", "[uriel]") {
  const UrielTable t = load_uriel(kShipped);
  // Romance neighbours against a Turkic language far away; Germanic against Romance.
  CHECK(t.distance("syntactic", "fr", "es") < t.distance("syntactic", "fr", "kk"));
  CHECK(t.distance("genetic", "fr", "es") < t.distance("genetic", "fr", "de"));
  CHECK(t.distance("genetic", "fr", "kk") == 1.0);  // no shared Glottolog family
  CHECK(t.distance("geographic", "fr", "de") < t.distance("geographic", "fr", "kk"));
  CHECK(t.distance("geographic", "fr", "kk") < t.distance("geographic", "fr", "ja"));
  CHECK(t.distance("featural", "ru", "uk") < t.distance("featural", "ru", "ja"));
  for (const std::string& kind : t.kinds())
    for (const std::string& b : {"de", "kk", "ja", "sw"}) {
      const double d = t.distance(kind, "fr", b);
      CHECK(d >= 0.0);
      CHECK(d <= 1.0);
    }
}

TEST_CASE("uriel: an unknown language or kind names the file, the language and what to do", "[uriel]") {
  test::TempDir dir;
  const std::string path = dir / "uriel.json";
  test::write_bytes(path, small_table());
  const UrielTable t = UrielTable::load(path);
  CHECK(t.distance("syntactic", "a", "c") == 0.5);
  CHECK(t.distance("syntactic", "c", "b") == 0.75);
  CHECK(t.distance("genetic", "a_X", "b") == 1.0);
  CHECK(t.distance("syntactic", "a", "a_X") == 0.0);
  CHECK(t.languages() == std::vector<std::string>{"a", "a_X", "b", "c"});
  CHECK_FALSE(t.has("zz"));
  CHECK_FALSE(t.has("qq"));

  const std::string missing = error_of([&] { t.distance("syntactic", "a", "zz"); });
  CHECK_THAT(missing, Catch::Contains(path) && Catch::Contains("\"zz\"") && Catch::Contains("zzz: not in URIEL"));
  const std::string unexported = error_of([&] { t.distance("syntactic", "qq", "a"); });
  CHECK_THAT(unexported, Catch::Contains(path) && Catch::Contains("\"qq\"") && Catch::Contains("not exported") &&
                             Catch::Contains("scripts/export-uriel.sh --languages"));
  const std::string kind = error_of([&] { t.distance("lexical", "a", "b"); });
  CHECK_THAT(kind, Catch::Contains(path) && Catch::Contains("\"lexical\"") &&
                       Catch::Contains("known: syntactic, genetic"));

  const UrielTable shipped = load_uriel(kShipped);
  CHECK_THAT(error_of([&] { shipped.similarity("syntactic", "fr", "tlh"); }),
             Catch::Contains(kShipped) && Catch::Contains("\"tlh\"") && Catch::Contains("not exported"));
}

TEST_CASE("uriel: a malformed file names the file and the JSON path", "[uriel]") {
  test::TempDir dir;
  const std::string path = dir / "uriel.json";
  auto load_error = [&](const std::string& text) {
    test::write_bytes(path, text);
    return error_of([&] { UrielTable::load(path); });
  };
  CHECK_THAT(load_error(small_table("[[], [0.25], [0.5]]")),
             Catch::Contains(path + ": $.distances.syntactic[2]") && Catch::Contains("expected 2 entries"));
  CHECK_THAT(load_error(small_table("[[], [0.25, 0.1], [0.5, 0.75]]")),
             Catch::Contains(path + ": $.distances.syntactic[1]") && Catch::Contains("expected 1 entries"));
  CHECK_THAT(load_error(small_table("[[], [0.25]]")),
             Catch::Contains(path + ": $.distances.syntactic") && Catch::Contains("expected 3 rows"));
  CHECK_THAT(load_error(small_table("[[], [0.25], [0.5, 1.5]]")),
             Catch::Contains(path + ": $.distances.syntactic[2][1]") && Catch::Contains("[0, 1]"));
  CHECK_THAT(load_error(small_table("[[], [\"x\"], [0.5, 0.1]]")), Catch::Contains(path + ": $.distances.syntactic[1][0]"));
  CHECK_THAT(load_error(small_table("[[], [0.25], [0.5, 0.75]]", R"({"a": "abc"})")),
             Catch::Contains(path + ": $.languages.a") && Catch::Contains("\"abc\" is not in $.codes"));
  CHECK_THAT(load_error(small_table("[[], [0.25], [0.5, 0.75]]", R"({"a": 3})")), Catch::Contains(path + ": $.languages.a"));
  CHECK_THAT(load_error(R"({"source": {"version": "1"}, "languages": {}, "distances": {}})"),
             Catch::Contains(path + ": $") && Catch::Contains("codes"));
  CHECK_THAT(load_error("{\"codes\": [\n"), Catch::Contains(path));
  CHECK_THAT(error_of([&] { UrielTable::load(dir / "absent.json"); }), Catch::Contains(dir / "absent.json"));
}

TEST_CASE("uriel: the default file is the source tree's, unless $LONGTAIL_URIEL names another", "[uriel]") {
  const char* before = std::getenv("LONGTAIL_URIEL");
  const std::string saved = before ? before : "";
  ::unsetenv("LONGTAIL_URIEL");
  CHECK(std::filesystem::equivalent(default_uriel_path(), kShipped));
  CHECK(load_uriel().languages() == load_uriel(kShipped).languages());

  test::TempDir dir;
  test::write_bytes(dir / "other.json", small_table());
  ::setenv("LONGTAIL_URIEL", (dir / "other.json").c_str(), 1);
  CHECK(default_uriel_path() == dir / "other.json");
  CHECK(load_uriel().languages() == std::vector<std::string>{"a", "a_X", "b", "c"});
  if (before) ::setenv("LONGTAIL_URIEL", saved.c_str(), 1); else ::unsetenv("LONGTAIL_URIEL");
}

// longtail-text's library: seeded, deterministic vocabularies; shards and detokenisation.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/data/shard.h"
#include "harness/text/vocab.h"

using namespace longtail;
namespace fs = std::filesystem;

namespace {

// A small synthetic corpus: enough distinct text for a few hundred pieces.
data::CorpusInfo make_corpus(const fs::path& root) {
  const char* words[] = {"open", "file", "save", "close", "window", "print", "error", "cannot", "read", "the",
                         "disk", "folder", "new", "copy", "paste", "edit", "view", "help", "about", "quit"};
  std::map<std::string, data::SplitPairs> langs;
  for (const char* lang : {"fr", "de", "gl"}) {
    auto& sp = langs[lang];
    int n = std::string(lang) == "gl" ? 60 : 300;
    for (int i = 0; i < n + 20; ++i) {
      std::string en = std::string(words[i % 20]) + " " + words[(i * 7 + 3) % 20] + " " + std::to_string(i);
      std::string xx = std::string(lang) + "_" + words[(i * 3 + 1) % 20] + " " + words[i % 20] + " " + std::to_string(i);
      (i < n ? sp.train : i < n + 10 ? sp.dev : sp.test).push_back({en, xx});
    }
  }
  return data::write_corpus((root / "corpus").string(), "synthetic", langs, {{"kind", "test"}});
}

text::VocabOptions small_vocab() {
  text::VocabOptions o;
  o.size = 120;
  o.sample_sentences = 500;
  o.seed = 7;
  return o;
}

}  // namespace

TEST_CASE("vocabulary sample quota follows the temperature and caps at what exists", "[text]") {
  auto q1 = text::sample_quota({1000, 100, 10}, 1.0, 555);
  CHECK(q1[0] == 500);
  CHECK(q1[1] == 50);
  CHECK(q1[2] == 5);
  auto q5 = text::sample_quota({1000, 100, 10}, 5.0, 10000);
  CHECK(q5[0] == 1000);  // capped at its size
  CHECK(q5[2] == 10);
  CHECK(q5[1] == 100);
}

TEST_CASE("the same seed gives the same vocabulary; shards decode back to the text", "[text]") {
  fs::path root = fs::temp_directory_path() / "longtail-test-vocab";
  fs::remove_all(root);
  auto corpus = make_corpus(root);
  std::vector<std::string> langs = {"fr", "de", "gl"};
  auto a = text::train_vocab(corpus, langs, small_vocab(), (root / "a").string());
  auto b = text::train_vocab(corpus, langs, small_vocab(), (root / "b").string());
  CHECK(a.at("sha256") == b.at("sha256"));
  CHECK(sha256_file_hex((root / "a/spm.model").string()) == sha256_file_hex((root / "b/spm.model").string()));
  CHECK(a.at("pad") == 0);
  CHECK(a.at("eos") == 3);
  CHECK(a.at("lang_tags").as_object().size() == 3);

  text::encode_corpus(corpus, langs, (root / "a").string(), (root / "shards").string());
  auto shard = data::read_shard(data::shard_file((root / "shards").string(), "gl", "test"));
  REQUIRE(shard.size() == 10);
  // Write the ids of the X side as a hypothesis file and decode it: we must get the text back.
  std::string ids;
  for (size_t i = 0; i < shard.size(); ++i) {
    for (size_t k = 0; k < shard.xx_len(i); ++k) ids += (k ? " " : "") + std::to_string(shard.xx(i)[k]);
    ids += "\n";
  }
  write_file_atomic((root / "hyp.ids").string(), ids);
  text::decode_file((root / "a").string(), (root / "hyp.ids").string(), (root / "hyp.txt").string());
  auto decoded = read_lines((root / "hyp.txt").string());
  auto pairs = data::read_pairs(corpus, "gl", data::Split::Test);
  REQUIRE(decoded.size() == pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) CHECK(decoded[i] == pairs[i].xx);

  write_file_atomic((root / "bad.ids").string(), "5 6 x\n");
  CHECK_THROWS_WITH(text::decode_file((root / "a").string(), (root / "bad.ids").string(), (root / "o.txt").string()),
                    Catch::Contains("bad.ids:1"));
}

// The external tokenizers (eval/scorer/tokenizer_ext.h): ja-mecab against outputs of sacreBLEU 2.6.0
// (mecab-python3 1.0.12 + ipadic 1.0.0), the dictionary checks, ko-mecab's refusal, SentencePiece's
// model lookup and errors. tests/scorer/run_diff_ext.sh compares them with sacreBLEU at scale.
#include <sentencepiece_trainer.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "eval/scorer/bleu.h"
#include "eval/scorer/tokenizer_ext.h"

using namespace longtail::eval;
namespace fs = std::filesystem;

namespace {
// Sets an environment variable for one scope.
struct EnvVar {
  EnvVar(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old, had_ = true;
    setenv(name, value.c_str(), 1);
  }
  ~EnvVar() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("longtail-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}
}  // namespace

TEST_CASE("ja-mecab tokenizes as sacreBLEU's TokenizerJaMecab", "[scorer_ext]") {
  register_external_tokenizers();
  if (ipadic_default_dir().empty()) {
    WARN("built without mecab-ipadic (see CMake's warning): ja-mecab not checked");
    return;
  }
  const auto tok = make_tokenizer("ja-mecab");
  CHECK(tok->name() == "ja-mecab");
  CHECK(tok->signature() == "ja-mecab-0.996-IPA");
  // Expected strings: sacreBLEU 2.6.0's TokenizerJaMecab()(line).
  CHECK(tok->tokenize("令和元年") == "令 和 元年");  // not Debian's extra entry 令和
  CHECK(tok->tokenize("今日は良い天気ですね。 Hello, world! １２３ 😀 ｱｲｳ") ==
        "今日 は 良い 天気 です ね 。 Hello , world ! １ ２ ３ 😀 ｱｲｳ");
  CHECK(tok->tokenize(std::string("a\0b", 3)) == "a");  // MeCab gets a C string
  CHECK(tok->tokenize("\u3000 すもももももももものうち \t") == "すもも も もも も もも の うち");
  CHECK(tok->tokenize("") == "");
  CHECK(tok->tokenize("ＡＢＣ１２３ｱｲｳ") == "ＡＢＣ １ ２ ３ ｱｲｳ");
  CHECK(tok->tokenize("東京都に行った。\u00a0GPU") == "東京 都 に 行っ た 。 \u00a0 GPU");

  BleuOptions bo;
  bo.trg_lang = "ja";  // sacreBLEU's default tokenizer for Japanese
  Bleu bleu(bo);
  CHECK(bleu.signature(1).format() == "nrefs:1|case:mixed|eff:no|tok:ja-mecab-0.996-IPA|smooth:exp|version:2.6.0");
  const BleuStats st = bleu.corpus_stats({"今日は良い天気ですね。"}, {{"今日は天気ですね。"}});
  CHECK(st.sys_len == 7);
  CHECK(st.ref_len == 6);
}

TEST_CASE("ja-mecab refuses other dictionaries, naming what is wrong", "[scorer_ext]") {
  const std::string missing = error_of([] { make_ja_mecab_tokenizer("/nonexistent/ipadic"); });
  CHECK_THAT(missing, Catch::Contains("no sys.dic") && Catch::Contains("LONGTAIL_MECAB_IPADIC"));
  {
    EnvVar env("LONGTAIL_MECAB_IPADIC", "/nonexistent/ipadic");
    CHECK_THAT(error_of([] { make_ja_mecab_tokenizer(); }), Catch::Contains("/nonexistent/ipadic"));
  }
  // Debian's compiled mecab-ipadic-utf8 has 令和 (392,127 entries) and another homograph order.
  const fs::path debian = "/var/lib/mecab/dic/ipadic-utf8";
  if (fs::exists(debian / "sys.dic")) {
    const std::string e = error_of([&] { make_ja_mecab_tokenizer(debian.string()); });
    CHECK_THAT(e, Catch::Contains("392127 entries") && Catch::Contains("fingerprint"));
  }
}

TEST_CASE("ko-mecab is refused: Debian's MeCab is not mecab-ko", "[scorer_ext]") {
  register_external_tokenizers();
  const std::string e = error_of([] { make_tokenizer("ko-mecab"); });
  CHECK_THAT(e, Catch::Contains("mecab-ko") && Catch::Contains("LONGTAIL_MECAB_KO_ALLOW_MISMATCH"));
}

TEST_CASE("SentencePiece models are looked up where sacreBLEU caches them, never downloaded", "[scorer_ext]") {
  register_external_tokenizers();
  const fs::path cache = temp_dir("sacrebleu");
  EnvVar sacrebleu("SACREBLEU", cache.string());
  CHECK(spm_model_path("flores200") == (cache / "models" / "flores200sacrebleuspm").string());
  CHECK(spm_model_path("spm") == (cache / "models" / "sacrebleu_tokenizer_spm.model").string());
  CHECK(spm_model_path("flores101") == spm_model_path("spm"));
  CHECK(spm_model_path("spBLEU-1K") == (cache / "models" / "spbleu-1k_tokenizer_spm.model").string());
  const std::string e = error_of([] { make_tokenizer("flores200"); });
  CHECK_THAT(e, Catch::Contains("flores200sacrebleuspm") && Catch::Contains("does not download") &&
                    Catch::Contains("https://tinyurl.com/flores200sacrebleuspm"));
  {
    EnvVar all("LONGTAIL_SPM_MODEL", "/models/all.model");
    EnvVar one("LONGTAIL_SPM_MODEL_SPBLEU_1K", "/models/1k.model");
    CHECK(spm_model_path("flores200") == "/models/all.model");
    CHECK(spm_model_path("spBLEU-1K") == "/models/1k.model");
  }
  CHECK_THROWS_AS(spm_model_path("flores"), std::invalid_argument);

  // A tiny model in the cache: loaded by name, sacreBLEU's signatures.
  const fs::path text = cache / "train.txt";
  {
    std::ofstream out(text);
    for (int i = 0; i < 50; ++i) out << "the quick brown fox jumps over the lazy dog " << i << "\nhello world VIII.\n";
  }
  const auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + text.string() + " --model_prefix=" + (cache / "m").string() +
      " --vocab_size=60 --model_type=unigram --minloglevel=2 --hard_vocab_limit=false");
  REQUIRE(status.ok());
  fs::create_directories(cache / "models");
  fs::copy_file(cache / "m.model", cache / "models" / "sacrebleu_tokenizer_spm.model");
  const auto spm = make_tokenizer("spm");
  CHECK(spm->signature() == "flores101");  // sacreBLEU: 'spm' is flores101's model and signature
  CHECK(make_tokenizer("flores101")->signature() == "flores101");
  const std::string pieces = spm->tokenize("hello world");
  CHECK(pieces.rfind("▁", 0) == 0);  // " ".join of the pieces, the first with the space marker
  CHECK(spm->tokenize("") == "");
  fs::remove_all(cache);
}

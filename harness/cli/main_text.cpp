// longtail-text: the SentencePiece side of longtail (vocabulary, binarisation, detokenisation).
// The driver calls it; it is never linked with LibTorch (two protobufs crash at load).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/text/vocab.h"

using namespace longtail;

int main(int argc, char** argv) {
  CLI::App app{"longtail-text: train a SentencePiece vocabulary, encode corpora into token shards, decode ids"};
  app.require_subcommand(1);

  std::string corpus_dir, out_dir, vocab_dir, ids_in, text_out, options_json;
  std::vector<std::string> langs;

  auto* train = app.add_subcommand("train-vocab", "train spm.model + vocab.json on a temperature-balanced sample");
  train->add_option("--corpus", corpus_dir, "built corpus directory")->required();
  train->add_option("--langs", langs, "languages")->required();
  train->add_option("--options", options_json, "vocabulary options as JSON (the suite's \"vocab\" object)")->required();
  train->add_option("--out", out_dir, "output directory")->required();

  auto* enc = app.add_subcommand("encode", "binarise train/dev/test of each language into token shards");
  enc->add_option("--corpus", corpus_dir, "built corpus directory")->required();
  enc->add_option("--langs", langs, "languages")->required();
  enc->add_option("--vocab", vocab_dir, "vocabulary directory (spm.model, vocab.json)")->required();
  enc->add_option("--out", out_dir, "shard directory")->required();

  auto* dec = app.add_subcommand("decode", "turn a file of piece ids (one hypothesis a line) into text");
  dec->add_option("--vocab", vocab_dir, "vocabulary directory")->required();
  dec->add_option("--ids", ids_in, "input: space-separated ids, one line per segment")->required();
  dec->add_option("--out", text_out, "output text file")->required();

  std::string ids_dir, text_dir;
  auto* dec_dir = app.add_subcommand("decode-dir", "decode every <name>.txt of a directory of id files");
  dec_dir->add_option("--vocab", vocab_dir, "vocabulary directory")->required();
  dec_dir->add_option("--in", ids_dir, "directory of id files")->required();
  dec_dir->add_option("--out", text_dir, "directory for the text files (same names)")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*train) {
      auto corpus = data::load_corpus(corpus_dir);
      auto opts = text::vocab_options_from_json(boost::json::parse(options_json).as_object());
      text::train_vocab(corpus, langs, opts, out_dir);
    } else if (*enc) {
      text::encode_corpus(data::load_corpus(corpus_dir), langs, vocab_dir, out_dir);
    } else if (*dec) {
      text::decode_file(vocab_dir, ids_in, text_out);
    } else if (*dec_dir) {
      for (const auto& entry : std::filesystem::directory_iterator(ids_dir))
        if (entry.path().extension() == ".txt")
          text::decode_file(vocab_dir, entry.path().string(), text_dir + "/" + entry.path().filename().string());
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}

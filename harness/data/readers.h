// Importers of public parallel corpora into the corpus layout (corpus.h).
//
//   TED talks (Qi et al., 2018)  <dir>/all_talks_{train,dev,test}.tsv: a header row with a
//                                talk_name column and one column per language (en, fr, pt-br,
//                                zh-cn, ...); "__NULL__" / "_ _ NULL _ _" marks a missing
//                                translation. The text is Moses-tokenised; the importer undoes
//                                Moses' entity escapes (&apos; &quot; &amp; &lt; &gt; &#124;
//                                &#91; &#93;) but does not detokenise.
//   OPUS-100 (Zhang et al., 2020) <root>/<pair>/opus.<pair>-{train,dev,test}.{xx,en} with <pair>
//                                the alphabetical pair ("af-en", "en-fr"); <root> may also be the
//                                directory holding supervised/. Pairs below 16k lines ship without
//                                dev/test: those get empty dev/test and a warning (or use resplit).
//   plain aligned text           <root>/<lang>/{train,dev,test}.{en,<lang>}, or an explicit list
//                                of (language, split, English file, other file).
//
// Every reader requires the training data of every selected language and throws ConfigError
// naming what is missing and every path it looked at. Segments are cleaned (tabs and line
// breaks to spaces, spaces collapsed, ends trimmed); a pair with an empty side is skipped.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "harness/data/corpus.h"
#include "harness/data/split.h"

namespace longtail::data {

struct ImportResult {
  std::map<std::string, SplitPairs> langs;
  std::vector<std::string> warnings;          // e.g. rows or lines that were skipped
  std::vector<std::string> missing_held_out;  // "<lang> <dev|test>" sets the data does not have
  boost::json::object source;         // goes to manifest["source"]
};

// How the readers treat text that is not well-formed UTF-8: refused (ConfigError naming the file,
// line and byte offset), or with replace_invalid_utf8 each bad byte becomes U+FFFD and a warning
// counts the lines affected.
struct TextOptions {
  bool replace_invalid_utf8 = false;
};

// `langs` empty: every language the data has.
ImportResult read_ted(const std::string& dir, const std::vector<std::string>& langs, const TextOptions& text = {});
ImportResult read_opus100(const std::string& root, const std::vector<std::string>& langs, const TextOptions& text = {});
ImportResult read_plain(const std::string& root, const std::vector<std::string>& langs, const TextOptions& text = {});

struct PlainFiles {
  std::string lang;
  Split split = Split::Train;
  std::string en_path, xx_path;
};
ImportResult read_plain_files(const std::vector<PlainFiles>& files, const TextOptions& text = {});

// Pools each language's train/dev/test, deduplicates and splits again with split_corpus
// (English-keyed, leak-free): for data that ships without dev/test or with a leaky split.
void resplit(ImportResult& data, const SplitOptions& opt);

// Writes the import as corpus `name` into `out_dir` (empty: named_corpus_dir(name)).
CorpusInfo write_import(const ImportResult& data, const std::string& name, const std::string& out_dir = {});

// Tabs and line breaks to spaces, runs of spaces to one, ends trimmed.
std::string clean_segment(std::string_view s);

}  // namespace longtail::data

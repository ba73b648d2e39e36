// Where built corpora live and how a name finds one (implemented in corpus.cpp).
//
//   <cache>/corpora/<name>/           an imported corpus (`longtail data import ... --name NAME`)
//   <cache>/corpora/<name>.json       a pointer {"dir": ...} to a corpus built under another
//                                     directory name (the gettext corpus: gettext-<fingerprint>);
//                                     relative to <cache>/corpora when the corpus is inside it, so
//                                     the cache can be moved (absolute pointers still read)
#pragma once

#include <string>

#include "harness/data/corpus.h"

namespace longtail::data {

// <cache_dir()>/corpora, or <cache>/corpora when `cache` is given.
std::string corpora_root(const std::string& cache = {});

// Directory a corpus named `name` is imported into.
std::string named_corpus_dir(const std::string& name, const std::string& cache = {});

// Records that `name` refers to the corpus in `dir` (atomic).
void write_corpus_pointer(const std::string& name, const std::string& dir, const std::string& cache = {});

// A corpus directory, a name under corpora_root(), or a pointer's name. Throws ConfigError that
// lists every place it looked.
CorpusInfo find_corpus(const std::string& dir_or_name, const std::string& cache = {});

// Checks a corpus/language name used as a directory name: [A-Za-z0-9_.@-]+, not "." or "..".
void check_path_component(const std::string& what, const std::string& name);

}  // namespace longtail::data

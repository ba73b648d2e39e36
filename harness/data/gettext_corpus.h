// The built-in "gettext" corpus, and corpora from users' own gettext catalogs.
//
// A pinned list of Debian 12 packages (harness/data/gettext-packages.txt) is downloaded with
// `apt-get download name=version` into <cache>/debs/, unpacked with `dpkg-deb -x` into
// <cache>/unpacked/<package>/, and every /usr/share/locale/<locale>/LC_MESSAGES/*.mo is read,
// normalised (normalize.h), deduplicated per language and split (split.h). The corpus is written
// to <cache>/corpora/gettext-<first 12 hex of its fingerprint>/; a pointer keyed by the package
// list, the rules version and the options makes a second build instant, and the pointer
// <cache>/corpora/gettext.json lets `find_corpus("gettext")` find the latest build.
//
// Locale codes are gettext's (pt_BR, sr@latin, zh_CN); en* locales (en_GB, en@quot) and C/POSIX
// are not translations from English and are skipped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/data/corpus.h"
#include "harness/data/normalize.h"
#include "harness/data/split.h"

namespace longtail::data {

// ---- the package list ----

struct PinnedPackage {
  std::string name, version;
};

struct PackageList {
  std::string path;
  std::vector<PinnedPackage> packages;
  std::vector<std::string> excluded_domains;  // catalog names (file stems) to skip
};

// Parses `name=version` lines, `exclude-domain NAME` lines and # comments; errors name file:line.
PackageList read_package_list(const std::string& path);
// $LONGTAIL_GETTEXT_PACKAGES, else harness/data/gettext-packages.txt next to the sources this was
// built from, else under the working directory. Throws ConfigError listing where it looked.
std::string default_package_list_path();
// Asks apt for the current candidate version of every package and rewrites the list in place
// (comments and order kept). Returns "name: old -> new" for each change.
std::vector<std::string> refresh_pins(const std::string& packages_file);

// ---- catalogs ----

struct CatalogFile {
  std::string locale;  // gettext's code, from <locale>/LC_MESSAGES/x.mo or <locale>.po
  std::string domain;  // the file name without extension
  std::string path;
};

// False for English variants (en, en_GB, en@quot) and the C/POSIX locales, and for names that
// are not plausible locale codes.
bool is_translation_locale(const std::string& locale);

// Every .mo and .po under `root` (recursively, sorted by path) whose locale can be told from the
// path; others are reported in `skipped` with the reason.
std::vector<CatalogFile> find_catalogs(const std::string& root, std::vector<std::string>* skipped = nullptr);

struct CollectedPairs {
  std::map<std::string, std::vector<Pair>> langs;  // normalised and deduplicated
  std::map<std::string, NormalizeStats> stats;     // per language
  std::vector<std::string> skipped_files;          // unreadable catalogs, with the reason
  int64_t catalogs_read = 0;
};

// Reads, normalises and deduplicates. `progress_label` non-empty shows a progress bar.
CollectedPairs collect_pairs(const std::vector<CatalogFile>& files, const NormalizeOptions& opt,
                             const std::string& progress_label = {});

// ---- building ----

struct GettextBuildOptions {
  std::string packages_file;  // empty: default_package_list_path()
  std::string cache;          // empty: cache_dir()
  SplitOptions split;
  NormalizeOptions normalize;
  bool rebuild = false;       // ignore a cached build with the same key
};

CorpusInfo build_gettext_corpus(const GettextBuildOptions& opt);
// The corpus build_gettext_corpus(opt) would return from the cache, without building anything;
// none when it has not been built with these options.
std::optional<CorpusInfo> cached_gettext_corpus(const GettextBuildOptions& opt);

// A corpus from a directory of the user's .mo/.po files (<locale>/LC_MESSAGES/x.mo or
// <locale>.po), written to `out_dir` (empty: named_corpus_dir(name)).
CorpusInfo build_corpus_from_dir(const std::string& dir, const std::string& name, const SplitOptions& split,
                                 const NormalizeOptions& normalize, const std::string& out_dir = {});

}  // namespace longtail::data

#include "harness/cli/cmd_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "harness/common/options.h"
#include "harness/data/corpus.h"
#include "harness/data/corpus_store.h"
#include "harness/data/gettext_corpus.h"
#include "harness/data/readers.h"
#include "harness/data/split.h"

namespace longtail::data {
namespace {

// The split/normalisation flags several subcommands share, defaulting to corpus_options().
struct CorpusFlags {
  SplitOptions split;
  NormalizeOptions normalize;
  std::string cache;

  CorpusFlags() {
    const Options defaults(resolve_options(corpus_options(), {}, "corpus"));
    split = split_options_from(defaults);
    normalize = normalize_options_from(defaults);
  }

  void add_to(CLI::App* cmd) {
    cmd->add_option("--min-pairs", split.min_pairs, "drop languages with fewer pairs")->capture_default_str();
    cmd->add_option("--dev-max", split.dev_max, "largest dev set per language")->capture_default_str();
    cmd->add_option("--test-max", split.test_max, "largest test set per language")->capture_default_str();
    cmd->add_option("--dev-fraction", split.dev_fraction, "largest dev share of a language")->capture_default_str();
    cmd->add_option("--test-fraction", split.test_fraction, "largest test share of a language")->capture_default_str();
    cmd->add_option("--split-seed", split.split_seed, "seed of the English-keyed split")->capture_default_str();
    cmd->add_option("--max-chars", normalize.max_chars, "drop pairs with a longer side")->capture_default_str();
    add_cache_option(cmd);
  }
  void add_cache_option(CLI::App* cmd) { cmd->add_option("--cache", cache, "cache directory (default: $LONGTAIL_CACHE or ~/.cache/longtail)"); }
};

Split parse_split(const std::string& s) {
  if (s == "train") return Split::Train;
  if (s == "dev") return Split::Dev;
  return Split::Test;
}

void print_corpus(const CorpusInfo& c) {
  std::vector<std::pair<std::string, LanguageCounts>> rows(c.languages.begin(), c.languages.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.train > b.second.train; });
  int64_t train = 0, dev = 0, test = 0, over_10k = 0, over_1k = 0;
  fmt::print("{:>4}  {:<14} {:>9} {:>6} {:>6}\n", "rank", "language", "train", "dev", "test");
  for (size_t i = 0; i < rows.size(); ++i) {
    const LanguageCounts& n = rows[i].second;
    fmt::print("{:>4}  {:<14} {:>9} {:>6} {:>6}\n", i + 1, rows[i].first, n.train, n.dev, n.test);
    train += n.train;
    dev += n.dev;
    test += n.test;
    const int64_t all = n.train + n.dev + n.test;
    over_10k += all >= 10000;
    over_1k += all >= 1000;
  }
  fmt::print("{} languages ({} with >= 10k pairs, {} with >= 1k); {} train, {} dev, {} test pairs\n", rows.size(),
             over_10k, over_1k, train, dev, test);
  fmt::print("corpus {} at {}\nfingerprint {}\n", c.name, c.dir, c.fingerprint);
}

void add_build_gettext(CLI::App* data) {
  auto opt = std::make_shared<GettextBuildOptions>();
  auto flags = std::make_shared<CorpusFlags>();
  auto refresh = std::make_shared<bool>(false);
  auto* cmd = data->add_subcommand("build-gettext", "build (or find cached) the built-in corpus from Debian's gettext catalogs");
  cmd->add_option("--packages", opt->packages_file, "package list (default: harness/data/gettext-packages.txt)");
  cmd->add_flag("--rebuild", opt->rebuild, "build again even when a build with the same key is cached");
  cmd->add_flag("--refresh-pins", *refresh, "rewrite the package list with the versions apt offers now, then build");
  flags->add_to(cmd);
  cmd->callback([opt, flags, refresh] {
    opt->split = flags->split;
    opt->normalize = flags->normalize;
    opt->cache = flags->cache;
    if (*refresh) {
      const std::string list = opt->packages_file.empty() ? default_package_list_path() : opt->packages_file;
      const std::vector<std::string> changes = refresh_pins(list);
      fmt::print("{}: {} pin(s) updated\n", list, changes.size());
      for (const std::string& c : changes) fmt::print("  {}\n", c);
    }
    print_corpus(build_gettext_corpus(*opt));
  });
}

void add_import(CLI::App* data) {
  struct ImportArgs {
    std::string format, path, name, out;
    std::vector<std::string> langs;
    bool resplit = false;
    bool replace_invalid_utf8 = false;
  };
  auto args = std::make_shared<ImportArgs>();
  auto flags = std::make_shared<CorpusFlags>();
  auto* cmd = data->add_subcommand("import", "import TED talks, OPUS-100 or plain aligned text as a corpus");
  cmd->add_option("format", args->format, "ted | opus100 | plain")->required()->check(CLI::IsMember({"ted", "opus100", "plain"}));
  cmd->add_option("path", args->path,
                  "ted: directory with all_talks_{train,dev,test}.tsv; opus100: root of <pair>/opus.<pair>-<split>.<lang>; "
                  "plain: root of <lang>/{train,dev,test}.{en,<lang>}")
      ->required();
  cmd->add_option("--name", args->name, "corpus name (stored under <cache>/corpora/NAME)")->required();
  cmd->add_option("--langs", args->langs, "languages to import (default: all)");
  cmd->add_option("--out", args->out, "write the corpus here instead of <cache>/corpora/NAME");
  cmd->add_flag("--resplit", args->resplit, "pool each language and split it again (English-keyed, leak-free)");
  cmd->add_flag("--replace-invalid-utf8", args->replace_invalid_utf8,
                "replace bytes that are not well-formed UTF-8 with U+FFFD (and say how many lines) instead of refusing the file");
  flags->add_to(cmd);
  cmd->callback([args, flags] {
    const TextOptions text{args->replace_invalid_utf8};
    ImportResult r = args->format == "ted"       ? read_ted(args->path, args->langs, text)
                     : args->format == "opus100" ? read_opus100(args->path, args->langs, text)
                                                 : read_plain(args->path, args->langs, text);
    if (args->resplit) resplit(r, flags->split);
    const std::string out = args->out.empty() ? named_corpus_dir(args->name, flags->cache) : args->out;
    print_corpus(write_import(r, args->name, out));
  });
}

void add_from_catalogs(CLI::App* data) {
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto flags = std::make_shared<CorpusFlags>();
  auto* cmd = data->add_subcommand("from-catalogs", "build a corpus from your own .mo/.po files");
  cmd->add_option("dir", *dir, "directory of <locale>/LC_MESSAGES/*.mo or <locale>.po files")->required();
  cmd->add_option("--name", *name, "corpus name (stored under <cache>/corpora/NAME)")->required();
  cmd->add_option("--out", *out, "write the corpus here instead of <cache>/corpora/NAME");
  flags->add_to(cmd);
  cmd->callback([dir, name, out, flags] {
    const std::string target = out->empty() ? named_corpus_dir(*name, flags->cache) : *out;
    print_corpus(build_corpus_from_dir(*dir, *name, flags->split, flags->normalize, target));
  });
}

void add_stats(CLI::App* data) {
  auto corpus = std::make_shared<std::string>();
  auto flags = std::make_shared<CorpusFlags>();
  auto* cmd = data->add_subcommand("stats", "per-language train/dev/test counts of a corpus, largest first");
  cmd->add_option("corpus", *corpus, "corpus directory or name (gettext, an imported name)")->required();
  flags->add_cache_option(cmd);
  cmd->callback([corpus, flags] { print_corpus(find_corpus(*corpus, flags->cache)); });
}

void add_show(CLI::App* data) {
  struct ShowArgs {
    std::string corpus, lang, split = "train";
    int count = 5;
  };
  auto args = std::make_shared<ShowArgs>();
  auto flags = std::make_shared<CorpusFlags>();
  auto* cmd = data->add_subcommand("show", "print the first pairs of one language and split");
  cmd->add_option("corpus", args->corpus, "corpus directory or name")->required();
  cmd->add_option("lang", args->lang, "language code as in the corpus (fr, pt_BR, sr@latin)")->required();
  cmd->add_option("--split", args->split, "train | dev | test")->check(CLI::IsMember({"train", "dev", "test"}))->capture_default_str();
  cmd->add_option("-n", args->count, "number of pairs")->check(CLI::NonNegativeNumber)->capture_default_str();
  flags->add_cache_option(cmd);
  cmd->callback([args, flags] {
    const CorpusInfo c = find_corpus(args->corpus, flags->cache);
    const std::vector<Pair> pairs = read_pairs(c, args->lang, parse_split(args->split));
    const size_t n = std::min(pairs.size(), static_cast<size_t>(args->count));
    for (size_t i = 0; i < n; ++i) fmt::print("en  {}\n{:<3} {}\n\n", pairs[i].en, args->lang, pairs[i].xx);
    fmt::print("{} of {} {} pairs of {} in {}\n", n, pairs.size(), args->split, args->lang, c.name);
  });
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "build, import and inspect corpora");
  data->require_subcommand(1);
  add_build_gettext(data);
  add_import(data);
  add_from_catalogs(data);
  add_stats(data);
  add_show(data);
}

}  // namespace longtail::data

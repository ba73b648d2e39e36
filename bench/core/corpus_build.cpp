// Throughput of the corpus build pipeline: read catalogs, normalise, deduplicate, split.
//
// Reads the unpacked gettext packages from the cache (<cache>/unpacked, left by
// `longtail data build-gettext`) when present, otherwise a synthetic set of .mo files written to
// a temporary directory. Reports raw catalog pairs per second.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/common/fs_util.h"
#include "harness/data/gettext_corpus.h"
#include "harness/data/mo_reader.h"
#include "harness/data/normalize.h"
#include "harness/data/split.h"

namespace fs = std::filesystem;
using namespace longtail::data;

namespace {

// Removes the synthetic catalogs when the program ends.
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Synthetic catalogs shaped like real ones: many locales, a few domains, UI-like strings with
// accelerators, placeholders and markup, translations of varying coverage.
std::string make_synthetic_catalogs() {
  static ScratchDir scratch;
  const fs::path root = fs::temp_directory_path() / ("longtail-bench-catalogs-" + std::to_string(getpid()));
  scratch.path = root;
  fs::remove_all(root);
  const char* templates[] = {"_Open the file %s", "Copied %d of %d files", "<b>Warning:</b> disk {0} is full",
                             "Save changes to document \"%s\" before closing?", "E_xit", "Show &hidden files"};
  for (int l = 0; l < 40; ++l) {
    const std::string locale = "l" + std::string(1, static_cast<char>('a' + l % 26)) + std::string(1, static_cast<char>('a' + l / 26));
    const int coverage = 2000 / (1 + l / 4);  // a long tail of languages
    for (int d = 0; d < 4; ++d) {
      std::vector<MoMessage> msgs = {{"", "Content-Type: text/plain; charset=UTF-8\n"}};
      for (int i = 0; i < coverage; ++i) {
        const std::string en = std::string(templates[i % 6]) + " #" + std::to_string(d * 10000 + i);
        msgs.push_back({en, "[" + locale + "] " + en});
      }
      const fs::path dir = root / locale / "LC_MESSAGES";
      fs::create_directories(dir);
      std::ofstream(dir / ("domain" + std::to_string(d) + ".mo"), std::ios::binary) << encode_mo(msgs, d % 2 == 1);
    }
  }
  return root.string();
}

std::vector<CatalogFile> benchmark_catalogs(std::string& source) {
  const fs::path unpacked = fs::path(longtail::cache_dir()) / "unpacked";
  std::vector<CatalogFile> files;
  if (fs::is_directory(unpacked)) {
    for (const auto& pkg : fs::directory_iterator(unpacked)) {
      const fs::path locale_dir = pkg.path() / "usr/share/locale";
      if (pkg.path().filename().string().front() == '.' || !fs::is_directory(locale_dir)) continue;
      for (CatalogFile& f : find_catalogs(locale_dir.string())) files.push_back(std::move(f));
    }
  }
  if (!files.empty()) {
    source = "cache " + unpacked.string();
    return files;
  }
  source = "synthetic catalogs";
  return find_catalogs(make_synthetic_catalogs());
}

void BM_CorpusBuild(benchmark::State& state) {
  std::string source;
  const std::vector<CatalogFile> files = benchmark_catalogs(source);
  state.SetLabel(source + ", " + std::to_string(files.size()) + " catalogs");
  int64_t raw_pairs = 0, kept = 0;
  for (auto _ : state) {
    CollectedPairs collected = collect_pairs(files, NormalizeOptions{});
    const auto split = split_corpus(collected.langs, SplitOptions{});
    benchmark::DoNotOptimize(split.size());
    raw_pairs = kept = 0;
    for (const auto& [lang, stats] : collected.stats) raw_pairs += stats.seen;
    for (const auto& [lang, sp] : split) kept += static_cast<int64_t>(sp.train.size() + sp.dev.size() + sp.test.size());
  }
  state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(raw_pairs), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["raw_pairs"] = static_cast<double>(raw_pairs);
  state.counters["corpus_pairs"] = static_cast<double>(kept);
}
BENCHMARK(BM_CorpusBuild)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_NormalizePair(benchmark::State& state) {
  const std::pair<const char*, const char*> samples[] = {
      {"_Open the file %s", "_Ouvrir le fichier %s"},
      {"<b>Warning:</b> %d of %d files could not be copied", "<b>Attention :</b> %d sur %d fichiers non copiés"},
      {"Save changes to document \"%s\" before closing?", "Enregistrer les modifications du document « %s » avant de fermer ?"},
      {"ファイル(_F)", "ファイル(_F)"}};
  NormalizeOptions opt;
  Pair out;
  int64_t n = 0;
  for (auto _ : state) {
    for (const auto& [en, xx] : samples) benchmark::DoNotOptimize(normalize_pair(en, xx, opt, out));
    n += 4;
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_NormalizePair);

}  // namespace

BENCHMARK_MAIN();

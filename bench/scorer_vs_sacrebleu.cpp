// longtail's scorer against sacreBLEU 2.6.0 in one run: corpus BLEU (13a), chrF2, chrF2++ and TER
// of the 16 WMT17 en-de systems (3,004 segments each) against the reference, pinned to one CPU.
//
//   bench_scorer_vs_sacrebleu [--dir DIR] [--python PY] [--repeat N] [--sacrebleu-repeat N]
//                             [--metrics BLEU chrF2 chrF2++ TER] [--cpu C] [--no-sacrebleu]
//
// Both sides do what a multi-system sacreBLEU CLI run does (`sacrebleu REF -i SYS... -m bleu chrf
// ter`): sacreBLEU builds the metric with `references=` (references extracted once) and scores
// each system; longtail calls corpus_score_systems() (each segment's references counted once for
// all systems; TER: corpus_score() per system). Times are medians over repetitions of the whole
// 16-system job, CPU time of the process (robust on a shared machine) and wall time; the speed-up
// is the ratio of CPU times. sacreBLEU runs in a child Python (tests/scorer/time_sacrebleu.py
// --mode cli --json) under the same CPU affinity; its 16 scores per metric must equal longtail's
// as doubles, else (or if sacreBLEU fails) the program exits with status 1. Ratios under their
// floor are marked but do not change the status.
//
// Memory: for each metric a child process is forked before any input is read; it records its
// resident set (VmRSS), reads the 17 files as the CLI does, scores the 16 systems, and reports its
// peak resident set (VmHWM) minus that baseline: everything the scoring job needed, the input
// lines included. The floor compares it with the input's size on disk.
//
// Data: --dir, else $LONGTAIL_WMT17_DIR, else ../shared/data/wmt17-en-de beside the source tree.
// Python: --python, else $LONGTAIL_SACREBLEU_PYTHON, else the venv tests/scorer/run_diff.sh makes in
// the build directory (build/sacrebleu-venv/bin/python).
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/wmt17.h"
#include "eval/scorer/bleu.h"
#include "eval/scorer/chrf.h"
#include "eval/scorer/ter.h"
#include "eval/scorer/unicode.h"

namespace {

using namespace longtail::eval;

using Input = longtail::bench::Wmt17;

// The 16 corpus scores of one metric, computed as the bench times them.
using Job = std::function<std::vector<double>(const Input&)>;

std::map<std::string, Job> jobs() {
  std::map<std::string, Job> out;
  out["BLEU"] = [](const Input& in) {
    std::vector<double> s;
    for (const BleuScore& b : Bleu().corpus_score_systems(in.systems, {in.reference})) s.push_back(b.score);
    return s;
  };
  out["chrF2"] = [](const Input& in) {
    std::vector<double> s;
    for (const ChrfScore& c : Chrf().corpus_score_systems(in.systems, {in.reference})) s.push_back(c.score);
    return s;
  };
  out["chrF2++"] = [](const Input& in) {
    ChrfOptions opt;
    opt.word_order = 2;
    std::vector<double> s;
    for (const ChrfScore& c : Chrf(opt).corpus_score_systems(in.systems, {in.reference})) s.push_back(c.score);
    return s;
  };
  out["TER"] = [](const Input& in) {
    const Ter ter;
    const std::vector<std::vector<std::string>> refs{in.reference};
    std::vector<double> s;
    for (const auto& system : in.systems) s.push_back(ter.corpus_score(system, refs).score);
    return s;
  };
  return out;
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// kB value of a "Key:   123 kB" line of /proc/self/status.
long status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  const std::size_t len = std::strlen(key);
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, len, key) == 0 && line.size() > len && line[len] == ':') return std::atol(line.c_str() + len + 1);
  return -1;
}

struct Memory {
  long baseline_kb = -1, loaded_kb = -1, peak_kb = -1;
  bool ok = false;
};

// Forks before the input exists in this process; the child reads it and runs `job` once.
Memory measure_memory(const std::string& dir, const Job& job) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    close(fds[0]);
    long r[3] = {status_kb("VmRSS"), -1, -1};
    {
      const Input input = longtail::bench::read_wmt17(dir);
      r[1] = status_kb("VmRSS");
      volatile double sink = job(input)[0];
      (void)sink;
    }
    r[2] = status_kb("VmHWM");
    const bool written = write(fds[1], r, sizeof r) == static_cast<ssize_t>(sizeof r);
    _exit(written ? 0 : 1);
  }
  close(fds[1]);
  long r[3];
  const bool got = read(fds[0], r, sizeof r) == static_cast<ssize_t>(sizeof r);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return {r[0], r[1], r[2], true};
}

struct SacreResult {
  double cpu_s = 0, wall_s = 0;
  std::vector<double> scores;
  bool ok = false;
};

// Minimal reader for the flat JSON objects time_sacrebleu.py prints: "key": number or [numbers].
std::vector<double> json_numbers(const std::string& line, const std::string& key) {
  std::vector<double> out;
  const std::size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return out;
  const char* p = line.c_str() + at + key.size() + 3;
  while (*p == ' ') ++p;
  const bool list = *p == '[';
  if (list) ++p;
  while (*p) {
    while (*p == ' ' || *p == ',') ++p;
    if (*p == ']' || *p == '}' || !*p) break;
    char* end = nullptr;
    out.push_back(std::strtod(p, &end));  // Python's repr() round-trips: strtod gives the same double
    if (end == p) break;
    p = end;
    if (!list) break;
  }
  return out;
}

std::map<std::string, SacreResult> run_sacrebleu(const std::string& python, const std::string& dir, int repeat,
                                                 const std::vector<std::string>& metrics) {
  std::string cmd = "'" + python + "' '" LONGTAIL_SOURCE_DIR "/tests/scorer/time_sacrebleu.py' --mode cli --json --dir '" +
                    dir + "' --repeat " + std::to_string(repeat) + " --only";
  for (const auto& m : metrics) cmd += " '" + m + "'";
  std::map<std::string, SacreResult> out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  std::string line;
  for (int c; (c = std::fgetc(pipe)) != EOF;) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    const std::size_t at = line.find("\"job\": \"");
    if (at != std::string::npos) {
      const std::string name = line.substr(at + 8, line.find('"', at + 8) - at - 8);
      SacreResult r;
      r.cpu_s = median(json_numbers(line, "cpu_s"));
      r.wall_s = median(json_numbers(line, "wall_s"));
      r.scores = json_numbers(line, "scores");
      r.ok = true;
      out[name] = r;
    }
    line.clear();
  }
  const int status = pclose(pipe);
  if (status != 0) std::fprintf(stderr, "sacreBLEU run failed (status %d): %s\n", status, cmd.c_str());
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  const char* env_dir = std::getenv("LONGTAIL_WMT17_DIR");
  const char* env_python = std::getenv("LONGTAIL_SACREBLEU_PYTHON");
  std::string dir = env_dir ? env_dir : LONGTAIL_WMT17_DEFAULT;
  std::string python = env_python ? env_python : LONGTAIL_BINARY_DIR "/sacrebleu-venv/bin/python";
  int repeat = 5, sacre_repeat = 1, cpu = -1;
  bool with_sacrebleu = true;
  std::vector<std::string> metrics{"BLEU", "chrF2", "chrF2++", "TER"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--dir") dir = value();
    else if (a == "--python") python = value();
    else if (a == "--repeat") repeat = std::max(1, std::atoi(value().c_str()));
    else if (a == "--sacrebleu-repeat") sacre_repeat = std::max(1, std::atoi(value().c_str()));
    else if (a == "--cpu") cpu = std::atoi(value().c_str());
    else if (a == "--no-sacrebleu") with_sacrebleu = false;
    else if (a == "--metrics") {
      metrics.clear();
      while (i + 1 < argc && argv[i + 1][0] != '-') metrics.push_back(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--dir DIR] [--python PY] [--repeat N] [--sacrebleu-repeat N] "
                           "[--metrics BLEU chrF2 chrF2++ TER] [--cpu C] [--no-sacrebleu]\n", argv[0]);
      return 2;
    }
  }
  const auto all_jobs = jobs();
  for (const auto& m : metrics)
    if (!all_jobs.count(m)) {
      std::fprintf(stderr, "unknown metric %s (known: BLEU chrF2 chrF2++ TER)\n", m.c_str());
      return 2;
    }

  // One CPU for everything, the sacreBLEU child included (it inherits the affinity).
  if (cpu < 0) cpu = sched_getcpu();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");

  // Memory first: the children must be forked before this process reads the input.
  std::map<std::string, Memory> memory;
  for (const auto& m : metrics) memory[m] = measure_memory(dir, all_jobs.at(m));

  Input input;
  try {
    input = longtail::bench::read_wmt17(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "WMT17 data unavailable: %s\n", e.what());
    return 2;
  }
  std::size_t segments = 0;
  for (const auto& s : input.systems) segments += s.size();
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("WMT17 en-de: %zu systems, %zu segments, input %.2f MB; CPU %d of %ld (%s); load average %.2f %.2f %.2f\n",
              input.systems.size(), segments, static_cast<double>(input.bytes) / 1e6, cpu, sysconf(_SC_NPROCESSORS_ONLN),
              cpu_model().c_str(), load[0], load[1], load[2]);

  // longtail: median of `repeat` runs of the 16-system job.
  std::map<std::string, std::vector<double>> scores;
  std::map<std::string, std::pair<double, double>> times;  // cpu, wall
  for (const auto& m : metrics) {
    std::vector<double> cpu_t, wall_t;
    for (int r = 0; r < repeat; ++r) {
      const double c0 = cpu_seconds(), w0 = wall_seconds();
      scores[m] = all_jobs.at(m)(input);
      cpu_t.push_back(cpu_seconds() - c0);
      wall_t.push_back(wall_seconds() - w0);
    }
    times[m] = {median(cpu_t), median(wall_t)};
  }

  std::map<std::string, SacreResult> sacre;
  if (with_sacrebleu) sacre = run_sacrebleu(python, dir, sacre_repeat, metrics);
  getloadavg(load, 3);

  const std::map<std::string, double> floors{{"BLEU", 50}, {"chrF2", 50}, {"chrF2++", 50}, {"TER", 10}};
  bool mismatch = false, failed = false, below = false;
  std::printf("\n%-8s %12s %12s %12s %12s %9s %6s  %s\n", "metric", "longtail CPU", "(wall)", "sacreBLEU CPU", "(wall)",
              "speed-up", "floor", "scores");
  for (const auto& m : metrics) {
    const auto [lc, lw] = times[m];
    std::printf("%-8s %10.1f ms %9.1f ms", m.c_str(), lc * 1e3, lw * 1e3);
    const auto it = sacre.find(m);
    if (it == sacre.end() || !it->second.ok) {
      std::printf(" %12s %12s %9s %5.0fx  %s\n", "-", "-", "-", floors.at(m), with_sacrebleu ? "sacreBLEU FAILED" : "");
      failed |= with_sacrebleu;
      continue;
    }
    const SacreResult& r = it->second;
    std::size_t differ = 0;
    for (std::size_t s = 0; s < scores[m].size(); ++s)
      if (s >= r.scores.size() || r.scores[s] != scores[m][s]) ++differ;
    if (r.scores.size() != scores[m].size()) differ = std::max<std::size_t>(differ, 1);
    const double ratio = r.cpu_s / lc;
    const bool ok_floor = ratio >= floors.at(m);
    below |= !ok_floor;
    mismatch |= differ != 0;
    std::printf(" %11.2f s %10.2f s %8.1fx %5.0fx  %s%s\n", r.cpu_s, r.wall_s, ratio, floors.at(m),
                differ ? ("DIFFER in " + std::to_string(differ) + " of " + std::to_string(scores[m].size())).c_str()
                       : ("identical (" + std::to_string(scores[m].size()) + ")").c_str(),
                ok_floor ? "" : "   <-- BELOW FLOOR");
  }
  std::printf("(longtail: median of %d runs; sacreBLEU: median of %d; speed-up = CPU time ratio; wall ratios:",
              repeat, sacre_repeat);
  for (const auto& m : metrics)
    if (sacre.count(m) && sacre[m].ok) std::printf(" %s %.1fx", m.c_str(), sacre[m].wall_s / times[m].second);
  std::printf("; load average now %.2f)\n", load[0]);

  std::printf("\nPeak memory of one scoring job (fork, VmHWM - VmRSS before reading; input %.2f MB on disk, floor 2.0x):\n",
              static_cast<double>(input.bytes) / 1e6);
  for (const auto& m : metrics) {
    const Memory& mem = memory[m];
    if (!mem.ok) {
      std::printf("  %-8s measurement failed\n", m.c_str());
      continue;
    }
    const double peak = static_cast<double>(mem.peak_kb - mem.baseline_kb) * 1024.0;
    const double loaded = static_cast<double>(mem.loaded_kb - mem.baseline_kb) * 1024.0;
    const double ratio = peak / static_cast<double>(input.bytes);
    below |= ratio > 2.0;
    std::printf("  %-8s peak %6.2f MB = %.2fx input (input lines in memory %.2f MB, scoring on top %.2f MB)%s\n",
                m.c_str(), peak / 1e6, ratio, loaded / 1e6, (peak - loaded) / 1e6,
                ratio > 2.0 ? "   <-- ABOVE FLOOR" : "");
  }
  if (mismatch) std::printf("\nFAIL: longtail and sacreBLEU scores differ\n");
  else if (failed) std::printf("\nFAIL: sacreBLEU did not run\n");
  else if (below) std::printf("\nscores identical; some figures miss their floor (marked)\n");
  else if (with_sacrebleu) std::printf("\nOK: scores identical, all floors met\n");
  return mismatch || failed ? 1 : 0;
}

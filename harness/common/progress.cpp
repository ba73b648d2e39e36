#include "harness/common/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace longtail {

namespace {
std::string clock_text(double s) {
  if (s < 0 || s > 1e7) return "--:--";
  int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
  return fmt::format("{:02}:{:02}", t / 60, t % 60);
}
}  // namespace

Progress::Progress(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

Progress::~Progress() {
  // Destroyed before finish(): the work stopped early (an error, --steps-limit); say where.
  if (!finished_ && done_ > 0) {
    finished_ = true;
    print(true);
  }
}

void Progress::update(int64_t done, const std::string& note) {
  done_ = done;
  note_ = note;
  auto now = std::chrono::steady_clock::now();
  // Redraw a terminal bar 5 times a second; log plain lines every 10 s elsewhere.
  double every = tty_ ? 0.2 : 10.0;
  if (std::chrono::duration<double>(now - last_print_).count() >= every) {
    last_print_ = now;
    print(false);
  }
}

void Progress::finish(const std::string& note) {
  if (finished_) return;
  finished_ = true;
  if (!note.empty()) note_ = note;
  if (total_ > 0) done_ = std::max(done_, total_);
  print(true);
}

void Progress::print(bool final) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0;
  std::string rate_text = rate >= 1 || rate == 0 ? fmt::format("{:.1f}/s", rate) : fmt::format("{:.1f}/min", rate * 60);
  std::string line;
  if (total_ > 0) {
    double frac = std::min(1.0, double(done_) / double(total_));
    double eta = rate > 0 ? (total_ - done_) / rate : -1;
    // A final line short of the total (an early stop) says so instead of showing an ETA.
    std::string end = !final ? clock_text(eta) : done_ >= total_ ? "done" : "stopped";
    if (tty_) {
      int width = 24, filled = static_cast<int>(frac * width);
      line = fmt::format("{} [{}{}] {}/{} {} {} {} ETA {}", label_, std::string(filled, '#'),
                         std::string(width - filled, '.'), done_, total_, unit_, rate_text, clock_text(elapsed),
                         end);
    } else {
      line = fmt::format("{}: {}/{} {} ({:.0f}%), {}, elapsed {}, ETA {}", label_, done_, total_, unit_,
                         100 * frac, rate_text, clock_text(elapsed), end);
    }
  } else {
    line = fmt::format("{}: {} {}, {}, elapsed {}", label_, done_, unit_, rate_text, clock_text(elapsed));
  }
  if (!note_.empty()) line += "  " + note_;
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace longtail

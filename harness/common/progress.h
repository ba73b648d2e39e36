// Progress of long work (corpus build, training, decoding, the grid): a bar with rate and ETA on
// a terminal, a plain log line every few seconds otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace longtail {

class Progress {
 public:
  // total <= 0 means unknown; `unit` names what is counted ("steps", "pairs", "cells").
  Progress(std::string label, int64_t total, std::string unit);
  ~Progress();
  void update(int64_t done, const std::string& note = {});
  // The work is complete (counts as the total). A Progress destroyed without finish() prints a
  // final line with the count it reached, marked "stopped".
  void finish(const std::string& note = {});

 private:
  void print(bool final);
  std::string label_, unit_, note_;
  int64_t total_, done_ = 0;
  bool tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace longtail

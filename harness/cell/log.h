// "[2026-11-21 07:20:37.654] [info] message" on stderr, like the spdlog lines of the other tools
// (the LibTorch programs do not use spdlog: see harness/common/strcat.h).
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace longtail::cell {

inline void log_line(const char* level, const std::string& msg) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  std::fprintf(stderr, "[%s.%03d] [%s] %s\n", stamp, static_cast<int>(ms), level, msg.c_str());
  std::fflush(stderr);
}

}  // namespace longtail::cell

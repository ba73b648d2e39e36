// metrics.jsonl: one JSON object per line, appended as training goes; a resume truncates it to
// the checkpoint's offset so the file equals the uninterrupted run's.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "harness/common/strcat.h"
#include "harness/train/step.h"

namespace longtail::cell {

class MetricsLog {
 public:
  explicit MetricsLog(std::string path) : path_(std::move(path)) {}
  void start_fresh() { std::ofstream(path_, std::ios::trunc); }
  // Resume: drop what was logged after the checkpoint.
  void truncate_to(uint64_t offset) {
    namespace fs = std::filesystem;
    const uint64_t size = fs::exists(path_) ? fs::file_size(path_) : 0;
    if (size < offset) throw train::TrainingFailure(str::cat(path_, " has ", size, " bytes but the checkpoint expects at least ", offset));
    if (!fs::exists(path_)) start_fresh();
    fs::resize_file(path_, offset);
  }
  void write(const boost::json::object& o) {
    std::ofstream out(path_, std::ios::app | std::ios::binary);
    out << boost::json::serialize(o) << '\n';
    out.flush();
    if (!out) throw std::runtime_error("cannot append to " + path_);
  }
  uint64_t size() const { return std::filesystem::exists(path_) ? std::filesystem::file_size(path_) : 0; }

 private:
  std::string path_;
};

}  // namespace longtail::cell

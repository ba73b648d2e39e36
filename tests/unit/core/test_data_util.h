// Helpers shared by the data-layer tests (test_data_*.cpp).
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/data/corpus.h"

namespace longtail::test {

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("longtail-data-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string fixture(const std::string& rel) { return std::string(LONGTAIL_TEST_DATA) + "/" + rel; }

// n distinct pairs "<prefix> sentence i" -> "<lang> phrase i".
inline std::vector<data::Pair> numbered_pairs(int n, const std::string& lang, const std::string& prefix = "sentence") {
  std::vector<data::Pair> pairs;
  for (int i = 0; i < n; ++i) pairs.push_back({prefix + " number " + std::to_string(i), lang + " phrase " + std::to_string(i)});
  return pairs;
}

}  // namespace longtail::test

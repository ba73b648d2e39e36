// Helpers shared by the tests that write suite files and check how loading them fails
// (test_suite.cpp, test_methods_*.cpp), and by those that load the shipped suites (test_claims.cpp).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/common/options.h"
#include "harness/grid/suite.h"

namespace longtail::test {

// The shipped suites name their data through variables (LONGTAIL_OPUS100, LONGTAIL_TED); loading
// them needs no data. Sets the unset ones to a path that does not exist for the object's lifetime.
struct SuiteDataVars {
  std::vector<std::string> set;
  SuiteDataVars() {
    for (const char* var : {"LONGTAIL_OPUS100", "LONGTAIL_TED"})
      if (!std::getenv(var)) ::setenv(var, "/nonexistent", 1), set.push_back(var);
  }
  ~SuiteDataVars() {
    for (const auto& var : set) ::unsetenv(var.c_str());
  }
  SuiteDataVars(const SuiteDataVars&) = delete;
  SuiteDataVars& operator=(const SuiteDataVars&) = delete;
};

// Writes `text` to `name` in the directory `subdir` under the system temp dir; returns the path.
inline std::string write_suite_file(const std::string& subdir, const std::string& name, const std::string& text) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / subdir;
  std::filesystem::create_directories(dir);
  const std::filesystem::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

// A suite of the three gettext languages with the given "methods" array and train.steps, plus any
// further train fields in `train_extra` (", \"key\": value...").
inline std::string write_method_suite(const std::string& subdir, const std::string& name, const std::string& methods,
                                      int steps = 100, const std::string& train_extra = "") {
  return write_suite_file(subdir, name,
                          R"({"datasets": [{"source": "gettext", "languages": ["fr", "de", "kk"]}], "methods": )" + methods +
                              R"(, "train": {"steps": )" + std::to_string(steps) + train_extra + "}}");
}

// The ConfigError message of loading the suite file, or "" when it loads.
inline std::string suite_error(const std::string& file) {
  try {
    grid::load_suite(file);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace longtail::test

// The WMT17 en-de systems and reference as the scorer benches read them: like the sacreBLEU CLI
// (split on \n only, each line rstrip()ped), so both benches time the same input.
#pragma once

#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "eval/scorer/unicode.h"

namespace longtail::bench {

struct Wmt17 {
  std::vector<std::string> names;  // ORDER.txt without "reference"
  std::vector<std::vector<std::string>> systems;
  std::vector<std::string> reference;
  std::size_t bytes = 0;  // size of the files read
};

// The lines of `path` as the sacreBLEU CLI reads them; adds the file's size to `bytes`.
inline std::vector<std::string> read_cli_lines(const std::string& path, std::size_t& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string data = buf.str();
  bytes += data.size();
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < data.size();) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    lines.emplace_back(eval::rstrip(std::string_view(data).substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

// reference.txt and the systems listed in ORDER.txt, in its order; throws if a file is missing.
inline Wmt17 read_wmt17(const std::string& dir) {
  Wmt17 data;
  data.reference = read_cli_lines(dir + "/reference.txt", data.bytes);
  std::ifstream order(dir + "/ORDER.txt");
  if (!order) throw std::runtime_error("cannot open " + dir + "/ORDER.txt");
  for (std::string name; std::getline(order, name);) {
    if (name.empty() || name == "reference") continue;
    data.names.push_back(name);
    data.systems.push_back(read_cli_lines(dir + "/" + name + ".txt", data.bytes));
  }
  return data;
}

}  // namespace longtail::bench

// The keys a document lists: the backticked names in the first column of the markdown table that
// follows a heading (tests that check a record's JSON keys against its documentation).
#pragma once

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

namespace doc_tables {

// docs/<name> of the source tree, whole.
inline std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(LONGTAIL_SOURCE_DIR) + "/docs/" + name);
  if (!in) throw std::runtime_error("cannot read docs/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::set<std::string> table_keys(const std::string& doc, const std::string& heading) {
  const auto at = doc.find(heading);
  if (at == std::string::npos) throw std::runtime_error("no \"" + heading + "\" in the document");
  std::set<std::string> keys;
  std::istringstream lines(doc.substr(at + heading.size()));
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.rfind("|", 0) != 0) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    const std::string first = line.substr(1, line.find('|', 1) - 1);
    static const std::regex key("`([a-z_0-9]+)`");
    for (std::sregex_iterator it(first.begin(), first.end(), key), end; it != end; ++it) keys.insert((*it)[1]);
  }
  return keys;
}

}  // namespace doc_tables

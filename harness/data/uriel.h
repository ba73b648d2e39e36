// URIEL typological distances between languages (Littell et al., 2017, "URIEL and lang2vec",
// EACL), read from the file scripts/export-uriel.py exports from the lang2vec package:
// third_party/uriel/uriel-distances.json (CC BY-SA 4.0; third_party/uriel/README.md says how each
// distance is computed and how to re-export). No Python is needed to read it.
//
// Languages are longtail's codes ("fr", "pt_BR", "sr@latin", the file's "languages" map) or ISO
// 639-3 codes ("fra", its "codes"); variants of one language (pt, pt_BR) share one ISO code and so
// are at distance 0 from each other.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace longtail::data {

class UrielTable {
 public:
  // Reads and checks the file; errors name it and the JSON path ("<file>: $.distances.genetic[3]").
  static UrielTable load(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& lang2vec_version() const { return version_; }
  // The distance kinds in the file's order: syntactic, phonological, inventory, genetic, geographic, featural.
  std::vector<std::string> kinds() const;
  // The longtail codes the file maps (not the ISO 639-3 codes, which has() also accepts).
  std::vector<std::string> languages() const;
  bool has(const std::string& lang) const;
  // The ISO 639-3 code behind a language; throws like distance() for an unknown one.
  std::string iso639_3(const std::string& lang) const;

  // In [0, 1], symmetric, 0 for a language and itself. Throws ConfigError naming the file and the
  // unknown kind or language (for a language: why lang2vec lacks it, or how to export it).
  double distance(const std::string& kind, const std::string& a, const std::string& b) const;
  double similarity(const std::string& kind, const std::string& a, const std::string& b) const {
    return 1.0 - distance(kind, a, b);
  }

 private:
  size_t index_of(const std::string& lang) const;
  const std::vector<double>& matrix(const std::string& kind) const;

  std::string path_, version_;
  std::vector<std::string> codes_;                  // ISO 639-3, the matrices' order
  std::map<std::string, size_t> code_index_;
  std::map<std::string, std::string> languages_;    // longtail code -> ISO 639-3
  std::map<std::string, std::string> missing_;      // longtail code -> why lang2vec lacks it
  std::vector<std::string> kinds_;                  // file order
  std::map<std::string, std::vector<double>> lower_;  // kind -> lower triangle, row i: d(i, 0..i-1)
};

// $LONGTAIL_URIEL when set, else the shipped third_party/uriel/uriel-distances.json of the source
// tree this was built from, else that path under the working directory. Throws ConfigError
// listing where it looked.
std::string default_uriel_path();
// An empty path reads default_uriel_path().
UrielTable load_uriel(const std::string& path = {});

}  // namespace longtail::data

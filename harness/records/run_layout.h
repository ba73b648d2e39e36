// Where a run directory keeps what outside tools re-check (docs/report-schema.md):
//   <run>/<dataset>/<imbalance>/<method>/seed<k>/hyps/<lang>.<split>.txt   detokenised system output
//   <run>/<dataset>/refs/<lang>.<split>.txt                                 the references it was scored against
// so that `sacrebleu <run>/<dataset>/refs/X -i <cell>/hyps/X` reproduces every score.
#pragma once

#include <string>

namespace longtail::records {

inline std::string hyps_file(const std::string& cell_dir, const std::string& lang, const std::string& split) {
  return cell_dir + "/hyps/" + lang + "." + split + ".txt";
}

inline std::string refs_file(const std::string& run_dir, const std::string& dataset, const std::string& lang,
                             const std::string& split) {
  return run_dir + "/" + dataset + "/refs/" + lang + "." + split + ".txt";
}

// The run directory of a cell directory: `cell_dir` without its trailing cell id
// ("<dataset>/<imbalance>/<method>/seed<k>"); empty when cell_dir does not end with the id.
inline std::string run_dir_of(const std::string& cell_dir, const std::string& cell_id) {
  const std::string tail = "/" + cell_id;
  if (cell_dir.size() <= tail.size() || cell_dir.compare(cell_dir.size() - tail.size(), tail.size(), tail) != 0) return {};
  return cell_dir.substr(0, cell_dir.size() - tail.size());
}

}  // namespace longtail::records

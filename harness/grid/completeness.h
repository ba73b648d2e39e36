// When a finished cell still counts: its result.json must answer what the suite asks now. A
// result is reused only if its recorded configuration equals the planned one, it came from this
// code (unless told otherwise) and from the same data; otherwise the reasons say what changed.
#pragma once

#include <string>
#include <vector>

#include "harness/grid/datasets.h"
#include "harness/records/cell_result.h"

namespace longtail::grid {

// What a result made now would record (empty fingerprints: unknown, e.g. in a dry run).
struct Provenance {
  std::string longtail_version, git_commit, corpus_fingerprint, vocab_sha256, shards_fingerprint;
};

// What a result made now over `data` records: this longtail, its commit, the data's fingerprints.
Provenance current_provenance(const PreparedData& data);

// The reasons `recorded` no longer answers `planned` ("$.train.steps: 60 → 80", "commit: a → b",
// "corpus fingerprint: … → …"); empty when it does. The cache paths in the configuration
// (data.corpus, data.shards, data.vocab) are not compared: the fingerprints stand for the data.
std::vector<std::string> stale_reasons(const records::CellResult& recorded, const records::CellConfig& planned,
                                       const Provenance& now, bool allow_other_version);

}  // namespace longtail::grid

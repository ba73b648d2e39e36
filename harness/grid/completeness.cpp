#include "harness/grid/completeness.h"

#include "harness/common/json_util.h"
#include "harness/common/version.h"

namespace longtail::grid {

namespace json = boost::json;

namespace {

// The configuration without the cache paths (the same data may sit in another cache).
json::value comparable(const records::CellConfig& c) {
  json::object o = to_json(c);
  auto& data = o["data"].as_object();
  for (const char* path : {"corpus", "shards", "vocab"}) data.erase(path);
  return o;
}

void compare(std::vector<std::string>& out, const char* what, const std::string& before, const std::string& now) {
  if (!now.empty() && before != now) out.push_back(std::string(what) + ": " + (before.empty() ? "none" : before) + " → " + now);
}

}  // namespace

Provenance current_provenance(const PreparedData& p) {
  return {longtail_version(), git_commit(), p.data.corpus.fingerprint, p.vocab_sha256, p.shards_fingerprint};
}

std::vector<std::string> stale_reasons(const records::CellResult& recorded, const records::CellConfig& planned,
                                       const Provenance& now, bool allow_other_version) {
  if (!recorded.config) return {"no recorded configuration"};
  std::vector<std::string> out = json_differences(comparable(*recorded.config), comparable(planned));
  if (!allow_other_version) {
    compare(out, "longtail version", recorded.longtail_version, now.longtail_version);
    compare(out, "commit", recorded.git_commit, now.git_commit);
  }
  compare(out, "corpus fingerprint", recorded.corpus_fingerprint, now.corpus_fingerprint);
  compare(out, "vocabulary sha256", recorded.vocab_sha256, now.vocab_sha256);
  if (!recorded.shards_fingerprint.empty())  // results made before shards had checksums have none
    compare(out, "shards fingerprint", recorded.shards_fingerprint, now.shards_fingerprint);
  return out;
}

}  // namespace longtail::grid

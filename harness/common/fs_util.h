// Filesystem helpers. Everything longtail writes goes to a temporary name and is renamed, so an
// interrupted run never leaves a half-written result behind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longtail {

void write_file_atomic(const std::string& path, const std::string& contents);
std::string read_file(const std::string& path);  // throws std::runtime_error naming the file
std::vector<std::string> read_lines(const std::string& path);  // without trailing '\n'
void write_lines_atomic(const std::string& path, const std::vector<std::string>& lines);
void make_dirs(const std::string& path);

// Removes what an interrupted writer left below `root`: names ending in ".tmp.<pid>" or
// ".tmp-<pid>" (files or directories) whose process is gone, and with `any_owner` (the caller
// holds the directory's lock) those of live processes too and checkpoint ".tmp" files. Returns
// how many were removed.
int64_t remove_stale_temporaries(const std::string& root, bool any_owner);
bool file_exists(const std::string& path);
// Directory where longtail caches corpora, downloaded packages, vocabularies and shards:
// $LONGTAIL_CACHE, else ~/.cache/longtail.
std::string cache_dir();

}  // namespace longtail

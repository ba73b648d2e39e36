// An advisory lock (flock) held while the object lives: one longtail driver per run directory, one
// longtail-cell per cell directory. The kernel drops it when the holder dies, so a killed process
// never leaves a stale lock; the lock file names the holder (PID and what it is) for the message
// the next process gives.
#pragma once

#include <stdexcept>
#include <string>

namespace longtail {

class LockBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FileLock {
 public:
  // Takes the lock on `path` (created if missing) without waiting, and records `holder` ("longtail
  // run suites/x.json") with this process's PID in the file. Throws LockBusy naming the file and
  // the holder when another process has it; std::runtime_error (with the OS reason) when the file
  // cannot be opened.
  FileLock(const std::string& path, const std::string& holder);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace longtail

#include "harness/common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace longtail {

namespace {

std::string read_all(int fd) {
  std::string s;
  char buf[512];
  ssize_t n;
  ::lseek(fd, 0, SEEK_SET);
  while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

FileLock::FileLock(const std::string& path, const std::string& holder) {
  // O_CLOEXEC: children (longtail-cell, longtail-text) must not inherit the driver's lock.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot open the lock file: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string who = read_all(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw LockBusy(path + ": in use by " + (who.empty() ? std::string("another process") : who) +
                     "; wait for it to finish or stop it first");
    throw std::runtime_error(path + ": cannot lock: " + std::strerror(err));
  }
  const std::string me = "pid " + std::to_string(::getpid()) + " (" + holder + ")\n";
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace longtail

#include "harness/grid/process.h"

#include <signal.h>
#include <sys/prctl.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace longtail::grid {

std::string ProcessResult::describe() const {
  if (signaled) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit code {}", exit_code);
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& log_path, bool echo) {
  std::filesystem::create_directories(std::filesystem::path(log_path).parent_path());
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  int pipe_fd[2];
  if (::pipe2(pipe_fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // The child dies with the driver (kill -9 included): a cell never trains on without the
    // process that collects it, so a re-run cannot meet an orphan still training the same cell.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the driver died before prctl
    ::dup2(pipe_fd[1], STDOUT_FILENO);
    ::dup2(pipe_fd[1], STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::string msg = fmt::format("cannot execute {}: {}\n", argv[0], std::strerror(errno));
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(127);
  }
  ::close(pipe_fd[1]);
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(pipe_fd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    (void)!::write(log_fd, buf, static_cast<size_t>(n));
    if (echo) (void)!::write(STDERR_FILENO, buf, static_cast<size_t>(n));
  }
  ::close(pipe_fd[0]);
  ::close(log_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ProcessResult r;
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.signal = WTERMSIG(status);
  } else {
    r.exit_code = WEXITSTATUS(status);
  }
  return r;
}

std::string self_dir() {
  // Resolved once: when the executable is rebuilt during a run, /proc/self/exe names a deleted
  // file and canonical() fails, which used to fail every cell collected after the rebuild.
  static const std::string dir = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  return dir;
}

}  // namespace longtail::grid

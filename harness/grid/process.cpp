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

extern char** environ;

namespace longtail::grid {

namespace {

// Our environment with `env` set over it, as execve wants it (built before fork: the child of a
// threaded process should not allocate).
std::vector<std::string> child_environment(const Environment& env) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : env) replaced = replaced || k == name;
    if (!replaced) out.push_back(entry);
  }
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

void write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    data += w;
    n -= static_cast<size_t>(w);
  }
}

ProcessResult wait_for(pid_t pid) {
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

}  // namespace

std::string ProcessResult::describe() const {
  if (!ended.empty()) return ended;
  if (signaled) return fmt::format("killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exit code {}", exit_code);
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& log_path, bool echo, const Environment& env,
                          const std::string& echo_prefix) {
  std::filesystem::create_directories(std::filesystem::path(log_path).parent_path());
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  int pipe_fd[2];
  if (::pipe2(pipe_fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

  std::vector<std::string> arg_strings(argv.begin(), argv.end());
  std::vector<std::string> env_strings = child_environment(env);
  std::vector<char*> args = pointers(arg_strings), envp = pointers(env_strings);
  const std::string exec_failed = fmt::format("cannot execute {}: ", argv[0]);

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
    ::execve(args[0], args.data(), envp.data());
    const char* why = ::strerror(errno);
    write_all(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    write_all(STDERR_FILENO, why, std::strlen(why));
    write_all(STDERR_FILENO, "\n", 1);
    ::_exit(127);
  }
  ::close(pipe_fd[1]);
  char buf[8192];
  std::string partial;  // an echoed line not yet complete (prefixed echo writes whole lines)
  for (;;) {
    ssize_t n = ::read(pipe_fd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    write_all(log_fd, buf, static_cast<size_t>(n));
    if (!echo) continue;
    if (echo_prefix.empty()) {
      write_all(STDERR_FILENO, buf, static_cast<size_t>(n));
      continue;
    }
    partial.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string line = echo_prefix + partial.substr(start, nl + 1 - start);
      write_all(STDERR_FILENO, line.data(), line.size());  // one write: lines of several cells do not mix
    }
    partial.erase(0, start);
  }
  if (echo && !partial.empty()) {
    const std::string line = echo_prefix + partial + "\n";
    write_all(STDERR_FILENO, line.data(), line.size());
  }
  ::close(pipe_fd[0]);
  ::close(log_fd);
  return wait_for(pid);
}

Captured capture(const std::vector<std::string>& argv) {
  int out_fd[2], err_fd[2];
  if (::pipe2(out_fd, O_CLOEXEC) != 0 || ::pipe2(err_fd, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> arg_strings(argv.begin(), argv.end());
  std::vector<char*> args = pointers(arg_strings);
  const std::string exec_failed = fmt::format("cannot execute {}: ", argv[0]);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(out_fd[1], STDOUT_FILENO);
    ::dup2(err_fd[1], STDERR_FILENO);
    ::execvp(args[0], args.data());
    const char* why = ::strerror(errno);
    write_all(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    write_all(STDERR_FILENO, why, std::strlen(why));
    ::_exit(127);
  }
  ::close(out_fd[1]);
  ::close(err_fd[1]);
  Captured c;
  pollfd fds[2] = {{out_fd[0], POLLIN, 0}, {err_fd[0], POLLIN, 0}};
  std::string* into[2] = {&c.out, &c.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        into[i]->append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  const ProcessResult r = wait_for(pid);
  c.exit_code = r.signaled ? -1 : r.exit_code;
  return c;
}

std::string self_dir() {
  // Resolved once: when the executable is rebuilt during a run, /proc/self/exe names a deleted
  // file and canonical() fails, which used to fail every cell collected after the rebuild.
  static const std::string dir = std::filesystem::canonical("/proc/self/exe").parent_path().string();
  return dir;
}

}  // namespace longtail::grid

#include "harness/common/fs_util.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace longtail {

namespace fs = std::filesystem;

void write_file_atomic(const std::string& path, const std::string& contents) {
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  // Unique per process so concurrent cells writing into a shared cache never collide.
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      const int err = errno;
      out.close();
      fs::remove(tmp);
      throw std::runtime_error("short write to " + tmp + ": " + std::strerror(err));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp);
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void write_lines_atomic(const std::string& path, const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) {
    s += l;
    s += '\n';
  }
  write_file_atomic(path, s);
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw std::runtime_error("cannot create the directory " + path + ": " + ec.message());
}

bool file_exists(const std::string& path) { return fs::exists(path); }

int64_t remove_stale_temporaries(const std::string& root, bool any_owner) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return 0;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    size_t at = name.rfind(".tmp.");
    if (at == std::string::npos) at = name.rfind(".tmp-");
    bool remove = false;
    if (at != std::string::npos && at + 5 < name.size() &&
        name.find_first_not_of("0123456789", at + 5) == std::string::npos) {
      const long pid = std::stol(name.substr(at + 5));
      remove = any_owner || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    } else if (any_owner && name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      remove = true;  // checkpoint.bin.tmp
    }
    if (remove) {
      stale.push_back(it->path());
      if (it->is_directory(ec)) it.disable_recursion_pending();
    }
  }
  for (const auto& p : stale) fs::remove_all(p, ec);
  return static_cast<int64_t>(stale.size());
}

std::string cache_dir() {
  if (const char* c = std::getenv("LONGTAIL_CACHE"); c && *c) return c;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/longtail";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/longtail";
  return ".longtail-cache";
}

}  // namespace longtail

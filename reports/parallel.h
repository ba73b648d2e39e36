// Runs independent pieces of the report's work on the machine's cores. Results stay
// deterministic because each piece writes only its own slot and callers combine the slots in
// index order afterwards; the error thrown is the one of the lowest index, as in a plain loop.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace longtail::reports {

// The threads parallel_for uses: $LONGTAIL_REPORT_THREADS when set (tests compare 1 with many),
// else one per hardware thread.
inline std::size_t worker_count() {
  if (const char* env = std::getenv("LONGTAIL_REPORT_THREADS"); env && std::atoi(env) > 0) return std::size_t(std::atoi(env));
  return std::max(1u, std::thread::hardware_concurrency());
}

// fn(i) for every i < n, on up to worker_count() threads. Rethrows the exception of the lowest i
// that threw, after every call has finished.
template <typename F>
void parallel_for(std::size_t n, F&& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const std::size_t threads = std::min(worker_count(), n);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace longtail::reports

// Process-wide fixed-size thread pool. Several callers may run jobs at once (libuv workers,
// worker_threads); each job is split into chunks that the pool's threads and the caller share.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace gsparse {

// Runs fn(begin, end) over [0, count) in chunks of at least `grain` items, on up to threads() threads.
// Returns when every chunk is done. Exceptions from fn are rethrown in the caller (first one wins).
void parallelFor(std::size_t count, std::size_t grain, const std::function<void(std::size_t, std::size_t)>& fn);

// Same, but chunk boundaries come from `cost` prefix sums so chunks carry equal work (e.g. nonzeros):
// prefix has count+1 entries, prefix[i] = work before item i.
void parallelForWeighted(std::size_t count, const uint64_t* prefix, uint64_t minWork,
                         const std::function<void(std::size_t, std::size_t)>& fn);

// Upper bound of threads(): more is a configuration error, not a machine.
constexpr std::size_t kMaxThreads = 1024;

// Number of threads jobs use (the caller included). Default: env GSPARSE_NUM_THREADS, else cores.
std::size_t threads();
// Resizes the pool; 1 <= n <= kMaxThreads. Safe while other jobs run (they finish on the old size).
void setThreads(std::size_t n);

// Why GSPARSE_NUM_THREADS is ignored (not an integer in 1..kMaxThreads); empty when unset or valid.
std::string threadSettingProblem();

}  // namespace gsparse

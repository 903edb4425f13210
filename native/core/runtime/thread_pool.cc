// Process-wide thread pool shared by concurrent callers.
//
// Each parallelFor call is a Job: a list of chunks handed out by an atomic counter. The job is
// queued so idle pool threads can help, and the calling thread always works on its own job too,
// so every job makes progress even if all pool threads are busy with other jobs (or the pool has
// no threads at all): no caller ever waits for a chunk nobody is running, hence no deadlock with
// many concurrent or nested callers. A caller waits only for chunks already being run by helpers.
//
// setThreads swaps in a new Pool; callers hold a shared_ptr to the pool they started on, so running
// jobs finish on the old pool, whose threads are joined when its last user lets go of it.
#include "gsparse/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gsparse/errors.h"
#include "gsparse/hardware.h"

namespace gsparse {

namespace {

using ChunkFn = std::function<void(std::size_t, std::size_t)>;

// Chunks per thread: more than one so that threads busy with other jobs do not stall this one.
constexpr std::size_t kChunksPerThread = 4;

class Job {
 public:
  // bounds has nchunks+1 increasing entries; chunk k is [bounds[k], bounds[k+1]).
  Job(const ChunkFn& fn, std::vector<std::size_t> bounds) : fn_(fn), bounds_(std::move(bounds)) {}

  std::size_t chunks() const { return bounds_.size() - 1; }

  // Runs chunks until none is left. Returns false when it got none (the job was already drained).
  bool work() {
    bool any = false;
    for (;;) {
      const std::size_t k = next_.fetch_add(1, std::memory_order_relaxed);
      if (k >= chunks()) return any;
      any = true;
      if (!failed_.load(std::memory_order_relaxed)) {  // after a throw, remaining chunks are skipped
        try {
          fn_(bounds_[k], bounds_[k + 1]);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex_);
          if (!error_) error_ = std::current_exception();
          failed_.store(true, std::memory_order_relaxed);
        }
      }
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks()) {
        std::lock_guard<std::mutex> lock(mutex_);
        cv_.notify_all();
      }
    }
  }
  bool drained() const { return next_.load(std::memory_order_relaxed) >= chunks(); }

  // Blocks until every chunk finished, then rethrows the first exception.
  void wait() {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == chunks(); });
    }
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const ChunkFn& fn_;  // owned by the caller, who outlives the job's chunks (it waits for them)
  const std::vector<std::size_t> bounds_;
  std::atomic<std::size_t> next_{0}, done_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::exception_ptr error_;
};

class Pool {
 public:
  explicit Pool(std::size_t threads) : size_(threads) {
    workers_.reserve(threads - 1);
    for (std::size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { workerLoop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) {
      // A pool thread never owns the last reference in practice; never join oneself regardless.
      if (t.get_id() == std::this_thread::get_id()) t.detach();
      else t.join();
    }
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  std::size_t size() const { return size_; }

  void run(const std::shared_ptr<Job>& job) {
    if (!workers_.empty()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        jobs_.push_back(job);
      }
      if (job->chunks() > 2) cv_.notify_all();
      else cv_.notify_one();
    }
    job->work();  // the caller helps with its own job
    retire(job);
    job->wait();
  }

 private:
  void retire(const std::shared_ptr<Job>& job) {
    if (workers_.empty()) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find(jobs_.begin(), jobs_.end(), job);
    if (it != jobs_.end()) jobs_.erase(it);
  }

  void workerLoop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        // Drop drained jobs at the front (their callers are finishing them), take the first live one.
        while (!jobs_.empty() && jobs_.front()->drained()) jobs_.pop_front();
        if (jobs_.empty()) continue;
        job = jobs_.front();
        // Rotate so concurrent jobs share the helpers instead of queueing behind each other.
        jobs_.pop_front();
        jobs_.push_back(job);
      }
      job->work();
      retire(job);
    }
  }

  const std::size_t size_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
  bool stop_ = false;
};

// GSPARSE_NUM_THREADS as a thread count, or 0 when unset or not an integer in 1..kMaxThreads.
std::size_t envThreads() {
  const char* s = std::getenv("GSPARSE_NUM_THREADS");
  if (!s) return 0;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  const bool valid = end != s && *end == '\0' && n >= 1 && static_cast<unsigned long>(n) <= kMaxThreads;
  return valid ? static_cast<std::size_t>(n) : 0;
}

std::size_t defaultThreads() {
  const std::size_t n = envThreads();
  return n ? n : hardwareThreads();
}

// Static owner: created on first use, destroyed at exit (stops and joins the threads).
struct PoolOwner {
  std::mutex mutex;
  std::shared_ptr<Pool> pool;
  ~PoolOwner() {
    std::shared_ptr<Pool> p;
    {
      std::lock_guard<std::mutex> lock(mutex);
      p.swap(pool);
    }
  }
};

PoolOwner& owner() {
  static PoolOwner o;
  return o;
}

std::shared_ptr<Pool> currentPool() {
  PoolOwner& o = owner();
  std::lock_guard<std::mutex> lock(o.mutex);
  if (!o.pool) o.pool = std::make_shared<Pool>(defaultThreads());
  return o.pool;
}

// Runs the chunks given by bounds (inline when there is only one chunk or one thread).
void runBounds(std::vector<std::size_t> bounds, const std::shared_ptr<Pool>& pool, const ChunkFn& fn) {
  if (bounds.size() <= 2 || pool->size() <= 1) {
    if (bounds.front() < bounds.back()) fn(bounds.front(), bounds.back());
    return;
  }
  pool->run(std::make_shared<Job>(fn, std::move(bounds)));
}

}  // namespace

void parallelFor(std::size_t count, std::size_t grain, const ChunkFn& fn) {
  if (count == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  if (count <= grain) {
    fn(0, count);
    return;
  }
  auto pool = currentPool();
  const std::size_t target = pool->size() * kChunksPerThread;
  const std::size_t chunk = std::max(grain, (count + target - 1) / target);
  std::vector<std::size_t> bounds;
  for (std::size_t b = 0; b < count; b += chunk) bounds.push_back(b);
  bounds.push_back(count);
  runBounds(std::move(bounds), pool, fn);
}

void parallelForWeighted(std::size_t count, const uint64_t* prefix, uint64_t minWork, const ChunkFn& fn) {
  if (count == 0) return;
  const uint64_t total = prefix[count] - prefix[0];
  minWork = std::max<uint64_t>(minWork, 1);
  if (total <= minWork) {
    fn(0, count);
    return;
  }
  auto pool = currentPool();
  const uint64_t chunks = std::min<uint64_t>({pool->size() * kChunksPerThread, total / minWork, count});
  // Boundary k is the first item whose prefix reaches k/chunks of the total work.
  std::vector<std::size_t> bounds{0};
  for (uint64_t k = 1; k < chunks; ++k) {
    const uint64_t target = prefix[0] + total * k / chunks;
    const std::size_t b = static_cast<std::size_t>(std::lower_bound(prefix, prefix + count + 1, target) - prefix);
    if (b > bounds.back() && b < count) bounds.push_back(b);
  }
  bounds.push_back(count);
  runBounds(std::move(bounds), pool, fn);
}

std::string threadSettingProblem() {
  const char* s = std::getenv("GSPARSE_NUM_THREADS");
  if (!s || envThreads()) return {};
  return "GSPARSE_NUM_THREADS='" + std::string(s) + "' is not an integer in 1.." + std::to_string(kMaxThreads) +
         ": ignored, using " + std::to_string(hardwareThreads()) + " threads (one per core)";
}

std::size_t threads() { return currentPool()->size(); }

void setThreads(std::size_t n) {
  require(n >= 1 && n <= kMaxThreads, "threads: expected an integer in 1.." + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
  auto fresh = std::make_shared<Pool>(n);
  std::shared_ptr<Pool> old;
  {
    PoolOwner& o = owner();
    std::lock_guard<std::mutex> lock(o.mutex);
    old.swap(o.pool);
    o.pool = std::move(fresh);
  }
  // `old` is released here; if jobs still use it, the last of them joins its threads.
}

}  // namespace gsparse

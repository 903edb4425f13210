// Thread pool: coverage of every index, weighted split, exceptions, concurrent callers, resizing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gsparse/thread_pool.h"
#include "test_framework.h"

using gsparse::parallelFor;
using gsparse::parallelForWeighted;

namespace {

// Runs parallelFor over count items and checks each index was visited exactly once.
bool coversOnce(std::size_t count, std::size_t grain) {
  std::vector<std::atomic<int>> hits(count);
  for (auto& h : hits) h.store(0);
  parallelFor(count, grain, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) hits[i].fetch_add(1);
  });
  return std::all_of(hits.begin(), hits.end(), [](const std::atomic<int>& h) { return h.load() == 1; });
}

}  // namespace

TEST(covers_every_index_once) {
  for (std::size_t count : {0, 1, 2, 7, 64, 1000, 100003})
    for (std::size_t grain : {1, 3, 64, 5000}) CHECK_MSG(coversOnce(count, grain), std::to_string(count) + "/" + std::to_string(grain));
}

TEST(small_job_runs_inline_on_caller) {
  const auto caller = std::this_thread::get_id();
  bool inlineRun = true;
  parallelFor(10, 10, [&](std::size_t, std::size_t) { inlineRun = inlineRun && std::this_thread::get_id() == caller; });
  CHECK(inlineRun);
}

TEST(chunks_respect_grain) {
  std::atomic<bool> ok{true};
  parallelFor(10000, 300, [&](std::size_t b, std::size_t e) {
    if (e - b < 300 && e != 10000) ok = false;
  });
  CHECK(ok.load());
}

TEST(weighted_split_balances_work) {
  gsparse::setThreads(4);
  // Skewed work: item i costs i^2, so equal-count chunks would be badly unbalanced.
  const std::size_t n = 2000;
  std::vector<uint64_t> prefix(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + i * i;
  const uint64_t total = prefix[n];
  std::mutex m;
  std::vector<std::pair<std::size_t, std::size_t>> chunks;
  std::vector<std::atomic<int>> hits(n);
  for (auto& h : hits) h.store(0);
  parallelForWeighted(n, prefix.data(), 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) hits[i].fetch_add(1);
    std::lock_guard<std::mutex> lock(m);
    chunks.emplace_back(b, e);
  });
  CHECK(std::all_of(hits.begin(), hits.end(), [](const std::atomic<int>& h) { return h.load() == 1; }));
  CHECK(chunks.size() > 1);
  // Every chunk's work is within one item's cost of total/chunks.
  const uint64_t ideal = total / chunks.size(), maxItem = (n - 1) * (n - 1);
  for (auto [b, e] : chunks) {
    const uint64_t work = prefix[e] - prefix[b];
    CHECK_MSG(work <= ideal + maxItem && work + maxItem >= ideal,
              "chunk [" + std::to_string(b) + "," + std::to_string(e) + ") work " + std::to_string(work) +
                  " ideal " + std::to_string(ideal));
  }
  // The heavy tail gets more, shorter chunks than the light head.
  std::sort(chunks.begin(), chunks.end());
  CHECK(chunks.front().second - chunks.front().first > chunks.back().second - chunks.back().first);
  // Too little work for a split: one inline call.
  std::atomic<int> calls{0};
  parallelForWeighted(n, prefix.data(), total, [&](std::size_t, std::size_t) { calls.fetch_add(1); });
  CHECK(calls.load() == 1);
}

TEST(exception_propagates_and_skips_rest) {
  gsparse::setThreads(4);
  std::atomic<int> ran{0};
  bool caught = false;
  try {
    parallelFor(1000, 1, [&](std::size_t b, std::size_t) {
      ran.fetch_add(1);
      if (b == 0) throw std::runtime_error("chunk zero failed");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  } catch (const std::runtime_error& e) {
    caught = std::string(e.what()) == "chunk zero failed";
  }
  CHECK(caught);
  // The pool still works afterwards.
  CHECK(coversOnce(5000, 1));
}

TEST(concurrent_callers) {
  gsparse::setThreads(3);
  std::vector<std::thread> callers;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t)
    callers.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        const std::size_t n = 1000 + 37 * t + rep;
        std::atomic<uint64_t> sum{0};
        parallelFor(n, 7, [&](std::size_t b, std::size_t e) {
          uint64_t s = 0;
          for (std::size_t i = b; i < e; ++i) s += i;
          sum.fetch_add(s);
        });
        if (sum.load() != n * (n - 1) / 2) bad.fetch_add(1);
      }
    });
  for (auto& c : callers) c.join();
  CHECK(bad.load() == 0);
}

TEST(nested_parallel_for) {
  gsparse::setThreads(2);
  std::atomic<uint64_t> total{0};
  parallelFor(16, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i)
      parallelFor(100, 1, [&](std::size_t b2, std::size_t e2) { total.fetch_add(e2 - b2); });
  });
  CHECK(total.load() == 1600);
}

TEST(set_threads_while_running) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      while (!stop.load()) {
        if (!coversOnce(3000, 5)) bad.fetch_add(1);
      }
    });
  for (std::size_t n : {1, 4, 2, 8, 1, 3, 2}) {
    gsparse::setThreads(n);
    CHECK(gsparse::threads() == n);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& c : callers) c.join();
  CHECK(bad.load() == 0);
  bool threw = false;
  try {
    gsparse::setThreads(0);
  } catch (const gsparse::Error& e) {
    threw = e.code() == gsparse::ErrorCode::Range;
  }
  CHECK(threw);
}

TEST_MAIN()

// Minimal test harness for the native tests (no Node, no dependencies): TEST cases register
// themselves, CHECK records failures, main() runs all and prints "N passed, N failed".
#pragma once
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "gsparse/errors.h"

namespace gstest {

struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
// Atomic: CHECKs may run on several threads at once (test_cuda's concurrency tests).
inline std::atomic<int>& failures() {
  static std::atomic<int> n{0};
  return n;
}
struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

inline void report(const char* file, int line, const std::string& what) {
  ++failures();
  std::fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, what.c_str());
}

inline int runAll() {
  int passed = 0, failed = 0;
  for (const auto& c : registry()) {
    int before = failures();
    try {
      c.fn();
    } catch (const std::exception& e) {
      report(c.name, 0, std::string("unexpected exception: ") + e.what());
    }
    if (failures() == before) {
      ++passed;
      std::printf("ok   %s\n", c.name);
    } else {
      ++failed;
      std::printf("FAIL %s\n", c.name);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace gstest

#define GS_CAT2(a, b) a##b
#define GS_CAT(a, b) GS_CAT2(a, b)
#define TEST(name)                                                      \
  static void name();                                                   \
  static gstest::Register GS_CAT(reg_, name)(#name, name);              \
  static void name()

#define CHECK(cond) \
  do { if (!(cond)) gstest::report(__FILE__, __LINE__, #cond); } while (0)

#define CHECK_MSG(cond, msg) \
  do { if (!(cond)) gstest::report(__FILE__, __LINE__, std::string(#cond) + ": " + (msg)); } while (0)

// Expects expr to throw gsparse::Error with the given ErrorCode.
#define CHECK_THROWS_CODE(expr, expected)                                                         \
  do {                                                                                            \
    bool threw_ = false;                                                                          \
    try { (void)(expr); } catch (const gsparse::Error& e_) {                                      \
      threw_ = true;                                                                              \
      if (e_.code() != (expected)) gstest::report(__FILE__, __LINE__, std::string("wrong code: ") + e_.what()); \
    } catch (const std::exception& e_) {                                                          \
      threw_ = true;                                                                              \
      gstest::report(__FILE__, __LINE__, std::string("foreign exception: ") + e_.what());        \
    }                                                                                             \
    if (!threw_) gstest::report(__FILE__, __LINE__, std::string("no throw: ") + #expr);           \
  } while (0)

#define TEST_MAIN() \
  int main() { return gstest::runAll(); }

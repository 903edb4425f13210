// alignedAllocate (gsparse/storage.h): aligned memory, with huge pages for large arrays on Linux.
#include <cstdlib>
#include <new>

#include "gsparse/storage.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace gsparse {

void* alignedAllocate(std::size_t bytes) {
  constexpr std::size_t kLine = 64, kHuge = std::size_t{2} << 20;
  const bool huge = bytes >= kHuge;
  const std::size_t unit = huge ? kHuge : kLine;
  if (bytes > SIZE_MAX - unit) throw std::bad_alloc();
  const std::size_t size = bytes == 0 ? kLine : (bytes + unit - 1) / unit * unit;
  void* p = std::aligned_alloc(unit, size);
  if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Measured (microbench, 4096x4096, 2 threads, medians of 6 interleaved runs): 2:4 batch 64 8.11 ->
  // 7.20 ms, with W evicted from the caches 10.47 -> 9.74; csr batch 64 2.75 -> 2.24. A hint: the
  // kernel may ignore it (THP off), and the pages then stay 4 KiB.
  if (huge) madvise(p, size, MADV_HUGEPAGE);
#endif
  return p;
}

}  // namespace gsparse

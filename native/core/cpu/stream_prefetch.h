// Software prefetch for the batch-1 kernels' weight streams (values and indices, read once per
// call). When W is not in cache, the hardware prefetchers alone leave these kernels far below the
// memory bound (they restart at every 4 KiB page; dense GEMV has 4 row streams, a sparse row 2).
// For the ISA files only (anonymous namespace: each keeps its own copy).
#pragma once
#include <xmmintrin.h>

#include <cstddef>

namespace gsparse {
namespace cpu {
namespace {

// Elements ahead of the one being read. Measured on CSR 4096x4096 90% batch 1 with W evicted from
// every cache before each call (microbench, GSPARSE_BENCH_COLD=1): no prefetch 1.44-1.73 ms, 256
// ahead 0.83-1.14, 512 0.75-0.97, 1024 0.69-0.81; cache-warm calls unchanged (0.25-0.42).
constexpr std::size_t kPrefetchElems = 1024;

// Prefetches the line kPrefetchElems elements past p (a prefetch past the end of an array is harmless).
template <class T>
inline void prefetchAhead(const T* p) {
  _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchElems), _MM_HINT_T0);
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse

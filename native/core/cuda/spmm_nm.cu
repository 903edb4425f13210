// N:M Y = X W^T on the GPU: every row stores n values per group of m columns (index = offset in the
// group), so rows are equal-length and need no pointer array. One warp per row.
//   batch 1: lanes stride over the row's values (coalesced), x gathered through the read-only cache.
//   batch > 1: X^T / Y^T layout; 32 (value, column) pairs per coalesced step, broadcast by shuffles,
//            lane t owns VEC consecutive batch columns (float4 loads of X^T when VEC = 4).
// A slot naming a column past the matrix is never multiplied (not even by 0: X may hold Inf/NaN).
// Valid data has none (padding slots of a partial last group point at its first column, which the
// CPU multiplies too); the mask keeps a bad column from reading out of bounds.
#include "cuda_device.cuh"

namespace gsparse {
namespace cuda {

namespace {

template <class V>
__global__ void __launch_bounds__(kRowSplitWarps * 32)
    nmVecKernel(const V* __restrict__ val, const uint8_t* __restrict__ idx, uint32_t rows, uint32_t cols, uint32_t n,
                uint32_t m, uint32_t perRow, const float* __restrict__ x, float* __restrict__ y, Epi epi) {
  const std::size_t row = gridWarp();
  if (row >= rows) return;
  const unsigned lane = threadIdx.x & 31u;
  const std::size_t base = row * perRow;
  float sum = 0.0f;
  for (uint32_t k = lane; k < perRow; k += 32u) {
    const uint32_t c = (k / n) * m + __ldg(idx + base + k);
    if (c < cols) sum = fmaf(loadW(val, base + k), __ldg(x + c), sum);
  }
  sum = warpSum(sum);
  if (lane == 0) y[row] = applyEpi(epi, sum, row);
}

template <class V, int VEC>
__global__ void __launch_bounds__(kRowSplitWarps * 32)
    nmSpmmKernel(const V* __restrict__ val, const uint8_t* __restrict__ idx, uint32_t rows, uint32_t cols, uint32_t n,
                 uint32_t m, uint32_t perRow, const float* __restrict__ xt, float* __restrict__ yt, std::size_t ld,
                 Epi epi) {
  const std::size_t row = gridWarp();
  if (row >= rows) return;
  const unsigned lane = threadIdx.x & 31u;
  const std::size_t base = row * perRow;
  forEachBatchTile<VEC>(ld, lane, [&](std::size_t b) {
    float acc[VEC] = {};
    for (uint32_t k0 = 0; k0 < perRow; k0 += 32u) {
      const uint32_t k = k0 + lane;
      uint32_t c = kNoCol;
      float v = 0.0f;
      if (k < perRow) {
        c = (k / n) * m + __ldg(idx + base + k);
        v = loadW(val, base + k);
        if (c >= cols) c = kNoCol;  // past the last column: never read (0 x Inf would be NaN)
      }
      const unsigned cnt = min(32u, perRow - k0);
      for (unsigned i = 0; i < cnt; ++i) {
        const float vi = __shfl_sync(kFullMask, v, i);
        const uint32_t ci = __shfl_sync(kFullMask, c, i);
        if (ci == kNoCol) continue;  // the same for the whole warp (broadcast)
        XVec<VEC>::fma(xt + static_cast<std::size_t>(ci) * ld + b, vi, acc);
      }
    }
#pragma unroll
    for (int q = 0; q < VEC; ++q) yt[row * ld + b + q] = applyEpi(epi, acc[q], row);
  });
}

// The N:M kernels for one value type (indices are 1-byte offsets); perRow values per row.
template <class V>
void launchTyped(const V* val, const uint8_t* idx, const cpu::PackedView& w, uint32_t perRow, const Call& c,
                 cudaStream_t stream) {
  const uint32_t rows = static_cast<uint32_t>(w.rows), cols = static_cast<uint32_t>(w.cols);
  launchRowSplit("nm kernel", rows, c, stream, nmVecKernel<V>, nmSpmmKernel<V, 4>, nmSpmmKernel<V, 1>, val, idx, rows,
                 cols, w.n, w.m, perRow);
}

}  // namespace

void launchSpmmNM(const cpu::PackedView& w, const Call& c, cudaStream_t stream) {
  if (w.indexWidth != 1) fail(ErrorCode::Internal, "spmmNM: expected 1-byte indices");
  const uint32_t perRow = static_cast<uint32_t>(w.groups) * w.n;  // n values per group of m columns
  withDeviceTypes<1>(w, [&](auto val, const uint8_t* idx) { launchTyped(val, idx, w, perRow, c, stream); });
}

}  // namespace cuda
}  // namespace gsparse

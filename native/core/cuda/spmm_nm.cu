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

constexpr unsigned kWarpsPerBlock = 8;

template <class V>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    nmVecKernel(const V* __restrict__ val, const uint8_t* __restrict__ idx, uint32_t rows, uint32_t cols, uint32_t n,
                uint32_t m, uint32_t perRow, const float* __restrict__ x, float* __restrict__ y, Epi epi) {
  const std::size_t row = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
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
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    nmSpmmKernel(const V* __restrict__ val, const uint8_t* __restrict__ idx, uint32_t rows, uint32_t cols, uint32_t n,
                 uint32_t m, uint32_t perRow, const float* __restrict__ xt, float* __restrict__ yt, std::size_t ld,
                 Epi epi) {
  const std::size_t row = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (row >= rows) return;
  const unsigned lane = threadIdx.x & 31u;
  const std::size_t base = row * perRow;
  const std::size_t tiles = ld / (32 * VEC);
  for (std::size_t t = blockIdx.y; t < tiles; t += gridDim.y) {
    const std::size_t b = t * 32 * VEC + lane * VEC;
    float acc[VEC];
#pragma unroll
    for (int q = 0; q < VEC; ++q) acc[q] = 0.0f;
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
        const float* p = xt + static_cast<std::size_t>(ci) * ld + b;
        if constexpr (VEC == 4) {
          const float4 xv = __ldg(reinterpret_cast<const float4*>(p));
          acc[0] = fmaf(vi, xv.x, acc[0]), acc[1] = fmaf(vi, xv.y, acc[1]);
          acc[2] = fmaf(vi, xv.z, acc[2]), acc[3] = fmaf(vi, xv.w, acc[3]);
        } else {
          acc[0] = fmaf(vi, __ldg(p), acc[0]);
        }
      }
    }
#pragma unroll
    for (int q = 0; q < VEC; ++q) yt[row * ld + b + q] = applyEpi(epi, acc[q], row);
  }
}

template <class V>
void launchTyped(const RowArgs& a, cudaStream_t stream) {
  const V* val = static_cast<const V*>(a.values);
  const uint8_t* idx = static_cast<const uint8_t*>(a.indices);
  const uint32_t perRow = (a.cols + a.m - 1) / a.m * a.n;
  const dim3 block(kWarpsPerBlock * 32);
  const unsigned blocks = ceilDiv(a.rows, kWarpsPerBlock);
  if (a.batch == 1) {
    nmVecKernel<V><<<blocks, block, 0, stream>>>(val, idx, a.rows, a.cols, a.n, a.m, perRow, a.x, a.y, a.epi);
  } else if (a.ld % 128 == 0 && a.batch > 32) {
    const dim3 grid(blocks, static_cast<unsigned>(std::min<std::size_t>(a.ld / 128, 65535)));
    nmSpmmKernel<V, 4><<<grid, block, 0, stream>>>(val, idx, a.rows, a.cols, a.n, a.m, perRow, a.x, a.y, a.ld, a.epi);
  } else {
    const dim3 grid(blocks, static_cast<unsigned>(std::min<std::size_t>(a.ld / 32, 65535)));
    nmSpmmKernel<V, 1><<<grid, block, 0, stream>>>(val, idx, a.rows, a.cols, a.n, a.m, perRow, a.x, a.y, a.ld, a.epi);
  }
  GS_CUDA_LAUNCH_CHECK("nm kernel");
}

}  // namespace

void launchSpmmNM(const RowArgs& a, cudaStream_t stream) {
  if (a.batch == 0 || a.rows == 0) return;
  if (a.indexWidth != 1) fail(ErrorCode::Internal, "spmmNM: expected 1-byte indices");
  if (a.f16) launchTyped<__half>(a, stream);
  else launchTyped<float>(a, stream);
}

}  // namespace cuda
}  // namespace gsparse

// Block (BSR, R x C blocks, values row-major inside a block) Y = X W^T on the GPU. One warp per
// (block row, chunk of up to 4 rows of it): the warp walks the block row's blocks flattened to
// (block, column-in-block) elements, each lane loading one element's column and the values of the
// chunk's rows, so every x (or X^T row) loaded serves up to 4 output rows (4x1 blocks: all of them).
//   batch 1: lane-wise partial sums, warp-summed per row.
//   batch > 1: X^T / Y^T layout; 32 elements per step broadcast by shuffles, lane t owns VEC
//            consecutive batch columns.
// Edge blocks hold zeros past the matrix; their columns past `cols` are skipped (never 0 x X, which is
// NaN for an Inf in X; the CPU reads zero padding there), rows past `rows` not stored.
#include "cuda_device.cuh"

namespace gsparse {
namespace cuda {

namespace {

constexpr unsigned kWarpsPerBlock = 8;
constexpr unsigned kRowChunk = 4;

struct BlockGeom {
  uint32_t rows, cols, R, C, chunks;  // chunks = ceil(R / 4)
  std::size_t blockRowCount;
};

// Loads element e of the warp's block row: its column (kNoCol past the matrix: an edge block's zero
// padding, never multiplied since X may hold Inf/NaN) and up to 4 row values.
template <class V, class I>
__device__ __forceinline__ uint32_t loadElement(const V* val, const I* idx, const BlockGeom& g, uint32_t kStart,
                                                uint32_t e, uint32_t i0, float v[kRowChunk]) {
  const uint32_t kk = e / g.C, c = e - kk * g.C, k = kStart + kk;
  const uint32_t col = static_cast<uint32_t>(idx[k]) * g.C + c;
  const std::size_t base = static_cast<std::size_t>(k) * g.R * g.C + static_cast<std::size_t>(i0) * g.C + c;
#pragma unroll
  for (unsigned i = 0; i < kRowChunk; ++i)
    v[i] = (i0 + i < g.R && col < g.cols) ? loadW(val, base + static_cast<std::size_t>(i) * g.C) : 0.0f;
  return col < g.cols ? col : kNoCol;
}

template <class V, class I>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    blockVecKernel(const V* __restrict__ val, const I* __restrict__ idx, const uint32_t* __restrict__ ptr, BlockGeom g,
                   const float* __restrict__ x, float* __restrict__ y, Epi epi) {
  const std::size_t w = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (w >= g.blockRowCount * g.chunks) return;
  const unsigned lane = threadIdx.x & 31u;
  const std::size_t br = w / g.chunks;
  const uint32_t i0 = static_cast<uint32_t>(w % g.chunks) * kRowChunk;
  const uint32_t kStart = __ldg(ptr + br), elems = (__ldg(ptr + br + 1) - kStart) * g.C;
  float acc[kRowChunk] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (uint32_t e = lane; e < elems; e += 32u) {
    float v[kRowChunk];
    const uint32_t col = loadElement(val, idx, g, kStart, e, i0, v);
    if (col == kNoCol) continue;
    const float xv = __ldg(x + col);
#pragma unroll
    for (unsigned i = 0; i < kRowChunk; ++i) acc[i] = fmaf(v[i], xv, acc[i]);
  }
#pragma unroll
  for (unsigned i = 0; i < kRowChunk; ++i) {
    const float s = warpSum(acc[i]);
    const std::size_t row = br * g.R + i0 + i;
    if (lane == 0 && i0 + i < g.R && row < g.rows) y[row] = applyEpi(epi, s, row);
  }
}

template <class V, class I, int VEC>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    blockSpmmKernel(const V* __restrict__ val, const I* __restrict__ idx, const uint32_t* __restrict__ ptr, BlockGeom g,
                    const float* __restrict__ xt, float* __restrict__ yt, std::size_t ld, Epi epi) {
  const std::size_t w = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  if (w >= g.blockRowCount * g.chunks) return;
  const unsigned lane = threadIdx.x & 31u;
  const std::size_t br = w / g.chunks;
  const uint32_t i0 = static_cast<uint32_t>(w % g.chunks) * kRowChunk;
  const uint32_t kStart = __ldg(ptr + br), elems = (__ldg(ptr + br + 1) - kStart) * g.C;
  const std::size_t tiles = ld / (32 * VEC);
  for (std::size_t t = blockIdx.y; t < tiles; t += gridDim.y) {
    const std::size_t b = t * 32 * VEC + lane * VEC;
    float acc[kRowChunk][VEC];
#pragma unroll
    for (unsigned i = 0; i < kRowChunk; ++i)
#pragma unroll
      for (int q = 0; q < VEC; ++q) acc[i][q] = 0.0f;
    for (uint32_t e0 = 0; e0 < elems; e0 += 32u) {
      float v[kRowChunk] = {0.0f, 0.0f, 0.0f, 0.0f};
      uint32_t col = kNoCol;
      if (e0 + lane < elems) col = loadElement(val, idx, g, kStart, e0 + lane, i0, v);
      const unsigned cnt = min(32u, elems - e0);
      for (unsigned j = 0; j < cnt; ++j) {
        const uint32_t cj = __shfl_sync(kFullMask, col, j);
        if (cj == kNoCol) continue;  // the same for the whole warp (broadcast)
        float vj[kRowChunk];
#pragma unroll
        for (unsigned i = 0; i < kRowChunk; ++i) vj[i] = __shfl_sync(kFullMask, v[i], j);
        const float* p = xt + static_cast<std::size_t>(cj) * ld + b;
        float xv[VEC];
        if constexpr (VEC == 4) {
          const float4 x4 = __ldg(reinterpret_cast<const float4*>(p));
          xv[0] = x4.x, xv[1] = x4.y, xv[2] = x4.z, xv[3] = x4.w;
        } else {
          xv[0] = __ldg(p);
        }
#pragma unroll
        for (unsigned i = 0; i < kRowChunk; ++i)
#pragma unroll
          for (int q = 0; q < VEC; ++q) acc[i][q] = fmaf(vj[i], xv[q], acc[i][q]);
      }
    }
#pragma unroll
    for (unsigned i = 0; i < kRowChunk; ++i) {
      const std::size_t row = br * g.R + i0 + i;
      if (i0 + i < g.R && row < g.rows)
#pragma unroll
        for (int q = 0; q < VEC; ++q) yt[row * ld + b + q] = applyEpi(epi, acc[i][q], row);
    }
  }
}

template <class V, class I>
void launchTyped(const RowArgs& a, cudaStream_t stream) {
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);
  BlockGeom g{};
  g.rows = a.rows, g.cols = a.cols, g.R = a.blockRows, g.C = a.blockCols;
  g.chunks = (g.R + kRowChunk - 1) / kRowChunk;
  g.blockRowCount = (static_cast<std::size_t>(a.rows) + g.R - 1) / g.R;
  const std::size_t warps = g.blockRowCount * g.chunks;
  if (warps / kWarpsPerBlock >= 0x7fffffffu) fail(ErrorCode::Range, "block: too many rows for the CUDA kernel");
  const dim3 block(kWarpsPerBlock * 32);
  const unsigned blocks = ceilDiv(warps, kWarpsPerBlock);
  if (a.batch == 1) {
    blockVecKernel<V, I><<<blocks, block, 0, stream>>>(val, idx, a.ptr, g, a.x, a.y, a.epi);
  } else if (a.ld % 128 == 0 && a.batch > 32) {
    const dim3 grid(blocks, static_cast<unsigned>(std::min<std::size_t>(a.ld / 128, 65535)));
    blockSpmmKernel<V, I, 4><<<grid, block, 0, stream>>>(val, idx, a.ptr, g, a.x, a.y, a.ld, a.epi);
  } else {
    const dim3 grid(blocks, static_cast<unsigned>(std::min<std::size_t>(a.ld / 32, 65535)));
    blockSpmmKernel<V, I, 1><<<grid, block, 0, stream>>>(val, idx, a.ptr, g, a.x, a.y, a.ld, a.epi);
  }
  GS_CUDA_LAUNCH_CHECK("block kernel");
}

}  // namespace

void launchSpmmBlock(const RowArgs& a, cudaStream_t stream) {
  if (a.batch == 0 || a.rows == 0) return;
  if (a.f16) {
    if (a.indexWidth == 2) launchTyped<__half, uint16_t>(a, stream);
    else launchTyped<__half, uint32_t>(a, stream);
  } else {
    if (a.indexWidth == 2) launchTyped<float, uint16_t>(a, stream);
    else launchTyped<float, uint32_t>(a, stream);
  }
}

}  // namespace cuda
}  // namespace gsparse

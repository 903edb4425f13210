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

constexpr unsigned kRowChunk = 4;

struct BlockGeom {
  uint32_t rows, cols, R, C, chunks;  // chunks = ceil(R / 4)
  std::size_t blockRowCount;
};

// One warp's share: rows [i0, i0 + 4) of block row br (clipped to R), whose blocks start at kStart
// and hold elems (block, column-in-block) elements in all.
struct Chunk {
  std::size_t br;
  uint32_t i0, kStart, elems;
};

// The chunk of this warp: chunk gridWarp() of the matrix, block row by block row (the warp must
// have one: gridWarp() < blockRowCount * chunks).
__device__ __forceinline__ Chunk warpChunk(const uint32_t* ptr, const BlockGeom& g) {
  const std::size_t w = gridWarp();
  Chunk ch;
  ch.br = w / g.chunks;
  ch.i0 = static_cast<uint32_t>(w % g.chunks) * kRowChunk;
  ch.kStart = __ldg(ptr + ch.br);
  ch.elems = (__ldg(ptr + ch.br + 1) - ch.kStart) * g.C;
  return ch;
}

// Loads element e of the chunk: its column (kNoCol past the matrix: an edge block's zero padding,
// never multiplied since X may hold Inf/NaN) and the values of the chunk's (up to 4) rows.
template <class V, class I>
__device__ __forceinline__ uint32_t loadElement(const V* val, const I* idx, const BlockGeom& g, const Chunk& ch,
                                                uint32_t e, float v[kRowChunk]) {
  const uint32_t kk = e / g.C, c = e - kk * g.C, k = ch.kStart + kk;
  const uint32_t col = static_cast<uint32_t>(idx[k]) * g.C + c;
  const std::size_t base = static_cast<std::size_t>(k) * g.R * g.C + static_cast<std::size_t>(ch.i0) * g.C + c;
#pragma unroll
  for (unsigned i = 0; i < kRowChunk; ++i)
    v[i] = (ch.i0 + i < g.R && col < g.cols) ? loadW(val, base + static_cast<std::size_t>(i) * g.C) : 0.0f;
  return col < g.cols ? col : kNoCol;
}

template <class V, class I>
__global__ void __launch_bounds__(kRowSplitWarps * 32)
    blockVecKernel(const V* __restrict__ val, const I* __restrict__ idx, const uint32_t* __restrict__ ptr, BlockGeom g,
                   const float* __restrict__ x, float* __restrict__ y, Epi epi) {
  if (gridWarp() >= g.blockRowCount * g.chunks) return;  // past the last chunk
  const unsigned lane = threadIdx.x & 31u;
  const Chunk ch = warpChunk(ptr, g);
  float acc[kRowChunk] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (uint32_t e = lane; e < ch.elems; e += 32u) {
    float v[kRowChunk];
    const uint32_t col = loadElement(val, idx, g, ch, e, v);
    if (col == kNoCol) continue;
    const float xv = __ldg(x + col);
#pragma unroll
    for (unsigned i = 0; i < kRowChunk; ++i) acc[i] = fmaf(v[i], xv, acc[i]);
  }
#pragma unroll
  for (unsigned i = 0; i < kRowChunk; ++i) {
    const float s = warpSum(acc[i]);
    const std::size_t row = ch.br * g.R + ch.i0 + i;
    if (lane == 0 && ch.i0 + i < g.R && row < g.rows) y[row] = applyEpi(epi, s, row);
  }
}

template <class V, class I, int VEC>
__global__ void __launch_bounds__(kRowSplitWarps * 32)
    blockSpmmKernel(const V* __restrict__ val, const I* __restrict__ idx, const uint32_t* __restrict__ ptr, BlockGeom g,
                    const float* __restrict__ xt, float* __restrict__ yt, std::size_t ld, Epi epi) {
  if (gridWarp() >= g.blockRowCount * g.chunks) return;  // past the last chunk
  const unsigned lane = threadIdx.x & 31u;
  const Chunk ch = warpChunk(ptr, g);
  forEachBatchTile<VEC>(ld, lane, [&](std::size_t b) {
    float acc[kRowChunk][VEC] = {};
    for (uint32_t e0 = 0; e0 < ch.elems; e0 += 32u) {
      float v[kRowChunk] = {0.0f, 0.0f, 0.0f, 0.0f};
      uint32_t col = kNoCol;
      if (e0 + lane < ch.elems) col = loadElement(val, idx, g, ch, e0 + lane, v);
      const unsigned cnt = min(32u, ch.elems - e0);
      for (unsigned j = 0; j < cnt; ++j) {
        const uint32_t cj = __shfl_sync(kFullMask, col, j);
        if (cj == kNoCol) continue;  // the same for the whole warp (broadcast)
        float vj[kRowChunk];
#pragma unroll
        for (unsigned i = 0; i < kRowChunk; ++i) vj[i] = __shfl_sync(kFullMask, v[i], j);
        float xv[VEC];
        XVec<VEC>::load(xt + static_cast<std::size_t>(cj) * ld + b, xv);
#pragma unroll
        for (unsigned i = 0; i < kRowChunk; ++i)
#pragma unroll
          for (int q = 0; q < VEC; ++q) acc[i][q] = fmaf(vj[i], xv[q], acc[i][q]);
      }
    }
#pragma unroll
    for (unsigned i = 0; i < kRowChunk; ++i) {
      const std::size_t row = ch.br * g.R + ch.i0 + i;
      if (ch.i0 + i < g.R && row < g.rows)
#pragma unroll
        for (int q = 0; q < VEC; ++q) yt[row * ld + b + q] = applyEpi(epi, acc[i][q], row);
    }
  });
}

// The block kernels for one (value, index) type pair, over `warps` warps (one per chunk).
template <class V, class I>
void launchTyped(const V* val, const I* idx, const uint32_t* ptr, const BlockGeom& g, std::size_t warps, const Call& c,
                 cudaStream_t stream) {
  launchRowSplit("block kernel", warps, c, stream, blockVecKernel<V, I>, blockSpmmKernel<V, I, 4>,
                 blockSpmmKernel<V, I, 1>, val, idx, ptr, g);
}

}  // namespace

void launchSpmmBlock(const cpu::PackedView& w, const Call& c, cudaStream_t stream) {
  BlockGeom g{};
  g.rows = static_cast<uint32_t>(w.rows), g.cols = static_cast<uint32_t>(w.cols), g.R = w.blockRows, g.C = w.blockCols;
  g.chunks = (g.R + kRowChunk - 1) / kRowChunk;
  g.blockRowCount = (static_cast<std::size_t>(g.rows) + g.R - 1) / g.R;
  const std::size_t warps = g.blockRowCount * g.chunks;
  if (warps / kRowSplitWarps >= 0x7fffffffu) fail(ErrorCode::Range, "block: too many rows for the CUDA kernel");
  withDeviceTypes<cpu::kWidths24>(w, [&](auto val, auto idx) { launchTyped(val, idx, w.ptr, g, warps, c, stream); });
}

}  // namespace cuda
}  // namespace gsparse

// Helpers shared by the kernels and their launchers: the dtype x index-width switch, weight loads
// (fp16 converted in registers), the fused epilogue (the same function as the CPU's
// cpu/epilogue.h), warp indexing and reductions, and the row-split kernels' X^T batch tiles and
// launch.
#pragma once
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda_internal.h"

namespace gsparse {
namespace cuda {

constexpr unsigned kFullMask = 0xffffffffu;
// Column of a lane that must not be multiplied (padding past the matrix): the kernels skip it.
constexpr uint32_t kNoCol = 0xffffffffu;

__device__ __forceinline__ float loadW(const float* v, std::size_t i) { return __ldg(v + i); }
__device__ __forceinline__ float loadW(const __half* v, std::size_t i) { return __half2float(v[i]); }

// y = act(acc + bias[row]); GELU is the exact erf form; ReLU lets NaN through (as the CPU does).
__device__ __forceinline__ float applyEpi(const Epi& e, float acc, std::size_t row) {
  float v = e.bias ? acc + __ldg(e.bias + row) : acc;
  switch (e.act) {
    case Activation::Relu: return v > 0.0f ? v : (v == v ? 0.0f : v);
    case Activation::Gelu: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case Activation::None: break;
  }
  return v;
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

inline unsigned ceilDiv(std::size_t a, std::size_t b) { return static_cast<unsigned>((a + b - 1) / b); }

// fp16 weights as the kernels read them: the view's uint16_t bits are __half.
inline const float* deviceValues(const float* v) { return v; }
inline const __half* deviceValues(const uint16_t* v) { return reinterpret_cast<const __half*>(v); }

// The dtype x index-width switch of every launcher: the CPU kernels' one switch (cpu::withTypes on
// the same PackedView), with fp16 values as __half. Calls f(const V* values, const I* indices) with V
// float or __half and I the index type of w.indexWidth among Widths.
template <unsigned Widths, class F>
void withDeviceTypes(const cpu::PackedView& w, F&& f) {
  cpu::withTypes<Widths>(w, [&](auto values, auto indices) { f(deviceValues(values), indices); });
}

// ---- row-split kernels (CSR, N:M, block): one warp per row (or row chunk), 8 warps per block ----

constexpr unsigned kRowSplitWarps = 8;

// The warp of this thread, counted over the grid's x dimension.
__device__ __forceinline__ std::size_t gridWarp() {
  return (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
}

// The lane's VEC consecutive batch columns of an X^T / Y^T row (one float4 when VEC = 4: p 16-byte
// aligned): acc[q] += v * p[q] (fma), xv[q] = p[q] (load), p[q] = acc[q] (store).
template <int VEC>
struct XVec;
template <>
struct XVec<1> {
  __device__ static void fma(const float* p, float v, float acc[1]) { acc[0] = fmaf(v, __ldg(p), acc[0]); }
  __device__ static void load(const float* p, float xv[1]) { xv[0] = __ldg(p); }
  __device__ static void store(float* p, const float acc[1]) { *p = acc[0]; }
};
template <>
struct XVec<4> {
  __device__ static void fma(const float* p, float v, float acc[4]) {
    const float4 xv = __ldg(reinterpret_cast<const float4*>(p));
    acc[0] = fmaf(v, xv.x, acc[0]), acc[1] = fmaf(v, xv.y, acc[1]), acc[2] = fmaf(v, xv.z, acc[2]),
    acc[3] = fmaf(v, xv.w, acc[3]);
  }
  __device__ static void load(const float* p, float xv[4]) {
    const float4 v = __ldg(reinterpret_cast<const float4*>(p));
    xv[0] = v.x, xv[1] = v.y, xv[2] = v.z, xv[3] = v.w;
  }
  __device__ static void store(float* p, const float acc[4]) {
    *reinterpret_cast<float4*>(p) = make_float4(acc[0], acc[1], acc[2], acc[3]);
  }
};

// Batch > 1: calls f(b) for each 32*VEC-wide batch tile of X^T / Y^T [..][ld] this block runs (its
// blockIdx.y, strided by gridDim.y), b = the first of the VEC consecutive columns `lane` owns in it.
template <int VEC, class F>
__device__ __forceinline__ void forEachBatchTile(std::size_t ld, unsigned lane, F&& f) {
  const std::size_t tiles = ld / (32 * VEC);
  for (std::size_t t = blockIdx.y; t < tiles; t += gridDim.y) f(t * 32 * VEC + lane * VEC);
}

// Launches one row-split kernel family over `warps` warps (nothing when there are none or batch is
// 0): vec at batch 1, else batched4 (VEC = 4, float4 per lane) when ld is a multiple of 128 and
// batch > 32, else batched1 (VEC = 1); the grid's y dimension runs the batch tiles. Every such kernel
// takes its weight arguments first, then (x, y, epi) or (xt, yt, ld, epi). `name` names the family
// in a launch error.
template <class Vec, class Batched, class... Weights>
void launchRowSplit(const char* name, std::size_t warps, const Call& c, cudaStream_t stream, Vec vec, Batched batched4,
                    Batched batched1, const Weights&... weights) {
  if (c.batch == 0 || warps == 0) return;
  const dim3 block(kRowSplitWarps * 32);
  const unsigned blocks = ceilDiv(warps, kRowSplitWarps);
  if (c.batch == 1) {
    vec<<<blocks, block, 0, stream>>>(weights..., c.x, c.y, c.epi);
  } else if (c.ld % 128 == 0 && c.batch > 32) {
    const dim3 grid(blocks, static_cast<unsigned>(std::min<std::size_t>(c.ld / 128, 65535)));
    batched4<<<grid, block, 0, stream>>>(weights..., c.x, c.y, c.ld, c.epi);
  } else {
    const dim3 grid(blocks, static_cast<unsigned>(std::min<std::size_t>(c.ld / 32, 65535)));
    batched1<<<grid, block, 0, stream>>>(weights..., c.x, c.y, c.ld, c.epi);
  }
  GS_CUDA_LAUNCH_CHECK(name);
}

}  // namespace cuda
}  // namespace gsparse

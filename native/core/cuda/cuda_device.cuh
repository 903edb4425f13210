// Device-side helpers shared by the kernels: weight loads (fp16 converted in registers), the fused
// epilogue (the same function as the CPU's cpu/epilogue.h), warp reductions.
#pragma once
#include <cuda_fp16.h>
#include <cuda_runtime.h>

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

}  // namespace cuda
}  // namespace gsparse

// CSR Y = X W^T on the GPU, row-split: one warp per row.
//   batch 1: the warp walks the row 4 nonzeros per lane at a time with vector loads (float4 / 4 halves
//            for values, 4 indices in one 8- or 16-byte load) from a 4-aligned start, masking the
//            elements outside the row; x is gathered through the read-only cache; warp-sum; epilogue.
//   batch > 1: X^T / Y^T layout (the dispatcher transposes). The warp loads 32 (value, column) pairs
//            in one coalesced step and broadcasts them with shuffles; lane t owns batch columns
//            [VEC*t, VEC*t + VEC) of a 32*VEC-wide batch tile, so each X^T load is contiguous across
//            the warp (float4 per lane when VEC = 4).
#include "cuda_device.cuh"

namespace gsparse {
namespace cuda {

namespace {

template <class I>
struct Idx4;
template <>
struct Idx4<uint16_t> {
  __device__ static void load(const uint16_t* p, uint32_t out[4]) {
    const uint2 v = *reinterpret_cast<const uint2*>(p);
    out[0] = v.x & 0xffffu, out[1] = v.x >> 16, out[2] = v.y & 0xffffu, out[3] = v.y >> 16;
  }
};
template <>
struct Idx4<uint32_t> {
  __device__ static void load(const uint32_t* p, uint32_t out[4]) {
    const uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
    out[0] = v.x, out[1] = v.y, out[2] = v.z, out[3] = v.w;
  }
};

__device__ __forceinline__ void loadVals4(const float* p, float out[4]) {
  const float4 v = __ldg(reinterpret_cast<const float4*>(p));
  out[0] = v.x, out[1] = v.y, out[2] = v.z, out[3] = v.w;
}
__device__ __forceinline__ void loadVals4(const __half* p, float out[4]) {
  const uint2 raw = *reinterpret_cast<const uint2*>(p);
  const float2 a = __half22float2(*reinterpret_cast<const __half2*>(&raw.x));
  const float2 b = __half22float2(*reinterpret_cast<const __half2*>(&raw.y));
  out[0] = a.x, out[1] = a.y, out[2] = b.x, out[3] = b.y;
}

template <class V, class I>
__global__ void __launch_bounds__(kRowSplitWarps * 32)
    csrVecKernel(const V* __restrict__ val, const I* __restrict__ idx, const uint32_t* __restrict__ ptr, uint32_t rows,
                 const float* __restrict__ x, float* __restrict__ y, Epi epi) {
  const std::size_t row = gridWarp();
  if (row >= rows) return;  // whole warps leave together
  const unsigned lane = threadIdx.x & 31u;
  const uint32_t start = __ldg(ptr + row), end = __ldg(ptr + row + 1);
  float sum = 0.0f;
  for (uint32_t base = (start & ~3u) + 4u * lane; base < end; base += 128u) {
    if (base >= start && base + 4u <= end) {
      float v[4];
      uint32_t c[4];
      loadVals4(val + base, v);
      Idx4<I>::load(idx + base, c);
#pragma unroll
      for (int q = 0; q < 4; ++q) sum = fmaf(v[q], __ldg(x + c[q]), sum);
    } else {
#pragma unroll
      for (uint32_t q = 0; q < 4; ++q) {
        const uint32_t k = base + q;
        if (k >= start && k < end) sum = fmaf(loadW(val, k), __ldg(x + idx[k]), sum);
      }
    }
  }
  sum = warpSum(sum);
  if (lane == 0) y[row] = applyEpi(epi, sum, row);
}

template <class V, class I, int VEC>
__global__ void __launch_bounds__(kRowSplitWarps * 32)
    csrSpmmKernel(const V* __restrict__ val, const I* __restrict__ idx, const uint32_t* __restrict__ ptr, uint32_t rows,
                  const float* __restrict__ xt, float* __restrict__ yt, std::size_t ld, Epi epi) {
  const std::size_t row = gridWarp();
  if (row >= rows) return;
  const unsigned lane = threadIdx.x & 31u;
  const uint32_t start = __ldg(ptr + row), end = __ldg(ptr + row + 1);
  forEachBatchTile<VEC>(ld, lane, [&](std::size_t b) {
    float acc[VEC] = {};
    for (uint32_t base = start; base < end; base += 32u) {
      const uint32_t k = base + lane;
      const float v = k < end ? loadW(val, k) : 0.0f;
      const uint32_t c = k < end ? static_cast<uint32_t>(idx[k]) : 0u;
      const unsigned n = min(32u, end - base);
      for (unsigned i = 0; i < n; ++i) {
        const float vi = __shfl_sync(kFullMask, v, i);
        const uint32_t ci = __shfl_sync(kFullMask, c, i);
        XVec<VEC>::fma(xt + static_cast<std::size_t>(ci) * ld + b, vi, acc);
      }
    }
#pragma unroll
    for (int q = 0; q < VEC; ++q) acc[q] = applyEpi(epi, acc[q], row);
    XVec<VEC>::store(yt + row * ld + b, acc);
  });
}

// The CSR kernels for one (value, index) type pair.
template <class V, class I>
void launchTyped(const V* val, const I* idx, const uint32_t* ptr, uint32_t rows, const Call& c, cudaStream_t stream) {
  launchRowSplit("csr kernel", rows, c, stream, csrVecKernel<V, I>, csrSpmmKernel<V, I, 4>, csrSpmmKernel<V, I, 1>, val,
                 idx, ptr, rows);
}

}  // namespace

std::size_t batchLd(std::size_t batch) { return batch > 32 ? 128 : 32; }

void launchSpmmCsr(const cpu::PackedView& w, const Call& c, cudaStream_t stream) {
  const uint32_t rows = static_cast<uint32_t>(w.rows);
  withDeviceTypes<cpu::kWidths24>(w, [&](auto val, auto idx) { launchTyped(val, idx, w.ptr, rows, c, stream); });
}

}  // namespace cuda
}  // namespace gsparse

// Small data-movement kernels around the matmul kernels: the X^T / Y^T transposes of the row-split
// kernels, the GEMM epilogue (bias + activation, and the channel format's row scatter), the
// fp16 -> fp32 conversion of dense weights at upload, and the probe that the binary has code for
// the device.
#include <algorithm>

#include "cuda_device.cuh"

namespace gsparse {
namespace cuda {

namespace {

constexpr unsigned kTile = 32, kTileRows = 8;

__global__ void __launch_bounds__(kTile * kTileRows)
    transposeKernel(const float* __restrict__ in, std::size_t inRows, std::size_t inCols, std::size_t ldIn,
                    float* __restrict__ out, std::size_t outCols, std::size_t ldOut) {
  __shared__ float tile[kTile][kTile + 1];
  const std::size_t c0 = static_cast<std::size_t>(blockIdx.x) * kTile;
  for (std::size_t r0 = static_cast<std::size_t>(blockIdx.y) * kTile; r0 < outCols;
       r0 += static_cast<std::size_t>(gridDim.y) * kTile) {
    const std::size_t c = c0 + threadIdx.x;
    for (unsigned i = threadIdx.y; i < kTile; i += kTileRows) {
      const std::size_t r = r0 + i;
      tile[i][threadIdx.x] = (r < inRows && c < inCols) ? in[r * ldIn + c] : 0.0f;
    }
    __syncthreads();
    for (unsigned i = threadIdx.y; i < kTile; i += kTileRows) {
      const std::size_t oc = c0 + i, orow = r0 + threadIdx.x;
      if (oc < inCols && orow < outCols) out[oc * ldOut + orow] = tile[threadIdx.x][i];
    }
    __syncthreads();
  }
}

__global__ void epilogueKernel(const float* c, std::size_t n, const int32_t* __restrict__ rowMap, float* y,
                               std::size_t rows, std::size_t total, Epi epi) {
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t b = i / rows, r = i - b * rows;
    float acc;
    if (rowMap) {
      const int32_t k = __ldg(rowMap + r);
      acc = k >= 0 ? c[b * n + static_cast<std::size_t>(k)] : 0.0f;
    } else {
      acc = c[i];  // n == rows; c may alias y (each element read, then written, by one thread)
    }
    y[i] = applyEpi(epi, acc, r);
  }
}

__global__ void halfToFloatKernel(const __half* __restrict__ in, float* __restrict__ out, std::size_t count) {
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = __half2float(in[i]);
}

unsigned gridFor(std::size_t total, unsigned threads) {
  return static_cast<unsigned>(std::min<std::size_t>((total + threads - 1) / threads, 65535u * 16u));
}

}  // namespace

void launchTranspose(const float* in, std::size_t inRows, std::size_t inCols, std::size_t ldIn, float* out,
                     std::size_t outCols, std::size_t ldOut, cudaStream_t stream) {
  if (inCols == 0 || outCols == 0) return;
  const std::size_t gx = (inCols + kTile - 1) / kTile;
  if (gx > 0x7fffffffu) fail(ErrorCode::Range, "transpose: matrix too large");
  const dim3 grid(static_cast<unsigned>(gx), static_cast<unsigned>(std::min<std::size_t>((outCols + kTile - 1) / kTile, 65535)));
  transposeKernel<<<grid, dim3(kTile, kTileRows), 0, stream>>>(in, inRows, inCols, ldIn, out, outCols, ldOut);
  GS_CUDA_LAUNCH_CHECK("transposeKernel");
}

void launchEpilogue(const float* c, std::size_t n, const int32_t* rowMap, float* y, std::size_t rows, std::size_t batch,
                    Epi epi, cudaStream_t stream) {
  const std::size_t total = rows * batch;
  if (total == 0) return;
  epilogueKernel<<<gridFor(total, 256), 256, 0, stream>>>(c, n, rowMap, y, rows, total, epi);
  GS_CUDA_LAUNCH_CHECK("epilogueKernel");
}

cudaError_t probeKernelImage() {
  cudaFuncAttributes attr{};
  return cudaFuncGetAttributes(&attr, halfToFloatKernel);
}

void launchHalfToFloat(const uint16_t* in, float* out, std::size_t count, cudaStream_t stream) {
  if (count == 0) return;
  halfToFloatKernel<<<gridFor(count, 256), 256, 0, stream>>>(reinterpret_cast<const __half*>(in), out, count);
  GS_CUDA_LAUNCH_CHECK("halfToFloatKernel");
}

}  // namespace cuda
}  // namespace gsparse

// GS Y = X W^T on the GPU (docs/gs.md, "How a kernel runs a pack").
//
// A block owns one batch tile of BT activation rows and a chunk of consecutive groups. It stages
// X[b0:b0+BT, k0:k0+kt] in shared memory as xs[j][c] (kt a multiple of 32), so the bank of xs[j][c]
// is c mod 32: with banks = 32 the 32 lanes of a pack sit in 32 distinct banks, and a warp's gather
// of one pack for one batch row is one conflict-free shared-memory load per lane. The block's warps
// split the group's packs (a warp takes whole packs, lane l = pack lane l), accumulate lane-wise in
// registers (fp16 weights converted in registers, fp32 accumulation; padding lanes, value 0, are
// skipped so a non-finite X never reaches a row through them), then
//   - reduce the E lanes of each row with warp shuffles (E > 1),
//   - sum the warps' partial row sums in shared memory,
//   - apply bias + activation and store row g*R + r (or rowIds[g*R + r] with permute).
// Other bank counts use the same kernel with "virtual" lanes: B < 32 runs 32/B packs per warp step
// (lanes of different packs that feed the same row are reduced by the same shuffles), B = 64 gives
// each lane two pack lanes (two accumulator slots). When X's rows do not fit in shared memory the
// columns are tiled (kt < cols): each tile re-reads the group's packs and lanes outside it are masked.
#include <algorithm>
#include <mutex>

#include "cuda_device.cuh"

namespace gsparse {
namespace cuda {

namespace {

constexpr unsigned kGsWarps = 16;
constexpr unsigned kGsThreads = kGsWarps * 32;

struct GsKernelArgs {
  const void* values;
  const void* indices;
  const uint32_t* ptr;
  const uint32_t* rowIds;
  uint32_t rows, cols, groups, banks, perRow;
  uint32_t groupsPerBlock;
  uint32_t kt;  // columns of X per shared-memory tile, a multiple of 32
  const float* x;
  float* y;
  std::size_t batch;
  Epi epi;
};

template <class V, class I, int BT, bool B32>
__global__ void __launch_bounds__(kGsThreads) spmmGsKernel(const GsKernelArgs a) {
  extern __shared__ float smem[];
  float* xs = smem;                                             // [BT][kt]
  float* red = smem + static_cast<std::size_t>(BT) * a.kt;      // [kGsWarps][BT][R]
  const V* val = static_cast<const V*>(a.values);
  const I* idx = static_cast<const I*>(a.indices);

  const unsigned B = B32 ? 32u : a.banks, E = a.perRow, R = B / E;
  const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  const unsigned lanesPerPack = B < 32u ? B : 32u;     // warp lanes one pack occupies
  const unsigned packsPerStep = 32u / lanesPerPack;    // packs a warp runs at once
  const unsigned slots = B > 32u ? 2u : 1u;            // pack lanes per warp lane
  const unsigned sub = lane / lanesPerPack, pl = lane % lanesPerPack;
  const bool mergeSlots = E > 32u;                     // B = E = 64: both slots feed row 0
  const unsigned usedSlots = mergeSlots ? 1u : slots;

  const std::size_t b0 = static_cast<std::size_t>(blockIdx.x) * BT;
  const unsigned nb = static_cast<unsigned>(min(static_cast<std::size_t>(BT), a.batch - b0));
  const uint32_t gBegin = blockIdx.y * a.groupsPerBlock;
  const uint32_t gEnd = min(a.groups, gBegin + a.groupsPerBlock);
  const bool oneTile = a.kt >= a.cols;

  auto stage = [&](uint32_t k0) {
    const uint32_t kw = min(a.kt, a.cols - k0);
#pragma unroll
    for (int j = 0; j < BT; ++j) {
      const float* xr = a.x + (b0 + j) * a.cols + k0;
      for (uint32_t c = threadIdx.x; c < a.kt; c += blockDim.x)
        xs[j * a.kt + c] = (static_cast<unsigned>(j) < nb && c < kw) ? __ldg(xr + c) : 0.0f;
    }
  };

  if (oneTile) {
    stage(0);
    __syncthreads();
  }
  for (uint32_t g = gBegin; g < gEnd; ++g) {
    float acc[2][BT];
#pragma unroll
    for (int s = 0; s < 2; ++s)
#pragma unroll
      for (int j = 0; j < BT; ++j) acc[s][j] = 0.0f;
    const uint32_t pBeg = __ldg(a.ptr + g), pEnd = __ldg(a.ptr + g + 1);

    for (uint32_t k0 = 0; k0 < a.cols; k0 += a.kt) {
      if (!oneTile) {
        __syncthreads();  // every warp is done with the previous tile
        stage(k0);
        __syncthreads();
      }
      const uint32_t kw = min(a.kt, a.cols - k0);
#pragma unroll 4
      for (uint32_t p = pBeg + warp * packsPerStep + sub; p < pEnd; p += kGsWarps * packsPerStep) {
#pragma unroll
        for (unsigned s = 0; s < 2; ++s) {
          if (s < slots) {
            const std::size_t e = static_cast<std::size_t>(p) * B + pl + 32u * s;
            const float v = loadW(val, e);
            const uint32_t c = static_cast<uint32_t>(__ldg(idx + e)) - k0;  // wraps when below the tile
            // Padding lanes (value 0) never read X, as on the CPU: 0 x Inf would make the row NaN.
            if ((oneTile || c < kw) && v != 0.0f) {
#pragma unroll
              for (int j = 0; j < BT; ++j) acc[s][j] = fmaf(v, xs[j * a.kt + c], acc[s][j]);
            }
          }
        }
      }
    }

    // Lanes feeding the same row: the E lanes of its segment (xor offsets below E) and, for B < 32,
    // the same pack lane of the other packs of the step (xor offsets of B and above).
    if (mergeSlots) {
#pragma unroll
      for (int j = 0; j < BT; ++j) acc[0][j] += acc[1][j];
    }
#pragma unroll
    for (unsigned s = 0; s < 2; ++s) {
      if (s >= usedSlots) continue;
#pragma unroll
      for (int j = 0; j < BT; ++j) {
        float v = acc[s][j];
#pragma unroll
        for (unsigned o = 1; o < 32u; o <<= 1)
          if (o < E || o >= lanesPerPack) v += __shfl_xor_sync(kFullMask, v, o);
        acc[s][j] = v;
      }
      const unsigned l = pl + 32u * s;  // pack lane this (lane, slot) holds
      if (sub == 0 && l % E == 0) {
        const unsigned r = l / E;
#pragma unroll
        for (int j = 0; j < BT; ++j) red[(warp * BT + j) * R + r] = acc[s][j];
      }
    }
    __syncthreads();
    for (uint32_t i = threadIdx.x; i < BT * R; i += blockDim.x) {
      const uint32_t j = i / R, r = i - j * R;
      if (j >= nb) continue;
      float sum = 0.0f;
#pragma unroll
      for (unsigned w = 0; w < kGsWarps; ++w) sum += red[(w * BT + j) * R + r];
      const std::size_t gr = static_cast<std::size_t>(g) * R + r;
      const uint32_t row = a.rowIds ? __ldg(a.rowIds + gr) : (gr < a.rows ? static_cast<uint32_t>(gr) : PackedMatrix::kNoRow);
      if (row != PackedMatrix::kNoRow) a.y[(b0 + j) * a.rows + row] = applyEpi(a.epi, sum, row);
    }
    __syncthreads();  // red is rewritten by the next group
  }
}

// Lets one kernel variant use the device's opt-in maximum of dynamic shared memory. The attribute is
// one process-wide setting per kernel, so it is set once, to the maximum, and never lowered: setting
// it per launch to that launch's size races with concurrent launches of larger sizes (other
// matrices, other threads). The kernel has no static shared memory, so the maximum is the opt-in
// limit. A failure throws and leaves the flag unset (the next launch tries again).
template <class V, class I, int BT, bool B32>
void allowMaxSharedMemory() {
  static std::once_flag once;
  std::call_once(once, [] {
    GS_CUDA_CHECK(cudaFuncSetAttribute(spmmGsKernel<V, I, BT, B32>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(deviceInfo().sharedMemPerBlock)));
  });
}

template <class V, class I, int BT, bool B32>
void launchVariant(const GsKernelArgs& k, dim3 grid, std::size_t smem, cudaStream_t stream) {
  allowMaxSharedMemory<V, I, BT, B32>();
  spmmGsKernel<V, I, BT, B32><<<grid, kGsThreads, smem, stream>>>(k);
  GS_CUDA_LAUNCH_CHECK("spmmGsKernel");
}

template <class V, class I, int BT>
void launchTyped(const GsKernelArgs& k, dim3 grid, std::size_t smem, cudaStream_t stream) {
  if (k.banks == 32) launchVariant<V, I, BT, true>(k, grid, smem, stream);
  else launchVariant<V, I, BT, false>(k, grid, smem, stream);
}

// V, I: the weight types (of k.values, k.indices) the kernel is instantiated for.
template <class V, class I>
void launchBt(const V*, const I*, int bt, const GsKernelArgs& k, dim3 grid, std::size_t smem, cudaStream_t stream) {
  switch (bt) {
    case 8: launchTyped<V, I, 8>(k, grid, smem, stream); break;
    case 4: launchTyped<V, I, 4>(k, grid, smem, stream); break;
    default: launchTyped<V, I, 1>(k, grid, smem, stream); break;
  }
}

}  // namespace

void launchSpmmGS(const cpu::PackedView& w, const Call& c, cudaStream_t stream) {
  if (c.batch == 0 || w.groups == 0) return;
  const CudaDeviceInfo& dev = deviceInfo();
  const std::size_t R = w.banks / w.perRow;
  const std::size_t colsPad = (w.cols + 31) / 32 * 32;
  const std::size_t budget = dev.sharedMemPerBlock;
  auto redBytes = [&](std::size_t bt) { return kGsWarps * bt * R * sizeof(float); };
  auto fits = [&](std::size_t bt, std::size_t kt) { return bt * kt * sizeof(float) + redBytes(bt) <= budget; };

  // Batch tile: the widest that keeps whole X rows in shared memory; else one row, columns tiled.
  std::size_t bt = 1, kt = colsPad;
  const std::size_t candidates[] = {8, 4};
  if (c.batch > 1)
    for (std::size_t cand : candidates)
      if ((cand == 8 ? c.batch > 4 : true) && fits(cand, colsPad)) {
        bt = cand;
        break;
      }
  if (!fits(bt, kt)) {
    if (budget <= redBytes(1) + 32 * sizeof(float)) fail(ErrorCode::Internal, "spmmGS: shared memory too small");
    kt = (budget - redBytes(1)) / sizeof(float) / 32 * 32;
  }
  const std::size_t smem = bt * kt * sizeof(float) + redBytes(bt);

  // Groups per block: enough blocks for ~2 waves, and more groups per block when there are many
  // batch tiles so that staging X is paid for by many groups' weights.
  const std::size_t batchTiles = (c.batch + bt - 1) / bt;
  std::size_t perSm = std::min<std::size_t>(2048 / kGsThreads, std::max<std::size_t>(1, dev.sharedMemPerSm / (smem + 1024)));
  const std::size_t target = std::max<std::size_t>(1, static_cast<std::size_t>(dev.smCount) * perSm * 2);
  std::size_t gpb = 1;
  if (w.groups * batchTiles > target) gpb = (w.groups * batchTiles + target - 1) / target;
  gpb = std::min<std::size_t>(gpb, w.groups);
  gpb = std::max<std::size_t>(gpb, (w.groups + 65534) / 65535);  // gridDim.y <= 65535
  if (batchTiles > 0x7fffffffu) fail(ErrorCode::Range, "batch: too large for the CUDA GS kernel");

  GsKernelArgs k{};
  k.values = w.values;
  k.indices = w.indices;
  k.ptr = w.ptr;
  k.rowIds = w.rowIds;
  k.rows = static_cast<uint32_t>(w.rows);
  k.cols = static_cast<uint32_t>(w.cols);
  k.groups = static_cast<uint32_t>(w.groups);
  k.banks = w.banks;
  k.perRow = w.perRow;
  k.groupsPerBlock = static_cast<uint32_t>(gpb);
  k.kt = static_cast<uint32_t>(kt);
  k.x = c.x;
  k.y = c.y;
  k.batch = c.batch;
  k.epi = c.epi;
  const dim3 grid(static_cast<unsigned>(batchTiles), ceilDiv(w.groups, gpb));
  const int ibt = static_cast<int>(bt);
  withDeviceTypes<cpu::kWidths24>(w, [&](auto val, auto idx) { launchBt(val, idx, ibt, k, grid, smem, stream); });
}

}  // namespace cuda
}  // namespace gsparse

// Shared pieces of the portable CPU kernels: typed views of the packed arrays, the X preparation
// (padded copy for batch 1, transposed batch tiles for batch > 1), the work-weighted driver and the
// stores through the epilogue (epilogue.h). Kernels provide only their inner loops.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "epilogue.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/storage.h"
#include "gsparse/thread_pool.h"
#include "packed_view.h"

namespace gsparse {
namespace cpu {

// The kernels take the activation as its value (epilogue.h).
static_assert(static_cast<uint8_t>(Activation::None) == kActNone && static_cast<uint8_t>(Activation::Relu) == kActRelu &&
                  static_cast<uint8_t>(Activation::Gelu) == kActGelu,
              "epilogue.h activation values");

// Width of a batch tile: X^T tiles are [cols][kBatchTile] and accumulators [outRows][kBatchTile].
constexpr std::size_t kBatchTile = 16;

// Stores a tile of accumulators acc[i * kBatchTile + j] (output row i of the tile, batch column j)
// into y[(b0 + j) * yRows + rowOf(i)] through the epilogue, for i < n, j < width. Rows mapped to
// PackedMatrix::kNoRow (padding rows of a partial group or block) are not stored.
template <class RowOf>
inline void storeTile(const Epilogue& epi, const float* acc, std::size_t n, RowOf rowOf, std::size_t width,
                      std::size_t b0, float* y, std::size_t yRows) {
  for (std::size_t j = 0; j < width; ++j) {
    float* yb = y + (b0 + j) * yRows;
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t r = rowOf(i);
      if (r != PackedMatrix::kNoRow) yb[r] = epi(acc[i * kBatchTile + j], r);
    }
  }
}

// Bias + activation in place over y[r0, r1) through an ISA's vector epilogue, for the batch-1 ISA
// kernels that write raw row sums there; nothing to do without bias or activation.
inline void epilogueRowsInPlace(EpilogueSpanFn span, const MatmulArgs& a, std::size_t r0, std::size_t r1) {
  if (!a.bias && a.activation == Activation::None) return;
  span(a.y + r0, 1, a.bias ? a.bias + r0 : nullptr, static_cast<uint8_t>(a.activation), a.y + r0, r1 - r0);
}

// Exact fp16 -> fp32 without branches (vectorizes): the half's exponent+mantissa shifted into a
// float's place is the value scaled by 2^-112, subnormal halves included; Inf/NaN get exponent 255.
inline float halfBitsToFloat(uint16_t h) {
  const uint32_t em = static_cast<uint32_t>(h & 0x7fffu) << 13;
  float f;
  std::memcpy(&f, &em, 4);
  f *= 5.192296858534828e+33f;  // 2^112
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((h & 0x7c00u) == 0x7c00u) bits = 0x7f800000u | em;  // Inf / NaN keep their payload
  bits |= static_cast<uint32_t>(h & 0x8000u) << 16;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline float loadWeight(const float* v, std::size_t i) { return v[i]; }
inline float loadWeight(const uint16_t* v, std::size_t i) { return halfBitsToFloat(v[i]); }

// The view every kernel reads w through (built once per call by the family's row function).
// Level `level` of a nested matrix (0: the whole matrix); the caller checked level < w.levelCount().
PackedView packedView(const PackedMatrix& w, uint32_t level = 0);

// Row accumulator of one batch tile: kernels keep it in a local array (registers) while they walk a
// row's nonzeros, then copy it into the tile of accumulators that storeTile writes out.
struct TileRow {
  float a[kBatchTile] = {};
  // a[j] += v * xr[j], xr a row of a transposed X tile.
  void axpy(float v, const float* __restrict xr) {
    for (std::size_t j = 0; j < kBatchTile; ++j) a[j] += v * xr[j];
  }
  void copyTo(float* out) const { std::copy(a, a + kBatchTile, out); }
};

// Work prefix (units + 1 entries) for parallelForWeighted: unit u costs perItem * (end[u] - ptr[u])
// + perUnit, so chunks carry equal nonzeros plus their per-row (store) overhead.
std::vector<uint64_t> workPrefix(const PackedView& w, std::size_t units, uint64_t perItem, uint64_t perUnit);
// Same for units of equal cost.
std::vector<uint64_t> uniformPrefix(std::size_t units, uint64_t perUnit);

// X as the kernels read it, for one pass over at most kMaxPassTiles batch tiles.
//   batch 1: vec() is x, zero-padded to colsPadded (a copy only when padding is needed).
//   batch > 1: tile(t)[c * kBatchTile + j] = x[b0 + t * kBatchTile + j][c], zero for j >= width(t)
//              and for c >= cols, so inner loops always run kBatchTile lanes over colsPadded columns.
class XView {
 public:
  static constexpr std::size_t kMaxPassTiles = 16;  // bounds the transposed copy to 256 batch rows

  std::size_t b0 = 0, batch = 0, tiles = 0, colsPadded = 0;

  const float* vec() const { return vec_; }
  const float* tile(std::size_t t) const { return data_.data() + t * colsPadded * kBatchTile; }
  std::size_t width(std::size_t t) const { return std::min(kBatchTile, batch - t * kBatchTile); }

  void prepareVector(const float* x, std::size_t cols, std::size_t colsPadded);
  void prepareTiles(const float* x, std::size_t cols, std::size_t colsPadded, std::size_t b0, std::size_t batch);

 private:
  const float* vec_ = nullptr;
  AlignedVec<float> data_;
};

// A chunk should hold enough multiply-adds to pay for waking a thread (~10 us of work).
constexpr uint64_t kMinMacs = 32768;

// The batch-1 half of runKernel: vecBody(u0, u1, xv) with x padded to colsPadded in xv.vec().
template <class VecBody>
void runVector(std::size_t cols, std::size_t colsPadded, std::size_t units, const std::vector<uint64_t>& prefix,
               const float* x, VecBody&& vecBody) {
  XView xv;
  xv.prepareVector(x, cols, colsPadded);
  parallelForWeighted(units, prefix.data(), kMinMacs, [&](std::size_t u0, std::size_t u1) { vecBody(u0, u1, xv); });
}

// Runs a kernel over `units` work units (rows, block rows, groups) split by `prefix` (units+1
// entries). batch 1: vecBody(u0, u1, x) with x padded to colsPadded. batch > 1: tileBody(u0, u1, xv)
// once per pass of up to XView::kMaxPassTiles batch tiles; xv.b0 is the pass's first batch row.
template <class VecBody, class TileBody>
void runKernel(const MatmulArgs& a, std::size_t cols, std::size_t colsPadded, std::size_t units,
               const std::vector<uint64_t>& prefix, VecBody&& vecBody, TileBody&& tileBody) {
  if (a.batch == 1) return runVector(cols, colsPadded, units, prefix, a.x, vecBody);
  XView xv;
  const std::size_t passRows = XView::kMaxPassTiles * kBatchTile;
  for (std::size_t b0 = 0; b0 < a.batch; b0 += passRows) {
    const std::size_t nb = std::min(passRows, a.batch - b0);
    xv.prepareTiles(a.x, cols, colsPadded, b0, nb);
    const uint64_t minWork = std::max<uint64_t>(kMinMacs / nb, 16);
    parallelForWeighted(units, prefix.data(), minWork, [&](std::size_t u0, std::size_t u1) { tileBody(u0, u1, xv); });
  }
}

// One XView per calling thread, kept between calls (runTilesCached); one matmul per thread at a time.
XView& threadXView();

// runKernel for batch > 1 with the X^T tiles in a per-calling-thread buffer kept between calls (up
// to kCachedTileBytes), so a call does not page-fault a fresh multi-MiB buffer in (measured ~10% of
// a 4096x4096 batch-64 sparse call). Used by the CSR and GS kernels.
template <class TileBody>
void runTilesCached(const MatmulArgs& a, std::size_t cols, std::size_t colsPadded, std::size_t units,
                    const std::vector<uint64_t>& prefix, TileBody&& tileBody) {
  constexpr std::size_t kCachedTileBytes = std::size_t{16} << 20;
  const std::size_t passRows = XView::kMaxPassTiles * kBatchTile;
  XView& cached = threadXView();
  XView local;
  const std::size_t tiles = (std::min(passRows, a.batch) + kBatchTile - 1) / kBatchTile;
  XView& xv = tiles * colsPadded * kBatchTile * sizeof(float) <= kCachedTileBytes ? cached : local;
  for (std::size_t b0 = 0; b0 < a.batch; b0 += passRows) {
    const std::size_t nb = std::min(passRows, a.batch - b0);
    xv.prepareTiles(a.x, cols, colsPadded, b0, nb);
    const uint64_t minWork = std::max<uint64_t>(kMinMacs / nb, 16);
    parallelForWeighted(units, prefix.data(), minWork, [&](std::size_t u0, std::size_t u1) { tileBody(u0, u1, xv); });
  }
}

// runKernel, with runTilesCached for batch > 1.
template <class VecBody, class TileBody>
void runKernelCached(const MatmulArgs& a, std::size_t cols, std::size_t colsPadded, std::size_t units,
                     const std::vector<uint64_t>& prefix, VecBody&& vecBody, TileBody&& tileBody) {
  if (a.batch == 1) runKernel(a, cols, colsPadded, units, prefix, vecBody, tileBody);
  else runTilesCached(a, cols, colsPadded, units, prefix, tileBody);
}

}  // namespace cpu
}  // namespace gsparse

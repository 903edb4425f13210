// Dense Y = X W^T (+ epilogue): the baseline, and the kept rows of the channel format.
// AVX-512 / AVX2 machines run the packed, register-blocked kernels of spmm_dense_avx*.cc (threads
// split W's rows; X^T tiles, the epilogue and the row mapping are prepared and applied here); the
// blocked loops below are the portable fallback.

#include "../kernel_table.h"
#include "../spmm_common.h"
#include "dense_isa.h"
#include "spmm_dense.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kRowBlock = 4;  // output rows sharing each X load in the tile loop

// Dot product with kBatchTile independent partial sums (vectorizable without reassociation).
template <class V>
float dot(const V* w, const float* x, std::size_t n) {
  float s[kBatchTile] = {};
  std::size_t c = 0;
  for (; c + kBatchTile <= n; c += kBatchTile)
    for (std::size_t j = 0; j < kBatchTile; ++j) s[j] += loadWeight(w, c + j) * x[c + j];
  float total = 0.0f;
  for (; c < n; ++c) total += loadWeight(w, c) * x[c];
  for (std::size_t j = 0; j < kBatchTile; ++j) total += s[j];
  return total;
}

template <class V>
void denseRowsTyped(const V* w, std::size_t nRows, std::size_t cols, const uint32_t* rowIds, std::size_t yRows,
                    const MatmulArgs& a) {
  const Epilogue epi(a);
  auto rowOf = [rowIds](std::size_t i) { return rowIds ? rowIds[i] : static_cast<uint32_t>(i); };
  const auto prefix = uniformPrefix(nRows, cols + 16);
  runKernel(
      a, cols, cols, nRows, prefix,
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        for (std::size_t r = r0; r < r1; ++r) {
          const uint32_t row = rowOf(r);
          a.y[row] = epi(dot(w + r * cols, xv.vec(), cols), row);
        }
      },
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        alignas(64) float acc[kRowBlock * kBatchTile];
        for (std::size_t r = r0; r < r1; r += kRowBlock) {
          const std::size_t nr = std::min(kRowBlock, r1 - r);
          const V* wr[kRowBlock];
          for (std::size_t i = 0; i < kRowBlock; ++i) wr[i] = w + (r + std::min(i, nr - 1)) * cols;
          for (std::size_t t = 0; t < xv.tiles; ++t) {
            const float* xt = xv.tile(t);
            std::fill(acc, acc + kRowBlock * kBatchTile, 0.0f);
            for (std::size_t c = 0; c < cols; ++c) {
              const float* xr = xt + c * kBatchTile;
              for (std::size_t i = 0; i < kRowBlock; ++i) {  // rows past nr repeat the last row, unstored
                const float wv = loadWeight(wr[i], c);
                for (std::size_t j = 0; j < kBatchTile; ++j) acc[i * kBatchTile + j] += wv * xr[j];
              }
            }
            storeTile(epi, acc, nr, [&](std::size_t i) { return rowOf(r + i); }, xv.width(t),
                      xv.b0 + t * kBatchTile, a.y, yRows);
          }
        }
      });
}

// The ISA kernels write raw sums; bias + activation are applied to the chunk's outputs right after,
// while they are still in cache.
void denseRowsIsa(const PackedView& w, std::size_t nRows, const uint32_t* rowIds, std::size_t yRows,
                  const MatmulArgs& a, const DenseIsa& isa) {
  const std::size_t cols = w.cols, mr = isa.mr;
  const Epilogue epi(a);
  const bool applyEpi = a.bias || a.activation != Activation::None;
  DenseGemmArgs g;
  g.w = w;
  g.rowIds = rowIds;
  g.yRows = yRows;
  g.y = a.y;
  auto finish = [&](std::size_t r0, std::size_t r1, std::size_t b0, std::size_t nb) {
    if (!applyEpi) return;
    for (std::size_t b = b0; b < b0 + nb; ++b) {
      float* yb = a.y + b * yRows;
      for (std::size_t r = r0; r < r1; ++r) {
        const uint32_t row = rowIds ? rowIds[r] : static_cast<uint32_t>(r);
        yb[row] = epi(yb[row], row);
      }
    }
  };
  const std::size_t units = (nRows + mr - 1) / mr;
  const auto prefix = uniformPrefix(units, mr * (cols + 16));
  runKernel(
      a, cols, cols, units, prefix,
      [&](std::size_t u0, std::size_t u1, const XView& xv) {
        DenseGemmArgs ga = g;
        ga.x = xv.vec();
        const std::size_t r0 = u0 * mr, r1 = std::min(nRows, u1 * mr);
        isa.gemv(ga, r0, r1);
        finish(r0, r1, 0, 1);
      },
      [&](std::size_t u0, std::size_t u1, const XView& xv) {
        DenseGemmArgs ga = g;
        ga.xt = xv.tile(0);
        ga.tiles = xv.tiles;
        ga.b0 = xv.b0;
        ga.batch = xv.batch;
        const std::size_t r0 = u0 * mr, r1 = std::min(nRows, u1 * mr);
        isa.tiles(ga, r0, r1);
        finish(r0, r1, xv.b0, xv.batch);
      });
}

}  // namespace

void denseRows(const PackedView& w, std::size_t nRows, const uint32_t* rowIds, std::size_t yRows,
               const MatmulArgs& a, Isa isa) {
  if (isa != Isa::Scalar && nRows > 0 && w.cols > 0) {
    denseRowsIsa(w, nRows, rowIds, yRows, a, isa == Isa::Avx512 ? kDenseAvx512 : kDenseAvx2);
    return;
  }
  withValueType(w, [&](auto val) { denseRowsTyped(val, nRows, w.cols, rowIds, yRows, a); });
}

namespace {

template <Isa I>
void denseRun(const PackedMatrix& w, const MatmulArgs& a) {
  denseRows(packedView(w), w.rows, nullptr, w.rows, a, I);
}

}  // namespace

#define DENSE_ROWS(DT, dt) GSPARSE_DENSE_KERNEL_ROWS("dense", Dense, denseRun, DT, dt)
GSPARSE_KERNEL_LIST(kernelsDense, DENSE_ROWS)

}  // namespace cpu
}  // namespace gsparse

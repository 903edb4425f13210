// Dense Y = X W^T (+ epilogue): the baseline, and the kept rows of the channel format.
// Blocked loops the compiler vectorizes; a packed SGEMM replaces them in a later issue.
#include "spmm_common.h"

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

}  // namespace

void denseRows(const ValueArray& values, std::size_t nRows, std::size_t cols, const uint32_t* rowIds,
               std::size_t yRows, const MatmulArgs& a) {
  withValues(values, [&](auto w) { denseRowsTyped(w, nRows, cols, rowIds, yRows, a); });
}

void spmmDense(const PackedMatrix& w, const MatmulArgs& a) { denseRows(w.values, w.rows, w.cols, nullptr, w.rows, a); }

}  // namespace cpu
}  // namespace gsparse

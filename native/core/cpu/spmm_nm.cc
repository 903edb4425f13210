// N:M Y = X W^T: each row stores n values per group of m columns, index = offset in the group.
// X is zero-padded to whole groups, so a partial last group's padding lanes read zeros in range.
#include <functional>

#include "nm_block_simd.h"
#include "row_blocked.h"
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kRowBlock = 4;

template <class V, class I>
void nmTyped(const PackedMatrix& w, const V* val, const I* idx, const MatmulArgs& a) {
  const Epilogue epi(a);
  const std::size_t n = w.pattern.n, m = w.pattern.m;
  const std::size_t groups = (w.cols + m - 1) / m, perRow = groups * n;
  runKernel(
      a, w.cols, groups * m, w.rows, uniformPrefix(w.rows, perRow + 8),
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        for (std::size_t r = r0; r < r1; ++r) {
          const std::size_t k0 = r * perRow;
          auto groupDot = [&](std::size_t g) {
            const float* xg = xv.vec() + g * m;
            float t = 0.0f;
            for (std::size_t e = 0, k = k0 + g * n; e < n; ++e, ++k) t += loadWeight(val, k) * xg[idx[k]];
            return t;
          };
          float s0 = 0.0f, s1 = 0.0f;  // two chains (even / odd groups) hide the add latency
          std::size_t g = 0;
          for (; g + 1 < groups; g += 2) {
            s0 += groupDot(g);
            s1 += groupDot(g + 1);
          }
          if (g < groups) s0 += groupDot(g);
          a.y[r] = epi(s0 + s1, r);
        }
      },
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        alignas(64) float tile[kRowBlock * kBatchTile];
        for (std::size_t r = r0; r < r1; r += kRowBlock) {
          const std::size_t nr = std::min(kRowBlock, r1 - r);
          for (std::size_t t = 0; t < xv.tiles; ++t) {
            const float* xt = xv.tile(t);
                        for (std::size_t i = 0; i < nr; ++i) {
              TileRow acc;
              std::size_t k = (r + i) * perRow;
              for (std::size_t g = 0; g < groups; ++g) {
                const float* xg = xt + g * m * kBatchTile;
                for (std::size_t e = 0; e < n; ++e, ++k)
                  acc.axpy(loadWeight(val, k), xg + static_cast<std::size_t>(idx[k]) * kBatchTile);
              }
              acc.copyTo(tile + i * kBatchTile);
            }
            storeTile(epi, tile, nr, [&](std::size_t i) { return static_cast<uint32_t>(r + i); }, xv.width(t),
                      xv.b0 + t * kBatchTile, a.y, w.rows);
          }
        }
      });
}

}  // namespace

void spmmNM(const PackedMatrix& w, const MatmulArgs& a) {
  withValues(w.values, [&](auto val) { withIndices(w.indices, [&](auto idx) { nmTyped(w, val, idx, a); }); });
}

namespace {

using NmVecFn = void (*)(const SparseSimdArgs&, const float*, std::size_t, std::size_t);
using NmTilesFn = void (*)(const SparseSimdArgs&, const float*, std::size_t, std::size_t, std::size_t, std::size_t,
                           std::size_t, std::size_t);

// Every kept weight as (row, column, value) for the row-blocked copy; a partial last group's padding
// (columns past the end) is skipped.
void nmForEach(const PackedMatrix& w, const std::function<void(uint32_t, uint32_t, float)>& emit) {
  withValues(w.values, [&](auto val) {
    withIndices(w.indices, [&](auto idx) {
      const std::size_t n = w.pattern.n, m = w.pattern.m, groups = (w.cols + m - 1) / m;
      std::size_t k = 0;
      for (uint32_t r = 0; r < w.rows; ++r)
        for (std::size_t g = 0; g < groups; ++g)
          for (std::size_t e = 0; e < n; ++e, ++k) {
            const std::size_t col = g * m + idx[k];
            if (col < w.cols) emit(r, static_cast<uint32_t>(col), loadWeight(val, k));
          }
    });
  });
}

// SIMD N:M driver: batched calls take the row-blocked copy (row_blocked.h; measured 2x the tile
// kernels below from batch 2 on 4096x4096 2:4), which remain for a matrix too large for it. X
// preparation and threading as for the portable kernel; vecLanes: batch 1 needs vecLanes % n == 0
// (else the portable kernel runs).
void nmSimd(const PackedMatrix& w, const MatmulArgs& a, NmVecFn vec, NmTilesFn tiles, std::size_t vecLanes,
            RowBlockedChunkFn chunk) {
  if (a.batch > 1 && tryRowBlocked(w, a, chunk, [&](const auto& emit) { nmForEach(w, emit); })) return;
  const std::size_t n = w.pattern.n, m = w.pattern.m;
  if (w.indices.width() != 1 || m > 16 || (a.batch == 1 && vecLanes % n != 0)) return spmmNM(w, a);
  SparseSimdArgs s;
  s.values = w.values.rawData();
  s.f16 = w.dtype() == DType::F16;
  s.indices = w.indices.rawData();
  s.indexWidth = 1;
  s.n = static_cast<uint32_t>(n);
  s.m = static_cast<uint32_t>(m);
  s.rows = w.rows;
  s.cols = w.cols;
  s.groups = (w.cols + m - 1) / m;
  s.bias = a.bias;
  s.activation = static_cast<int>(a.activation);
  s.y = a.y;
  const std::size_t perRow = s.groups * n;
  // Rows of a batched chunk go in panels; keep chunks whole register blocks where possible.
  runKernel(
      a, w.cols, s.groups * m, w.rows, uniformPrefix(w.rows, perRow + 8),
      [&](std::size_t r0, std::size_t r1, const XView& xv) { vec(s, xv.vec(), r0, r1); },
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        tiles(s, xv.tile(0), xv.colsPadded * kBatchTile, xv.tiles, xv.batch, xv.b0, r0, r1);
      });
}

}  // namespace

void spmmNMAvx512(const PackedMatrix& w, const MatmulArgs& a) {
  nmSimd(w, a, nmVecAvx512, nmTilesAvx512, 16, rowBlockedChunkAvx512);
}
void spmmNMAvx2(const PackedMatrix& w, const MatmulArgs& a) { nmSimd(w, a, nmVecAvx2, nmTilesAvx2, 8, rowBlockedChunkAvx2); }

}  // namespace cpu
}  // namespace gsparse

// N:M Y = X W^T: each row stores n values per group of m columns, index = offset in the group.
// X is zero-padded to whole groups, so a partial last group's padding lanes read zeros in range.
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

}  // namespace cpu
}  // namespace gsparse

// CSR (unstructured) Y = X W^T: batch 1 gathers x[col] per nonzero; batch > 1 does an axpy of each
// nonzero over a transposed batch tile. Work is split by nonzeros.
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kRowBlock = 4;  // rows accumulated before one transposed store

template <class V, class I>
void csrTyped(const PackedMatrix& w, const V* val, const I* idx, const MatmulArgs& a) {
  const Epilogue epi(a);
  const uint32_t* ptr = w.ptr.data();
  runKernel(
      a, w.cols, w.cols, w.rows, workPrefix(w.ptr, 1, 8),
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        const float* x = xv.vec();
        for (std::size_t r = r0; r < r1; ++r) {
          float s[4] = {};  // independent chains hide the FMA latency
          uint32_t k = ptr[r];
          const uint32_t end = ptr[r + 1];
          for (; k + 4 <= end; k += 4)
            for (uint32_t u = 0; u < 4; ++u) s[u] += loadWeight(val, k + u) * x[idx[k + u]];
          for (; k < end; ++k) s[0] += loadWeight(val, k) * x[idx[k]];
          a.y[r] = epi((s[0] + s[1]) + (s[2] + s[3]), r);
        }
      },
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        alignas(64) float tile[kRowBlock * kBatchTile];
        for (std::size_t r = r0; r < r1; r += kRowBlock) {
          const std::size_t nr = std::min(kRowBlock, r1 - r);
          for (std::size_t t = 0; t < xv.tiles; ++t) {  // the row block's nonzeros stay in L1 across tiles
            const float* xt = xv.tile(t);
                        for (std::size_t i = 0; i < nr; ++i) {
              TileRow acc;
              for (uint32_t k = ptr[r + i]; k < ptr[r + i + 1]; ++k)
                acc.axpy(loadWeight(val, k), xt + static_cast<std::size_t>(idx[k]) * kBatchTile);
              acc.copyTo(tile + i * kBatchTile);
            }
            storeTile(epi, tile, nr, [&](std::size_t i) { return static_cast<uint32_t>(r + i); }, xv.width(t),
                      xv.b0 + t * kBatchTile, a.y, w.rows);
          }
        }
      });
}

}  // namespace

void spmmCsr(const PackedMatrix& w, const MatmulArgs& a) {
  withValues(w.values, [&](auto val) { withIndices(w.indices, [&](auto idx) { csrTyped(w, val, idx, a); }); });
}

}  // namespace cpu
}  // namespace gsparse

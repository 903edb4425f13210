// N:M Y = X W^T: each row stores n values per group of m columns, index = offset in the group.
// X is zero-padded to whole groups, so a partial last group's padding lanes read zeros in range.

#include "../kernel_table.h"
#include "../row_blocked/row_blocked.h"
#include "../spmm_common.h"
#include "nm_isa.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kRowBlock = 4;

template <class V, class I>
void nmTyped(const PackedView& w, const V* val, const I* idx, const MatmulArgs& a) {
  const Epilogue epi(a);
  // n slots stored per group (the stride), the level's first nUsed of them read.
  const std::size_t n = w.n, used = w.nUsed, m = w.m, groups = w.groups, perRow = groups * n;
  runKernel(
      a, w.cols, groups * m, w.rows, uniformPrefix(w.rows, groups * used + 8),
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        for (std::size_t r = r0; r < r1; ++r) {
          const std::size_t k0 = r * perRow;
          auto groupDot = [&](std::size_t g) {
            const float* xg = xv.vec() + g * m;
            float t = 0.0f;
            for (std::size_t e = 0, k = k0 + g * n; e < used; ++e, ++k) t += loadWeight(val, k) * xg[idx[k]];
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
              for (std::size_t g = 0; g < groups; ++g) {
                const float* xg = xt + g * m * kBatchTile;
                for (std::size_t e = 0, k = (r + i) * perRow + g * n; e < used; ++e, ++k)
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

void nmPortable(const PackedMatrix& w, const MatmulArgs& a) {
  const PackedView v = packedView(w, a.level);
  withTypes<kIndex1>(v, [&](auto val, auto idx) { nmTyped(v, val, idx, a); });
}

// Every kept weight as (row, column, value) for the row-blocked copy; a partial last group's padding
// (columns past the end) is skipped.
void nmForEach(const PackedView& w, const RowBlockedEmit& emit) {
  withTypes<kIndex1>(w, [&](auto val, auto idx) {
    const std::size_t n = w.n, m = w.m;
    for (uint32_t r = 0; r < w.rows; ++r)
      for (std::size_t g = 0; g < w.groups; ++g)
        for (std::size_t e = 0, k = (r * w.groups + g) * n; e < w.nUsed; ++e, ++k) {
          const std::size_t col = g * m + idx[k];
          if (col < w.cols) emit(r, static_cast<uint32_t>(col), loadWeight(val, k));
        }
  });
}

// Batch-1 SIMD N:M with ISA kernels K (nm_isa.h): X zero-padded to whole groups, threads split the
// rows; each chunk's raw sums then go through the ISA's vector epilogue while still in cache.
template <const RowDotsIsa& K>
void nmGatherRun(const PackedMatrix& w, const MatmulArgs& a) {
  const PackedView v = packedView(w, a.level);
  const std::size_t groups = v.groups;
  runVector(w.cols, groups * w.pattern.m, w.rows, uniformPrefix(w.rows, groups * w.pattern.n + 8), a.x,
            [&](std::size_t r0, std::size_t r1, const XView& xv) {
              K.dots(v, xv.vec(), r0, r1, a.y + r0);
              epilogueRowsInPlace(K.epilogue, a, r0, r1);
            });
}

// The SIMD batch-1 kernels take m <= 16 and whole vectors of groups (W % n == 0), and read every
// stored slot: a nested matrix's sparser levels (fewer slots per group than stored) take the portable row.
template <std::size_t W>
bool nmVecFits(const PackedMatrix& w, uint32_t level) {
  return w.pattern.m <= 16 && W % w.pattern.n == 0 && w.levelEnd(level, 0) == w.pattern.n;
}

// Batched calls take the row-blocked copy (measured 2x the old N:M tile kernels from batch 2 on
// 4096x4096 2:4); the portable tiles remain for matrices too large for it.
#define NM_ROWS(DT, dt)                                                                                                \
  {"nm_" dt "_gather2x16__avx512", Kind::NM, DType::DT, kIndex1, Isa::Avx512, 1, 1, false, nmVecFits<16>,              \
   nmGatherRun<kNmAvx512>},                                                                                            \
      {"nm_" dt "_gather2x8__avx2", Kind::NM, DType::DT, kIndex1, Isa::Avx2, 1, 1, false, nmVecFits<8>,                \
       nmGatherRun<kNmAvx2>},                                                                                          \
      GSPARSE_SPARSE_ROWS("nm", NM, DT, dt, kIndex1, nmForEach, "dot2", "tiles4x16", nmPortable)

}  // namespace

GSPARSE_KERNEL_LIST(kernelsNM, NM_ROWS)

}  // namespace cpu
}  // namespace gsparse

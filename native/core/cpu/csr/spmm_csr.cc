// CSR (unstructured) Y = X W^T: batch 1 gathers x[col] per nonzero; batch > 1 does an axpy of each
// nonzero over a transposed batch tile. Work is split by nonzeros (parallelForWeighted).
// With AVX-512 / AVX2: batch 1 = vpgatherdps 16 (8) nonzeros at a time with one horizontal sum per
// row (the tables of csr_isa.h); batch > 1 = the row-blocked copy shared with N:M and GS
// (row_blocked.h); the portable loops remain for the scalar ISA and matrices too large for the copy.

#include "../kernel_table.h"
#include "../row_blocked/row_blocked.h"
#include "../spmm_common.h"
#include "csr_isa.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kRowBlock = 16;  // rows accumulated before one transposed store (whole y lines)

// isa: an ISA's batch-1 kernel and vector epilogue (null: the portable loops).
template <class V, class I>
void csrTyped(const PackedView& w, const V* val, const I* idx, const MatmulArgs& a, const RowDotsIsa* isa) {
  const Epilogue epi(a);
  const uint32_t* ptr = w.ptr;
  runKernelCached(
      a, w.cols, w.cols, w.rows, workPrefix(w, w.rows, 1, 8),
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        const float* x = xv.vec();
        if (isa) {  // raw sums straight into y, then the epilogue in place
          isa->dots(w, x, r0, r1, a.y + r0);
          epilogueRowsInPlace(isa->epilogue, a, r0, r1);
          return;
        }
        for (std::size_t r = r0; r < r1; ++r) {
          float s[4] = {};  // independent chains hide the FMA latency
          uint32_t k = ptr[r];
          const uint32_t end = w.end[r];
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
              for (uint32_t k = ptr[r + i]; k < w.end[r + i]; ++k)
                acc.axpy(loadWeight(val, k), xt + static_cast<std::size_t>(idx[k]) * kBatchTile);
              acc.copyTo(tile + i * kBatchTile);
            }
            storeTile(epi, tile, nr, [&](std::size_t i) { return static_cast<uint32_t>(r + i); }, xv.width(t),
                      xv.b0 + t * kBatchTile, a.y, w.rows);
          }
        }
      });
}

void csrWith(const PackedView& w, const MatmulArgs& a, const RowDotsIsa* isa) {
  withTypes(w, [&](auto val, auto idx) { csrTyped(w, val, idx, a, isa); });
}

// Every stored nonzero as (row, column, value) for the row-blocked copy.
void csrForEach(const PackedView& w, const RowBlockedEmit& emit) {
  withTypes(w, [&](auto val, auto idx) {
    for (uint32_t r = 0; r < w.rows; ++r)
      for (uint32_t k = w.ptr[r]; k < w.end[r]; ++k) emit(r, static_cast<uint32_t>(idx[k]), loadWeight(val, k));
  });
}

void csrPortable(const PackedMatrix& w, const MatmulArgs& a) { csrWith(packedView(w, a.level), a, nullptr); }
template <const RowDotsIsa& K>
void csrGatherRun(const PackedMatrix& w, const MatmulArgs& a) {
  csrWith(packedView(w, a.level), a, &K);
}

// Batch 1: the ISA gather kernel (2- and 4-byte indices; 1-byte ones stay portable). Batched: the
// row-blocked copy, else (too large for it, or GSPARSE_ROW_BLOCKED_MIN_BATCH) the portable tiles.
#define CSR_ROWS(DT, dt)                                                                                               \
  {"csr_" dt "_gather2x16__avx512", Kind::Csr, DType::DT, kIndex2 | kIndex4, Isa::Avx512, 1, 1, false, nullptr,        \
   csrGatherRun<kCsrAvx512>},                                                                                          \
      {"csr_" dt "_gather2x8__avx2", Kind::Csr, DType::DT, kIndex2 | kIndex4, Isa::Avx2, 1, 1, false, nullptr,         \
       csrGatherRun<kCsrAvx2>},                                                                                        \
      GSPARSE_SPARSE_ROWS("csr", Csr, DT, dt, kAnyIndex, csrForEach, "dot4", "tiles16x16", csrPortable)

}  // namespace

GSPARSE_KERNEL_LIST(kernelsCsr, CSR_ROWS)

}  // namespace cpu
}  // namespace gsparse

// CSR (unstructured) Y = X W^T: batch 1 gathers x[col] per nonzero; batch > 1 does an axpy of each
// nonzero over a transposed batch tile. Work is split by nonzeros (parallelForWeighted).
// ISA kernels (spmm_csr_avx512.cc / _avx2.cc): batch 1 = vpgatherdps 16 (8) nonzeros at a time with
// one horizontal sum per row; batch > 1 = broadcast-FMA of each nonzero over 16-wide X^T tile rows,
// tiles in pairs (AVX-512), rows in ~1 MiB chunks of nonzeros with the tile loop inside a chunk.
#include "gs_gather.h"
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kRowBlock = 16;  // rows accumulated before one transposed store (whole y lines)

// ISA kernels (null: portable loops).
struct CsrIsaKernels {
  void (*vec)(const CsrSimdArgs&, const float*, std::size_t, std::size_t, float*) = nullptr;
  void (*tile)(const CsrSimdArgs&, std::size_t, std::size_t, const float*, float*) = nullptr;
  // Optional: 2 or 4 tiles per pass over a row's nonzeros.
  void (*tileMulti)(const CsrSimdArgs&, std::size_t, std::size_t, std::size_t, const float* const*,
                    float* const*) = nullptr;
};

template <class V, class I>
void csrTyped(const PackedMatrix& w, const V* val, const I* idx, const MatmulArgs& a, const CsrIsaKernels& isa) {
  static_assert(kBatchTile == 16, "the ISA tile kernels assume 16-wide X^T tiles");
  const Epilogue epi(a);
  const uint32_t* ptr = w.ptr.data();
  CsrSimdArgs sa;
  sa.values = w.values.rawData();
  sa.f16 = w.dtype() == DType::F16;
  sa.indices = idx;
  sa.indexWidth = sizeof(I);
  sa.ptr = ptr;
  runKernelCached(
      a, w.cols, w.cols, w.rows, workPrefix(w.ptr, 1, 8),
      [&](std::size_t r0, std::size_t r1, const XView& xv) {
        const float* x = xv.vec();
        if (isa.vec) {  // raw sums straight into y, then the epilogue in place
          isa.vec(sa, x, r0, r1, a.y + r0);
          for (std::size_t r = r0; r < r1; ++r) a.y[r] = epi(a.y[r], r);
          return;
        }
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
        alignas(64) float multi[4 * kRowBlock * kBatchTile];
        if (isa.tile) {
          // Rows in chunks of ~1 MiB of nonzeros, tiles inside a chunk: the chunk stays in L2 across
          // tiles while one X^T tile at a time is hot (as in spmm_gs.cc).
          constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
          const std::size_t nzBytes = w.values.byteSize() / std::max<std::size_t>(1, w.values.size()) + sizeof(I);
          for (std::size_t c0 = r0; c0 < r1;) {
            std::size_t c1 = std::min(r1, c0 + kRowBlock);
            while (c1 < r1 && (ptr[std::min(r1, c1 + kRowBlock)] - ptr[c0]) * nzBytes <= kChunkBytes)
              c1 = std::min(r1, c1 + kRowBlock);
            std::size_t t = 0;
            constexpr std::size_t kMaxMulti = 2;  // tiles in pairs: measured best at batch 64 (4 not better)
            if (isa.tileMulti)
              for (std::size_t nt = kMaxMulti; nt >= 2; nt /= 2)
                for (; t + nt <= xv.tiles; t += nt) {
                  const float* xts[4];
                  float* outs[4];
                  for (std::size_t h = 0; h < nt; ++h) xts[h] = xv.tile(t + h), outs[h] = multi + h * kRowBlock * kBatchTile;
                  for (std::size_t r = c0; r < c1; r += kRowBlock) {
                    const std::size_t nr = std::min(kRowBlock, c1 - r);
                    isa.tileMulti(sa, r, nr, nt, xts, outs);
                    for (std::size_t h = 0; h < nt; ++h)
                      storeTile(epi, outs[h], nr, [&](std::size_t i) { return static_cast<uint32_t>(r + i); },
                                xv.width(t + h), xv.b0 + (t + h) * kBatchTile, a.y, w.rows);
                  }
                }
            for (; t < xv.tiles; ++t)
              for (std::size_t r = c0; r < c1; r += kRowBlock) {
                const std::size_t nr = std::min(kRowBlock, c1 - r);
                isa.tile(sa, r, nr, xv.tile(t), tile);
                storeTile(epi, tile, nr, [&](std::size_t i) { return static_cast<uint32_t>(r + i); }, xv.width(t),
                          xv.b0 + t * kBatchTile, a.y, w.rows);
              }
            c0 = c1;
          }
          return;
        }
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

void csrWith(const PackedMatrix& w, const MatmulArgs& a, const CsrIsaKernels& isa) {
  withValues(w.values, [&](auto val) { withIndices(w.indices, [&](auto idx) { csrTyped(w, val, idx, a, isa); }); });
}

}  // namespace

void spmmCsr(const PackedMatrix& w, const MatmulArgs& a) { csrWith(w, a, CsrIsaKernels{}); }

// ISA kernels take 2- and 4-byte indices; 1-byte ones (tiny matrices) stay portable.
void spmmCsrAvx2(const PackedMatrix& w, const MatmulArgs& a) {
  CsrIsaKernels isa;
  if (w.indices.width() == 2 || w.indices.width() == 4) {
    isa.vec = csrVecAvx2;
    isa.tile = csrTileAvx2;
  }
  csrWith(w, a, isa);
}

void spmmCsrAvx512(const PackedMatrix& w, const MatmulArgs& a) {
  CsrIsaKernels isa;
  if (w.indices.width() == 2 || w.indices.width() == 4) {
    isa.vec = csrVecAvx512;
    isa.tile = csrTileAvx512;
    isa.tileMulti = csrTileMultiAvx512;
  }
  csrWith(w, a, isa);
}

}  // namespace cpu
}  // namespace gsparse

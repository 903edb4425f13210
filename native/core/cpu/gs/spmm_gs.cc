// GS Y = X W^T, portable version. A pack is B lanes; lane l feeds group row l / E. Batch 1: each
// lane accumulates x[col] * value on its own (the SIMD-gather shape of docs/gs.md), and the E
// lanes of a row are reduced once per group. Batch > 1: each lane does an axpy over the batch tile
// into its row's accumulator, row by row. Outputs go to row g*R + r, or rowIds[g*R + r] with permute.
// With AVX-512 / AVX2 (the GsIsa tables of gs_isa.h): batch 1 = vpgatherdps per pack; batch 2 =
// gather from row-major x (packs loaded once for both rows); batch >= 3 = the row-blocked copy shared
// with CSR and N:M (row_blocked.h). Bias + activation applied in the store.
// The rows of the kernel table (kernel_table.h) are at the end.

#include "../kernel_table.h"
#include "../row_blocked/row_blocked.h"
#include "../spmm_common.h"
#include "gs_isa.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kMaxBanks = 64;

// Output row of group row gr (= g * R + r): rowIds with permute (only then non-null); kNoRow past
// the last of `rows` rows. Takes the two values, not the view, so kernels keep them in registers.
inline uint32_t gsOutputRow(const uint32_t* rowIds, std::size_t rows, std::size_t gr) {
  if (rowIds) return rowIds[gr];
  return gr < rows ? static_cast<uint32_t>(gr) : PackedMatrix::kNoRow;
}
// Crossover between the small-batch gather kernel and the batched (X^T) kernels, measured on W
// 4096x4096 gs:16 90%, 2 threads, AVX-512 (microbench --batches 2,3,4,8): gather 0.62-0.71 ms at
// batch 2 vs row-blocked 0.97; at batch 3 gather 1.15-1.98 vs row-blocked 0.70-0.97. AVX2 alike
// against its old tile kernel (gather wins at 2, about even at 3-4). So gather for batch <= 2.
constexpr std::size_t kGatherMaxBatch = 2;

// Portable batch-1 gather: same contract as GsGatherFn (raw row sums of groups [g0, g1)).
template <class V, class I>
void gatherPortable(const V* val, const I* idx, const uint32_t* ptr, const uint32_t* end, std::size_t B, std::size_t E, const float* x,
                    std::size_t g0, std::size_t g1, float* rowSums) {
  const std::size_t R = B / E;
  for (std::size_t g = g0; g < g1; ++g) {
    float lanes[kMaxBanks] = {};
    for (std::size_t p = ptr[g]; p < end[g]; ++p)
      for (std::size_t l = 0; l < B; ++l) {
        const float w = loadWeight(val, p * B + l);
        if (w != 0.0f) lanes[l] += w * x[idx[p * B + l]];  // padding lanes never read x (0 * Inf)
      }
    for (std::size_t r = 0; r < R; ++r) {
      float s = 0.0f;
      for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
      rowSums[(g - g0) * R + r] = s;
    }
  }
}

// isa: the ISA kernels a row runs (null members: the portable loops; gatherBatch runs batch > 1, and
// the table's rows stop at kGatherMaxBatch).
template <class V, class I>
void gsTyped(const PackedView& w, const V* val, const I* idx, const MatmulArgs& a, const GsIsa& isa) {
  const GsGatherFn gather = isa.gather;
  const Epilogue epi(a);
  const std::size_t B = w.banks, E = w.perRow, R = B / E;
  const uint32_t* ptr = w.ptr;
  const uint32_t* end = w.end;
  const uint32_t* rowIds = w.rowIds;
  const std::size_t rows = w.rows;
  auto rowOf = [rowIds, rows, R](std::size_t g, std::size_t r) { return gsOutputRow(rowIds, rows, g * R + r); };
  const std::vector<uint64_t> prefix = workPrefix(w, w.groups, B, 8 * R);
  if (a.batch > 1 && isa.gatherBatch) {
    // Small batch: gather straight from row-major x (no transposed copy); packs loaded once per group.
    const std::size_t nb = a.batch;
    parallelForWeighted(w.groups, prefix.data(), std::max<uint64_t>(32768 / nb, 16),
                        [&](std::size_t g0, std::size_t g1) {
                          const std::size_t plane = (g1 - g0) * R;
                          std::vector<float> rowSums(nb * plane);
                          isa.gatherBatch(w, a.x, w.cols, nb, g0, g1, rowSums.data());
                          for (std::size_t b = 0; b < nb; ++b) {  // group rows gr of [g0, g1) in order
                            float* yb = a.y + b * rows;
                            const float* sums = rowSums.data() + b * plane - g0 * R;
                            for (std::size_t gr = g0 * R; gr < g1 * R; ++gr) {
                              const uint32_t row = gsOutputRow(rowIds, rows, gr);
                              if (row != PackedMatrix::kNoRow) yb[row] = epi(sums[gr], row);
                            }
                          }
                        });
    return;
  }
  runKernelCached(
      a, w.cols, w.cols, w.groups, prefix,
      [&](std::size_t g0, std::size_t g1, const XView& xv) {
        std::vector<float> rowSums((g1 - g0) * R);
        if (gather) {
          gather(w, xv.vec(), g0, g1, rowSums.data());
        } else {
          gatherPortable(val, idx, ptr, end, B, E, xv.vec(), g0, g1, rowSums.data());
        }
        for (std::size_t g = g0; g < g1; ++g)
          for (std::size_t r = 0; r < R; ++r) {
            const uint32_t row = rowOf(g, r);
            if (row != PackedMatrix::kNoRow) a.y[row] = epi(rowSums[(g - g0) * R + r], row);
          }
      },
      [&](std::size_t g0, std::size_t g1, const XView& xv) {
        alignas(64) float tile[kMaxBanks * kBatchTile];
        uint32_t outRow[kMaxBanks];  // the group's output rows, looked up once per group
        for (std::size_t g = g0; g < g1; ++g) {
          for (std::size_t r = 0; r < R; ++r) outRow[r] = rowOf(g, r);
          for (std::size_t t = 0; t < xv.tiles; ++t) {  // the group's packs stay in L1 across tiles
            const float* xt = xv.tile(t);
            // Row by row (stride B through the packs), so a row's accumulator stays in registers.
            for (std::size_t r = 0; r < R; ++r) {
              TileRow acc;
              for (std::size_t p = ptr[g]; p < end[g]; ++p)
                for (std::size_t l = p * B + r * E; l < p * B + (r + 1) * E; ++l)
                  if (const float v = loadWeight(val, l); v != 0.0f)  // padding lanes never read x
                    acc.axpy(v, xt + static_cast<std::size_t>(idx[l]) * kBatchTile);
              acc.copyTo(tile + r * kBatchTile);
            }
            storeTile(epi, tile, R, [&](std::size_t r) { return outRow[r]; }, xv.width(t), xv.b0 + t * kBatchTile,
                      a.y, rows);
          }
        }
      });
}

void gsWithGather(const PackedView& w, const MatmulArgs& a, const GsIsa& isa) {
  withTypes(w, [&](auto val, auto idx) { gsTyped(w, val, idx, a, isa); });
}

// Every stored GS lane as (output row, column, value) for the row-blocked copy.
void gsForEach(const PackedView& w, const RowBlockedEmit& emit) {
  withTypes(w, [&](auto val, auto idx) {
    const std::size_t B = w.banks, E = w.perRow, R = B / E;
    for (std::size_t g = 0; g < w.groups; ++g)
      for (std::size_t r = 0; r < R; ++r) {
        const uint32_t row = gsOutputRow(w.rowIds, w.rows, g * R + r);
        if (row == PackedMatrix::kNoRow) continue;
        for (std::size_t p = w.ptr[g]; p < w.end[g]; ++p)
          for (std::size_t l = p * B + r * E; l < p * B + (r + 1) * E; ++l)
            if (const float v = loadWeight(val, l); v != 0.0f)  // value 0: a padding lane
              emit(row, static_cast<uint32_t>(idx[l]), v);
      }
  });
}

void gsPortable(const PackedMatrix& w, const MatmulArgs& a) { gsWithGather(packedView(w, a.level), a, GsIsa{nullptr, nullptr}); }
template <const GsIsa& K>
void gsGatherRun(const PackedMatrix& w, const MatmulArgs& a) {
  gsWithGather(packedView(w, a.level), a, GsIsa{K.gather, nullptr});
}
template <const GsIsa& K>
void gsGatherBatchRun(const PackedMatrix& w, const MatmulArgs& a) {
  gsWithGather(packedView(w, a.level), a, GsIsa{nullptr, K.gatherBatch});
}

// The ISA gather kernels cover whole vectors of W lanes (banks % W == 0) and at most 64 banks
// (2- or 4-byte indices: the row mask).
template <std::size_t W>
bool gsGatherFits(const PackedMatrix& w, uint32_t) {
  return w.pattern.banks % W == 0 && w.pattern.banks <= kMaxBanks;
}

// Batch 1 and up to kGatherMaxBatch: the gather kernels where they fit; larger batches (and smaller
// ones where they do not fit) the row-blocked copy; the rest the portable loops.
#define GS_ROWS(DT, dt)                                                                                                \
  {"gs_" dt "_gather16__avx512", Kind::GS, DType::DT, kIndex2 | kIndex4, Isa::Avx512, 1, 1, false, gsGatherFits<16>,   \
   gsGatherRun<kGsAvx512>},                                                                                            \
      {"gs_" dt "_gatherb16__avx512", Kind::GS, DType::DT, kIndex2 | kIndex4, Isa::Avx512, 2, kGatherMaxBatch, false,  \
       gsGatherFits<16>, gsGatherBatchRun<kGsAvx512>},                                                                 \
      {"gs_" dt "_gather8__avx2", Kind::GS, DType::DT, kIndex2 | kIndex4, Isa::Avx2, 1, 1, false, gsGatherFits<8>,     \
       gsGatherRun<kGsAvx2>},                                                                                          \
      {"gs_" dt "_gatherb8__avx2", Kind::GS, DType::DT, kIndex2 | kIndex4, Isa::Avx2, 2, kGatherMaxBatch, false,       \
       gsGatherFits<8>, gsGatherBatchRun<kGsAvx2>},                                                                    \
      GSPARSE_SPARSE_ROWS("gs", GS, DT, dt, kAnyIndex, gsForEach, "dot", "tiles1x16", gsPortable)

}  // namespace

GSPARSE_KERNEL_LIST(kernelsGS, GS_ROWS)

}  // namespace cpu
}  // namespace gsparse

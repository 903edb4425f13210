// GS Y = X W^T, portable version. A pack is B lanes; lane l feeds group row l / E. Batch 1: each
// lane accumulates x[col] * value on its own (the SIMD-gather shape of GS-PATTERNS.md), and the E
// lanes of a row are reduced once per group. Batch > 1: each lane does an axpy over the batch tile
// into its row's accumulator, row by row. Outputs go to row g*R + r, or rowIds[g*R + r] with permute.
#include "gs_gather.h"
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

namespace {

constexpr std::size_t kMaxBanks = 64;

// Portable batch-1 gather: same contract as GsGatherFn (raw row sums of groups [g0, g1)).
template <class V, class I>
void gatherPortable(const V* val, const I* idx, const uint32_t* ptr, std::size_t B, std::size_t E, const float* x,
                    std::size_t g0, std::size_t g1, float* rowSums) {
  const std::size_t R = B / E;
  for (std::size_t g = g0; g < g1; ++g) {
    float lanes[kMaxBanks] = {};
    for (std::size_t p = ptr[g]; p < ptr[g + 1]; ++p)
      for (std::size_t l = 0; l < B; ++l) lanes[l] += loadWeight(val, p * B + l) * x[idx[p * B + l]];
    for (std::size_t r = 0; r < R; ++r) {
      float s = 0.0f;
      for (std::size_t e = 0; e < E; ++e) s += lanes[r * E + e];
      rowSums[(g - g0) * R + r] = s;
    }
  }
}

// gather: an ISA batch-1 kernel able to run this matrix, or null for the portable loop.
template <class V, class I>
void gsTyped(const PackedMatrix& w, const V* val, const I* idx, const MatmulArgs& a, GsGatherFn gather) {
  const Epilogue epi(a);
  const std::size_t B = w.pattern.banks, E = w.pattern.perRow, R = B / E;
  const uint32_t* ptr = w.ptr.data();
  const bool permute = w.pattern.permute;
  auto rowOf = [&](std::size_t g, std::size_t r) {
    const std::size_t gr = g * R + r;
    if (permute) return w.rowIds[gr];
    return gr < w.rows ? static_cast<uint32_t>(gr) : PackedMatrix::kNoRow;
  };
  runKernel(
      a, w.cols, w.cols, w.gsGroups(), workPrefix(w.ptr, B, 8 * R),
      [&](std::size_t g0, std::size_t g1, const XView& xv) {
        std::vector<float> rowSums((g1 - g0) * R);
        if (gather) {
          GsGatherArgs ga;
          ga.values = w.values.rawData();
          ga.f16 = w.dtype() == DType::F16;
          ga.indices = idx;
          ga.indexWidth = sizeof(I);
          ga.ptr = ptr;
          ga.banks = static_cast<uint32_t>(B);
          ga.perRow = static_cast<uint32_t>(E);
          ga.x = xv.vec();
          gather(ga, g0, g1, rowSums.data());
        } else {
          gatherPortable(val, idx, ptr, B, E, xv.vec(), g0, g1, rowSums.data());
        }
        for (std::size_t g = g0; g < g1; ++g)
          for (std::size_t r = 0; r < R; ++r) {
            const uint32_t row = rowOf(g, r);
            if (row != PackedMatrix::kNoRow) a.y[row] = epi(rowSums[(g - g0) * R + r], row);
          }
      },
      [&](std::size_t g0, std::size_t g1, const XView& xv) {
        alignas(64) float tile[kMaxBanks * kBatchTile];
        for (std::size_t g = g0; g < g1; ++g) {
          for (std::size_t t = 0; t < xv.tiles; ++t) {  // the group's packs stay in L1 across tiles
            const float* xt = xv.tile(t);
            // Row by row (stride B through the packs), so a row's accumulator stays in registers.
            for (std::size_t r = 0; r < R; ++r) {
              TileRow acc;
              for (std::size_t p = ptr[g]; p < ptr[g + 1]; ++p)
                for (std::size_t l = p * B + r * E; l < p * B + (r + 1) * E; ++l)
                  acc.axpy(loadWeight(val, l), xt + static_cast<std::size_t>(idx[l]) * kBatchTile);
              acc.copyTo(tile + r * kBatchTile);
            }
            storeTile(epi, tile, R, [&](std::size_t r) { return rowOf(g, r); }, xv.width(t), xv.b0 + t * kBatchTile,
                      a.y, w.rows);
          }
        }
      });
}

void gsWithGather(const PackedMatrix& w, const MatmulArgs& a, GsGatherFn gather) {
  withValues(w.values, [&](auto val) { withIndices(w.indices, [&](auto idx) { gsTyped(w, val, idx, a, gather); }); });
}

}  // namespace

void spmmGS(const PackedMatrix& w, const MatmulArgs& a) { gsWithGather(w, a, nullptr); }

// The ISA gather kernels cover batch 1 with whole vectors of lanes and 2- or 4-byte indices;
// batch > 1 and other shapes take the portable loops.
void spmmGSAvx2(const PackedMatrix& w, const MatmulArgs& a) {
  const bool fits = w.pattern.banks % 8 == 0 && (w.indices.width() == 2 || w.indices.width() == 4);
  gsWithGather(w, a, fits ? gsGatherAvx2 : nullptr);
}

void spmmGSAvx512(const PackedMatrix& w, const MatmulArgs& a) {
  const bool fits = w.pattern.banks % 16 == 0 && (w.indices.width() == 2 || w.indices.width() == 4);
  gsWithGather(w, a, fits ? gsGatherAvx512 : nullptr);
}

}  // namespace cpu
}  // namespace gsparse

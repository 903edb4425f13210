// Block (BSR) Y = X W^T with R x C blocks, values row-major inside a block. X is zero-padded to
// whole block columns (edge blocks hold zeros past the matrix); rows past the matrix are not stored.

#include "../kernel_table.h"
#include "../row_blocked/row_blocked.h"
#include "../spmm_common.h"
#include "block_isa.h"

namespace gsparse {
namespace cpu {

namespace {

template <class V, class I>
void blockTyped(const PackedView& w, const V* val, const I* idx, const MatmulArgs& a) {
  const Epilogue epi(a);
  const std::size_t R = w.blockRows, C = w.blockCols, RC = R * C;
  const std::size_t blockRows = (w.rows + R - 1) / R, colsPadded = (w.cols + C - 1) / C * C;
  const uint32_t* ptr = w.ptr;
  auto rowOf = [&](std::size_t br, std::size_t i) {
    const std::size_t r = br * R + i;
    return r < w.rows ? static_cast<uint32_t>(r) : PackedMatrix::kNoRow;
  };
  runKernel(
      a, w.cols, colsPadded, blockRows, workPrefix(w, blockRows, RC, 8 * R),
      [&](std::size_t b0, std::size_t b1, const XView& xv) {
        std::vector<float> acc(R);
        for (std::size_t br = b0; br < b1; ++br) {
          std::fill(acc.begin(), acc.end(), 0.0f);
          for (uint32_t k = ptr[br]; k < w.end[br]; ++k) {
            const float* xs = xv.vec() + static_cast<std::size_t>(idx[k]) * C;
            const std::size_t base = k * RC;
            for (std::size_t i = 0; i < R; ++i) {
              float s = 0.0f;
              for (std::size_t c = 0; c < C; ++c) s += loadWeight(val, base + i * C + c) * xs[c];
              acc[i] += s;
            }
          }
          for (std::size_t i = 0; i < R; ++i)
            if (rowOf(br, i) != PackedMatrix::kNoRow) a.y[br * R + i] = epi(acc[i], br * R + i);
        }
      },
      [&](std::size_t b0, std::size_t b1, const XView& xv) {
        AlignedVec<float> tile(R * kBatchTile);
        for (std::size_t br = b0; br < b1; ++br) {
          for (std::size_t t = 0; t < xv.tiles; ++t) {
            const float* xt = xv.tile(t);
            for (std::size_t i = 0; i < R; ++i) {  // row by row: the accumulator stays in registers
              TileRow acc;
              for (uint32_t k = ptr[br]; k < w.end[br]; ++k) {
                const float* xs = xt + static_cast<std::size_t>(idx[k]) * C * kBatchTile;
                const std::size_t base = k * RC + i * C;
                for (std::size_t c = 0; c < C; ++c) acc.axpy(loadWeight(val, base + c), xs + c * kBatchTile);
              }
              acc.copyTo(tile.data() + i * kBatchTile);
            }
            storeTile(epi, tile.data(), R, [&](std::size_t i) { return rowOf(br, i); }, xv.width(t),
                      xv.b0 + t * kBatchTile, a.y, w.rows);
          }
        }
      });
}

void blockPortable(const PackedMatrix& w, const MatmulArgs& a) {
  const PackedView v = packedView(w, a.level);
  withTypes(v, [&](auto val, auto idx) { blockTyped(v, val, idx, a); });
}

// Every stored block entry inside the matrix as (row, column, value) for the row-blocked copy.
void blockForEach(const PackedView& w, const RowBlockedEmit& emit) {
  withTypes(w, [&](auto val, auto idx) {
    const std::size_t R = w.blockRows, C = w.blockCols, blockRows = (w.rows + R - 1) / R;
    for (std::size_t br = 0; br < blockRows; ++br)
      for (std::size_t b = w.ptr[br]; b < w.end[br]; ++b)
        for (std::size_t i = 0; i < R; ++i)
          for (std::size_t j = 0; j < C; ++j) {
            const std::size_t row = br * R + i, col = std::size_t{idx[b]} * C + j;
            if (row < w.rows && col < w.cols)
              emit(static_cast<uint32_t>(row), static_cast<uint32_t>(col), loadWeight(val, (b * R + i) * C + j));
          }
  });
}

// SIMD 4 x 1 block driver with ISA kernels K (block_isa.h): each X load feeds the block's 4 rows (W
// 4096x4096 90% batch 64, 2.1-2.6 ms vs 3.2-5.0 through the row-blocked copy). Batch 1: each chunk's
// raw sums then go through the ISA's vector epilogue; the batched kernel applies it as it stores.
template <const BlockIsa& K>
void block4x1Run(const PackedMatrix& w, const MatmulArgs& a) {
  BlockSimdArgs s;
  s.w = packedView(w, a.level);
  s.bias = a.bias;
  s.activation = static_cast<uint8_t>(a.activation);
  s.y = a.y;
  const std::size_t blockRows = (w.rows + 3) / 4;
  runKernel(
      a, w.cols, w.cols, blockRows, workPrefix(s.w, blockRows, 4, 32),
      [&](std::size_t b0, std::size_t b1, const XView& xv) {
        K.vec(s, xv.vec(), b0, b1);
        epilogueRowsInPlace(K.epilogue, a, b0 * 4, std::min<std::size_t>(b1 * 4, w.rows));
      },
      [&](std::size_t b0, std::size_t b1, const XView& xv) {
        K.tiles(s, xv.tile(0), xv.colsPadded * kBatchTile, xv.tiles, xv.batch, xv.b0, b0, b1);
      });
}

// The SIMD block kernels take 4 x 1 blocks (2- or 4-byte block-column indices: the row mask).
bool is4x1(const PackedMatrix& w, uint32_t) { return w.pattern.blockRows == 4 && w.pattern.blockCols == 1; }

// 4 x 1 blocks take their own kernels at every batch; batched calls of other shapes the row-blocked
// copy; the rest the portable loops.
#define BLOCK_ROWS(DT, dt)                                                                                             \
  {"block_" dt "_gather4x1__avx512", Kind::Block, DType::DT, kIndex2 | kIndex4, Isa::Avx512, 1, 1, false, is4x1,       \
   block4x1Run<kBlockAvx512>},                                                                                         \
      {"block_" dt "_tiles4x64__avx512", Kind::Block, DType::DT, kIndex2 | kIndex4, Isa::Avx512, 2, kAnyBatch, false,  \
       is4x1, block4x1Run<kBlockAvx512>},                                                                              \
      {"block_" dt "_gather4x1__avx2", Kind::Block, DType::DT, kIndex2 | kIndex4, Isa::Avx2, 1, 1, false, is4x1,       \
       block4x1Run<kBlockAvx2>},                                                                                       \
      {"block_" dt "_tiles4x16__avx2", Kind::Block, DType::DT, kIndex2 | kIndex4, Isa::Avx2, 2, kAnyBatch, false,      \
       is4x1, block4x1Run<kBlockAvx2>},                                                                                \
      GSPARSE_SPARSE_ROWS("block", Block, DT, dt, kAnyIndex, blockForEach, "dot", "tiles1x16", blockPortable)

}  // namespace

GSPARSE_KERNEL_LIST(kernelsBlock, BLOCK_ROWS)

}  // namespace cpu
}  // namespace gsparse

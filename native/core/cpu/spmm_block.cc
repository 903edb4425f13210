// Block (BSR) Y = X W^T with R x C blocks, values row-major inside a block. X is zero-padded to
// whole block columns (edge blocks hold zeros past the matrix); rows past the matrix are not stored.
#include <functional>

#include "nm_block_simd.h"
#include "row_blocked.h"
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

namespace {

template <class V, class I>
void blockTyped(const PackedMatrix& w, const V* val, const I* idx, const MatmulArgs& a) {
  const Epilogue epi(a);
  const std::size_t R = w.pattern.blockRows, C = w.pattern.blockCols, RC = R * C;
  const std::size_t blockRows = (w.rows + R - 1) / R, colsPadded = (w.cols + C - 1) / C * C;
  const uint32_t* ptr = w.ptr.data();
  auto rowOf = [&](std::size_t br, std::size_t i) {
    const std::size_t r = br * R + i;
    return r < w.rows ? static_cast<uint32_t>(r) : PackedMatrix::kNoRow;
  };
  runKernel(
      a, w.cols, colsPadded, blockRows, workPrefix(w.ptr, RC, 8 * R),
      [&](std::size_t b0, std::size_t b1, const XView& xv) {
        std::vector<float> acc(R);
        for (std::size_t br = b0; br < b1; ++br) {
          std::fill(acc.begin(), acc.end(), 0.0f);
          for (uint32_t k = ptr[br]; k < ptr[br + 1]; ++k) {
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
              for (uint32_t k = ptr[br]; k < ptr[br + 1]; ++k) {
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

}  // namespace

void spmmBlock(const PackedMatrix& w, const MatmulArgs& a) {
  withValues(w.values, [&](auto val) { withIndices(w.indices, [&](auto idx) { blockTyped(w, val, idx, a); }); });
}

namespace {

using BlockVecFn = void (*)(const SparseSimdArgs&, const float*, std::size_t, std::size_t);
using BlockTilesFn = void (*)(const SparseSimdArgs&, const float*, std::size_t, std::size_t, std::size_t,
                              std::size_t, std::size_t, std::size_t);

// Every stored block entry inside the matrix as (row, column, value) for the row-blocked copy.
void blockForEach(const PackedMatrix& w, const std::function<void(uint32_t, uint32_t, float)>& emit) {
  withValues(w.values, [&](auto val) {
    withIndices(w.indices, [&](auto idx) {
      const std::size_t R = w.pattern.blockRows, C = w.pattern.blockCols;
      for (std::size_t br = 0; br + 1 < w.ptr.size(); ++br)
        for (std::size_t b = w.ptr[br]; b < w.ptr[br + 1]; ++b)
          for (std::size_t i = 0; i < R; ++i)
            for (std::size_t j = 0; j < C; ++j) {
              const std::size_t row = br * R + i, col = std::size_t{idx[b]} * C + j;
              if (row < w.rows && col < w.cols)
                emit(static_cast<uint32_t>(row), static_cast<uint32_t>(col), loadWeight(val, (b * R + i) * C + j));
            }
    });
  });
}

// SIMD block driver: 4 x 1 blocks take their own kernels (each X load feeds the block's 4 rows:
// W 4096x4096 90% batch 64, 2.1-2.6 ms vs 3.2-5.0 through the row-blocked copy); batched calls of
// other shapes take the row-blocked copy (row_blocked.h); the rest runs the portable kernel.
void blockSimd(const PackedMatrix& w, const MatmulArgs& a, BlockVecFn vec, BlockTilesFn tiles, RowBlockedChunkFn chunk) {
  if (w.pattern.blockRows != 4 || w.pattern.blockCols != 1 || w.indices.width() < 2) {
    if (a.batch > 1 && tryRowBlocked(w, a, chunk, [&](const auto& emit) { blockForEach(w, emit); })) return;
    return spmmBlock(w, a);
  }
  SparseSimdArgs s;
  s.values = w.values.rawData();
  s.f16 = w.dtype() == DType::F16;
  s.indices = w.indices.rawData();
  s.indexWidth = w.indices.width();
  s.ptr = w.ptr.data();
  s.R = 4;
  s.C = 1;
  s.rows = w.rows;
  s.cols = w.cols;
  s.bias = a.bias;
  s.activation = static_cast<int>(a.activation);
  s.y = a.y;
  const std::size_t blockRows = (w.rows + 3) / 4;
  runKernel(
      a, w.cols, w.cols, blockRows, workPrefix(w.ptr, 4, 32),
      [&](std::size_t b0, std::size_t b1, const XView& xv) { vec(s, xv.vec(), b0, b1); },
      [&](std::size_t b0, std::size_t b1, const XView& xv) {
        tiles(s, xv.tile(0), xv.colsPadded * kBatchTile, xv.tiles, xv.batch, xv.b0, b0, b1);
      });
}

}  // namespace

void spmmBlockAvx512(const PackedMatrix& w, const MatmulArgs& a) {
  blockSimd(w, a, blockVecAvx512, blockTilesAvx512, rowBlockedChunkAvx512);
}
void spmmBlockAvx2(const PackedMatrix& w, const MatmulArgs& a) {
  blockSimd(w, a, blockVecAvx2, blockTilesAvx2, rowBlockedChunkAvx2);
}

}  // namespace cpu
}  // namespace gsparse

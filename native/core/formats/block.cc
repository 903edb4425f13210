// Block (BSR) format: R x C blocks that hold any nonzero are stored whole, row-major inside the
// block; ptr indexes block rows, indices are block columns (ascending; within each level's run when
// nested). Edge blocks that stick out of the matrix are padded with zeros.
#include <algorithm>

#include "formats_internal.h"

namespace gsparse {
namespace formats {
namespace {

// The block grid of a matrix: block (br, bc) covers rows br*R.. and columns bc*C.. (clipped).
struct BlockGrid {
  uint32_t R, C;
  uint32_t rows, cols;
  uint64_t blockRows() const { return ceilDiv(rows, R); }
  uint64_t blockCols() const { return ceilDiv(cols, C); }
  uint64_t blockSize() const { return uint64_t{R} * C; }
  // Rows (columns) of block row br (block column bc) that lie inside the matrix.
  uint32_t rowsIn(uint64_t br) const { return static_cast<uint32_t>(std::min<uint64_t>(R, rows - br * R)); }
  uint32_t colsIn(uint64_t bc) const { return static_cast<uint32_t>(std::min<uint64_t>(C, cols - bc * C)); }
};

BlockGrid gridOf(const Pattern& p, uint32_t rows, uint32_t cols) { return {p.blockRows, p.blockCols, rows, cols}; }

// Marks the block columns of block row br that hold any nonzero.
void markNonzeroBlocks(const DenseInput& in, const BlockGrid& g, uint64_t br, std::vector<uint8_t>& used) {
  std::fill(used.begin(), used.end(), 0);
  for (uint32_t i = 0; i < g.rowsIn(br); ++i) {
    const float* row = in.row(static_cast<uint32_t>(br * g.R + i));
    for (uint32_t bc = 0; bc < used.size(); ++bc, row += g.C) {
      for (uint32_t j = 0; j < g.colsIn(bc); ++j) used[bc] |= row[j] != 0.0f;
    }
  }
}

PackedMatrix packBlock(const DenseInput& in) {
  PackedMatrix m = emptyLike(in);
  const BlockGrid g = gridOf(in.pattern, in.rows, in.cols);
  // Pass 1: which blocks are kept.
  std::vector<uint32_t> blockCols;
  std::vector<uint8_t> used(g.blockCols());
  m.ptr.assign(g.blockRows() + 1, 0);
  for (uint64_t br = 0; br < g.blockRows(); ++br) {
    markNonzeroBlocks(in, g, br, used);
    for (uint32_t bc = 0; bc < used.size(); ++bc) {
      if (used[bc]) blockCols.push_back(bc);
    }
    m.ptr[br + 1] = toPtrValue(blockCols.size(), "block count");
  }
  // Pass 2: copy them; entries outside the matrix stay 0.
  m.indices.reset(indexWidthFor(g.blockCols()), blockCols.size());
  m.values.reset(in.dtype, blockCols.size() * g.blockSize());
  for (uint64_t br = 0; br < g.blockRows(); ++br) {
    for (uint32_t k = m.ptr[br]; k < m.ptr[br + 1]; ++k) {
      uint32_t bc = blockCols[k];
      m.indices.set(k, bc);
      for (uint32_t i = 0; i < g.rowsIn(br); ++i) {
        const float* src = in.row(static_cast<uint32_t>(br * g.R + i)) + uint64_t{bc} * g.C;
        for (uint32_t j = 0; j < g.colsIn(bc); ++j) m.values.set(k * g.blockSize() + i * g.C + j, src[j]);
      }
    }
  }
  return m;
}

void accumulateBlock(const PackedMatrix& m, uint32_t level, float* out) {
  const BlockGrid g = gridOf(m.pattern, m.rows, m.cols);
  for (uint64_t br = 0; br < g.blockRows(); ++br) {
    for (uint32_t k = m.ptr[br], end = m.levelEnd(level, br); k < end; ++k) {
      uint32_t bc = m.indices.get(k);
      for (uint32_t i = 0; i < g.rowsIn(br); ++i) {
        float* dst = out + (br * g.R + i) * m.cols + uint64_t{bc} * g.C;
        for (uint32_t j = 0; j < g.colsIn(bc); ++j) dst[j] += m.values.get(k * g.blockSize() + i * g.C + j);
      }
    }
  }
}

// Entries of block k (at block row br, block column bc) that lie outside the matrix must be 0.
void requireZeroOutside(const PackedMatrix& m, const BlockGrid& g, uint64_t br, uint32_t bc, uint64_t k) {
  uint32_t rowsIn = g.rowsIn(br), colsIn = g.colsIn(bc);
  if (rowsIn == g.R && colsIn == g.C) return;
  for (uint32_t i = 0; i < g.R; ++i) {
    for (uint32_t j = 0; j < g.C; ++j) {
      if ((i < rowsIn && j < colsIn) || m.values.get(k * g.blockSize() + i * g.C + j) == 0.0f) continue;
      fail(ErrorCode::Corrupt, "block " + std::to_string(k) + ": entry (" + std::to_string(i) + ", " +
                                   std::to_string(j) + ") lies outside the matrix but is not 0");
    }
  }
}

void validateBlock(const PackedMatrix& m) {
  const BlockGrid g = gridOf(m.pattern, m.rows, m.cols);
  uint64_t count = requirePtr(m.ptr, g.blockRows(), "ptr");
  requireSize(m.indices.size(), count, "indices");
  requireSize(m.values.size(), mulSat(count, g.blockSize()), "values");
  requireIndexWidth(m.indices, indexWidthFor(g.blockCols()));
  requireSize(m.rowIds.size(), 0, "rowIds");
  requireLevels(m, g.blockRows());
  for (uint64_t br = 0; br < g.blockRows(); ++br) {
    forEachRun(m, br, m.ptr[br], [&](uint32_t b, uint32_t e) {
      requireSortedBelow(m.indices, b, e, g.blockCols(), "block row");
    });
    for (uint32_t k = m.ptr[br]; k < m.ptr[br + 1]; ++k) requireZeroOutside(m, g, br, m.indices.get(k), k);
  }
  requireDistinctAcrossRuns(m, g.blockCols(), "block row");
}

}  // namespace

const FormatOps kBlockOps = {packBlock, accumulateBlock, validateBlock};

}  // namespace formats
}  // namespace gsparse

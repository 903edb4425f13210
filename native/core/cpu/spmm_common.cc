// X preparation and work prefixes shared by the CPU kernels (see spmm_common.h).
#include "spmm_common.h"

namespace gsparse {
namespace cpu {

std::vector<uint64_t> workPrefix(const PackedView& w, std::size_t units, uint64_t perItem, uint64_t perUnit) {
  std::vector<uint64_t> prefix(units + 1);
  prefix[0] = 0;
  for (std::size_t u = 0; u < units; ++u) prefix[u + 1] = prefix[u] + (w.end[u] - w.ptr[u]) * perItem + perUnit;
  return prefix;
}

PackedView packedView(const PackedMatrix& w, uint32_t level) {
  PackedView v;
  v.values = w.values.rawData();
  v.f16 = w.dtype() == DType::F16;
  v.indices = w.indices.rawData();
  v.indexWidth = w.indices.width();
  v.ptr = w.ptr.empty() ? nullptr : w.ptr.data();
  if (!w.ptr.empty()) v.end = level == 0 ? w.ptr.data() + 1 : w.levelEnds.data() + (level - 1) * w.levelSegments();
  v.rowIds = w.rowIds.empty() ? nullptr : w.rowIds.data();
  v.rowIdCount = w.pattern.kind == Kind::Channel ? w.levelEnd(level, 0) : w.rowIds.size();
  v.rows = w.rows;
  v.cols = w.cols;
  const Pattern& p = w.pattern;
  if (p.kind == Kind::NM) v.groups = (w.cols + p.m - 1) / p.m;
  if (p.kind == Kind::GS) v.groups = w.gsGroups();
  v.n = p.n, v.m = p.m;
  v.nUsed = p.kind == Kind::NM ? w.levelEnd(level, 0) : p.n;
  v.blockRows = p.blockRows, v.blockCols = p.blockCols;
  v.banks = p.banks, v.perRow = p.perRow;
  return v;
}

XView& threadXView() {
  thread_local XView xv;
  return xv;
}

std::vector<uint64_t> uniformPrefix(std::size_t units, uint64_t perUnit) {
  std::vector<uint64_t> prefix(units + 1);
  for (std::size_t u = 0; u <= units; ++u) prefix[u] = u * perUnit;
  return prefix;
}

void XView::prepareVector(const float* x, std::size_t cols, std::size_t padded) {
  b0 = 0;
  batch = 1;
  tiles = 0;
  colsPadded = padded;
  if (padded == cols) {
    vec_ = x;
    return;
  }
  data_.assign(padded, 0.0f);
  std::copy(x, x + cols, data_.begin());
  vec_ = data_.data();
}

void XView::prepareTiles(const float* x, std::size_t cols, std::size_t padded, std::size_t first,
                         std::size_t count) {
  b0 = first;
  batch = count;
  tiles = (count + kBatchTile - 1) / kBatchTile;
  colsPadded = padded;
  vec_ = nullptr;
  data_.resize(tiles * padded * kBatchTile);
  // Columns in blocks of 64 per chunk: each chunk reads short contiguous runs of x rows and writes
  // whole cache lines of the tile.
  constexpr std::size_t kColBlock = 64;
  const std::size_t colBlocks = (padded + kColBlock - 1) / kColBlock;
  parallelFor(tiles * colBlocks, std::max<std::size_t>(1, 4096 / (kColBlock * kBatchTile) ), [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const std::size_t t = i / colBlocks, c0 = (i % colBlocks) * kColBlock;
      const std::size_t c1 = std::min(padded, c0 + kColBlock), cEnd = std::min(cols, c1);
      const std::size_t width = std::min(kBatchTile, count - t * kBatchTile);
      float* dst = data_.data() + t * padded * kBatchTile;
      for (std::size_t c = c0; c < c1; ++c)
        for (std::size_t j = 0; j < kBatchTile; ++j) dst[c * kBatchTile + j] = 0.0f;
      for (std::size_t j = 0; j < width; ++j) {
        const float* src = x + (first + t * kBatchTile + j) * cols;
        for (std::size_t c = c0; c < cEnd; ++c) dst[c * kBatchTile + j] = src[c];
      }
    }
  });
}

}  // namespace cpu
}  // namespace gsparse

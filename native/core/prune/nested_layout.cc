// Lays out nested csr, block, channel and N:M matrices from each item's level: inside every segment,
// the sparsest level's items first, then those each denser level adds, index order within a level
// (docs/formats.md, Nested levels).
#include <algorithm>
#include <string>

#include "gsparse/errors.h"
#include "gsparse/thread_pool.h"
#include "nested_internal.h"
#include "prune_internal.h"

namespace gsparse {
namespace prune_detail {

namespace {

// Visits the kept items [0, count) of one segment sparsest level first, in index order within a
// level: put(item, slot) with slots counting up from `slot`; ends[k] = the slot after level k's run.
template <class Put>
void emitByLevel(const uint8_t* level, uint32_t count, uint32_t levels, uint32_t slot, uint32_t* ends, Put&& put) {
  for (uint32_t k = levels; k-- > 0;) {
    for (uint32_t i = 0; i < count; ++i) {
      if (level[i] == k) put(i, slot++);
    }
    ends[k] = slot;
  }
}

PackedMatrix emptyNested(const Pattern& p, uint32_t rows, uint32_t cols, DType dtype) {
  PackedMatrix m;
  m.pattern = p;
  m.rows = rows;
  m.cols = cols;
  m.values.reset(dtype, 0);
  return m;
}

// ptr of `segments` segments of count[s] kept items each; RangeError past 2^32 - 1 items.
void setPtr(PackedMatrix& m, const std::vector<uint32_t>& count) {
  m.ptr.assign(count.size() + 1, 0);
  uint64_t total = 0;
  for (std::size_t s = 0; s < count.size(); ++s) {
    total += count[s];
    require(total <= UINT32_MAX, "nested " + patternToString(m.pattern) + ": expected at most 4294967295 entries, got " +
                                     std::to_string(total) + " or more");
    m.ptr[s + 1] = static_cast<uint32_t>(total);
  }
}

// Segment s's ends of levels 1..L-1 into levelEnds (sized (L-1) * segments).
void storeEnds(PackedMatrix& m, std::size_t s, std::size_t segments, const uint32_t* ends, uint32_t levels) {
  for (uint32_t k = 1; k < levels; ++k) m.levelEnds[(k - 1) * segments + s] = ends[k];
}

// Kept items of each of `segments` segments of `width` items (levels row-major).
std::vector<uint32_t> keptPerSegment(const uint8_t* level, std::size_t segments, std::size_t width) {
  std::vector<uint32_t> count(segments);
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t{1} << 16) / width);
  parallelFor(segments, grain, [&](std::size_t b, std::size_t e) {
    for (std::size_t s = b; s < e; ++s) {
      const uint8_t* x = level + s * width;
      count[s] = static_cast<uint32_t>(std::count_if(x, x + width, [](uint8_t v) { return v != kNotKept; }));
    }
  });
  return count;
}

}  // namespace

PackedMatrix layoutCsr(const float* w, const uint8_t* level, uint32_t rows, uint32_t cols, uint32_t levels,
                       DType dtype) {
  Pattern p;
  p.kind = Kind::Csr;
  PackedMatrix m = emptyNested(p, rows, cols, dtype);
  setPtr(m, keptPerSegment(level, rows, cols));
  m.values.reset(dtype, m.ptr.back());
  m.indices.reset(indexWidthFor(cols), m.ptr.back());
  m.levelEnds.resize(static_cast<std::size_t>(levels - 1) * rows);
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);
  parallelFor(rows, grain, [&](std::size_t b, std::size_t e) {
    uint32_t ends[PackedMatrix::kMaxLevels];
    for (std::size_t r = b; r < e; ++r) {
      const float* x = w + r * cols;
      emitByLevel(level + r * cols, cols, levels, m.ptr[r], ends, [&](uint32_t c, uint32_t slot) {
        m.values.set(slot, x[c]);
        m.indices.set(slot, c);
      });
      storeEnds(m, r, rows, ends, levels);
    }
  });
  return m;
}

PackedMatrix layoutBlock(const float* w, const uint8_t* level, uint32_t rows, uint32_t cols, const Pattern& p,
                         uint32_t levels, DType dtype) {
  const uint32_t R = p.blockRows, C = p.blockCols;
  const uint32_t blockRows = (rows + R - 1) / R, blockCols = (cols + C - 1) / C;
  const std::size_t blockSize = std::size_t{R} * C;
  PackedMatrix m = emptyNested(p, rows, cols, dtype);
  setPtr(m, keptPerSegment(level, blockRows, blockCols));
  m.values.reset(dtype, m.ptr.back() * blockSize);  // entries outside the matrix stay 0
  m.indices.reset(indexWidthFor(blockCols), m.ptr.back());
  m.levelEnds.resize(static_cast<std::size_t>(levels - 1) * blockRows);
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t{1} << 16) / (std::size_t{R} * cols));
  parallelFor(blockRows, grain, [&](std::size_t b, std::size_t e) {
    uint32_t ends[PackedMatrix::kMaxLevels];
    for (std::size_t br = b; br < e; ++br) {
      const uint32_t rowsIn = std::min<uint32_t>(R, rows - static_cast<uint32_t>(br) * R);
      emitByLevel(level + br * blockCols, blockCols, levels, m.ptr[br], ends, [&](uint32_t bc, uint32_t slot) {
        m.indices.set(slot, bc);
        const uint32_t colsIn = std::min(C, cols - bc * C);
        for (uint32_t i = 0; i < rowsIn; ++i) {
          const float* src = w + (br * R + i) * cols + std::size_t{bc} * C;
          for (uint32_t j = 0; j < colsIn; ++j) m.values.set(slot * blockSize + i * C + j, src[j]);
        }
      });
      storeEnds(m, br, blockRows, ends, levels);
    }
  });
  return m;
}

PackedMatrix layoutChannel(const float* w, const uint8_t* level, uint32_t rows, uint32_t cols, uint32_t levels,
                           DType dtype) {
  Pattern p;
  p.kind = Kind::Channel;
  PackedMatrix m = emptyNested(p, rows, cols, dtype);
  m.rowIds.resize(keptPerSegment(level, 1, rows)[0]);
  m.values.reset(dtype, m.rowIds.size() * cols);
  m.levelEnds.resize(levels - 1);
  uint32_t ends[PackedMatrix::kMaxLevels];
  emitByLevel(level, rows, levels, 0, ends, [&](uint32_t r, uint32_t slot) { m.rowIds[slot] = r; });
  storeEnds(m, 0, 1, ends, levels);
  parallelFor(m.rowIds.size(), std::max<std::size_t>(1, (std::size_t{1} << 16) / cols), [&](std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) {
      const float* src = w + std::size_t{m.rowIds[k]} * cols;
      for (uint32_t c = 0; c < cols; ++c) m.values.set(k * cols + c, src[c]);
    }
  });
  return m;
}

PackedMatrix layoutNM(const float* w, const float* importance, uint32_t rows, uint32_t cols, const Pattern& p,
                      const std::vector<uint32_t>& n, DType dtype) {
  const uint32_t levels = static_cast<uint32_t>(n.size()), M = p.m, N = p.n;
  const std::size_t groupsPerRow = (cols + M - 1) / M;
  PackedMatrix m = emptyNested(p, rows, cols, dtype);
  m.values.reset(dtype, rows * groupsPerRow * N);  // slots past a narrow group's width stay (0, 0)
  m.indices.reset(1, rows * groupsPerRow * N);
  m.levelEnds.assign(n.begin() + 1, n.end());
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t{1} << 16) / cols);
  parallelFor(rows, grain, [&](std::size_t b, std::size_t e) {
    uint8_t rank[16], level[16];
    uint32_t ends[PackedMatrix::kMaxLevels];
    for (std::size_t r = b; r < e; ++r) {
      for (std::size_t g = 0; g < groupsPerRow; ++g) {
        const std::size_t first = r * cols + g * M;
        const uint32_t v = std::min<uint32_t>(M, cols - static_cast<uint32_t>(g) * M);
        rankGroup(importance + first, v, rank);
        for (uint32_t i = 0; i < v; ++i) level[i] = levelOf<uint32_t>(rank[i], n.data(), levels);
        const std::size_t slot = (r * groupsPerRow + g) * N;
        emitByLevel(level, v, levels, 0, ends, [&](uint32_t i, uint32_t s) {
          m.values.set(slot + s, w[first + i]);
          m.indices.set(slot + s, i);
        });
      }
    }
  });
  return m;
}

}  // namespace prune_detail
}  // namespace gsparse

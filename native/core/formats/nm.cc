// N:M format: every row is cut into groups of m consecutive columns (the last one may be narrower,
// width w); each group stores exactly n slots (value, offset inside the group), offsets strictly
// increasing over the first min(n, w) slots (nested: within each level's run, the first n_k slots
// being level k's). Slots at or beyond w (only when w < n) hold value 0 and offset 0.
#include <algorithm>

#include "formats_internal.h"

namespace gsparse {
namespace formats {
namespace {

struct NMGrid {
  uint32_t n, m, cols;
  uint64_t groupsPerRow() const { return ceilDiv(cols, m); }
  // Columns of group g that lie inside the matrix.
  uint32_t width(uint64_t g) const { return static_cast<uint32_t>(std::min<uint64_t>(m, cols - g * m)); }
};

NMGrid gridOf(const PackedMatrix& m) { return {m.pattern.n, m.pattern.m, m.cols}; }

// Fills the n slots of one group starting at `slot`. The group's nonzeros are kept; when there are
// fewer than n, the first unused offsets are taken as zero-valued fillers so offsets stay increasing
// and distinct. RangeError when the group holds more than n nonzeros.
void packGroup(const DenseInput& in, const NMGrid& grid, uint32_t r, uint64_t g, PackedMatrix& m, std::size_t slot) {
  const float* src = in.row(r) + g * grid.m;
  const uint32_t w = grid.width(g);
  uint32_t nonzeros = 0;
  for (uint32_t o = 0; o < w; ++o) nonzeros += src[o] != 0.0f;
  if (nonzeros > grid.n) {
    fail(ErrorCode::Range, "pattern " + patternToString(in.pattern) + ": row " + std::to_string(r) + ", columns " +
                               std::to_string(g * grid.m) + ".." + std::to_string(g * grid.m + w - 1) + " hold " +
                               std::to_string(nonzeros) + " nonzeros, expected at most " + std::to_string(grid.n));
  }
  uint32_t fillers = grid.n - nonzeros, taken = 0;
  for (uint32_t o = 0; o < w && taken < grid.n; ++o) {
    bool isNonzero = src[o] != 0.0f;
    if (!isNonzero) {
      if (fillers == 0) continue;
      --fillers;
    }
    m.values.set(slot + taken, src[o]);
    m.indices.set(slot + taken, o);
    ++taken;
  }
  // Slots beyond a group narrower than n keep the (0, 0) the arrays were initialised with.
}

PackedMatrix packNM(const DenseInput& in) {
  PackedMatrix m = emptyLike(in);
  const NMGrid grid{in.pattern.n, in.pattern.m, in.cols};
  const std::size_t count = static_cast<std::size_t>(in.rows) * grid.groupsPerRow() * grid.n;
  m.values.reset(in.dtype, count);
  m.indices.reset(1, count);
  std::size_t slot = 0;
  for (uint32_t r = 0; r < in.rows; ++r) {
    for (uint64_t g = 0; g < grid.groupsPerRow(); ++g, slot += grid.n) packGroup(in, grid, r, g, m, slot);
  }
  return m;
}

void accumulateNM(const PackedMatrix& m, uint32_t level, float* out) {
  const NMGrid grid = gridOf(m);
  const uint32_t used = m.levelEnd(level, 0);  // the first `used` slots of each group
  std::size_t slot = 0;
  for (uint32_t r = 0; r < m.rows; ++r) {
    float* row = out + static_cast<std::size_t>(r) * m.cols;
    for (uint64_t g = 0; g < grid.groupsPerRow(); ++g, slot += grid.n) {
      for (uint32_t s = 0; s < used; ++s) row[g * grid.m + m.indices.get(slot + s)] += m.values.get(slot + s);
    }
  }
}

// runStarts: bit s set when slot s begins a level's run (bit 0 always). Offsets increase within a run
// and never repeat in the group.
void requireGroup(const PackedMatrix& m, const NMGrid& grid, uint64_t g, std::size_t slot, uint32_t runStarts) {
  const uint32_t w = grid.width(g);
  uint32_t seen = 0;  // offsets used so far (w <= m <= 16)
  for (uint32_t s = 0; s < grid.n; ++s) {
    const std::size_t i = slot + s;
    const uint32_t off = m.indices.get(i);
    auto broken = [&](const std::string& why) {
      fail(ErrorCode::Corrupt, "slot " + std::to_string(i) + ": offset " + std::to_string(off) + why);
    };
    if (s >= w) {
      if (off == 0 && m.values.get(i) == 0.0f) continue;
      broken(" pads a group of width " + std::to_string(w) + ": expected value 0 at offset 0");
    }
    if (off >= w) broken(" is out of range (expected < " + std::to_string(w) + ")");
    if (!(runStarts >> s & 1u) && off <= m.indices.get(i - 1)) broken(" does not increase");
    if (seen >> off & 1u) broken(" is stored by two levels");
    seen |= 1u << off;
  }
}

void validateNM(const PackedMatrix& m) {
  const NMGrid grid = gridOf(m);
  const uint64_t count = mulSat(mulSat(m.rows, grid.groupsPerRow()), grid.n);
  requireSize(m.values.size(), count, "values");
  requireSize(m.indices.size(), count, "indices");
  requireIndexWidth(m.indices, 1);
  requireSize(m.ptr.size(), 0, "ptr");
  requireSize(m.rowIds.size(), 0, "rowIds");
  requireLevels(m, 1);
  uint32_t runStarts = 0;
  forEachRun(m, 0, 0, [&](uint32_t b, uint32_t) { runStarts |= 1u << b; });
  std::size_t slot = 0;
  for (uint32_t r = 0; r < m.rows; ++r) {
    for (uint64_t g = 0; g < grid.groupsPerRow(); ++g, slot += grid.n) requireGroup(m, grid, g, slot, runStarts);
  }
}

}  // namespace

const FormatOps kNMOps = {packNM, accumulateNM, validateNM};

}  // namespace formats
}  // namespace gsparse

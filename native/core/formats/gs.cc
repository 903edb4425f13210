// GS format (docs/formats.md, Packed storage): groups of R = B/E rows own whole packs of B lanes; ptr holds the
// cumulative pack count per group, lane l of a pack belongs to group row l/E, and with `permute`
// rowIds maps group rows back to matrix rows (kNoRow for the virtual rows of a partial last group).
// Nested: each level is a prefix of every group's packs; no column repeats in a row across them.
#include <algorithm>
#include <numeric>

#include "formats_internal.h"
#include "gs_decompose.h"

namespace gsparse {
namespace formats {
namespace {

// Groups of R rows; the last one may be partial. (64-bit: PackedMatrix::gsGroups() would wrap for
// rows within R of 2^32, which validate rejects.)
uint64_t groupCount(uint32_t rows, const Pattern& p) { return ceilDiv(rows, p.groupRows()); }

std::vector<uint32_t> rowNonzeros(const DenseInput& in) {
  std::vector<uint32_t> count(in.rows, 0);
  for (uint32_t r = 0; r < in.rows; ++r) {
    const float* row = in.row(r);
    uint32_t k = 0;
    for (uint32_t c = 0; c < in.cols; ++c) k += row[c] != 0.0f;
    count[r] = k;
  }
  return count;
}

// Matrix row of every group row (groups*R entries, kNoRow past the end). Without permute, group g row
// r is row g*R + r; with permute, rows are ordered by nonzero count, descending (ties by row index),
// and grouped consecutively in that order.
std::vector<uint32_t> groupRowOrder(const DenseInput& in, const std::vector<uint32_t>& count, uint64_t groups) {
  std::vector<uint32_t> order(in.rows);
  std::iota(order.begin(), order.end(), 0u);
  if (in.pattern.permute) {
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return count[a] > count[b]; });
  }
  order.resize(groups * in.pattern.groupRows(), PackedMatrix::kNoRow);
  return order;
}

// Lanes the rows alone need (max_r ceil(k_r / E) packs of B lanes per group): a reserve() hint.
uint64_t totalLanes(const Pattern& p, const std::vector<uint32_t>& order, const std::vector<uint32_t>& count) {
  uint64_t lanes = 0;
  for (std::size_t g0 = 0; g0 < order.size(); g0 += p.groupRows()) {
    uint64_t packs = 0;
    for (std::size_t i = g0; i < g0 + p.groupRows() && order[i] != PackedMatrix::kNoRow; ++i) {
      packs = std::max(packs, ceilDiv(count[order[i]], p.perRow));
    }
    lanes += packs * p.banks;
  }
  return lanes;
}

// Collects the nonzeros of group g, row by row in ascending column order, as the dtype stores them (so
// the packs' importance order holds for the stored values). Row counts are known, so the scan is
// branch-free: every entry is written and the cursor advances only past nonzeros.
void gatherGroup(const DenseInput& in, const std::vector<uint32_t>& order, const std::vector<uint32_t>& count,
                 uint64_t g, std::vector<GsLane>& entries, std::vector<uint32_t>& rowStart) {
  const uint32_t R = in.pattern.groupRows();
  rowStart.assign(1, 0);
  uint64_t total = 0;
  for (uint32_t r = 0; r < R; ++r) {
    const uint32_t row = order[g * R + r];
    total += row == PackedMatrix::kNoRow ? 0 : count[row];
    rowStart.push_back(toPtrValue(total, "gs group nonzeros"));
  }
  entries.resize(total + 1);  // +1: the cursor may write one entry past the last nonzero
  std::size_t n = 0;
  for (uint32_t r = 0; r < R; ++r) {
    const uint32_t row = order[g * R + r];
    if (row == PackedMatrix::kNoRow) continue;
    const float* src = in.row(row);
    for (uint32_t c = 0; c < in.cols; ++c) {
      entries[n] = GsLane{c, storedValue(src[c], in.dtype)};
      n += src[c] != 0.0f;
    }
  }
}

// A matrix has the GS pattern when its groups are balanced: the packs that hold each group need few
// padding lanes in its real rows. Allowed: a share of the nonzeros, plus the padding the shape alone
// forces (what a fully dense matrix of this shape needs: cols not a multiple of E or of B). With
// cols < B the structure degenerates (banks are waived) and any matrix packs. Our pruner's output,
// dense matrices and models GS-pruned elsewhere stay under the limit; rows or banks of very
// different counts do not.
constexpr double kMaxPaddingShare = 0.25;  // padding lanes in real rows / nonzeros, beyond the shape's

// Padding lanes a fully dense group of `realRows` rows needs.
uint64_t shapePadding(const Pattern& p, uint32_t cols, uint64_t realRows) {
  uint64_t packs = ceilDiv(cols, p.perRow);
  if (cols >= p.banks) packs = std::max(packs, realRows * ceilDiv(cols, p.banks));
  return (packs * p.perRow - cols) * realRows;
}

void requireBalanced(const DenseInput& in, uint64_t paddingLanes, uint64_t shapeLanes, uint64_t nonzeros) {
  const double limit = kMaxPaddingShare * static_cast<double>(nonzeros) + static_cast<double>(shapeLanes);
  if (in.cols < in.pattern.banks || static_cast<double>(paddingLanes) <= limit) return;
  fail(ErrorCode::Range, "pattern " + patternToString(in.pattern) + ": the matrix does not have the pattern: packing its " +
                             std::to_string(nonzeros) + " nonzeros into bank-distinct packs needs " +
                             std::to_string(paddingLanes) + " padding lanes, expected at most " +
                             std::to_string(static_cast<uint64_t>(limit)) +
                             " (rows or banks of a group hold very different counts); " +
                             "pass { sparsity } to prune it to the pattern instead");
}

// Copies the lanes into the typed arrays: one loop per (value type, index type), no per-lane dispatch.
template <class Index>
void storeIndices(const std::vector<GsLane>& lanes, IndexArray& indices) {
  Index* dst = reinterpret_cast<Index*>(indices.rawData());
  for (std::size_t i = 0; i < lanes.size(); ++i) dst[i] = static_cast<Index>(lanes[i].col);
}

void storeLanes(const std::vector<GsLane>& lanes, DType dtype, unsigned indexWidth, PackedMatrix& m) {
  m.values.reset(dtype, lanes.size());
  m.indices.reset(indexWidth, lanes.size());
  if (dtype == DType::F32) {
    float* dst = static_cast<float*>(m.values.rawData());
    for (std::size_t i = 0; i < lanes.size(); ++i) dst[i] = lanes[i].value;
  } else {
    uint16_t* dst = static_cast<uint16_t*>(m.values.rawData());
    for (std::size_t i = 0; i < lanes.size(); ++i) dst[i] = floatToHalf(lanes[i].value);
  }
  if (indexWidth == 2) storeIndices<uint16_t>(lanes, m.indices);
  else storeIndices<uint32_t>(lanes, m.indices);
}

PackedMatrix packGS(const DenseInput& in) {
  const Pattern& p = in.pattern;
  const uint64_t groups = groupCount(in.rows, p);
  const std::vector<uint32_t> count = rowNonzeros(in);
  std::vector<uint32_t> order = groupRowOrder(in, count, groups);
  GsDecomposer decomposer(p.banks, p.perRow, in.cols);
  std::vector<GsLane> lanes, entries;
  std::vector<uint32_t> rowStart;
  lanes.reserve(totalLanes(p, order, count));
  PackedMatrix m = emptyLike(in);
  m.ptr.assign(1, 0);
  uint64_t nonzeros = 0, realLanes = 0, shapeLanes = 0;
  for (uint64_t g = 0; g < groups; ++g) {
    gatherGroup(in, order, count, g, entries, rowStart);
    const uint64_t packs = decomposer.decompose(GsGroupRows{entries.data(), rowStart.data()}, lanes);
    uint32_t realRows = 0;
    for (uint32_t r = 0; r < p.groupRows(); ++r) realRows += order[g * p.groupRows() + r] != PackedMatrix::kNoRow;
    realLanes += packs * p.perRow * realRows;
    shapeLanes += shapePadding(p, in.cols, realRows);
    nonzeros += rowStart.back();
    m.ptr.push_back(toPtrValue(lanes.size() / p.banks, "gs pack count"));
  }
  requireBalanced(in, realLanes - nonzeros, shapeLanes, nonzeros);
  storeLanes(lanes, in.dtype, indexWidthFor(in.cols), m);
  if (p.permute) m.rowIds = std::move(order);
  return m;
}

// Matrix row of group row r of group g, kNoRow for a virtual row.
uint32_t matrixRow(const PackedMatrix& m, uint64_t g, uint32_t r) {
  const uint64_t slot = g * m.pattern.groupRows() + r;
  if (m.pattern.permute) return m.rowIds[slot];
  return slot < m.rows ? static_cast<uint32_t>(slot) : PackedMatrix::kNoRow;
}

void accumulateGS(const PackedMatrix& m, uint32_t level, float* out) {
  const uint32_t B = m.pattern.banks, E = m.pattern.perRow, R = m.pattern.groupRows();
  for (uint64_t g = 0; g < groupCount(m.rows, m.pattern); ++g) {
    for (uint32_t r = 0; r < R; ++r) {
      const uint32_t row = matrixRow(m, g, r);
      if (row == PackedMatrix::kNoRow) continue;
      float* dst = out + static_cast<std::size_t>(row) * m.cols;
      for (std::size_t p = m.ptr[g], end = m.levelEnd(level, g); p < end; ++p) {
        for (std::size_t lane = p * B + r * E; lane < p * B + (r + 1) * E; ++lane) {
          dst[m.indices.get(lane)] += m.values.get(lane);
        }
      }
    }
  }
}

// ---- validate ------------------------------------------------------------------------------------

// With permute, rowIds[0, rows) is a permutation of the rows and the virtual slots after it are kNoRow.
void requireRowPermutation(const PackedMatrix& m) {
  std::vector<bool> seen(m.rows, false);
  for (std::size_t i = 0; i < m.rowIds.size(); ++i) {
    const uint32_t id = m.rowIds[i];
    const bool ok = i < m.rows ? id < m.rows && !seen[id] : id == PackedMatrix::kNoRow;
    if (!ok) {
      fail(ErrorCode::Corrupt, "rowIds[" + std::to_string(i) + "] = " + std::to_string(id) + ": expected " +
                                   (i < m.rows ? "a row below " + std::to_string(m.rows) + " not used before"
                                               : std::string("kNoRow for a virtual row")));
    }
    if (i < m.rows) seen[id] = true;
  }
}

// Every lane's column is in range, and the lanes of each pack sit in distinct banks when cols >= B.
void requireLanes(const PackedMatrix& m) {
  const uint32_t B = m.pattern.banks;
  const bool distinct = m.cols >= B;
  for (std::size_t p = 0; p < m.values.size() / B; ++p) {
    uint64_t banks = 0;
    for (std::size_t lane = p * B; lane < (p + 1) * B; ++lane) {
      const uint32_t col = m.indices.get(lane);
      const uint64_t bit = uint64_t{1} << (col & (B - 1));
      if (col < m.cols && !(distinct && (banks & bit))) {
        banks |= bit;
        continue;
      }
      fail(ErrorCode::Corrupt, "pack " + std::to_string(p) + ", lane " + std::to_string(lane - p * B) + ": column " +
                                   std::to_string(col) +
                                   (col >= m.cols ? " is out of range (expected < " + std::to_string(m.cols) + ")"
                                                  : " is in a bank another lane of the pack uses"));
    }
  }
}

// Per real row: no column held by two nonzero lanes. Virtual rows: every lane is value 0.
void requireRowContents(const PackedMatrix& m) {
  const uint32_t B = m.pattern.banks, E = m.pattern.perRow, R = m.pattern.groupRows();
  RepeatFinder finder(m.cols, m.values.size());
  std::vector<uint32_t> cols;
  for (uint64_t g = 0; g < groupCount(m.rows, m.pattern); ++g) {
    for (uint32_t r = 0; r < R; ++r) {
      const bool isVirtual = g * R + r >= m.rows;
      cols.clear();
      for (std::size_t p = m.ptr[g]; p < m.ptr[g + 1]; ++p) {
        for (std::size_t lane = p * B + r * E; lane < p * B + (r + 1) * E; ++lane) {
          if (m.values.get(lane) == 0.0f) continue;
          if (isVirtual) {
            fail(ErrorCode::Corrupt, "group " + std::to_string(g) + ", virtual row " + std::to_string(r) +
                                         ": lane " + std::to_string(lane) + " holds a nonzero");
          }
          cols.push_back(m.indices.get(lane));
        }
      }
      if (finder.hasRepeat(cols)) {
        fail(ErrorCode::Corrupt,
             "group " + std::to_string(g) + ", row " + std::to_string(r) + ": a column is stored twice");
      }
    }
  }
}

void validateGS(const PackedMatrix& m) {
  const Pattern& p = m.pattern;
  const uint64_t groups = groupCount(m.rows, p);
  requireValid(m.gsGroups() == groups, "rows: expected at most " + std::to_string(UINT32_MAX - p.groupRows() + 1) +
                                           " for " + patternToString(p) + ", got " + std::to_string(m.rows));
  const uint64_t packs = requirePtr(m.ptr, groups, "ptr");
  requireSize(m.values.size(), mulSat(packs, p.banks), "values");
  requireSize(m.indices.size(), mulSat(packs, p.banks), "indices");
  requireIndexWidth(m.indices, indexWidthFor(m.cols));
  requireSize(m.rowIds.size(), p.permute ? groups * p.groupRows() : 0, "rowIds");
  if (p.permute) requireRowPermutation(m);
  requireLevels(m, groups);
  requireLanes(m);
  requireRowContents(m);
}

}  // namespace

const FormatOps kGSOps = {packGS, accumulateGS, validateGS};

}  // namespace formats
}  // namespace gsparse

// Channel format: whole output rows removed. The kept rows (any nonzero) are stored dense, in
// ascending order (nested: kept rows ordered by level, ascending within each level's run), with their
// original row ids.
#include "formats_internal.h"

namespace gsparse {
namespace formats {
namespace {

bool rowHasNonzero(const float* row, uint32_t cols) {
  for (uint32_t c = 0; c < cols; ++c) {
    if (row[c] != 0.0f) return true;
  }
  return false;
}

PackedMatrix packChannel(const DenseInput& in) {
  PackedMatrix m = emptyLike(in);
  for (uint32_t r = 0; r < in.rows; ++r) {
    if (rowHasNonzero(in.row(r), in.cols)) m.rowIds.push_back(r);
  }
  m.values.reset(in.dtype, m.rowIds.size() * static_cast<std::size_t>(in.cols));
  for (std::size_t k = 0; k < m.rowIds.size(); ++k) {
    const float* row = in.row(m.rowIds[k]);
    for (uint32_t c = 0; c < in.cols; ++c) m.values.set(k * in.cols + c, row[c]);
  }
  return m;
}

void accumulateChannel(const PackedMatrix& m, uint32_t level, float* out) {
  for (std::size_t k = 0, end = m.levelEnd(level, 0); k < end; ++k) {
    float* row = out + static_cast<std::size_t>(m.rowIds[k]) * m.cols;
    for (uint32_t c = 0; c < m.cols; ++c) row[c] += m.values.get(k * m.cols + c);
  }
}

// rowIds[begin, end) ascend and are rows of the matrix.
void requireAscendingRows(const PackedMatrix& m, std::size_t begin, std::size_t end) {
  for (std::size_t k = begin; k < end; ++k) {
    uint32_t id = m.rowIds[k];
    if (id < m.rows && (k == begin || id > m.rowIds[k - 1])) continue;
    std::string where = "rowIds[" + std::to_string(k) + "] = " + std::to_string(id);
    if (id >= m.rows) fail(ErrorCode::Corrupt, where + " is out of range (expected < " + std::to_string(m.rows) + ")");
    fail(ErrorCode::Corrupt, where + " does not increase (expected > " + std::to_string(m.rowIds[k - 1]) + ")");
  }
}

void validateChannel(const PackedMatrix& m) {
  requireSize(m.values.size(), mulSat(m.rowIds.size(), m.cols), "values");
  requireNoIndices(m.indices);
  requireSize(m.ptr.size(), 0, "ptr");
  requireLevels(m, 1);
  forEachRun(m, 0, 0, [&](uint32_t b, uint32_t e) { requireAscendingRows(m, b, e); });
  if (m.levelCount() == 1) return;
  std::vector<uint32_t> ids = m.rowIds;
  requireValid(!RepeatFinder(m.rows, ids.size()).hasRepeat(ids), "rowIds: a row is stored by two levels");
}

}  // namespace

const FormatOps kChannelOps = {packChannel, accumulateChannel, validateChannel};

}  // namespace formats
}  // namespace gsparse

// Channel format: whole output rows removed. The kept rows (any nonzero) are stored dense, in
// ascending order, with their original row ids.
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

void accumulateChannel(const PackedMatrix& m, float* out) {
  for (std::size_t k = 0; k < m.rowIds.size(); ++k) {
    float* row = out + static_cast<std::size_t>(m.rowIds[k]) * m.cols;
    for (uint32_t c = 0; c < m.cols; ++c) row[c] += m.values.get(k * m.cols + c);
  }
}

void validateChannel(const PackedMatrix& m) {
  for (std::size_t k = 0; k < m.rowIds.size(); ++k) {
    uint32_t id = m.rowIds[k];
    if (id < m.rows && (k == 0 || id > m.rowIds[k - 1])) continue;
    std::string where = "rowIds[" + std::to_string(k) + "] = " + std::to_string(id);
    if (id >= m.rows) fail(ErrorCode::Corrupt, where + " is out of range (expected < " + std::to_string(m.rows) + ")");
    fail(ErrorCode::Corrupt, where + " does not increase (expected > " + std::to_string(m.rowIds[k - 1]) + ")");
  }
  requireSize(m.values.size(), mulSat(m.rowIds.size(), m.cols), "values");
  requireNoIndices(m.indices);
  requireSize(m.ptr.size(), 0, "ptr");
}

}  // namespace

const FormatOps kChannelOps = {packChannel, accumulateChannel, validateChannel};

}  // namespace formats
}  // namespace gsparse

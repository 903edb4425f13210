// CSR format: ptr rows+1, column indices sorted within each row (within each level's run when nested),
// the row's nonzeros.
#include "formats_internal.h"

namespace gsparse {
namespace formats {
namespace {

PackedMatrix packCsr(const DenseInput& in) {
  PackedMatrix m = emptyLike(in);
  uint64_t nnz = 0;
  for (std::size_t i = 0, n = static_cast<std::size_t>(in.rows) * in.cols; i < n; ++i) nnz += in.data[i] != 0.0f;
  toPtrValue(nnz, "csr nonzeros");
  m.values.reset(in.dtype, nnz);
  m.indices.reset(indexWidthFor(in.cols), nnz);
  m.ptr.assign(in.rows + std::size_t{1}, 0);
  std::size_t k = 0;
  for (uint32_t r = 0; r < in.rows; ++r) {
    const float* row = in.row(r);
    for (uint32_t c = 0; c < in.cols; ++c) {
      if (row[c] == 0.0f) continue;
      m.values.set(k, row[c]);
      m.indices.set(k, c);
      ++k;
    }
    m.ptr[r + 1] = static_cast<uint32_t>(k);
  }
  return m;
}

void accumulateCsr(const PackedMatrix& m, uint32_t level, float* out) {
  for (uint32_t r = 0; r < m.rows; ++r) {
    float* row = out + static_cast<std::size_t>(r) * m.cols;
    for (uint32_t k = m.ptr[r], end = m.levelEnd(level, r); k < end; ++k) row[m.indices.get(k)] += m.values.get(k);
  }
}

void validateCsr(const PackedMatrix& m) {
  uint64_t nnz = requirePtr(m.ptr, m.rows, "ptr");
  requireSize(m.indices.size(), nnz, "indices");
  requireSize(m.values.size(), nnz, "values");
  requireIndexWidth(m.indices, indexWidthFor(m.cols));
  requireSize(m.rowIds.size(), 0, "rowIds");
  requireLevels(m, m.rows);
  for (uint32_t r = 0; r < m.rows; ++r) {
    forEachRun(m, r, m.ptr[r], [&](uint32_t b, uint32_t e) { requireSortedBelow(m.indices, b, e, m.cols, "csr row"); });
  }
  requireDistinctAcrossRuns(m, m.cols, "csr row");
}

}  // namespace

const FormatOps kCsrOps = {packCsr, accumulateCsr, validateCsr};

}  // namespace formats
}  // namespace gsparse

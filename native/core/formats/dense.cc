// Dense format: every value of the rows x cols matrix, row-major (the baseline).
#include "formats_internal.h"

namespace gsparse {
namespace formats {
namespace {

PackedMatrix packDense(const DenseInput& in) {
  PackedMatrix m = emptyLike(in);
  std::size_t count = static_cast<std::size_t>(in.rows) * in.cols;
  m.values.reset(in.dtype, count);
  for (std::size_t i = 0; i < count; ++i) m.values.set(i, in.data[i]);
  return m;
}

void accumulateDense(const PackedMatrix& m, uint32_t, float* out) {
  for (std::size_t i = 0; i < m.values.size(); ++i) out[i] += m.values.get(i);
}

void validateDense(const PackedMatrix& m) {
  requireSize(m.values.size(), mulSat(m.rows, m.cols), "values");
  requireNoIndices(m.indices);
  requireSize(m.ptr.size(), 0, "ptr");
  requireSize(m.rowIds.size(), 0, "rowIds");
  requireLevels(m, 1);  // none: a dense matrix has no levels
}

}  // namespace

const FormatOps kDenseOps = {packDense, accumulateDense, validateDense};

}  // namespace formats
}  // namespace gsparse

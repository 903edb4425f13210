// Channel format: the kept rows are a narrower dense matrix whose outputs land on rowIds; removed
// rows still get the epilogue of a zero accumulator (bias, then activation).

#include "../kernel_table.h"
#include "../spmm_common.h"
#include "spmm_dense.h"

namespace gsparse {
namespace cpu {

namespace {

template <Isa I>
void channelRun(const PackedMatrix& w, const MatmulArgs& a) {
  const Epilogue epi(a);
  const PackedView v = packedView(w, a.level);
  const std::size_t kept = v.rowIdCount;  // the level's rows: a prefix of rowIds (ascending within each level's run)
  std::vector<bool> isKept(w.rows, false);
  for (std::size_t k = 0; k < kept; ++k) isKept[w.rowIds[k]] = true;
  for (std::size_t b = 0; b < a.batch; ++b) {
    float* yb = a.y + b * w.rows;
    for (uint32_t r = 0; r < w.rows; ++r)
      if (!isKept[r]) yb[r] = epi(0.0f, r);
  }
  if (kept > 0) denseRows(v, kept, w.rowIds.data(), w.rows, a, I);
}

}  // namespace

// The kept rows go through the dense kernels of the same ISA (spmm_dense.h).
#define CHANNEL_ROWS(DT, dt) GSPARSE_DENSE_KERNEL_ROWS("channel", Channel, channelRun, DT, dt)
GSPARSE_KERNEL_LIST(kernelsChannel, CHANNEL_ROWS)

}  // namespace cpu
}  // namespace gsparse

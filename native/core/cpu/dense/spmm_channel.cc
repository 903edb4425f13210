// Channel format: the kept rows are a narrower dense matrix whose outputs land on rowIds; removed
// rows still get the epilogue of a zero accumulator (bias, then activation).
#include <iterator>

#include "../kernel_table.h"
#include "../spmm_common.h"
#include "spmm_dense.h"

namespace gsparse {
namespace cpu {

namespace {

template <Isa I>
void channelRun(const PackedMatrix& w, const MatmulArgs& a) {
  const Epilogue epi(a);
  const std::size_t kept = w.rowIds.size();
  for (std::size_t b = 0; b < a.batch; ++b) {
    float* yb = a.y + b * w.rows;
    std::size_t k = 0;  // rowIds ascending: walk them alongside r
    for (uint32_t r = 0; r < w.rows; ++r) {
      if (k < kept && w.rowIds[k] == r) ++k;
      else yb[r] = epi(0.0f, r);
    }
  }
  if (kept > 0) denseRows(packedView(w), kept, w.rowIds.data(), w.rows, a, I);
}

// The kept rows go through the dense rows of the same ISA (spmm_dense.h).
#define CHANNEL_ROWS(DT, dt)                                                                                   \
  {"channel_" dt "_gemv12__avx512", Kind::Channel, DType::DT, kAnyIndex, Isa::Avx512, 1, 1, false, nullptr,        \
   channelRun<Isa::Avx512>},                                                                                   \
      {"channel_" dt "_gemm12x16__avx512", Kind::Channel, DType::DT, kAnyIndex, Isa::Avx512, 2, kAnyBatch, false,  \
       nullptr, channelRun<Isa::Avx512>},                                                                      \
      {"channel_" dt "_gemv6__avx2", Kind::Channel, DType::DT, kAnyIndex, Isa::Avx2, 1, 1, false, nullptr,         \
       channelRun<Isa::Avx2>},                                                                                 \
      {"channel_" dt "_gemm6x16__avx2", Kind::Channel, DType::DT, kAnyIndex, Isa::Avx2, 2, kAnyBatch, false,       \
       nullptr, channelRun<Isa::Avx2>},                                                                        \
      {"channel_" dt "_dot16__scalar", Kind::Channel, DType::DT, kAnyIndex, Isa::Scalar, 1, 1, false, nullptr,     \
       channelRun<Isa::Scalar>},                                                                               \
      {"channel_" dt "_tiles4x16__scalar", Kind::Channel, DType::DT, kAnyIndex, Isa::Scalar, 2, kAnyBatch, false,  \
       nullptr, channelRun<Isa::Scalar>}

constexpr KernelRow kChannelRows[] = {CHANNEL_ROWS(F32, "f32"), CHANNEL_ROWS(F16, "f16")};
#undef CHANNEL_ROWS

}  // namespace

KernelList kernelsChannel() { return {kChannelRows, std::size(kChannelRows)}; }

}  // namespace cpu
}  // namespace gsparse

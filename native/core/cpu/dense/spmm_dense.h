// The dense family's kernel and kernel-table rows for its two formats: dense (spmm_dense.cc) and the
// kept rows of channel (spmm_channel.cc).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../packed_view.h"
#include "gsparse/hardware.h"
#include "gsparse/kernels.h"

namespace gsparse {
namespace cpu {

// Dense rows [nRows, w.cols] of w.values: output row i goes to y row rowIds[i] (rowIds null: row i)
// of a y with yRows rows, with the packed micro-kernels of `isa` (Scalar: the portable loops, which
// also take empty shapes).
void denseRows(const PackedView& w, std::size_t nRows, const uint32_t* rowIds, std::size_t yRows,
               const MatmulArgs& a, Isa isa);

// The kernel-table rows (kernel_table.h) of a format that runs the dense kernels (dense, channel):
// RUN<isa> per ISA, the packed micro-kernels (rows x batch columns per register block: 12 x 16
// AVX-512, 6 x 16 AVX2), else the portable loops (4 rows x 16).
#define GSPARSE_DENSE_KERNEL_ROWS(format, KIND, RUN, DT, dt)                                                           \
  {format "_" dt "_gemv12__avx512", Kind::KIND, DType::DT, kAnyIndex, Isa::Avx512, 1, 1, false, nullptr,               \
   RUN<Isa::Avx512>},                                                                                                  \
      {format "_" dt "_gemm12x16__avx512", Kind::KIND, DType::DT, kAnyIndex, Isa::Avx512, 2, kAnyBatch, false, nullptr,\
       RUN<Isa::Avx512>},                                                                                              \
      {format "_" dt "_gemv6__avx2", Kind::KIND, DType::DT, kAnyIndex, Isa::Avx2, 1, 1, false, nullptr,            \
       RUN<Isa::Avx2>},                                                                                              \
      {format "_" dt "_gemm6x16__avx2", Kind::KIND, DType::DT, kAnyIndex, Isa::Avx2, 2, kAnyBatch, false, nullptr,     \
       RUN<Isa::Avx2>},                                                                                                \
      GSPARSE_PORTABLE_ROWS(format, KIND, DT, dt, "dot16", "tiles4x16", RUN<Isa::Scalar>)

}  // namespace cpu
}  // namespace gsparse

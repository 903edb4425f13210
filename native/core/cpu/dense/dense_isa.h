// The dense family's ISA kernels: the table DenseIsa that dense/spmm_dense_avx2.cc and _avx512.cc
// define (bodies in sgemm_simd.h), used by spmm_dense.cc for the dense format and the kept rows of the
// channel format. Plain declarations only (see kernel_table.h on the ISA tables). Threading, X
// preparation and the epilogue stay generic.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../packed_view.h"

namespace gsparse {
namespace cpu {

// One dense matmul Y = X W^T, seen by the ISA kernels. They write the raw sums (no bias/activation)
// to y[(b0 + b) * yRows + rowOf(i)], rowOf(i) = rowIds ? rowIds[i] : i, for the rows they are given.
struct DenseGemmArgs {
  PackedView w;  // values [rows, cols] row-major (the stored rows: channel's kept ones)
  const uint32_t* rowIds = nullptr;
  std::size_t yRows = 0;
  float* y = nullptr;
  // batch 1: x [cols]
  const float* x = nullptr;
  // batch > 1: X^T tiles, tile t at xt + t * cols * 16, element [c * 16 + j] = x[b0 + 16 t + j][c]
  // (zero for batch rows past `batch`); 64-byte aligned.
  const float* xt = nullptr;
  std::size_t tiles = 0, b0 = 0, batch = 0;
};

// Packing shared by the ISA kernels.
constexpr std::size_t kGemmKc = 256;  // K block: the packed W block (MR x Kc fp32) stays in L1

// Raw sums of rows [r0, r1) of a.w.
using DenseKernelFn = void (*)(const DenseGemmArgs& a, std::size_t r0, std::size_t r1);

// One ISA's dense kernels.
struct DenseIsa {
  DenseKernelFn gemv;   // batch 1 (W streamed once)
  DenseKernelFn tiles;  // X^T tiles (register-blocked SGEMM)
  std::size_t mr;       // W rows of one micro-kernel register block (threads split W in whole blocks)
};
extern const DenseIsa kDenseAvx2, kDenseAvx512;

}  // namespace cpu
}  // namespace gsparse

// The CPU kernel table: one row per kernel, listed by its family (kernels<Family>() in
// <family>/spmm_<format>.cc) and read by dispatch (matmulCpu), test_kernels (every row on edge shapes)
// and gsparse_microbench (--list, --kernel NAME). Selection is kept apart from the lists
// (selectKernel, dispatch.cc).
//
// A row's name says <format>_<dtype>_<op><tile>__<isa>, like XNNPACK's ukernel names:
//   op: dot (batch-1 row dot products), gather (batch-1 SIMD gathers of x), gatherb (small-batch
//   gathers from row-major x), tiles (batched, over transposed batch tiles), rb (batched, over the
//   row-blocked copy, row_blocked.h), gemv / gemm (dense packed micro-kernels);
//   tile: rows x batch columns per register block where it has one.
//
// A row's ISA code comes from its family's ISA table (struct <Family>Isa in <family>/<family>_isa.h,
// RowDotsIsa for CSR and N:M: the ISA kernels' function pointers, k<Family>Avx2 / k<Family>Avx512,
// passed to the row function as a template argument). Each per-ISA file
// (<family>/*_avx2.cc, *_avx512.cc, compiled with that ISA's flags) defines its table in one line from
// the templates over the ISA's vector helpers VT in <family>/*_simd.h, constant-initialized, so no
// ISA code runs before cpuid is checked. The ISA files define nothing else: every function they hold
// is in an anonymous namespace, and the headers they include are plain declarations, because an inline
// function emitted there could be the copy the linker keeps for generic code, which would then fault
// on CPUs without the ISA.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "gsparse/hardware.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace cpu {

// Index widths a row accepts, as a mask of widths in bytes (1 | 2 | 4); kAnyIndex: every width, and
// formats without indices (dense, channel).
constexpr uint8_t kIndex1 = 1, kIndex2 = 2, kIndex4 = 4, kAnyIndex = 0xff;
constexpr std::size_t kAnyBatch = SIZE_MAX;

using KernelFn = void (*)(const PackedMatrix& w, const MatmulArgs& a);

struct KernelRow {
  const char* name;
  Kind kind;
  DType dtype;
  uint8_t indexWidths;
  Isa isa;
  std::size_t minBatch, maxBatch;  // batch range the row runs (inclusive)
  bool rowBlocked;                 // also needs batch >= rowBlockedMinBatch() (GSPARSE_ROW_BLOCKED_MIN_BATCH)
  // Conditions beyond kind / dtype / index width on w and the nested level to run (null: none).
  bool (*fits)(const PackedMatrix& w, uint32_t level);
  KernelFn run;                    // Y = act(X W^T + bias) for a matching w and batch
};

// One family's rows, in selection order (first match wins: faster / more specific rows first).
struct KernelList {
  const KernelRow* rows;
  std::size_t size;
  const KernelRow* begin() const { return rows; }
  const KernelRow* end() const { return rows + size; }
};

// Defines `KernelList name()`, a family's list: ROWS(DT, dt) lists its rows for one dtype (DType::DT,
// name part dt); the fp32 rows come first, then the fp16 ones.
#define GSPARSE_KERNEL_LIST(name, ROWS)                                        \
  KernelList name() {                                                          \
    static constexpr KernelRow rows[] = {ROWS(F32, "f32"), ROWS(F16, "f16")}; \
    return {rows, std::size(rows)};                                            \
  }

// The two portable rows every format's list ends with: run's loops on any CPU (Isa::Scalar) for every
// index width, batch 1 (name op1) and batched (opN).
#define GSPARSE_PORTABLE_ROWS(format, KIND, DT, dt, op1, opN, run)                                                     \
  {format "_" dt "_" op1 "__scalar", Kind::KIND, DType::DT, kAnyIndex, Isa::Scalar, 1, 1, false, nullptr, run},        \
      {format "_" dt "_" opN "__scalar", Kind::KIND, DType::DT, kAnyIndex, Isa::Scalar, 2, kAnyBatch, false, nullptr,  \
       run}

KernelList kernelsDense();
KernelList kernelsChannel();
KernelList kernelsCsr();
KernelList kernelsBlock();
KernelList kernelsNM();
KernelList kernelsGS();

// Every row of every family (the families' lists concatenated).
const std::vector<KernelRow>& kernelTable();

// Whether row r can run w at this batch and nested level (kind, dtype, index width, batch range,
// fits); the ISA is the caller's business.
bool kernelAccepts(const KernelRow& r, const PackedMatrix& w, std::size_t batch, uint32_t level = 0);

// The row matmulCpu runs for w at this batch on ISA isa: the first accepting row of the ISA's own
// rows or the portable (Scalar) ones, in table order. Null only if a family lacks a portable row.
const KernelRow* selectKernel(const PackedMatrix& w, std::size_t batch, Isa isa, uint32_t level = 0);

// The row named `name`, or null.
const KernelRow* findKernel(const char* name);

}  // namespace cpu
}  // namespace gsparse

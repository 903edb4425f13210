// N:M batch-1 body (contract: nm_isa.h, row_dots_isa.h), a template over the ISA's vector helpers VT
// (simd_vt_avx512.h / simd_vt_avx2.h) and its row step Step; spmm_nm_avx512.cc and spmm_nm_avx2.cc
// define Step and their table from nmIsa<VT, Step>(). Per row, Step runs whole vectors of entries
// (entry k reads x at (k / n) * m + idx[k]) into two accumulators and says how many it did; one
// horizontal sum and the row's last entries one by one finish the row.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../epilogue_simd.h"
#include "../packed_view.h"
#include "../simd_typed.h"
#include "nm_isa.h"

namespace gsparse {
namespace cpu {
namespace {

// Step: Step(n, m) once per call, then step.run(rowValues, rowIdx, x, perRow, acc0, acc1) per row,
// returning the entries it did.
template <class VT, class Step, class T>
void nmVecT(const PackedView& w, const T* val, const uint8_t* idxAll, const float* x, std::size_t r0,
            std::size_t r1, float* out) {
  const std::size_t n = w.n, m = w.m, perRow = w.groups * n;
  const Step step(n, m);
  for (std::size_t r = r0; r < r1; ++r) {
    const T* wr = val + r * perRow;
    const uint8_t* idx = idxAll + r * perRow;
    typename VT::V acc0 = VT::zero(), acc1 = VT::zero();
    std::size_t k = step.run(wr, idx, x, perRow, acc0, acc1);
    float s = VT::sum(VT::add(acc0, acc1));
    for (; k < perRow; ++k) s += weightAt(wr + k) * x[(k / n) * m + idx[k]];
    out[r - r0] = s;
  }
}

// The RowDotsIsa entry: the dtype switch (N:M indices are 1 byte), then the body above.
template <class VT, class Step>
void nmVec(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* out) {
  withTypes<1>(w, [&](auto val, auto idx) { nmVecT<VT, Step>(w, val, idx, x, r0, r1, out); });
}

template <class VT, class Step>
constexpr RowDotsIsa nmIsa() {
  return {nmVec<VT, Step>, epilogueSpanT<VT>};
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse

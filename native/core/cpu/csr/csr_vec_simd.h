// CSR batch-1 body, a template over the ISA's vector helpers VT (simd_vt_avx512.h / simd_vt_avx2.h);
// spmm_csr_avx512.cc and spmm_csr_avx2.cc define their table from csrIsa<VT>(). Per row, 2W nonzeros
// at a time, column indices widened to 32 bits, x[col] gathered and FMA'd into two accumulators; the
// row's last < W go through VT::tailDot; one horizontal sum per row.
#pragma once
#include <cstddef>

#include "../epilogue_simd.h"
#include "../packed_view.h"
#include "../stream_prefetch.h"
#include "csr_isa.h"

namespace gsparse {
namespace cpu {
namespace {

template <class VT, class V, class I>
void csrVecT(const PackedView& a, const V* val, const I* idx, const float* x, std::size_t r0, std::size_t r1,
             float* out) {
  constexpr std::size_t W = VT::W;
  for (std::size_t r = r0; r < r1; ++r) {
    std::size_t k = a.ptr[r];
    const std::size_t end = a.end[r];
    typename VT::V acc0 = VT::zero(), acc1 = VT::zero();
    for (; k + 2 * W <= end; k += 2 * W) {
      for (std::size_t j = 0; j < 2 * W; j += 16) prefetchAhead(val + k + j);  // a line of fp32 values per 16
      prefetchAhead(idx + k);
      acc0 = VT::fma(VT::loadValues(val + k), VT::gather(x, VT::loadIndices(idx + k)), acc0);
      acc1 = VT::fma(VT::loadValues(val + k + W), VT::gather(x, VT::loadIndices(idx + k + W)), acc1);
    }
    if (k + W <= end) {
      acc0 = VT::fma(VT::loadValues(val + k), VT::gather(x, VT::loadIndices(idx + k)), acc0);
      k += W;
    }
    if (k < end) acc1 = VT::tailDot(val + k, idx + k, x, static_cast<unsigned>(end - k), acc1);
    out[r - r0] = VT::sum(VT::add(acc0, acc1));
  }
}

// The RowDotsIsa entry: the dtype x index-width switch, then the body above.
template <class VT>
void csrVec(const PackedView& w, const float* x, std::size_t r0, std::size_t r1, float* out) {
  withTypes<kWidths24>(w, [&](auto val, auto idx) { csrVecT<VT>(w, val, idx, x, r0, r1, out); });
}

template <class VT>
constexpr RowDotsIsa csrIsa() {
  return {csrVec<VT>, epilogueSpanT<VT>};
}

}  // namespace
}  // namespace cpu
}  // namespace gsparse

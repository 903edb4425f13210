// Avx2 vectorised epilogue (epilogue.h); body in epilogue_simd.h. Only intrinsics and plain code
// here (see gs_isa.h for why).
#include "simd_vt_avx2.h"
#include "epilogue_simd.h"

namespace gsparse {
namespace cpu {

void epilogueSpanAvx2(const float* src, std::size_t stride, const float* bias, uint8_t act, float* y, std::size_t n) {
  epilogueSpanT<VT>(src, stride, bias, act, y, n);
}

}  // namespace cpu
}  // namespace gsparse

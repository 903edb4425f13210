// GS gather kernels with AVX2, 8 lanes at a time: vgatherdps from x (bodies in
// gs_gather_simd.inc, vectors from simd_vt_avx2.h). Only intrinsics and plain code here (see
// gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_typed.h"
#include "simd_vt_avx2.h"
#include "stream_prefetch.h"

namespace gsparse {
namespace cpu {

#define GS_GATHER_ENTRY(name) name##Avx2
#include "gs_gather_simd.inc"

}  // namespace cpu
}  // namespace gsparse

// GS gather kernels with AVX-512, 16 lanes at a time: vpgatherdps from x (bodies in
// gs_gather_simd.inc, vectors from simd_vt_avx512.h). Only intrinsics and plain code here (see
// gs_gather.h for why).
#include <immintrin.h>

#include "gs_gather.h"
#include "simd_typed.h"
#include "simd_vt_avx512.h"
#include "stream_prefetch.h"

namespace gsparse {
namespace cpu {

#define GS_GATHER_ENTRY(name) name##Avx512
#include "gs_gather_simd.inc"

}  // namespace cpu
}  // namespace gsparse

// GS gather kernels with AVX-512, 16 lanes at a time: vpgatherdps from x (bodies in gs_gather_simd.h).
#include "../simd_vt_avx512.h"
#include "gs_gather_simd.h"

namespace gsparse {
namespace cpu {

constexpr GsIsa kGsAvx512 = gsIsa<VT>();

}  // namespace cpu
}  // namespace gsparse

// GS gather kernels with AVX2, 8 lanes at a time: vgatherdps from x (bodies in gs_gather_simd.h).
#include "../simd_vt_avx2.h"
#include "gs_gather_simd.h"

namespace gsparse {
namespace cpu {

constexpr GsIsa kGsAvx2 = gsIsa<VT>();

}  // namespace cpu
}  // namespace gsparse

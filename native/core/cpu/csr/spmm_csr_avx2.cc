// CSR batch-1 kernel with AVX2, 8 nonzeros per gather; body in csr_vec_simd.h.
#include "../simd_vt_avx2.h"
#include "csr_vec_simd.h"

namespace gsparse {
namespace cpu {

constexpr RowDotsIsa kCsrAvx2 = csrIsa<VT>();

}  // namespace cpu
}  // namespace gsparse

// CSR batch-1 kernel with AVX-512, 16 nonzeros per gather; body in csr_vec_simd.h.
#include "../simd_vt_avx512.h"
#include "csr_vec_simd.h"

namespace gsparse {
namespace cpu {

constexpr RowDotsIsa kCsrAvx512 = csrIsa<VT>();

}  // namespace cpu
}  // namespace gsparse

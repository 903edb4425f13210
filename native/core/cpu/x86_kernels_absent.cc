// The AVX2 / AVX-512 kernel tables on CPUs that are not x86 (aarch64: GH200), where the _avx2 /
// _avx512 files are not built (CMakeLists.txt, binding.gyp): the kernel table's rows name them
// unconditionally, and hardware.cc reports Isa::Scalar off x86, so their functions are never called
// (each here throws). Empty on x86. A new ISA table needs its stand-in here; an aarch64 cross build
// checks that (apt package g++-aarch64-linux-gnu; cmake with -DCMAKE_SYSTEM_NAME=Linux
// -DCMAKE_SYSTEM_PROCESSOR=aarch64 -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DGSPARSE_CUDA=OFF
// -DGSPARSE_NATIVE_TESTS=ON).
#if !defined(__x86_64__) && !defined(__i386__)
#include "block/block_isa.h"
#include "csr/csr_isa.h"
#include "dense/dense_isa.h"
#include "epilogue.h"
#include "gs/gs_isa.h"
#include "gsparse/errors.h"
#include "nm/nm_isa.h"
#include "row_blocked/row_blocked_isa.h"

namespace gsparse {
namespace cpu {

namespace {

// absent<Fn>: a function of type Fn that throws.
template <class Fn>
struct Absent;
template <class R, class... Args>
struct Absent<R (*)(Args...)> {
  [[noreturn]] static R call(Args...) { fail(ErrorCode::Internal, "x86 kernel called on a CPU that is not x86"); }
};
template <class Fn>
constexpr Fn absent = Absent<Fn>::call;

}  // namespace

constexpr GsIsa kGsAvx2{absent<GsGatherFn>, absent<GsGatherBatchFn>}, kGsAvx512 = kGsAvx2;
constexpr RowDotsIsa kCsrAvx2{absent<RowDotsFn>, absent<EpilogueSpanFn>}, kCsrAvx512 = kCsrAvx2, kNmAvx2 = kCsrAvx2,
                     kNmAvx512 = kCsrAvx2;
constexpr BlockIsa kBlockAvx2{absent<BlockVecFn>, absent<BlockTilesFn>, absent<EpilogueSpanFn>},
    kBlockAvx512 = kBlockAvx2;
constexpr DenseIsa kDenseAvx2{absent<DenseKernelFn>, absent<DenseKernelFn>, 1}, kDenseAvx512 = kDenseAvx2;
constexpr RowBlockedIsa kRowBlockedAvx2{absent<RowBlockedStageFn>, absent<RowBlockedChunkFn>, absent<EpilogueSpanFn>},
    kRowBlockedAvx512 = kRowBlockedAvx2;

}  // namespace cpu
}  // namespace gsparse
#endif

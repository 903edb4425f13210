// The AVX2 / AVX-512 kernel entry points on CPUs that are not x86 (aarch64: GH200), where the
// _avx2 / _avx512 files are not built (CMakeLists.txt, binding.gyp): the dispatch tables name them
// unconditionally, and hardware.cc reports Isa::Scalar off x86, so they are never called. Empty on
// x86. A new x86 entry point needs its stub here; an aarch64 cross build checks that (apt package
// g++-aarch64-linux-gnu; cmake with -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
// -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++ -DGSPARSE_CUDA=OFF -DGSPARSE_NATIVE_TESTS=ON).
#if !defined(__x86_64__) && !defined(__i386__)
#include <string>

#include "csr/csr_isa.h"
#include "gs/gs_isa.h"
#include "epilogue.h"
#include "gsparse/errors.h"
#include "block/block_isa.h"
#include "nm/nm_isa.h"
#include "row_blocked/row_blocked_isa.h"
#include "dense/dense_isa.h"

namespace gsparse {
namespace cpu {

namespace {
[[noreturn]] void notX86(const char* fn) {
  fail(ErrorCode::Internal, std::string(fn) + ": x86 kernel called on a CPU that is not x86");
}
}  // namespace

void gsGatherAvx2(const PackedView&, const float*, std::size_t, std::size_t, float*) { notX86(__func__); }
void gsGatherAvx512(const PackedView&, const float*, std::size_t, std::size_t, float*) { notX86(__func__); }
void gsGatherBatchAvx2(const PackedView&, const float*, std::size_t, std::size_t, std::size_t, std::size_t, float*) {
  notX86(__func__);
}
void gsGatherBatchAvx512(const PackedView&, const float*, std::size_t, std::size_t, std::size_t, std::size_t,
                         float*) {
  notX86(__func__);
}
void csrVecAvx2(const PackedView&, const float*, std::size_t, std::size_t, float*) { notX86(__func__); }
void csrVecAvx512(const PackedView&, const float*, std::size_t, std::size_t, float*) { notX86(__func__); }

void nmVecAvx2(const PackedView&, const float*, std::size_t, std::size_t, float*) { notX86(__func__); }
void nmVecAvx512(const PackedView&, const float*, std::size_t, std::size_t, float*) { notX86(__func__); }
void blockVecAvx2(const BlockSimdArgs&, const float*, std::size_t, std::size_t) { notX86(__func__); }
void blockVecAvx512(const BlockSimdArgs&, const float*, std::size_t, std::size_t) { notX86(__func__); }
void blockTilesAvx2(const BlockSimdArgs&, const float*, std::size_t, std::size_t, std::size_t, std::size_t, std::size_t,
                    std::size_t) { notX86(__func__); }
void blockTilesAvx512(const BlockSimdArgs&, const float*, std::size_t, std::size_t, std::size_t, std::size_t,
                      std::size_t, std::size_t) { notX86(__func__); }

void rowBlockedStageAvx2(const float*, std::size_t, std::size_t, std::size_t, float*, std::size_t) { notX86(__func__); }
void rowBlockedStageAvx512(const float*, std::size_t, std::size_t, std::size_t, float*, std::size_t) { notX86(__func__); }
void rowBlockedChunkAvx2(const RowBlockedArgs&, std::size_t, std::size_t, const float*, float*) { notX86(__func__); }
void rowBlockedChunkAvx512(const RowBlockedArgs&, std::size_t, std::size_t, const float*, float*) { notX86(__func__); }

void epilogueSpanAvx2(const float*, std::size_t, const float*, uint8_t, float*, std::size_t) { notX86(__func__); }
void epilogueSpanAvx512(const float*, std::size_t, const float*, uint8_t, float*, std::size_t) { notX86(__func__); }

void denseGemvAvx2(const DenseGemmArgs&, std::size_t, std::size_t) { notX86(__func__); }
void denseGemvAvx512(const DenseGemmArgs&, std::size_t, std::size_t) { notX86(__func__); }
void denseTilesAvx2(const DenseGemmArgs&, std::size_t, std::size_t) { notX86(__func__); }
void denseTilesAvx512(const DenseGemmArgs&, std::size_t, std::size_t) { notX86(__func__); }

}  // namespace cpu
}  // namespace gsparse
#endif

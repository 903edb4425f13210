// matmulCpu: picks the kernel for (format, ISA) from one table. For each format the entry with the
// highest ISA not above activeIsa() wins, so every format always has its portable kernel to fall to.
#include <iterator>

#include "gsparse/errors.h"
#include "gsparse/hardware.h"
#include "gsparse/kernels.h"
#include "spmm_common.h"

namespace gsparse {

namespace {

using KernelFn = void (*)(const PackedMatrix&, const MatmulArgs&);

struct KernelEntry {
  Kind kind;
  Isa isa;
  KernelFn fn;
};

constexpr KernelEntry kKernels[] = {
    {Kind::Dense, Isa::Scalar, cpu::spmmDense},     {Kind::Csr, Isa::Scalar, cpu::spmmCsr},
    {Kind::Block, Isa::Scalar, cpu::spmmBlock},     {Kind::NM, Isa::Scalar, cpu::spmmNM},
    {Kind::GS, Isa::Scalar, cpu::spmmGS},           {Kind::GS, Isa::Avx2, cpu::spmmGSAvx2},
    {Kind::GS, Isa::Avx512, cpu::spmmGSAvx512},     {Kind::Channel, Isa::Scalar, cpu::spmmChannel},
    {Kind::Csr, Isa::Avx2, cpu::spmmCsrAvx2},       {Kind::Csr, Isa::Avx512, cpu::spmmCsrAvx512},
    {Kind::NM, Isa::Avx2, cpu::spmmNMAvx2},         {Kind::NM, Isa::Avx512, cpu::spmmNMAvx512},
    {Kind::Block, Isa::Avx2, cpu::spmmBlockAvx2},   {Kind::Block, Isa::Avx512, cpu::spmmBlockAvx512},
};

KernelFn pickKernel(Kind kind, Isa isa) {
  const KernelEntry* best = nullptr;
  for (const auto& e : kKernels)
    if (e.kind == kind && static_cast<int>(e.isa) <= static_cast<int>(isa) &&
        (!best || static_cast<int>(e.isa) > static_cast<int>(best->isa)))
      best = &e;
  return best ? best->fn : nullptr;
}

}  // namespace

void matmulCpu(const PackedMatrix& w, const MatmulArgs& args) {
  if (args.batch == 0) return;
  const KernelFn fn = pickKernel(w.pattern.kind, activeIsa());
  if (!fn) fail(ErrorCode::Internal, "matmulCpu: no kernel for this format");
  fn(w, args);
}

}  // namespace gsparse

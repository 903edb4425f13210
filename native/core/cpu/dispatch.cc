// matmulCpu: selects the kernel from the kernel table (kernel_table.h) and runs it. The families
// list their rows; only the selection rule lives here.
#include <cstring>
#include <string>

#include "gsparse/errors.h"
#include "kernel_table.h"
#include "row_blocked/row_blocked.h"

namespace gsparse {
namespace cpu {

const std::vector<KernelRow>& kernelTable() {
  static const std::vector<KernelRow> table = [] {
    std::vector<KernelRow> t;
    for (KernelList list : {kernelsDense(), kernelsChannel(), kernelsCsr(), kernelsBlock(), kernelsNM(), kernelsGS()})
      t.insert(t.end(), list.begin(), list.end());
    return t;
  }();
  return table;
}

bool kernelAccepts(const KernelRow& r, const PackedMatrix& w, std::size_t batch, uint32_t level) {
  return r.kind == w.pattern.kind && r.dtype == w.dtype() &&
         (r.indexWidths == kAnyIndex || (r.indexWidths & w.indices.width()) != 0) && batch >= r.minBatch &&
         batch <= r.maxBatch && (!r.rowBlocked || batch >= rowBlockedMinBatch()) && (!r.fits || r.fits(w, level));
}

const KernelRow* selectKernel(const PackedMatrix& w, std::size_t batch, Isa isa, uint32_t level) {
  for (const KernelRow& r : kernelTable())
    if ((r.isa == isa || r.isa == Isa::Scalar) && kernelAccepts(r, w, batch, level)) return &r;
  return nullptr;
}

const KernelRow* findKernel(const char* name) {
  for (const KernelRow& r : kernelTable())
    if (std::strcmp(r.name, name) == 0) return &r;
  return nullptr;
}

}  // namespace cpu

void matmulCpu(const PackedMatrix& w, const MatmulArgs& args) {
  if (args.batch == 0) return;
  require(args.level < w.levelCount(), "level: expected an integer in [0, " + std::to_string(w.levelCount()) +
                                           "), got " + std::to_string(args.level));
  const cpu::KernelRow* row = cpu::selectKernel(w, args.batch, activeIsa(), args.level);
  if (!row) fail(ErrorCode::Internal, "matmulCpu: no kernel for this format");
  row->run(w, args);
}

}  // namespace gsparse

// Times matmulCpu on W = 4096x4096 fp32 for the main formats at batch 1 and 64.
// Sparse matrices: random masking to 90% zeros (csr: elements, block:4x1: 4x1 blocks, 2:4: two
// random survivors in every 4 columns, i.e. its fixed 50%); gs:16 comes from pruneAndPack at 90%
// (random masking does not give the bank-balanced GS structure). Reports the median of repeats:
//   GF/s dense-eq = 2*rows*cols*batch / time   (speed as seen by the caller, comparable across formats)
//   GF/s nnz      = 2*nnz*batch / time          (useful work rate of the kernel)
// Usage: gsparse_microbench [--quick] [--batches 1,4,64] [--only csr,gs:16] [--chunk]
//        gsparse_microbench --list | --kernel NAME [--batches ...] | --peak
//   --quick: fewer repeats; the whole run stays under 30 s. --batches / --only: pick batches / formats.
//   --chunk: also time the row-blocked chunk kernel alone (one thread, batch 64, no X^T staging,
//   epilogue or pool) over each format's copy: its FMA rate, to tune the inner loop without the noise
//   of the whole call.
//   --list: every row of the CPU kernel table (name first). --kernel NAME: times that row alone (its
//   function called directly, whatever dispatch would pick) on a 4096x4096 matrix of its format and
//   dtype, at its smallest batch and 64 (or --batches, within the row's batch range); e.g. to find a
//   crossover between two rows.
//   --peak: only the FMA peak (threads() threads, each a loop of independent register FMAs; the
//   batched rows of `npm run bench` report their fraction of it).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "gsparse/hardware.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/prune.h"
#include "gsparse/thread_pool.h"
#include "../core/cpu/kernel_table.h"
#include "../core/cpu/row_blocked/row_blocked.h"
#include "test_fixtures.h"

using namespace gsparse;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kRows = 4096, kCols = 4096;
constexpr double kSparsity = 0.9;

using gstest::randomMatrix;

// Zeroes whole br x bc blocks with probability `drop`.
void maskBlocks(std::vector<float>& w, uint32_t br, uint32_t bc, double drop, uint32_t seed) {
  std::mt19937 gen(seed);
  gstest::dropBlocks(w, {kRows, kCols}, br, bc, drop, gen);
}

// Keeps n random columns of every group of m.
void maskNM(std::vector<float>& w, uint32_t n, uint32_t m, uint32_t seed) {
  std::mt19937 gen(seed);
  gstest::keepRandomNM(w, {kRows, kCols}, n, m, gen);
}

struct Bench {
  std::string name;
  PackedMatrix w;
};

// The benchmark matrix `name` (dense, channel, csr, gs:16, 2:4, block:4x1, block:4x4) from base.
PackedMatrix buildMatrix(const std::string& name, const std::vector<float>& base, DType dtype) {
  std::vector<float> w = base;
  Pattern p;
  if (name == "dense") {
    p = gstest::densePattern();
  } else if (name == "channel") {
    maskBlocks(w, 1, kCols, kSparsity, 5);
    p = gstest::channelPattern();
  } else if (name == "csr") {
    maskBlocks(w, 1, 1, kSparsity, 1);
    p = gstest::csrPattern();
  } else if (name == "gs:16") {
    return pruneAndPack(base.data(), kRows, kCols, gstest::gsPattern(16), kSparsity, dtype);
  } else if (name == "2:4") {
    maskNM(w, 2, 4, 2);
    p = gstest::nmPattern(2, 4);
  } else if (name == "block:4x1" || name == "block:4x4") {
    p = gstest::blockPattern(4, name == "block:4x1" ? 1 : 4);
    maskBlocks(w, p.blockRows, p.blockCols, kSparsity, name == "block:4x1" ? 3 : 4);
  } else {
    std::fprintf(stderr, "unknown matrix %s\n", name.c_str());
    std::exit(2);
  }
  return pack(w.data(), kRows, kCols, p, dtype);
}

std::vector<Bench> buildMatrices() {
  const std::vector<float> base = randomMatrix(std::size_t{kRows} * kCols, 42);
  std::vector<Bench> out;
  out.push_back({"dense", buildMatrix("dense", base, DType::F32)});
  out.push_back({"dense-f16", buildMatrix("dense", base, DType::F16)});
  for (const char* name : {"csr", "gs:16", "2:4", "block:4x1", "block:4x4"})
    out.push_back({name, buildMatrix(name, base, DType::F32)});
  return out;
}

// Median wall time of matmulCpu in ms: at least minReps runs and ~budget seconds.
// run: the call to time (matmulCpu, or one kernel-table row).
double medianMs(const PackedMatrix& w, std::size_t batch, int minReps, int maxReps, double budgetS,
                cpu::KernelFn run = matmulCpu) {
  const std::vector<float> x = randomMatrix(batch * kCols, 7);
  std::vector<float> y(batch * kRows);
  MatmulArgs a;
  a.x = x.data();
  a.batch = batch;
  a.y = y.data();
  run(w, a);  // warm-up: caches, pool threads, page faults of y
  // GSPARSE_BENCH_COLD=1: W starts in DRAM each run (a 512 MiB sweep evicts it from the caches,
  // L3 included), as in a server that runs other layers between two calls of this one.
  static const bool cold = std::getenv("GSPARSE_BENCH_COLD") != nullptr;
  std::vector<char> sweep(cold ? std::size_t{512} << 20 : 0);
  std::vector<double> ms;
  double sweepS = 0.0;
  const auto start = Clock::now();
  while (static_cast<int>(ms.size()) < maxReps &&
         (static_cast<int>(ms.size()) < minReps ||
          std::chrono::duration<double>(Clock::now() - start).count() - sweepS < budgetS)) {
    if (cold) {
      const auto s0 = Clock::now();
      for (std::size_t i = 0; i < sweep.size(); i += 64) sweep[i] = static_cast<char>(sweep[i] + 1);
      sweepS += std::chrono::duration<double>(Clock::now() - s0).count();
    }
    const auto t0 = Clock::now();
    run(w, a);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  // GSPARSE_BENCH_MIN=1: the fastest run instead (A/B tuning on a shared, noisy machine).
  static const bool useMin = std::getenv("GSPARSE_BENCH_MIN") != nullptr;
  return useMin ? ms.front() : ms[ms.size() / 2];
}

// Zmm-equivalent FMAs per second (16 multiply-adds each) of the row-blocked chunk kernel alone on w's
// copy at batch 64 (one group of 4 tiles), best of 5 sweeps over all chunks; 0 when w has no copy.
double kernelOnlyRate(const PackedMatrix& w) {
  if (activeIsa() == Isa::Scalar) return 0.0;
  const std::vector<float> x = randomMatrix(64 * kCols, 7);
  std::vector<float> y(64 * kRows);
  MatmulArgs a;
  a.x = x.data();
  a.batch = 64;
  a.y = y.data();
  matmulCpu(w, a);  // builds the copy
  const auto rb = cpu::builtRowBlocked(w);
  if (!rb) return 0.0;
  const cpu::RowBlockedChunkFn kernel = (activeIsa() == Isa::Avx512 ? cpu::kRowBlockedAvx512 : cpu::kRowBlockedAvx2).chunk;
  const cpu::RowBlockedArgs ka = rb->args();
  AlignedVec<float> xt(4 * std::size_t{rb->nBlocks} * cpu::kRbBlockFloats, 0.5f);
  AlignedVec<float> acc(cpu::kRbChunkRows * 64, 0.0f);
  double best = 0.0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = Clock::now();
    for (std::size_t c = 0; c < rb->chunks; ++c) kernel(ka, c, 4, xt.data(), acc.data());
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, static_cast<double>(rb->val.size()) * 4.0 / s);  // 4 zmm FMAs per entry
  }
  return best;
}

#if defined(__x86_64__)
// FMAs one thread retires in `iters` loops of 12 independent vector FMAs (enough in flight for two
// 4-cycle FMA ports); the operands stay in registers, so this is the core's FMA peak.
__attribute__((target("avx512f"))) double fmaLoop512(std::size_t iters) {
  __m512 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm512_set1_ps(0.001f * k);
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.0001f);
  for (std::size_t i = 0; i < iters; ++i)
#pragma GCC unroll 12
    for (int k = 0; k < 12; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);  // unrolled: acc stays in registers
  __m512 s = acc[0];
  for (int k = 1; k < 12; ++k) s = _mm512_add_ps(s, acc[k]);
  float v[16];
  _mm512_storeu_ps(v, s);
  return std::accumulate(v, v + 16, 0.0);
}

__attribute__((target("avx2,fma"))) double fmaLoop256(std::size_t iters) {
  __m256 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm256_set1_ps(0.001f * k);
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.0001f);
  for (std::size_t i = 0; i < iters; ++i)
#pragma GCC unroll 12
    for (int k = 0; k < 12; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 s = acc[0];
  for (int k = 1; k < 12; ++k) s = _mm256_add_ps(s, acc[k]);
  float v[8];
  _mm256_storeu_ps(v, s);
  return std::accumulate(v, v + 8, 0.0);
}

// Prints the fp32 FMA peak of threads() threads running together: best of 7 trials of ~0.1 s.
int printFmaPeak() {
  const bool z = __builtin_cpu_supports("avx512f"), y = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!z && !y) {
    std::printf("fma peak: no AVX2/AVX-512 FMA on this CPU\n");
    return 1;
  }
  const std::size_t n = threads(), iters = 4'000'000, lanes = z ? 16 : 8;
  double best = 0.0, sink = 0.0;
  for (int trial = 0; trial < 7; ++trial) {
    std::vector<double> out(n);
    std::vector<std::thread> pool;
    const auto t0 = Clock::now();
    for (std::size_t t = 0; t < n; ++t)
      pool.emplace_back([&out, t, z] { out[t] = z ? fmaLoop512(iters) : fmaLoop256(iters); });
    for (auto& th : pool) th.join();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    sink += std::accumulate(out.begin(), out.end(), 0.0);
    best = std::max(best, static_cast<double>(n * iters * 12) / s);
  }
  std::printf("fma peak: %zu threads, %s, %.2f G vector FMA/s per thread, %.1f GFLOP/s fp32 in all (checksum %.1f)\n", n,
              z ? "zmm (16 lanes)" : "ymm (8 lanes)", best / n * 1e-9, best * lanes * 2 * 1e-9, sink);
  return 0;
}
#else
int printFmaPeak() {
  std::printf("fma peak: measured on x86 (AVX2 / AVX-512) only\n");
  return 1;
}
#endif

const char* dtypeName(DType d) { return d == DType::F16 ? "f16" : "f32"; }
const char* kindName(Kind k) {
  static const char* const names[] = {"dense", "csr", "block", "nm", "gs", "channel"};  // Kind's order
  return names[static_cast<int>(k)];
}

// The benchmark matrices of each format, in the order --kernel tries them.
struct KernelMatrix {
  const char* name;
  Kind kind;
};
constexpr KernelMatrix kKernelMatrices[] = {{"dense", Kind::Dense}, {"channel", Kind::Channel}, {"csr", Kind::Csr},
                                            {"gs:16", Kind::GS},    {"2:4", Kind::NM},          {"block:4x1", Kind::Block},
                                            {"block:4x4", Kind::Block}};

// One line per kernel-table row: name, format, dtype, index widths, ISA, batch range.
void listKernels() {
  std::printf("# %-30s %-8s %-5s %-7s %-7s %s\n", "kernel", "format", "dtype", "index", "isa", "batch");
  for (const cpu::KernelRow& r : cpu::kernelTable()) {
    std::string widths;
    if (r.indexWidths == cpu::kAnyIndex) widths = "any";
    for (unsigned wd : {1u, 2u, 4u})
      if (r.indexWidths != cpu::kAnyIndex && (r.indexWidths & wd)) widths += (widths.empty() ? "" : ",") + std::to_string(wd);
    std::string batches = std::to_string(r.minBatch) + (r.rowBlocked ? "(env)" : "") + "-" +
                          (r.maxBatch == cpu::kAnyBatch ? std::string("") : std::to_string(r.maxBatch));
    std::printf("%-32s %-8s %-5s %-7s %-7s %s\n", r.name, kindName(r.kind), dtypeName(r.dtype), widths.c_str(),
                isaName(r.isa), batches.c_str());
  }
}

// Times row `name` alone on the first benchmark matrix of its format it accepts.
int timeKernel(const char* name, std::vector<std::size_t> batches, bool batchesGiven, bool quick) {
  const cpu::KernelRow* row = cpu::findKernel(name);
  if (!row) {
    std::fprintf(stderr, "no kernel named %s (see --list)\n", name);
    return 2;
  }
  if (static_cast<int>(row->isa) > static_cast<int>(detectedIsa())) {
    std::fprintf(stderr, "%s needs %s, not on this CPU\n", name, isaName(row->isa));
    return 2;
  }
  if (!batchesGiven) batches = {row->minBatch, std::min<std::size_t>(64, row->maxBatch)};
  batches.erase(std::remove_if(batches.begin(), batches.end(),
                               [&](std::size_t b) { return b < row->minBatch || b > row->maxBatch; }),
                batches.end());
  batches.erase(std::unique(batches.begin(), batches.end()), batches.end());
  const std::vector<float> base = randomMatrix(std::size_t{kRows} * kCols, 42);
  for (const KernelMatrix& km : kKernelMatrices) {
    if (km.kind != row->kind) continue;
    const char* m = km.name;
    const PackedMatrix w = buildMatrix(m, base, row->dtype);
    if (batches.empty() || !cpu::kernelAccepts(*row, w, batches.front())) continue;
    std::printf("kernel %s on %s %s, W %ux%u, threads %zu\n", name, m, dtypeName(row->dtype), kRows, kCols,
                threads());
    std::printf("%5s %10s %12s %9s\n", "batch", "ms(med)", "GF/s dense-eq", "GF/s nnz");
    for (std::size_t batch : batches) {
      const double ms = quick ? medianMs(w, batch, 3, 5, 0.1, row->run) : medianMs(w, batch, 5, 50, 0.6, row->run);
      std::printf("%5zu %10.3f %12.1f %9.1f\n", batch, ms, 2.0 * kRows * kCols * batch / ms * 1e-6,
                  2.0 * static_cast<double>(w.nonzeros()) * batch / ms * 1e-6);
    }
    return 0;
  }
  std::fprintf(stderr, "no benchmark matrix that %s accepts at the batches asked\n", name);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, chunkOnly = false, batchesGiven = false;
  std::vector<std::size_t> batches{1, 64};
  std::string only;
  const char* kernel = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--peak") == 0) return printFmaPeak();
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--chunk") == 0) chunkOnly = true;
    else if (std::strcmp(argv[i], "--list") == 0) {
      listKernels();
      return 0;
    } else if (std::strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) kernel = argv[++i];
    else if (std::strcmp(argv[i], "--batches") == 0 && i + 1 < argc) {
      batches.clear();
      batchesGiven = true;
      for (const char* s = argv[++i]; *s;) {
        char* end = nullptr;
        const unsigned long b = std::strtoul(s, &end, 10);
        if (end == s || b == 0) break;
        batches.push_back(b);
        s = *end == ',' ? end + 1 : end;
      }
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = "," + std::string(argv[++i]) + ",";
    else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--batches 1,4,64] [--only csr,gs:16] [--chunk]\n"
                   "       %s --list | --kernel NAME [--quick] [--batches 1,64] | --peak\n",
                   argv[0], argv[0]);
      return 2;
    }
  }
  if (kernel) return timeKernel(kernel, batches, batchesGiven, quick);
  const auto t0 = Clock::now();
  const std::vector<Bench> benches = buildMatrices();
  const double setupS = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("gsparse microbench: W %ux%u fp32, isa %s (detected %s), threads %zu, setup %.1f s\n", kRows, kCols,
              isaName(activeIsa()), isaName(detectedIsa()), threads(), setupS);
  std::printf("%-10s %5s %9s %10s %12s %9s %9s\n", "format", "batch", "sparsity", "ms(med)", "GF/s dense-eq",
              "GF/s nnz", "MB");
  for (std::size_t batch : batches)
    for (const auto& b : benches) {
      if (!only.empty() && only.find("," + b.name + ",") == std::string::npos) continue;
      const double ms = quick ? medianMs(b.w, batch, 3, 5, 0.1) : medianMs(b.w, batch, 5, 50, 0.6);
      const double nnz = static_cast<double>(b.w.nonzeros());
      const double denseFlops = 2.0 * kRows * kCols * batch, nnzFlops = 2.0 * nnz * batch;
      std::printf("%-10s %5zu %8.1f%% %10.3f %12.1f %9.1f %9.1f\n", b.name.c_str(), batch,
                  100.0 * (1.0 - nnz / (double(kRows) * kCols)), ms, denseFlops / ms * 1e-6, nnzFlops / ms * 1e-6,
                  b.w.byteSize() / 1048576.0);
    }
  if (chunkOnly) {
    std::printf("row-blocked kernel alone, batch 64, 1 thread (G zmm FMA/s, padding included):\n");
    for (const auto& b : benches) {
      if (!only.empty() && only.find("," + b.name + ",") == std::string::npos) continue;
      const double rate = kernelOnlyRate(b.w);
      if (rate > 0.0) std::printf("%-10s %6.2f\n", b.name.c_str(), rate * 1e-9);
    }
  }
  std::printf("total %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  return 0;
}

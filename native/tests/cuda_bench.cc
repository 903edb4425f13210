// CUDA microbenchmark (no Node): gs:32 vs the dense GEMM (the `dense` format: cuBLAS SGEMM when
// libcublas loads, else the built-in tiled SGEMM, labelled as such) vs CSR, W = N x N with
// N = 4096 and 8192, sparsity 50/75/90/95%, batch 1/16/64/256, fp32 weights, fixed seeds.
//
// Each figure is the median of `repeats` device-only timings with CUDA events (kernels, and the
// transposes the row-split CSR kernels need; not the host<->device copies of x and y), the L2 cache
// written over before each run so weights come from device memory (gsparse::cudaBenchmark).
// Before timing, each size's GS and CSR results at batch 16 are checked against the CPU kernels.
//
//   gsparse_cuda_bench [--quick] [--repeats N] [--csv FILE]
//   gsparse_cuda_bench --profile     one untimed GS (gs:32, 90%) call per size at batch 1 and 64, for ncu
// Exits 2 with a SKIP line when no CUDA device is usable (no numbers is not a success), 1 when a
// check against the CPU fails or a call throws.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gsparse/cuda.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/pattern.h"
#include "gsparse/prune.h"
#include "test_fixtures.h"

using namespace gsparse;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

using gstest::randomMatrix;

double timeMs(const PackedMatrix& m, DeviceWeights& dev, const std::vector<float>& x, std::size_t batch, int repeats,
              std::vector<float>* yOut = nullptr) {
  std::vector<float> y(batch * m.rows);
  MatmulArgs a;
  a.x = x.data();
  a.batch = batch;
  a.y = y.data();
  std::vector<double> ms;
  cudaBenchmark(m, dev, a, 3, repeats, &ms);
  if (yOut) *yOut = std::move(y);
  return median(ms);
}

// ||a - b|| / ||b||
double relErr(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    num += d * d;
    den += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

struct Row {
  uint32_t n;
  double sparsity;
  std::size_t batch;
  double dense, gs, csr;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, profile = false;
  int repeats = 21;
  const char* csvPath = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--profile")) profile = true;
    else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc) csvPath = argv[++i];
  }
  std::string reason;
  if (!cudaAvailable(&reason)) {
    std::printf("SKIP gsparse_cuda_bench: no usable CUDA device (%s)\n", reason.c_str());
    return 2;
  }
  CudaDeviceInfo info;
  cudaDeviceInfo(&info);
  const std::string gemmName = cudaDenseGemmName();
  // The baseline is cuBLAS only when it loaded; otherwise say so everywhere it is named.
  const bool cublas = gemmName.rfind("cublas", 0) == 0;
  const char* base = cublas ? "cuBLAS" : "tiled";
  std::printf("device: %s (sm_%d%d, %d SMs, L2 %zu MiB), dense GEMM: %s, repeats %d (median)\n", info.name.c_str(),
              info.major, info.minor, info.smCount, info.l2CacheBytes >> 20, gemmName.c_str(), repeats);
  if (!cublas)
    std::printf("NOTE: libcublas could not be loaded (set GSPARSE_CUBLAS_PATH): the baseline is gsparse's built-in "
                "tiled SGEMM, NOT cuBLAS; the speedups below are against it and the cuBLAS targets are not evaluated\n");

  if (profile) {
    try {
      for (uint32_t n : {4096u, 8192u}) {
        const std::vector<float> w = randomMatrix(std::size_t{n} * n, n);
        const PackedMatrix m = pruneAndPack(w.data(), n, n, gstest::gsPattern(32), 0.9, DType::F32);
        DeviceWeights dev;
        for (std::size_t b : {std::size_t{1}, std::size_t{64}}) {
          const std::vector<float> x = randomMatrix(b * n, n + 1);
          std::vector<double> ms;
          std::vector<float> y(b * n);
          MatmulArgs a;
          a.x = x.data(), a.batch = b, a.y = y.data();
          cudaBenchmark(m, dev, a, 0, 1, &ms);
          std::printf("profiled gs:32 90%% %ux%u batch %zu: %.4f ms\n", n, n, b, ms.empty() ? 0.0 : ms[0]);
        }
      }
    } catch (const std::exception& e) {
      std::printf("ERROR: %s\n", e.what());
      return 1;
    }
    return 0;
  }

  const std::vector<uint32_t> sizes = quick ? std::vector<uint32_t>{4096} : std::vector<uint32_t>{4096, 8192};
  const std::vector<double> sparsities = {0.50, 0.75, 0.90, 0.95};
  const std::vector<std::size_t> batches = {1, 16, 64, 256};
  std::vector<Row> rows;
  bool checksOk = true;

  try {
    for (uint32_t n : sizes) {
      const uint32_t seed = n;  // fixed: reruns time the same matrices
      const std::vector<float> w = randomMatrix(std::size_t{n} * n, seed);
      const PackedMatrix dense = pack(w.data(), n, n, gstest::densePattern(), DType::F32);
      DeviceWeights denseDev;
      std::vector<double> denseMs;
      std::vector<std::vector<float>> xs;
      for (std::size_t b : batches) {
        xs.push_back(randomMatrix(b * n, seed + static_cast<uint32_t>(b)));
        denseMs.push_back(timeMs(dense, denseDev, xs.back(), b, repeats));
      }
      for (double sp : sparsities) {
        const auto t0 = std::chrono::steady_clock::now();
        const PackedMatrix gsM = pruneAndPack(w.data(), n, n, gstest::gsPattern(32), sp, DType::F32);
        const PackedMatrix csrM = pruneAndPack(w.data(), n, n, gstest::csrPattern(), sp, DType::F32);
        const double pruneS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        DeviceWeights gsDev, csrDev;
        for (std::size_t i = 0; i < batches.size(); ++i) {
          const std::size_t b = batches[i];
          std::vector<float> yGs, yCsr;
          const double tg = timeMs(gsM, gsDev, xs[i], b, repeats, &yGs);
          const double tc = timeMs(csrM, csrDev, xs[i], b, repeats, &yCsr);
          if (b == 16) {  // check against the CPU kernels
            std::vector<float> ref(b * n);
            MatmulArgs a;
            a.x = xs[i].data(), a.batch = b, a.y = ref.data();
            matmulCpu(gsM, a);
            const double eg = relErr(yGs, ref);
            matmulCpu(csrM, a);
            const double ec = relErr(yCsr, ref);
            const bool ok = eg <= 1e-5 && ec <= 1e-5;
            checksOk = checksOk && ok;
            std::printf("check %ux%u %.0f%% batch %zu vs CPU: gs rel err %.2e, csr rel err %.2e %s "
                        "(gs sparsity %.4f, csr %.4f, prune+pack %.1f s)\n",
                        n, n, sp * 100, b, eg, ec, ok ? "ok" : "FAIL", 1.0 - double(gsM.nonzeros()) / (double(n) * n),
                        1.0 - double(csrM.nonzeros()) / (double(n) * n), pruneS);
          }
          rows.push_back({n, sp, b, denseMs[i], tg, tc});
          std::fflush(stdout);
        }
      }
    }
  } catch (const std::exception& e) {
    std::printf("ERROR: %s\n", e.what());
    return 1;
  }

  const std::string baseMs = std::string(base) + " ms";
  std::printf("\n%-11s %8s %6s %12s %12s %12s %9s %9s\n", "W", "sparsity", "batch", baseMs.c_str(), "gs:32 ms", "csr ms",
              "gs:32 x", "csr x");
  for (const Row& r : rows)
    std::printf("%5ux%-5u %7.0f%% %6zu %12.4f %12.4f %12.4f %8.2fx %8.2fx\n", r.n, r.n, r.sparsity * 100, r.batch, r.dense,
                r.gs, r.csr, r.dense / r.gs, r.dense / r.csr);
  if (csvPath) {
    if (FILE* f = std::fopen(csvPath, "w")) {
      std::fprintf(f, "n,sparsity,batch,dense_gemm,dense_ms,gs32_ms,csr_ms\n");
      for (const Row& r : rows)
        std::fprintf(f, "%u,%.2f,%zu,%s,%.6f,%.6f,%.6f\n", r.n, r.sparsity, r.batch, base, r.dense, r.gs, r.csr);
      std::fclose(f);
    }
  }
  // The targets (H100/H200), read off the table: they are stated against cuBLAS.
  for (const Row& r : rows) {
    if (!cublas) break;
    if (r.n != 8192 || std::fabs(r.sparsity - 0.9) > 1e-9) continue;
    if (r.batch == 1) std::printf("target gs:32 90%% 8192 batch 1 >= 5x cuBLAS: %.2fx %s\n", r.dense / r.gs, r.dense / r.gs >= 5 ? "MET" : "missed");
    if (r.batch >= 64) std::printf("target gs:32 90%% 8192 batch %zu >= 3x cuBLAS: %.2fx %s\n", r.batch, r.dense / r.gs, r.dense / r.gs >= 3 ? "MET" : "missed");
    if (r.batch == 64) std::printf("target csr 90%% 8192 batch 64 faster than cuBLAS: %.2fx %s\n", r.dense / r.csr, r.dense / r.csr > 1 ? "MET" : "missed");
  }
  return checksOk ? 0 : 1;
}

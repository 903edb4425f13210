// Dense GEMM of the CUDA backend (the `dense` and `channel` formats, and the benchmarks' baseline):
// c[batch][n] = x[batch][k] * w[n][k]^T in fp32.
//
// cuBLAS SGEMM when libcublas can be loaded at run time (dlopen, so the addon has no hard dependency
// on it and still loads where it is missing: GSPARSE_CUBLAS_PATH, then the toolkit's library folder
// found at build time, then the loader's search path). Default math mode: true fp32, no TF32.
// Otherwise (or when a test forces it) a built-in 64x64-tiled SGEMM kernel.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda_device.cuh"

namespace gsparse {
namespace cuda {

namespace {

// ---- cuBLAS through dlopen: the few entry points used, with cuBLAS's stable C ABI ---------------
struct CublasContext;
using CublasHandle = CublasContext*;
constexpr int kCublasOk = 0, kOpN = 0, kOpT = 1, kDefaultMath = 0;

struct CublasApi {
  void* lib = nullptr;
  int (*create)(CublasHandle*) = nullptr;
  int (*destroy)(CublasHandle) = nullptr;
  int (*setStream)(CublasHandle, cudaStream_t) = nullptr;
  int (*setMathMode)(CublasHandle, int) = nullptr;
  int (*getVersion)(CublasHandle, int*) = nullptr;
  int (*sgemm)(CublasHandle, int, int, int, int, int, const float*, const float*, int, const float*, int, const float*,
               float*, int) = nullptr;
  std::string path;
};

template <class F>
bool bind(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

const CublasApi* loadCublas() {
  static const CublasApi* api = []() -> const CublasApi* {
    static CublasApi a;
    const std::string major = std::to_string(CUDART_VERSION / 1000);
    std::vector<std::string> paths;
    if (const char* p = std::getenv("GSPARSE_CUBLAS_PATH"); p && *p) paths.emplace_back(p);
#ifdef GSPARSE_CUBLAS_DIR
    paths.push_back(std::string(GSPARSE_CUBLAS_DIR) + "/libcublas.so." + major);
#endif
    paths.push_back("libcublas.so." + major);
    paths.push_back("libcublas.so");
    for (const auto& p : paths) {
      void* lib = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) continue;
      a.lib = lib;
      a.path = p;
      if (bind(lib, "cublasCreate_v2", a.create) && bind(lib, "cublasDestroy_v2", a.destroy) &&
          bind(lib, "cublasSetStream_v2", a.setStream) && bind(lib, "cublasSetMathMode", a.setMathMode) &&
          bind(lib, "cublasGetVersion_v2", a.getVersion) && bind(lib, "cublasSgemm_v2", a.sgemm))
        return &a;
      dlclose(lib);  // not a usable cuBLAS: try the next path
      a = CublasApi{};
    }
    return nullptr;
  }();
  return api;
}

std::atomic<bool> g_forceTiled{false};

// ---- built-in tiled SGEMM ------------------------------------------------------------------------
constexpr int kTM = 64, kTN = 64, kTK = 16, kThreads = 256;

__global__ void __launch_bounds__(kThreads)
    sgemmTiledKernel(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ c, std::size_t M,
                     std::size_t N, std::size_t K) {
  __shared__ float xs[kTK][kTM + 4];
  __shared__ float ws[kTK][kTN + 4];
  const unsigned tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const std::size_t m0 = static_cast<std::size_t>(blockIdx.y) * kTM, n0 = static_cast<std::size_t>(blockIdx.x) * kTN;
  float acc[4][4] = {};
  for (std::size_t k0 = 0; k0 < K; k0 += kTK) {
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const unsigned i = tid + kThreads * q, r = i / kTK, kk = i % kTK;
      const std::size_t kc = k0 + kk;
      xs[kk][r] = (m0 + r < M && kc < K) ? __ldg(x + (m0 + r) * K + kc) : 0.0f;
      ws[kk][r] = (n0 + r < N && kc < K) ? __ldg(w + (n0 + r) * K + kc) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTK; ++kk) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = xs[kk][ty * 4 + i], b[i] = ws[kk][tx * 4 + i];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const std::size_t m = m0 + ty * 4 + i;
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const std::size_t n = n0 + tx * 4 + j;
      if (n < N) c[m * N + n] = acc[i][j];
    }
  }
}

void gemmTiled(const float* w, std::size_t n, std::size_t k, const float* x, std::size_t batch, float* c,
               cudaStream_t stream) {
  const std::size_t gx = (n + kTN - 1) / kTN;
  if (gx > 0x7fffffffu) fail(ErrorCode::Range, "dense: too many rows for the CUDA GEMM");
  constexpr std::size_t kMaxRowsPerLaunch = std::size_t{65535} * kTM;  // gridDim.y limit
  for (std::size_t b0 = 0; b0 < batch; b0 += kMaxRowsPerLaunch) {
    const std::size_t mb = std::min(kMaxRowsPerLaunch, batch - b0);
    const dim3 grid(static_cast<unsigned>(gx), static_cast<unsigned>((mb + kTM - 1) / kTM));
    sgemmTiledKernel<<<grid, kThreads, 0, stream>>>(x + b0 * k, w, c + b0 * n, mb, n, k);
    GS_CUDA_LAUNCH_CHECK("sgemmTiledKernel");
  }
}

void checkCublas(int status, const char* what) {
  if (status == kCublasOk) return;
  // CUBLAS_STATUS_ALLOC_FAILED = 3
  fail(status == 3 ? ErrorCode::OOM : ErrorCode::Internal,
       std::string("cuBLAS ") + what + " failed with status " + std::to_string(status));
}

}  // namespace

struct GemmContext {
  CublasHandle handle = nullptr;
};

void GemmContextDeleter::operator()(GemmContext* c) const noexcept {
  if (c && c->handle) {
    if (const CublasApi* api = loadCublas()) api->destroy(c->handle);
  }
  delete c;
}

void gemm(GemmContextPtr& ctx, const float* w, std::size_t n, std::size_t k, const float* x, std::size_t batch,
          float* c, cudaStream_t stream) {
  if (batch == 0 || n == 0) return;
  const CublasApi* api = g_forceTiled.load(std::memory_order_relaxed) ? nullptr : loadCublas();
  const bool fitsInt = n <= INT_MAX && k <= INT_MAX && batch <= INT_MAX;
  if (!api || !fitsInt || k == 0) return gemmTiled(w, n, k, x, batch, c, stream);
  if (!ctx) {
    ctx = GemmContextPtr(new GemmContext);
    checkCublas(api->create(&ctx->handle), "cublasCreate");
    checkCublas(api->setMathMode(ctx->handle, kDefaultMath), "cublasSetMathMode");
  }
  checkCublas(api->setStream(ctx->handle, stream), "cublasSetStream");
  // Column-major view: C^T (n x batch, ld n) = W (as k x n col-major, transposed) * X^T (k x batch, ld k).
  const float alpha = 1.0f, beta = 0.0f;
  checkCublas(api->sgemm(ctx->handle, kOpT, kOpN, static_cast<int>(n), static_cast<int>(batch), static_cast<int>(k),
                         &alpha, w, static_cast<int>(k), x, static_cast<int>(k), &beta, c, static_cast<int>(n)),
              "cublasSgemm");
}

}  // namespace cuda

std::string cudaDenseGemmName() {
  if (!cudaAvailable()) return std::string();
  if (cuda::g_forceTiled.load(std::memory_order_relaxed)) return "tiled";
  const cuda::CublasApi* api = cuda::loadCublas();
  if (!api) return "tiled";
  std::string name = "cublas (" + api->path + ")";
  cuda::CublasHandle h = nullptr;
  if (api->create(&h) == cuda::kCublasOk) {
    int v = 0;
    if (api->getVersion(h, &v) == cuda::kCublasOk) name = "cublas " + std::to_string(v) + " (" + api->path + ")";
    api->destroy(h);
  }
  return name;
}

void setCudaForceTiledGemmForTesting(bool force) { cuda::g_forceTiled.store(force, std::memory_order_relaxed); }

}  // namespace gsparse

// matmulCuda against a float64 CPU reference, for every CUDA kernel (GS with banks 32 incl. permute,
// partial groups, E > 1 and the other bank counts; CSR; N:M; block; dense through cuBLAS and the
// built-in tiled GEMM; channel) x fp32/fp16 x batch 1, 3, 64 x epilogue, on fresh random data.
//
// The reference multiplies toDense() of the packed matrix (fp16 rounding included) by X in double.
// Per output: |y - ref| <= 1e-5 * max(1, scale), scale = sum_c |W[r][c] X[b][c]| + |bias[r]| (the
// bound fp32 accumulation can promise even when the sum cancels). Y is poisoned with NaN first, so
// an output a kernel misses fails. The library checks every CUDA call (errors become gsparse::Error).
//
// Without a usable device (no GPU, no driver, or built without CUDA) it checks that the backend
// reports itself unavailable, prints a SKIP line and exits 0.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gsparse/backends.h"
#include "gsparse/cuda.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"
#include "gsparse/pattern.h"
#include "gsparse/prune.h"
#include "test_framework.h"

using namespace gsparse;

namespace {

struct Shape {
  uint32_t rows, cols;
};

Pattern make(Kind kind) {
  Pattern p;
  p.kind = kind;
  return p;
}
Pattern gs(uint32_t banks, uint32_t perRow, bool permute = false) {
  Pattern p = make(Kind::GS);
  p.banks = banks, p.perRow = perRow, p.permute = permute;
  return p;
}
Pattern nm(uint32_t n, uint32_t m) {
  Pattern p = make(Kind::NM);
  p.n = n, p.m = m;
  return p;
}
Pattern block(uint32_t r, uint32_t c) {
  Pattern p = make(Kind::Block);
  p.blockRows = r, p.blockCols = c;
  return p;
}

struct EpilogueCase {
  const char* name;
  bool bias;
  Activation act;
};
const EpilogueCase kEpilogues[] = {
    {"none", false, Activation::None}, {"bias+relu", true, Activation::Relu}, {"bias+gelu", true, Activation::Gelu}};

uint32_t freshSeed() {
  static std::atomic<uint32_t> counter{0};
  return static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^ (counter++ * 0x9e3779b9u);
}

std::vector<float> gaussian(std::size_t n, std::mt19937& gen) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

double sparsityFor(const Pattern& p) {
  switch (p.kind) {
    case Kind::Dense: return 0.0;
    case Kind::Channel: return 0.5;
    case Kind::NM: return 0.0;  // fixed by the pattern
    default: return 0.75;
  }
}

double gelu(double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }

// Compares y with the float64 reference; returns the number of bad outputs (printing the first few).
std::size_t compare(const PackedMatrix& m, const std::vector<float>& x, std::size_t batch, const float* bias,
                    Activation act, const std::vector<float>& y, const std::string& label) {
  std::vector<float> w(std::size_t{m.rows} * m.cols);
  toDense(m, w.data());
  std::size_t bad = 0;
  double worst = 0.0;
  for (std::size_t b = 0; b < batch; ++b)
    for (std::size_t r = 0; r < m.rows; ++r) {
      double acc = 0.0, scale = 0.0;
      const float* wr = w.data() + r * m.cols;
      const float* xb = x.data() + b * m.cols;
      for (std::size_t c = 0; c < m.cols; ++c) {
        const double t = static_cast<double>(wr[c]) * xb[c];
        acc += t;
        scale += std::fabs(t);
      }
      if (bias) acc += bias[r], scale += std::fabs(bias[r]);
      double ref = acc;
      if (act == Activation::Relu) ref = acc > 0 ? acc : 0.0;
      if (act == Activation::Gelu) ref = gelu(acc);
      const double got = y[b * m.rows + r];
      const double err = std::fabs(got - ref) / std::max(1.0, scale);
      if (!(err <= 1e-5)) {
        if (bad < 5)
          std::fprintf(stderr, "  %s: y[%zu][%zu] = %.9g, expected %.9g (scaled error %.3g)\n", label.c_str(), b, r,
                       got, ref, err);
        ++bad;
      }
      if (err > worst || err != err) worst = err;
    }
  return bad;
}

// One checked call: fresh x and bias, poisoned y, the result against the reference, and a second
// call on the same device weights that must give bitwise the same y (no race, no stale upload).
void checkCall(const PackedMatrix& m, DeviceWeights& dev, std::size_t batch, const EpilogueCase& e,
               const std::string& label) {
  std::mt19937 gen(freshSeed());
  const std::vector<float> x = gaussian(batch * m.cols, gen);
  const std::vector<float> bias = gaussian(m.rows, gen);
  std::vector<float> y(batch * m.rows, std::numeric_limits<float>::quiet_NaN());
  MatmulArgs a;
  a.x = x.data();
  a.batch = batch;
  a.y = y.data();
  a.bias = e.bias ? bias.data() : nullptr;
  a.activation = e.act;
  matmulCuda(m, dev, a);
  const std::string full = label + " batch " + std::to_string(batch) + " " + e.name;
  const std::size_t bad = compare(m, x, batch, a.bias, e.act, y, full);
  CHECK_MSG(bad == 0, full + ": " + std::to_string(bad) + " wrong outputs");
  std::vector<float> y2(y.size(), std::numeric_limits<float>::quiet_NaN());
  a.y = y2.data();
  matmulCuda(m, dev, a);
  CHECK_MSG(std::memcmp(y.data(), y2.data(), y.size() * sizeof(float)) == 0, full + ": second call differs");
}

struct FormatCase {
  const char* name;
  Pattern pattern;
};

const FormatCase kFormats[] = {
    {"gs:32", gs(32, 1)},
    {"gs:32:permute", gs(32, 1, true)},
    {"gs:32x4", gs(32, 4)},
    {"gs:32x4:permute", gs(32, 4, true)},
    {"gs:32x32", gs(32, 32)},
    {"gs:16", gs(16, 1)},
    {"gs:8x2", gs(8, 2)},
    {"gs:64", gs(64, 1)},
    {"gs:64x4", gs(64, 4)},
    {"gs:64x64", gs(64, 64)},
    {"csr", make(Kind::Csr)},
    {"2:4", nm(2, 4)},
    {"3:8", nm(3, 8)},
    {"block:4x1", block(4, 1)},
    {"block:3x5", block(3, 5)},
    {"dense", make(Kind::Dense)},
    {"channel", make(Kind::Channel)},
};
// Partial groups / blocks (37 rows), a column count that is no multiple of 32, and > 1024 columns.
const Shape kShapes[] = {{37, 70}, {200, 777}, {64, 1025}};
const std::size_t kBatches[] = {1, 3, 64};

PackedMatrix randomPacked(const Pattern& p, Shape s, DType dtype) {
  std::mt19937 gen(freshSeed());
  const std::vector<float> w = gaussian(std::size_t{s.rows} * s.cols, gen);
  return pruneAndPack(w.data(), s.rows, s.cols, p, sparsityFor(p), dtype);
}

void runFormat(const FormatCase& f) {
  for (DType dtype : {DType::F32, DType::F16})
    for (const Shape& s : kShapes) {
      const PackedMatrix m = randomPacked(f.pattern, s, dtype);
      DeviceWeights dev;
      const std::string label = std::string(f.name) + (dtype == DType::F16 ? " f16 " : " f32 ") +
                                std::to_string(s.rows) + "x" + std::to_string(s.cols);
      for (std::size_t batch : kBatches)
        for (const auto& e : kEpilogues) checkCall(m, dev, batch, e, label);
      CHECK(dev.deviceBytes() > 0);
    }
}

TEST(cuda_gs32) { runFormat(kFormats[0]); }
TEST(cuda_gs32_permute) { runFormat(kFormats[1]); }
TEST(cuda_gs32x4) { runFormat(kFormats[2]); }
TEST(cuda_gs32x4_permute) { runFormat(kFormats[3]); }
TEST(cuda_gs32x32) { runFormat(kFormats[4]); }
TEST(cuda_gs16) { runFormat(kFormats[5]); }
TEST(cuda_gs8x2) { runFormat(kFormats[6]); }
TEST(cuda_gs64) { runFormat(kFormats[7]); }
TEST(cuda_gs64x4) { runFormat(kFormats[8]); }
TEST(cuda_gs64x64) { runFormat(kFormats[9]); }
TEST(cuda_csr) { runFormat(kFormats[10]); }
TEST(cuda_nm_2_4) { runFormat(kFormats[11]); }
TEST(cuda_nm_3_8) { runFormat(kFormats[12]); }
TEST(cuda_block_4x1) { runFormat(kFormats[13]); }
TEST(cuda_block_3x5) { runFormat(kFormats[14]); }
TEST(cuda_dense_default_gemm) { runFormat(kFormats[15]); }
TEST(cuda_channel) { runFormat(kFormats[16]); }

TEST(cuda_dense_and_channel_tiled_gemm) {
  setCudaForceTiledGemmForTesting(true);
  try {
    CHECK(cudaDenseGemmName() == "tiled");
    runFormat(kFormats[15]);
    runFormat(kFormats[16]);
  } catch (...) {
    setCudaForceTiledGemmForTesting(false);
    throw;
  }
  setCudaForceTiledGemmForTesting(false);
}

// More columns than shared memory holds: the GS kernel tiles K (and the indices are 32-bit).
TEST(cuda_gs_k_tiled_wide) {
  const Shape s{40, 70001};
  for (DType dtype : {DType::F32, DType::F16})
    for (const Pattern& p : {gs(32, 1), gs(32, 4, true)}) {
      const PackedMatrix m = randomPacked(p, s, dtype);
      CHECK(m.indices.width() == 4);
      DeviceWeights dev;
      for (std::size_t batch : {std::size_t{1}, std::size_t{3}})
        checkCall(m, dev, batch, kEpilogues[2], patternToString(p) + (dtype == DType::F16 ? " f16" : " f32") + " 40x70001");
    }
}

// Many groups and batch tiles: each block runs several consecutive groups.
TEST(cuda_gs_many_groups) {
  for (const Pattern& p : {gs(32, 1), gs(32, 4, true)}) {
    const PackedMatrix m = randomPacked(p, {8192, 256}, DType::F32);
    DeviceWeights dev;
    for (std::size_t batch : {std::size_t{64}, std::size_t{256}})
      checkCall(m, dev, batch, kEpilogues[1], patternToString(p) + " f32 8192x256");
  }
}

// One DeviceWeights serving two matrices in turn re-uploads; calls from several threads are safe.
TEST(cuda_reupload_and_threads) {
  const PackedMatrix a = randomPacked(gs(32, 1), {128, 512}, DType::F32);
  const PackedMatrix b = randomPacked(make(Kind::Csr), {96, 300}, DType::F16);
  DeviceWeights dev;
  checkCall(a, dev, 3, kEpilogues[1], "reupload a");
  checkCall(b, dev, 3, kEpilogues[1], "reupload b");
  checkCall(a, dev, 64, kEpilogues[2], "reupload a again");

  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  DeviceWeights shared;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      try {
        DeviceWeights own;
        for (int i = 0; i < 5; ++i) checkCall(a, t % 2 ? shared : own, 1 + t * 7, kEpilogues[i % 3], "thread");
      } catch (...) {
        ++errors;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(errors.load() == 0);
}

TEST(cuda_backend_resolution) {
  const auto list = listBackends();
  CHECK(list.size() == 2 && list[1].name == "cuda" && list[1].available);
  CHECK(resolveBackend("cuda", 1) == Backend::Cuda);
  CHECK(resolveBackend("auto", 0) == Backend::Cpu);
  CHECK(resolveBackend("auto", cudaAutoMinWork() - 1) == Backend::Cpu);
  CHECK(resolveBackend("auto", cudaAutoMinWork()) == Backend::Cuda);
  CudaDeviceInfo info;
  CHECK(cudaDeviceInfo(&info) && info.smCount > 0 && info.banks == 32 && info.sharedMemPerBlock >= 48 * 1024);
}

}  // namespace

int main() {
  std::string reason;
  if (!cudaAvailable(&reason)) {
    // The unavailable path itself: reported with its reason, and a cuda call is an E_BACKEND error.
    const auto list = listBackends();
    CHECK(list.size() == 2 && list[1].name == "cuda" && !list[1].available && !list[1].detail.empty());
    CHECK(!reason.empty());
    CHECK(resolveBackend("auto", UINT64_MAX) == Backend::Cpu);
    CHECK_THROWS_CODE(resolveBackend("cuda", 1), ErrorCode::Backend);
    const PackedMatrix m = randomPacked(gs(32, 1), {32, 64}, DType::F32);
    DeviceWeights dev;
    std::vector<float> x(64, 1.0f), y(32);
    MatmulArgs a;
    a.x = x.data(), a.batch = 1, a.y = y.data();
    CHECK_THROWS_CODE(matmulCuda(m, dev, a), ErrorCode::Backend);
    CHECK(dev.deviceBytes() == 0);
    std::printf("SKIP test_cuda: no usable CUDA device (%s)\n", reason.c_str());
    return gstest::failures() == 0 ? 0 : 1;
  }
  CudaDeviceInfo info;
  cudaDeviceInfo(&info);
  std::printf("test_cuda on %s (sm_%d%d, %d SMs, %zu KiB shared memory per block), dense GEMM: %s\n",
              info.name.c_str(), info.major, info.minor, info.smCount, info.sharedMemPerBlock / 1024,
              cudaDenseGemmName().c_str());
  return gstest::runAll();
}

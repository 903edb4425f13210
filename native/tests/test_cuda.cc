// matmulCuda against a float64 CPU reference, for every CUDA kernel (GS with banks 2..64 incl.
// permute, partial groups, E > 1; CSR; N:M; block; dense through cuBLAS and the built-in tiled GEMM;
// channel) x fp32/fp16 x batch 1, 3, 64, 200 (the row-split kernels' vector path over more than one
// 128-column batch tile) x epilogue; plus 32-bit indices, K-tiled GS, cols < 32, a channel matrix with
// no kept rows, Inf/NaN in x, concurrency, and the error paths.
//
// The reference multiplies toDense() of the packed matrix (fp16 rounding included) by X in double.
// Per output: |y - ref| <= 1e-5 * max(1, scale), scale = sum_c |W[r][c] X[b][c]| + |bias[r]| (the
// bound fp32 accumulation can promise even when the sum cancels). Every device buffer a kernel
// writes is filled with NaN before each call (setCudaPoisonOutputsForTesting), and so is the host y,
// so an output a kernel misses fails instead of showing an earlier call's value.
//
// Inputs are pseudo-random but deterministic: each case seeds from its label and GSPARSE_TEST_SEED
// (printed at start), so a failure reruns identically.
//
// Without a usable device (no GPU, no driver, or built without CUDA) it checks that the backend
// reports itself unavailable and maps CUDA errors to the documented codes, prints a SKIP line with
// the reason and exits 0.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
#include "test_fixtures.h"
#include "test_framework.h"

using namespace gsparse;

namespace {

#ifdef GSPARSE_HAVE_CUDA
constexpr bool kBuiltWithCuda = true;
#else
constexpr bool kBuiltWithCuda = false;
#endif

// cudaError_t values (driver_types.h) for failCudaCallForTesting; this file needs no CUDA headers.
constexpr int kCudaErrorMemoryAllocation = 2;
constexpr int kCudaErrorNoKernelImageForDevice = 209;
constexpr int kCudaErrorIllegalAddress = 700;

using gstest::Shape;
using gstest::blockPattern;
using gstest::gsPattern;
using gstest::kindPattern;
using gstest::nmPattern;

using gstest::EpilogueCase;
using gstest::kEpilogues;
using gstest::matmulArgs;

uint32_t baseSeed() {
  static const uint32_t seed = [] {
    const char* s = std::getenv("GSPARSE_TEST_SEED");
    return s && *s ? static_cast<uint32_t>(std::strtoul(s, nullptr, 10)) : 20261126u;
  }();
  return seed;
}

// The seed of one case: its label (FNV-1a) mixed with the base seed, so a case's data does not
// depend on which cases ran before it or on thread scheduling.
uint32_t seedFor(const std::string& label) {
  uint32_t h = 2166136261u;
  for (unsigned char c : label) h = (h ^ c) * 16777619u;
  return h ^ (baseSeed() * 0x9e3779b9u);
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


std::string dtypeName(DType d) { return d == DType::F16 ? "f16" : "f32"; }
std::string shapeName(Shape s) { return std::to_string(s.rows) + "x" + std::to_string(s.cols); }

// Compares y with the float64 reference; returns the number of bad outputs (printing the first few).
std::size_t compare(const PackedMatrix& m, const std::vector<float>& x, std::size_t batch, const float* bias,
                    Activation act, const std::vector<float>& y, const std::string& label) {
  std::vector<float> w(std::size_t{m.rows} * m.cols);
  toDense(m, w.data());
  std::size_t bad = 0;
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
      const double ref = gstest::activate(acc, act);
      const double got = y[b * m.rows + r];
      const double err = std::fabs(got - ref) / std::max(1.0, scale);
      if (!(err <= 1e-5)) {
        if (bad < 5)
          std::fprintf(stderr, "  %s: y[%zu][%zu] = %.9g, expected %.9g (scaled error %.3g)\n", label.c_str(), b, r,
                       got, ref, err);
        ++bad;
      }
    }
  return bad;
}

// One checked call: x and bias from the label's seed, poisoned y, the result against the
// reference, and a second call on the same device weights that must give bitwise the same y (no
// race, no stale upload, no output left from the first call: the device buffers are poisoned again).
void checkCall(const PackedMatrix& m, DeviceWeights& dev, std::size_t batch, const EpilogueCase& e,
               const std::string& label) {
  const std::string full = label + " batch " + std::to_string(batch) + " " + e.name;
  std::mt19937 gen(seedFor(full));
  const std::vector<float> x = gaussian(batch * m.cols, gen);
  const std::vector<float> bias = gaussian(m.rows, gen);
  std::vector<float> y(batch * m.rows, std::numeric_limits<float>::quiet_NaN());
  MatmulArgs a = matmulArgs(x, batch, y, e.bias ? bias.data() : nullptr, e.act);
  matmulCuda(m, dev, a);
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
    {"gs:32", gsPattern(32, 1)},
    {"gs:32:permute", gsPattern(32, 1, true)},
    {"gs:32x4", gsPattern(32, 4)},
    {"gs:32x4:permute", gsPattern(32, 4, true)},
    {"gs:32x32", gsPattern(32, 32)},
    {"gs:16", gsPattern(16, 1)},
    {"gs:8x2", gsPattern(8, 2)},
    {"gs:4", gsPattern(4, 1)},
    {"gs:4x2", gsPattern(4, 2)},
    {"gs:2", gsPattern(2, 1)},
    {"gs:64", gsPattern(64, 1)},
    {"gs:64x4", gsPattern(64, 4)},
    {"gs:64x64", gsPattern(64, 64)},
    {"csr", kindPattern(Kind::Csr)},
    {"2:4", nmPattern(2, 4)},
    {"3:8", nmPattern(3, 8)},
    {"block:4x1", blockPattern(4, 1)},
    {"block:3x5", blockPattern(3, 5)},
    {"dense", kindPattern(Kind::Dense)},
    {"channel", kindPattern(Kind::Channel)},
};
const FormatCase& format(const char* name) {
  for (const auto& f : kFormats)
    if (std::strcmp(f.name, name) == 0) return f;
  std::fprintf(stderr, "test_cuda: no format %s\n", name);
  std::abort();
}

// Partial groups / blocks (37 rows), cols < 32 (fewer columns than one warp or one GS pack), a
// column count that is no multiple of 32, and > 1024 columns.
const Shape kShapes[] = {{37, 20}, {37, 70}, {200, 777}, {64, 1025}};
// 200: the row-split kernels' float4 path (batch > 32) over two 128-column batch tiles, the second partial.
const std::size_t kBatches[] = {1, 3, 64, 200};

PackedMatrix randomPacked(const Pattern& p, Shape s, DType dtype) {
  std::mt19937 gen(seedFor("W " + patternToString(p) + " " + shapeName(s) + " " + dtypeName(dtype)));
  const std::vector<float> w = gaussian(std::size_t{s.rows} * s.cols, gen);
  return pruneAndPack(w.data(), s.rows, s.cols, p, sparsityFor(p), dtype);
}

void runFormat(const FormatCase& f) {
  for (DType dtype : {DType::F32, DType::F16})
    for (const Shape& s : kShapes) {
      const PackedMatrix m = randomPacked(f.pattern, s, dtype);
      DeviceWeights dev;
      const std::string label = std::string(f.name) + " " + dtypeName(dtype) + " " + shapeName(s);
      for (std::size_t batch : kBatches)
        for (const auto& e : kEpilogues) checkCall(m, dev, batch, e, label);
      CHECK(dev.deviceBytes() > 0);
    }
}

TEST(cuda_gs32) { runFormat(format("gs:32")); }
TEST(cuda_gs32_permute) { runFormat(format("gs:32:permute")); }
TEST(cuda_gs32x4) { runFormat(format("gs:32x4")); }
TEST(cuda_gs32x4_permute) { runFormat(format("gs:32x4:permute")); }
TEST(cuda_gs32x32) { runFormat(format("gs:32x32")); }
TEST(cuda_gs16) { runFormat(format("gs:16")); }
TEST(cuda_gs8x2) { runFormat(format("gs:8x2")); }
TEST(cuda_gs4) { runFormat(format("gs:4")); }
TEST(cuda_gs4x2) { runFormat(format("gs:4x2")); }
TEST(cuda_gs2) { runFormat(format("gs:2")); }
TEST(cuda_gs64) { runFormat(format("gs:64")); }
TEST(cuda_gs64x4) { runFormat(format("gs:64x4")); }
TEST(cuda_gs64x64) { runFormat(format("gs:64x64")); }
TEST(cuda_csr) { runFormat(format("csr")); }
TEST(cuda_nm_2_4) { runFormat(format("2:4")); }
TEST(cuda_nm_3_8) { runFormat(format("3:8")); }
TEST(cuda_block_4x1) { runFormat(format("block:4x1")); }
TEST(cuda_block_3x5) { runFormat(format("block:3x5")); }
TEST(cuda_dense_default_gemm) { runFormat(format("dense")); }
TEST(cuda_channel) { runFormat(format("channel")); }

TEST(cuda_dense_and_channel_tiled_gemm) {
  setCudaForceTiledGemmForTesting(true);
  try {
    CHECK(cudaDenseGemmName() == "tiled");
    runFormat(format("dense"));
    runFormat(format("channel"));
  } catch (...) {
    setCudaForceTiledGemmForTesting(false);
    throw;
  }
  setCudaForceTiledGemmForTesting(false);
}

// A channel matrix whose rows were all removed: no GEMM runs, every output is act(bias) (or 0).
TEST(cuda_channel_no_kept_rows) {
  const Shape s{24, 40};
  const std::vector<float> zeros(std::size_t{s.rows} * s.cols, 0.0f);
  for (DType dtype : {DType::F32, DType::F16}) {
    const PackedMatrix m = pack(zeros.data(), s.rows, s.cols, kindPattern(Kind::Channel), dtype);
    CHECK(m.rowIds.empty());
    DeviceWeights dev;
    for (std::size_t batch : {std::size_t{1}, std::size_t{3}, std::size_t{64}})
      for (const auto& e : kEpilogues) checkCall(m, dev, batch, e, "channel no kept rows " + dtypeName(dtype));
  }
}

// More columns than shared memory holds (~58K floats on H100/H200): the GS kernel tiles K, with
// 32-bit indices, for B = 32 and B = 64 (two pack lanes per warp lane).
TEST(cuda_gs_k_tiled_wide) {
  const Shape s{40, 70001};
  for (DType dtype : {DType::F32, DType::F16})
    for (const Pattern& p : {gsPattern(32, 1), gsPattern(32, 4, true), gsPattern(64, 1), gsPattern(64, 4, true), gsPattern(16, 2)}) {
      const PackedMatrix m = randomPacked(p, s, dtype);
      CHECK(m.indices.width() == 4);
      DeviceWeights dev;
      for (std::size_t batch : {std::size_t{1}, std::size_t{3}})
        checkCall(m, dev, batch, kEpilogues[2], patternToString(p) + " " + dtypeName(dtype) + " " + shapeName(s));
    }
}

// 32-bit indices in the CSR and block kernels (more than 65536 columns / block columns), at batch 1
// (vector loads of 4 indices), 3 and 64 (scalar and float4 batch paths).
TEST(cuda_uint32_indices_csr_block) {
  const struct {
    Pattern p;
    Shape s;
  } cases[] = {{kindPattern(Kind::Csr), {40, 70001}}, {blockPattern(4, 1), {40, 70001}}, {blockPattern(1, 2), {40, 140001}}};
  for (DType dtype : {DType::F32, DType::F16})
    for (const auto& c : cases) {
      const PackedMatrix m = randomPacked(c.p, c.s, dtype);
      const std::string label = patternToString(c.p) + " " + dtypeName(dtype) + " " + shapeName(c.s);
      CHECK_MSG(m.indices.width() == 4, label + ": expected 32-bit indices");
      DeviceWeights dev;
      for (std::size_t batch : {std::size_t{1}, std::size_t{3}, std::size_t{64}})
        checkCall(m, dev, batch, kEpilogues[1], label);
    }
}

// Many groups and batch tiles: each block runs several consecutive groups.
TEST(cuda_gs_many_groups) {
  for (const Pattern& p : {gsPattern(32, 1), gsPattern(32, 4, true)}) {
    const PackedMatrix m = randomPacked(p, {8192, 256}, DType::F32);
    DeviceWeights dev;
    for (std::size_t batch : {std::size_t{64}, std::size_t{256}})
      checkCall(m, dev, batch, kEpilogues[1], patternToString(p) + " f32 8192x256");
  }
}

// Inf and NaN in x. Every output must have the class (finite, Inf, NaN) the CPU kernels give it,
// and finite outputs the CPU's value. Padding never reads x: with Inf at column 0 (where padding
// lanes used to point) and, for GS, at a column a padding lane of a real row names, a GS or CSR row
// is non-finite exactly when it stores a weight in a non-finite column. Stored zeros of N:M and
// block are weights and multiply x (NaN), as on the CPU.
enum class Finite { Yes, Inf, NaN };
Finite classify(float v) { return std::isnan(v) ? Finite::NaN : std::isinf(v) ? Finite::Inf : Finite::Yes; }

// The matrix of the test: for GS, a pruned matrix with two weights taken from every 7th row, packed
// as is, so those rows get padding lanes; *padCol = a column one of them names (else 0).
PackedMatrix nonFiniteMatrix(const FormatCase& f, Shape s, uint32_t* padCol) {
  *padCol = 0;
  if (f.pattern.kind != Kind::GS) return randomPacked(f.pattern, s, DType::F32);
  std::vector<float> m(std::size_t{s.rows} * s.cols);
  toDense(randomPacked(f.pattern, s, DType::F32), m.data());
  for (uint32_t r = 0; r < s.rows; r += 7)
    for (uint32_t c = 0, taken = 0; c < s.cols && taken < 2; ++c)
      if (m[std::size_t{r} * s.cols + c] != 0.0f) m[std::size_t{r} * s.cols + c] = 0.0f, ++taken;
  PackedMatrix pm = pack(m.data(), s.rows, s.cols, f.pattern, DType::F32);
  const std::size_t B = f.pattern.banks, E = f.pattern.perRow, R = B / E;
  for (std::size_t g = 0; g + 1 < pm.ptr.size(); ++g)
    for (std::size_t i = std::size_t{pm.ptr[g]} * B; i < std::size_t{pm.ptr[g + 1]} * B; ++i) {
      const std::size_t gr = g * R + (i % B) / E;
      const bool real = f.pattern.permute ? pm.rowIds[gr] != PackedMatrix::kNoRow : gr < s.rows;
      if (real && pm.values.f32()[i] == 0.0f) {
        *padCol = pm.indices.width() == 2 ? pm.indices.as<uint16_t>()[i] : pm.indices.as<uint32_t>()[i];
        return pm;
      }
    }
  return pm;
}

TEST(cuda_non_finite_x_matches_cpu) {
  // 71 columns: partial N:M groups (2:4, 3:8) and a partial last block column (3x5); 45 rows:
  // a partial last block row (4x1) and GS group.
  const Shape s{45, 71};
  std::size_t gsPadded = 0;
  for (const auto& f : kFormats) {
    uint32_t padCol = 0;
    const PackedMatrix m = nonFiniteMatrix(f, s, &padCol);
    if (f.pattern.kind == Kind::GS && padCol != 0) ++gsPadded;
    std::vector<float> dense(std::size_t{s.rows} * s.cols);
    toDense(m, dense.data());
    const uint32_t nanCol = 33;
    const bool exact = f.pattern.kind == Kind::GS || f.pattern.kind == Kind::Csr;
    DeviceWeights dev;
    for (std::size_t batch : kBatches)
      for (const EpilogueCase& e : {kEpilogues[0], kEpilogues[1]}) {
        const std::string label = std::string(f.name) + " non-finite x batch " + std::to_string(batch) + " " + e.name;
        std::mt19937 gen(seedFor(label));
        std::vector<float> x = gaussian(batch * s.cols, gen);
        const std::vector<float> bias = gaussian(s.rows, gen);
        for (std::size_t b = 0; b < batch; ++b) {
          x[b * s.cols] = std::numeric_limits<float>::infinity();
          x[b * s.cols + padCol] = std::numeric_limits<float>::infinity();
          if (b % 2 == 1) x[b * s.cols + nanCol] = std::numeric_limits<float>::quiet_NaN();
        }
        std::vector<float> got(batch * s.rows, 0.0f), cpu(batch * s.rows, 0.0f);
        MatmulArgs a = matmulArgs(x, batch, cpu, e.bias ? bias.data() : nullptr, e.act);
        matmulCpu(m, a);
        a.y = got.data();
        matmulCuda(m, dev, a);
        std::size_t bad = 0;
        for (std::size_t b = 0; b < batch; ++b)
          for (std::size_t r = 0; r < s.rows; ++r) {
            const float g = got[b * s.rows + r], c = cpu[b * s.rows + r];
            const float* wr = dense.data() + r * s.cols;
            const float* xb = x.data() + b * s.cols;
            double scale = a.bias ? std::fabs(bias[r]) : 0.0;
            bool uses = false;
            for (std::size_t col = 0; col < s.cols; ++col) {
              if (!std::isfinite(xb[col])) uses = uses || wr[col] != 0.0f;
              else scale += std::fabs(static_cast<double>(wr[col]) * xb[col]);
            }
            bool ok = classify(g) == classify(c);
            if (ok && classify(g) == Finite::Yes) ok = std::fabs(double(g) - c) <= 2e-5 * std::max(1.0, scale);
            if (ok && exact && e.act == Activation::None) ok = uses == (classify(g) != Finite::Yes);
            if (!ok && bad++ < 5)
              std::fprintf(stderr, "  %s: y[%zu][%zu] = %g, cpu %g, stores a weight in a non-finite column: %d\n",
                           label.c_str(), b, r, g, c, int(uses));
          }
        CHECK_MSG(bad == 0, label + ": " + std::to_string(bad) + " outputs differ from the CPU");
      }
  }
  CHECK_MSG(gsPadded > 0, "expected GS padding lanes in real rows (else the GS part proves nothing)");
}

// One DeviceWeights serving two matrices in turn re-uploads; calls from several threads are safe,
// also on different matrices at once (each GS kernel variant's shared-memory limit is set once).
TEST(cuda_reupload_and_threads) {
  const PackedMatrix a = randomPacked(gsPattern(32, 1), {128, 512}, DType::F32);
  const PackedMatrix b = randomPacked(kindPattern(Kind::Csr), {96, 300}, DType::F16);
  const PackedMatrix wide = randomPacked(gsPattern(32, 1), {64, 30000}, DType::F32);  // large shared-memory tiles
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
        DeviceWeights own, ownWide;
        for (int i = 0; i < 5; ++i) {
          const std::string label = "thread " + std::to_string(t) + " call " + std::to_string(i);
          checkCall(a, t % 2 ? shared : own, 1 + t * 7, kEpilogues[i % 3], label);
          checkCall(wide, ownWide, 1 + (t + i) % 8, kEpilogues[0], label + " wide");
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "  thread %d: %s\n", t, e.what());
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

// An ordinary CUDA failure is reported and leaves the backend usable.
TEST(cuda_nonfatal_error_keeps_backend) {
  CHECK_THROWS_CODE(failCudaCallForTesting(kCudaErrorMemoryAllocation), ErrorCode::OOM);
  failCudaCallForTesting(0);  // success: nothing
  CHECK(cudaAvailable());
  const PackedMatrix m = randomPacked(gsPattern(32, 1), {64, 96}, DType::F32);
  DeviceWeights dev;
  checkCall(m, dev, 3, kEpilogues[0], "after a non-fatal error");
}

// A CUDA matmul on a small GS matrix is refused with E_BACKEND (the backend cannot be used).
void checkCudaMatmulRefused(DeviceWeights& dev) {
  const PackedMatrix m = randomPacked(gsPattern(32, 1), {32, 64}, DType::F32);
  std::vector<float> x(64, 1.0f), y(32);
  CHECK_THROWS_CODE(matmulCuda(m, dev, matmulArgs(x, 1, y)), ErrorCode::Backend);
}

// Must stay the last test: an error that kills the CUDA context disables the backend for the
// process. 'auto' then runs on the CPU, listBackends() says why, and cuda calls are E_BACKEND.
TEST(cuda_fatal_error_disables_backend) {
  CHECK_THROWS_CODE(failCudaCallForTesting(kCudaErrorIllegalAddress), ErrorCode::Internal);
  std::string reason;
  CHECK(!cudaAvailable(&reason));
  CHECK_MSG(reason.find("disabled") != std::string::npos && reason.find("cudaErrorIllegalAddress") != std::string::npos,
            reason);
  const auto list = listBackends();
  CHECK(list.size() == 2 && !list[1].available && list[1].detail == reason);
  CHECK(resolveBackend("auto", UINT64_MAX) == Backend::Cpu);
  CHECK_THROWS_CODE(resolveBackend("cuda", 1), ErrorCode::Backend);
  DeviceWeights dev;
  checkCudaMatmulRefused(dev);
  CHECK(!cudaDeviceInfo(nullptr));
  CHECK_THROWS_CODE(failCudaCallForTesting(kCudaErrorNoKernelImageForDevice), ErrorCode::Backend);
}

// Without a usable device: reported with its reason, a cuda call is an E_BACKEND error, and CUDA
// errors map to their codes without changing the reason.
void checkUnavailable(const std::string& reason) {
  const auto list = listBackends();
  CHECK(list.size() == 2 && list[1].name == "cuda" && !list[1].available && list[1].detail == reason);
  CHECK(!reason.empty());
  CHECK(resolveBackend("auto", UINT64_MAX) == Backend::Cpu);
  CHECK_THROWS_CODE(resolveBackend("cuda", 1), ErrorCode::Backend);
  DeviceWeights dev;
  checkCudaMatmulRefused(dev);
  CHECK(dev.deviceBytes() == 0);
  CHECK_THROWS_CODE(failCudaCallForTesting(kCudaErrorNoKernelImageForDevice), ErrorCode::Backend);
  CHECK_THROWS_CODE(failCudaCallForTesting(kCudaErrorIllegalAddress),
                    kBuiltWithCuda ? ErrorCode::Internal : ErrorCode::Backend);
  CHECK_THROWS_CODE(failCudaCallForTesting(kCudaErrorMemoryAllocation),
                    kBuiltWithCuda ? ErrorCode::OOM : ErrorCode::Backend);
  std::string after;
  CHECK(!cudaAvailable(&after) && after == reason);
}

}  // namespace

int main() {
  std::string reason;
  if (!cudaAvailable(&reason)) {
    checkUnavailable(reason);
    std::printf("SKIP test_cuda: no usable CUDA device (%s)\n", reason.c_str());
    return gstest::failures() == 0 ? 0 : 1;
  }
  CudaDeviceInfo info;
  cudaDeviceInfo(&info);
  std::printf("test_cuda on %s (sm_%d%d, %d SMs, %zu KiB shared memory per block), dense GEMM: %s, "
              "GSPARSE_TEST_SEED=%u\n",
              info.name.c_str(), info.major, info.minor, info.smCount, info.sharedMemPerBlock / 1024,
              cudaDenseGemmName().c_str(), baseSeed());
  setCudaPoisonOutputsForTesting(true);
  return gstest::runAll();
}

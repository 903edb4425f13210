// Internals of the CUDA backend shared by its files: error checking, RAII device memory and
// streams, the DeviceWeights implementation, and the host-side launchers of every kernel (each
// kernel lives in its own .cu file; dispatch.cc picks one per format). Host C++ only: includes
// cuda_runtime_api.h, so g++ and nvcc both compile it.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "../cpu/packed_view.h"
#include "gsparse/cuda.h"
#include "gsparse/errors.h"
#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"

namespace gsparse {
namespace cuda {

// Throws gsparse::Error for a failed CUDA call: OOM for allocation failures, Backend when there is
// no usable driver/device or no kernel image for the device, Internal otherwise. An error that
// kills the CUDA context (illegal address, ...) or a missing kernel image also disables the backend
// for the rest of the process (cudaAvailable() false, with the reason). `what` names the call.
void check(cudaError_t err, const char* what, const char* file, int line);
// After a kernel launch: the launch error (bad configuration, ...), checked like a call.
void checkLaunch(const char* kernel, const char* file, int line);

#define GS_CUDA_CHECK(expr) ::gsparse::cuda::check((expr), #expr, __FILE__, __LINE__)
#define GS_CUDA_LAUNCH_CHECK(name) ::gsparse::cuda::checkLaunch((name), __FILE__, __LINE__)

// Owning device allocation. grow() keeps the contents only when no reallocation is needed.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr, o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      ptr_ = o.ptr_, bytes_ = o.bytes_;
      o.ptr_ = nullptr, o.bytes_ = 0;
    }
    return *this;
  }

  // Ensures at least `bytes` (never shrinks); contents undefined after a reallocation.
  void grow(std::size_t bytes);
  // Exactly `bytes` (0 frees), then copies `bytes` from host memory, asynchronously on `stream`:
  // the host memory must stay valid, and the buffer unused elsewhere, until `stream` is synchronised.
  void upload(const void* host, std::size_t bytes, cudaStream_t stream);
  void reset() noexcept;  // frees; errors ignored (may run at process exit)

  std::size_t bytes() const { return bytes_; }
  void* get() const { return ptr_; }
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// Owning non-blocking stream.
class Stream {
 public:
  Stream() = default;
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get();  // created on first use

 private:
  cudaStream_t s_ = nullptr;
};

// The dense GEMM's per-matrix state (a cuBLAS handle when cuBLAS is used); dense_cublas.cu.
struct GemmContext;
struct GemmContextDeleter {
  void operator()(GemmContext* c) const noexcept;
};
using GemmContextPtr = std::unique_ptr<GemmContext, GemmContextDeleter>;

// Cached device 0 properties the launchers need (probe).
const CudaDeviceInfo& deviceInfo();
// Makes device 0 current on this thread; Backend error when CUDA is unavailable (or disabled).
void useDevice();
// Loads one of the backend's kernels (layout.cu): cudaSuccess when the binary holds code that device
// 0 can run. The probe calls it once; a context must exist.
cudaError_t probeKernelImage();

}  // namespace cuda

struct DeviceWeights::Impl {
  std::mutex mu;  // one matmulCuda at a time per matrix: scratch and stream are shared
  const PackedMatrix* source = nullptr;  // the matrix uploaded (identity + its values' host address)
  const void* sourceValues = nullptr;

  // Weights. values: fp32 or fp16 as stored, except dense/channel which hold fp32 (GEMM input).
  cuda::DeviceBuffer values, indices, ptr, rowIds, rowMap;
  // The weights as every launcher reads them: the CPU kernels' PackedView (cpu/packed_view.h) of the
  // source, its pointers replaced by the device buffers above (f16 false for dense/channel, whose
  // device values are fp32; rowIds null unless GS with permute: channel reads rowMap). Built once by
  // uploadWeights.
  cpu::PackedView view;

  // Per-call scratch, grown as needed and kept for the next call.
  cuda::DeviceBuffer x, y, bias, xt, yt, tmp;
  cuda::Stream stream;
  cuda::GemmContextPtr gemm;

  std::size_t bytes() const {
    return values.bytes() + indices.bytes() + ptr.bytes() + rowIds.bytes() + rowMap.bytes() + x.bytes() +
           y.bytes() + bias.bytes() + xt.bytes() + yt.bytes() + tmp.bytes();
  }
};

namespace cuda {

// Uploads w into d (device_weights.cc), replacing what d held: every copy and conversion runs on
// d's stream, which is synchronised before returning (the kernels that follow run on that stream).
void uploadWeights(const PackedMatrix& w, DeviceWeights::Impl& d);

// ---- kernel launchers (all asynchronous on `stream`; device pointers) ----------------------------

// Epilogue arguments: y = act(acc + bias[row]).
struct Epi {
  const float* bias = nullptr;  // device, [rows] or null
  Activation act = Activation::None;
};

// One call of a sparse kernel besides the weights (w: DeviceWeights::Impl::view, device pointers).
// GS: x [batch][cols] and y [batch][rows] row-major, no transposes. Row-split kernels (CSR, N:M,
// block): batch == 1 the same; batch > 1, x is X^T [cols][ld] and y is Y^T [rows][ld] with ld a
// multiple of batchLd(batch) (the dispatcher transposes).
struct Call {
  const float* x = nullptr;
  float* y = nullptr;
  std::size_t batch = 0, ld = 0;  // ld: row-split kernels at batch > 1 only
  Epi epi;
};
void launchSpmmGS(const cpu::PackedView& w, const Call& c, cudaStream_t stream);
// Leading dimension of X^T / Y^T for a batch: 32 lanes of one column each, or 128 (float4 per lane).
std::size_t batchLd(std::size_t batch);
void launchSpmmCsr(const cpu::PackedView& w, const Call& c, cudaStream_t stream);
void launchSpmmNM(const cpu::PackedView& w, const Call& c, cudaStream_t stream);
void launchSpmmBlock(const cpu::PackedView& w, const Call& c, cudaStream_t stream);

// out[c][r] = r < inRows ? in[r][c] : 0 for c < inCols, r < outCols (in: ldIn floats per row, out: ldOut).
void launchTranspose(const float* in, std::size_t inRows, std::size_t inCols, std::size_t ldIn, float* out,
                     std::size_t outCols, std::size_t ldOut, cudaStream_t stream);

// Dense GEMM (dense_cublas.cu): c[batch][n] = x[batch][k] * w[n][k]^T, fp32. cuBLAS when it loads,
// else the built-in tiled kernel. ctx is created on first use.
void gemm(GemmContextPtr& ctx, const float* w, std::size_t n, std::size_t k, const float* x, std::size_t batch,
          float* c, cudaStream_t stream);
// fp16 -> fp32 on the device (dense/channel weights are stored as fp32 for the GEMM).
void launchHalfToFloat(const uint16_t* in, float* out, std::size_t count, cudaStream_t stream);
// y[b][r] = epi(rowMap ? (rowMap[r] >= 0 ? c[b][rowMap[r]] : 0) : c[b][r], r); c may alias y when rowMap is null.
void launchEpilogue(const float* c, std::size_t n, const int32_t* rowMap, float* y, std::size_t rows, std::size_t batch,
                    Epi epi, cudaStream_t stream);

}  // namespace cuda
}  // namespace gsparse

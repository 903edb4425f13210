// The CUDA backend's public interface. Compiles with or without a CUDA toolkit: without one (or with
// GSPARSE_CUDA=OFF) cuda_stub.cc implements it and cudaAvailable() says "built without CUDA".
//
// Cost model of a CUDA matmul (what 'auto' weighs, see cudaAutoMinWork):
//   - weights: uploaded once per matrix, on its first CUDA call (DeviceWeights), freed with it;
//   - activations: every call copies x (batch * cols * 4 bytes) to the device and y (batch * rows * 4
//     bytes) back, over PCIe from pageable memory, plus one stream synchronisation (~10-30 us fixed).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gsparse/kernels.h"
#include "gsparse/packed_matrix.h"

namespace gsparse {

struct CudaDeviceInfo {
  std::string name;                   // e.g. "NVIDIA H100 80GB HBM3"
  int ordinal = 0;                    // the device gsparse uses (always 0: CUDA_VISIBLE_DEVICES picks)
  int major = 0, minor = 0;           // compute capability
  int smCount = 0;                    // streaming multiprocessors
  std::size_t sharedMemPerBlock = 0;  // bytes one block may use (the opt-in maximum)
  std::size_t sharedMemPerSm = 0;     // bytes of shared memory per multiprocessor
  std::size_t totalMemory = 0;        // bytes of device memory
  std::size_t l2CacheBytes = 0;       // bytes of L2 cache
  int banks = 32;                     // shared-memory banks of 4 bytes: the GS lanes of one gather
};

// True when gsparse was built with CUDA, device 0 answers and this binary holds code it can run, and
// no CUDA error has since disabled the backend; otherwise *reason (if given) says why (built without
// CUDA, no driver, driver older than the toolkit, no device, no kernel image for the device, or the
// error that killed the CUDA context). Probed once per process; thread-safe and cheap.
bool cudaAvailable(std::string* reason = nullptr);
// Device 0's properties; false (info untouched) when cudaAvailable() is false.
bool cudaDeviceInfo(CudaDeviceInfo* info);

// 'auto' sends a call to CUDA when cudaAvailable() and work >= cudaAutoMinWork(), where work is the
// stored multiply-adds of the call: stored values (padding included) * batch. Below that, the fixed
// per-call cost (copies, launch, synchronisation) loses to the CPU. Default kCudaAutoMinWork, or env
// GSPARSE_CUDA_MIN_WORK; the profiler may measure the crossover and set it.
constexpr uint64_t kCudaAutoMinWork = uint64_t{1} << 22;  // ~4M multiply-adds: ~0.3 ms on 2 AVX-512 cores
uint64_t cudaAutoMinWork();
void setCudaAutoMinWork(uint64_t work);

// Device copies of one PackedMatrix (values, indices, pointers, row ids) plus per-call scratch
// buffers, a stream and (for dense/channel) a cuBLAS handle. Creating one touches no CUDA API: the
// upload happens on the first matmulCuda. Destroying it frees the device memory. Thread-safe:
// concurrent matmulCuda calls on one DeviceWeights run one after the other.
class DeviceWeights {
 public:
  DeviceWeights();
  ~DeviceWeights();
  DeviceWeights(const DeviceWeights&) = delete;
  DeviceWeights& operator=(const DeviceWeights&) = delete;

  // Bytes held on the device (weights and scratch); 0 before the first upload.
  std::size_t deviceBytes() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Y = X W^T (+ bias, then activation) on device 0; args point to host memory and sizes are already
// checked (as for matmulCpu). Uploads w into dev on first use (re-uploads if dev last served another
// matrix). Every format is supported. Errors: ErrorCode::Backend when CUDA is unavailable (or the
// device has no kernel image in this build), OOM when device memory runs out, Internal for any other
// CUDA failure. An error that kills the CUDA context (e.g. an illegal address) also disables the
// backend for the rest of the process: 'auto' then runs on the CPU and listBackends() says why.
void matmulCuda(const PackedMatrix& w, DeviceWeights& dev, const MatmulArgs& args);

// Benchmark hook (native/tests/cuda_bench.cc): runs one matmulCuda to upload w and x, then times
// only the device work of the call (kernels, and the transposes the row-split kernels need) with
// CUDA events, `repeats` times after `warmup` untimed runs, writing the L2 cache over between runs
// so weights are read from device memory. Appends each run's milliseconds to *ms; args.y receives
// the result. Same errors as matmulCuda.
void cudaBenchmark(const PackedMatrix& w, DeviceWeights& dev, const MatmulArgs& args, int warmup, int repeats,
                   std::vector<double>* ms);

// Name of the dense GEMM the CUDA backend uses: "cublas <version>" or "tiled" (the built-in kernel,
// when libcublas cannot be loaded at run time). Empty without CUDA.
std::string cudaDenseGemmName();

// Tests/bench: force the built-in tiled SGEMM (true) or allow cuBLAS again (false).
void setCudaForceTiledGemmForTesting(bool force);

// Tests: fill every device buffer a kernel writes with NaN before each call's kernels (on), so an
// output a kernel misses reads NaN instead of a value left by an earlier call.
void setCudaPoisonOutputsForTesting(bool poison);

// Tests: handles `cudaError` (a cudaError_t value) as if a CUDA call had returned it, through the
// backend's one error path: throws the mapped gsparse::Error and, for errors that kill the context or
// mean no kernel image, disables the backend for the rest of the process. Nothing for 0 (success).
// Without CUDA: always ErrorCode::Backend.
void failCudaCallForTesting(int cudaError);

}  // namespace gsparse

// Probe of the CUDA runtime and device 0 (once per process), the backend's "dead" state, and the
// error translation every CUDA call of the backend goes through. Linked with the static CUDA
// runtime: without a driver or a GPU the probe fails cleanly and cudaAvailable() reports why.
//
// Availability = the probe succeeded (driver, device, and code in this binary the device can run)
// and no error has since killed the CUDA context. A context-killing error (illegal address, launch
// failure, ECC, ...) or a missing kernel image marks the backend dead for the rest of the process:
// 'auto' then falls back to the CPU and backends() says why.
#include <cuda_runtime_api.h>

#include <atomic>
#include <mutex>
#include <string>

#include "cuda_internal.h"
#include "gsparse/cuda.h"
#include "gsparse/errors.h"

#ifndef GSPARSE_CUDA_ARCHS_BUILT
#define GSPARSE_CUDA_ARCHS_BUILT "unknown"
#endif

namespace gsparse {
namespace cuda {

namespace {

struct Probe {
  bool ok = false;
  std::string reason;
  CudaDeviceInfo info;
};

std::string describe(cudaError_t err) {
  return std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
}

std::string versionString(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// Why cudaGetDeviceCount failed, in the user's terms: no driver at all (no GPU here), a driver older
// than the CUDA runtime this binary carries, or no device.
std::string noDeviceReason(cudaError_t err) {
  if (err == cudaErrorInsufficientDriver) {
    int driver = 0;
    cudaDriverGetVersion(&driver);  // 0 when no driver is installed
    if (driver == 0) return "no GPU: no NVIDIA driver found (libcuda is not loadable): " + describe(err);
    return "NVIDIA driver too old: it supports CUDA " + versionString(driver) + ", this build needs CUDA " +
           versionString(CUDART_VERSION) + " (update the driver): " + describe(err);
  }
  if (err == cudaErrorNoDevice) return "no GPU: the driver sees no CUDA device: " + describe(err);
  return "CUDA unavailable: " + describe(err);
}

// True for errors that mean this binary has no code the device can run (built for other archs, or
// PTX newer than the driver can compile).
bool isNoImage(cudaError_t err) {
  return err == cudaErrorNoKernelImageForDevice || err == cudaErrorInvalidKernelImage ||
         err == cudaErrorUnsupportedPtxVersion || err == cudaErrorInvalidPtx || err == cudaErrorJitCompilerNotFound;
}

// Errors after which the CUDA context is unusable until the process exits (CUDA's "sticky" errors).
bool isContextFatal(cudaError_t err) {
  switch (err) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorLaunchTimeout:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorAssert:
    case cudaErrorECCUncorrectable:
    case cudaErrorNvlinkUncorrectable:
    case cudaErrorContextIsDestroyed:
    case cudaErrorTensorMemoryLeak: return true;
    default: return false;
  }
}

Probe runProbe() {
  Probe p;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error
    p.reason = noDeviceReason(err);
    return p;
  }
  if (count <= 0) {
    p.reason = "no GPU: no CUDA device found";
    return p;
  }
  cudaDeviceProp prop{};
  err = cudaGetDeviceProperties(&prop, 0);
  if (err != cudaSuccess) {
    cudaGetLastError();
    p.reason = "CUDA device 0 could not be queried: " + describe(err);
    return p;
  }
  p.info.name = prop.name;
  p.info.ordinal = 0;
  p.info.major = prop.major;
  p.info.minor = prop.minor;
  p.info.smCount = prop.multiProcessorCount;
  p.info.sharedMemPerBlock = prop.sharedMemPerBlockOptin > 0 ? prop.sharedMemPerBlockOptin : prop.sharedMemPerBlock;
  p.info.sharedMemPerSm = prop.sharedMemPerMultiprocessor;
  p.info.totalMemory = prop.totalGlobalMem;
  p.info.l2CacheBytes = prop.l2CacheSize > 0 ? static_cast<std::size_t>(prop.l2CacheSize) : 0;
  p.info.banks = 32;
  const std::string device = p.info.name + ", sm_" + std::to_string(prop.major) + std::to_string(prop.minor);
  err = cudaSetDevice(0);
  if (err == cudaSuccess) err = cudaFree(nullptr);  // creates the context
  if (err != cudaSuccess) {
    cudaGetLastError();
    p.reason = "CUDA device 0 (" + device + ") could not be initialised: " + describe(err);
    return p;
  }
  // A context does not prove the binary holds code for this device (modules load lazily): load one
  // kernel. All kernels are built for the same archs, so one answers for all of them.
  err = probeKernelImage();
  if (err != cudaSuccess) {
    cudaGetLastError();
    p.reason = isNoImage(err) ? "CUDA device 0 (" + device + ") cannot run this build's kernels (built for CUDA archs " +
                                    GSPARSE_CUDA_ARCHS_BUILT + "; rebuild with GSPARSE_CUDA_ARCHS=" +
                                    std::to_string(prop.major) + std::to_string(prop.minor) + "): " + describe(err)
                              : "CUDA device 0 (" + device + ") cannot load kernels: " + describe(err);
    return p;
  }
  p.ok = true;
  return p;
}

const Probe& probe() {
  static const Probe p = runProbe();
  return p;
}

// Set once by the first error that leaves the backend unusable; read on every availability check.
struct DeadState {
  std::atomic<bool> dead{false};
  std::mutex mu;
  std::string reason;  // guarded by mu; written once, before dead is set
};

DeadState& deadState() {
  static DeadState s;
  return s;
}

void markDead(const std::string& reason) {
  DeadState& s = deadState();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.dead.load(std::memory_order_relaxed)) return;  // the first cause is the one worth reporting
  s.reason = reason;
  s.dead.store(true, std::memory_order_release);
}

// Empty while the backend is usable, else why not.
std::string unavailableReason() {
  const Probe& p = probe();
  if (!p.ok) return p.reason;
  DeadState& s = deadState();
  if (!s.dead.load(std::memory_order_acquire)) return std::string();
  std::lock_guard<std::mutex> lock(s.mu);
  return "disabled after a CUDA error (restart the process to use the GPU again): " + s.reason;
}

}  // namespace

void check(cudaError_t err, const char* what, const char* file, int line) {
  if (err == cudaSuccess) return;
  std::string msg = std::string("CUDA call ") + what + " failed: " + describe(err) + " (" + file + ":" + std::to_string(line) + ")";
  if (isContextFatal(err)) {
    markDead(msg);
    fail(ErrorCode::Internal, msg + "; the CUDA context is lost, so the cuda backend is disabled for this process");
  }
  if (isNoImage(err)) {
    markDead(msg);
    fail(ErrorCode::Backend, "backend 'cuda' cannot run on this GPU (no kernel image for it in this build): " + msg);
  }
  switch (err) {
    case cudaErrorMemoryAllocation: fail(ErrorCode::OOM, "out of device memory: " + msg);
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorDevicesUnavailable: fail(ErrorCode::Backend, msg);
    default: fail(ErrorCode::Internal, msg);
  }
}

void checkLaunch(const char* kernel, const char* file, int line) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) check(err, kernel, file, line);
}

const CudaDeviceInfo& deviceInfo() { return probe().info; }

void useDevice() {
  const std::string reason = unavailableReason();
  if (!reason.empty()) fail(ErrorCode::Backend, "backend 'cuda' is unavailable: " + reason);
  GS_CUDA_CHECK(cudaSetDevice(0));
}

}  // namespace cuda

bool cudaAvailable(std::string* reason) {
  const std::string why = cuda::unavailableReason();
  if (reason) *reason = why;
  return why.empty();
}

bool cudaDeviceInfo(CudaDeviceInfo* info) {
  if (!cudaAvailable()) return false;
  if (info) *info = cuda::probe().info;
  return true;
}

void failCudaCallForTesting(int cudaError) {
  cuda::check(static_cast<cudaError_t>(cudaError), "failCudaCallForTesting", __FILE__, __LINE__);
}

}  // namespace gsparse

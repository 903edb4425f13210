// Probe of the CUDA runtime and device 0 (once per process), and the error translation every CUDA
// call of the backend goes through. Linked with the static CUDA runtime: without a driver or a GPU
// the probe fails cleanly and cudaAvailable() reports why.
#include <cuda_runtime_api.h>

#include <mutex>
#include <string>

#include "cuda_internal.h"
#include "gsparse/cuda.h"
#include "gsparse/errors.h"

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

Probe runProbe() {
  Probe p;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error
    if (err == cudaErrorInsufficientDriver)
      p.reason = "no usable CUDA driver (is an NVIDIA driver installed and new enough?): " + describe(err);
    else if (err == cudaErrorNoDevice)
      p.reason = "no CUDA device found: " + describe(err);
    else
      p.reason = "CUDA unavailable: " + describe(err);
    return p;
  }
  if (count <= 0) {
    p.reason = "no CUDA device found";
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
  // The binary must hold code this device can run: a cheap call that loads the module tells.
  err = cudaSetDevice(0);
  if (err == cudaSuccess) err = cudaFree(nullptr);  // creates the context
  if (err != cudaSuccess) {
    cudaGetLastError();
    p.reason = "CUDA device 0 (" + p.info.name + ") could not be initialised: " + describe(err);
    return p;
  }
  p.ok = true;
  return p;
}

const Probe& probe() {
  static const Probe p = runProbe();
  return p;
}

}  // namespace

void check(cudaError_t err, const char* what, const char* file, int line) {
  if (err == cudaSuccess) return;
  std::string msg = std::string("CUDA call ") + what + " failed: " + describe(err) + " (" + file + ":" + std::to_string(line) + ")";
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
  const Probe& p = probe();
  if (!p.ok) fail(ErrorCode::Backend, "backend 'cuda' is unavailable: " + p.reason);
  GS_CUDA_CHECK(cudaSetDevice(0));
}

}  // namespace cuda

bool cudaAvailable(std::string* reason) {
  const cuda::Probe& p = cuda::probe();
  if (reason) *reason = p.ok ? std::string() : p.reason;
  return p.ok;
}

bool cudaDeviceInfo(CudaDeviceInfo* info) {
  const cuda::Probe& p = cuda::probe();
  if (!p.ok) return false;
  if (info) *info = p.info;
  return true;
}

}  // namespace gsparse

#include "gsparse/backends.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "gsparse/cuda.h"
#include "gsparse/errors.h"
#include "gsparse/hardware.h"
#include "gsparse/thread_pool.h"

namespace gsparse {

namespace {

uint64_t envMinWork() {
  const char* s = std::getenv("GSPARSE_CUDA_MIN_WORK");
  if (!s || !*s) return kCudaAutoMinWork;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  return (end && *end == '\0') ? static_cast<uint64_t>(v) : kCudaAutoMinWork;
}

std::atomic<uint64_t>& minWork() {
  static std::atomic<uint64_t> w{envMinWork()};
  return w;
}

std::string cudaDetail() {
  CudaDeviceInfo d;
  if (!cudaDeviceInfo(&d)) return std::string();
  return d.name + ", sm_" + std::to_string(d.major) + std::to_string(d.minor) + ", " + std::to_string(d.smCount) +
         " SMs, " + std::to_string(d.totalMemory >> 20) + " MiB";
}

}  // namespace

uint64_t cudaAutoMinWork() { return minWork().load(std::memory_order_relaxed); }
void setCudaAutoMinWork(uint64_t work) { minWork().store(work, std::memory_order_relaxed); }

uint64_t workOf(uint64_t storedValues, uint64_t batch) {
  if (storedValues != 0 && batch > UINT64_MAX / storedValues) return UINT64_MAX;
  return storedValues * batch;
}

std::vector<BackendInfo> listBackends() {
  std::string cpu = std::string(isaName(activeIsa())) + ", " + std::to_string(threads()) + " threads";
  std::string reason;
  const bool cuda = cudaAvailable(&reason);
  return {{"cpu", true, cpu}, {"cuda", cuda, cuda ? cudaDetail() : reason}};
}

Backend resolveBackend(const std::string& name, uint64_t work) {
  if (name == "cpu") return Backend::Cpu;
  if (name == "auto") {
    if (work == 0 || work < cudaAutoMinWork()) return Backend::Cpu;
    return cudaAvailable() ? Backend::Cuda : Backend::Cpu;
  }
  if (name == "cuda") {
    std::string reason;
    if (!cudaAvailable(&reason)) fail(ErrorCode::Backend, "backend 'cuda' is unavailable: " + reason);
    return Backend::Cuda;
  }
  fail(ErrorCode::Range, "backend: expected 'auto', 'cpu' or 'cuda', got '" + name + "'");
}

}  // namespace gsparse

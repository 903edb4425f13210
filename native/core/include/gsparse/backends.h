// Compute backends (cpu always; cuda when built with a toolkit and a device is present).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gsparse {

enum class Backend { Cpu, Cuda };

struct BackendInfo {
  std::string name;
  bool available = false;
  std::string detail;  // what it runs on, or why it is unavailable
};

std::vector<BackendInfo> listBackends();

// Maps 'auto' | 'cpu' | 'cuda' to the backend that runs a call: Range for another name,
// Backend error when 'cuda' is asked for but unavailable. work = the call's stored multiply-adds
// (stored values * batch, see workOf): 'auto' picks cuda only when it is available and
// work >= cudaAutoMinWork() (gsparse/cuda.h; env GSPARSE_CUDA_MIN_WORK, setCudaAutoMinWork), else
// cpu. work 0 (unknown) keeps 'auto' on the cpu.
Backend resolveBackend(const std::string& name, uint64_t work = 0);

// Stored multiply-adds of a call (saturating): values stored (padding included) * batch.
uint64_t workOf(uint64_t storedValues, uint64_t batch);

}  // namespace gsparse

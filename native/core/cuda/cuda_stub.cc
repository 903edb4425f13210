// The CUDA interface (gsparse/cuda.h) when gsparse is built without CUDA: nothing is available,
// every CUDA call is an E_BACKEND error. Compiled instead of the .cu files (GSPARSE_CUDA=OFF, no
// toolkit found, and the CPU-only binding.gyp build).
#include "gsparse/cuda.h"
#include "gsparse/errors.h"

namespace gsparse {

namespace {
const char* kNoCuda = "gsparse was built without CUDA (no CUDA toolkit found, or GSPARSE_CUDA=OFF)";
}  // namespace

struct DeviceWeights::Impl {};

DeviceWeights::DeviceWeights() : impl_(std::make_unique<Impl>()) {}
DeviceWeights::~DeviceWeights() = default;
std::size_t DeviceWeights::deviceBytes() const { return 0; }

bool cudaAvailable(std::string* reason) {
  if (reason) *reason = kNoCuda;
  return false;
}

bool cudaDeviceInfo(CudaDeviceInfo*) { return false; }

void matmulCuda(const PackedMatrix&, DeviceWeights&, const MatmulArgs&) {
  fail(ErrorCode::Backend, std::string("backend 'cuda' is unavailable: ") + kNoCuda);
}

void cudaBenchmark(const PackedMatrix& w, DeviceWeights& dev, const MatmulArgs& args, int, int, std::vector<double>*) {
  matmulCuda(w, dev, args);
}

std::string cudaDenseGemmName() { return std::string(); }

void setCudaForceTiledGemmForTesting(bool) {}

void setCudaPoisonOutputsForTesting(bool) {}

void failCudaCallForTesting(int cudaError) {
  if (cudaError != 0) fail(ErrorCode::Backend, std::string("backend 'cuda' is unavailable: ") + kNoCuda);
}

}  // namespace gsparse

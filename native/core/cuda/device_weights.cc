// Device copies of a PackedMatrix (uploaded once, on its first CUDA call) and the RAII wrappers of
// device memory and streams.
#include <cstring>
#include <vector>

#include "../cpu/spmm_common.h"  // cpu::packedView
#include "cuda_internal.h"

namespace gsparse {
namespace cuda {

void DeviceBuffer::grow(std::size_t bytes) {
  if (bytes <= bytes_) return;
  reset();
  void* p = nullptr;
  GS_CUDA_CHECK(cudaMalloc(&p, bytes));
  ptr_ = p;
  bytes_ = bytes;
}

void DeviceBuffer::upload(const void* host, std::size_t bytes, cudaStream_t stream) {
  reset();
  if (bytes == 0) return;
  grow(bytes);
  GS_CUDA_CHECK(cudaMemcpyAsync(ptr_, host, bytes, cudaMemcpyHostToDevice, stream));
}

void DeviceBuffer::reset() noexcept {
  if (ptr_) cudaFree(ptr_);  // an error here (e.g. at process exit) has no one to report to
  ptr_ = nullptr;
  bytes_ = 0;
}

Stream::~Stream() {
  if (s_) cudaStreamDestroy(s_);
}

cudaStream_t Stream::get() {
  if (!s_) GS_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking));
  return s_;
}

void uploadWeights(const PackedMatrix& w, DeviceWeights::Impl& d) {
  // Every copy runs on the stream the kernels use, so they are ordered before them: a synchronous
  // cudaMemcpy runs on the legacy stream, which a cudaStreamNonBlocking stream does not wait for
  // (and from pageable memory it may return before the copy has landed).
  d.source = nullptr;
  d.view = cpu::PackedView{};
  d.values.reset(), d.indices.reset(), d.ptr.reset(), d.rowIds.reset(), d.rowMap.reset();
  cudaStream_t s = d.stream.get();
  const Kind kind = w.pattern.kind;
  const bool denseLike = kind == Kind::Dense || kind == Kind::Channel;
  DeviceBuffer half;              // dense/channel fp16: the stored values, converted on the device
  std::vector<int32_t> rowMap;    // channel: output row -> kept row, -1 for removed rows
  if (denseLike && w.dtype() == DType::F16) {
    half.upload(w.values.rawData(), w.values.byteSize(), s);
    d.values.grow(w.values.size() * sizeof(float));  // the GEMM reads fp32
    launchHalfToFloat(half.as<uint16_t>(), d.values.as<float>(), w.values.size(), s);
  } else {
    d.values.upload(w.values.rawData(), w.values.byteSize(), s);
  }
  d.indices.upload(w.indices.rawData(), w.indices.byteSize(), s);
  d.ptr.upload(w.ptr.data(), w.ptr.size() * sizeof(uint32_t), s);
  if (kind == Kind::GS && w.pattern.permute) d.rowIds.upload(w.rowIds.data(), w.rowIds.size() * sizeof(uint32_t), s);
  if (kind == Kind::Channel) {
    rowMap.assign(w.rows, -1);
    for (std::size_t k = 0; k < w.rowIds.size(); ++k) rowMap[w.rowIds[k]] = static_cast<int32_t>(k);
    d.rowMap.upload(rowMap.data(), rowMap.size() * sizeof(int32_t), s);
  }
  // The host view's sizes, with the device copies in place of the host arrays.
  d.view = cpu::packedView(w);
  d.view.values = d.values.get();
  d.view.f16 = w.dtype() == DType::F16 && !denseLike;
  d.view.indices = d.indices.get();
  d.view.ptr = d.ptr.as<uint32_t>();
  d.view.end = d.view.ptr ? d.view.ptr + 1 : nullptr;  // plain matrices only (the addon keeps nested ones on the CPU)
  d.view.rowIds = d.rowIds.as<uint32_t>();
  // The host sources (rowMap, and `half` on the device) must outlive the copies and the conversion.
  GS_CUDA_CHECK(cudaStreamSynchronize(s));
  d.source = &w;
  d.sourceValues = w.values.rawData();
}

}  // namespace cuda

DeviceWeights::DeviceWeights() : impl_(std::make_unique<Impl>()) {}
DeviceWeights::~DeviceWeights() = default;

std::size_t DeviceWeights::deviceBytes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->bytes();
}

}  // namespace gsparse

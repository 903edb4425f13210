// Storage of packed arrays: 64-byte aligned vectors, fp32/fp16 values, 1/2/4-byte indices.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "gsparse/fp16.h"

namespace gsparse {

// Memory for AlignedAllocator: 64-byte aligned; from 2 MiB up, 2 MiB-aligned and offered to Linux's
// transparent huge pages (madvise mode): packed weights are streamed once per call, and with 4 KiB pages
// every 4 KiB of them costs a TLB miss. Frees with std::free. Throws std::bad_alloc.
void* alignedAllocate(std::size_t bytes);

template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t kAlign = 64;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(alignedAllocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const noexcept { return false; }
};

template <class T>
using AlignedVec = std::vector<T, AlignedAllocator<T>>;

enum class DType : uint8_t { F32 = 0, F16 = 1 };

// Weight values, stored as fp32 or fp16 (fp16 is converted to fp32 in the kernels).
class ValueArray {
 public:
  ValueArray() = default;
  ValueArray(DType dtype, std::size_t count) { reset(dtype, count); }
  void reset(DType dtype, std::size_t count) {
    dtype_ = dtype;
    size_ = count;
    f32_.clear();
    f16_.clear();
    if (dtype == DType::F32) f32_.assign(count, 0.0f);
    else f16_.assign(count, 0);
  }
  DType dtype() const { return dtype_; }
  std::size_t size() const { return size_; }
  std::size_t byteSize() const { return size_ * (dtype_ == DType::F32 ? 4 : 2); }
  float get(std::size_t i) const { return dtype_ == DType::F32 ? f32_[i] : halfToFloat(f16_[i]); }
  void set(std::size_t i, float v) {
    if (dtype_ == DType::F32) f32_[i] = v;
    else f16_[i] = floatToHalf(v);
  }
  const float* f32() const { return f32_.data(); }
  const uint16_t* f16() const { return f16_.data(); }
  void* rawData() { return dtype_ == DType::F32 ? static_cast<void*>(f32_.data()) : static_cast<void*>(f16_.data()); }
  const void* rawData() const { return dtype_ == DType::F32 ? static_cast<const void*>(f32_.data()) : static_cast<const void*>(f16_.data()); }

 private:
  DType dtype_ = DType::F32;
  std::size_t size_ = 0;
  AlignedVec<float> f32_;
  AlignedVec<uint16_t> f16_;
};

// Column (or block-column / in-group offset) indices of width 1, 2 or 4 bytes.
class IndexArray {
 public:
  IndexArray() = default;
  IndexArray(unsigned width, std::size_t count) { reset(width, count); }
  void reset(unsigned width, std::size_t count) {
    width_ = width;
    size_ = count;
    bytes_.assign(count * width, 0);
  }
  unsigned width() const { return width_; }
  std::size_t size() const { return size_; }
  std::size_t byteSize() const { return bytes_.size(); }
  uint32_t get(std::size_t i) const {
    switch (width_) {
      case 1: return bytes_[i];
      case 2: return reinterpret_cast<const uint16_t*>(bytes_.data())[i];
      default: return reinterpret_cast<const uint32_t*>(bytes_.data())[i];
    }
  }
  void set(std::size_t i, uint32_t v) {
    switch (width_) {
      case 1: bytes_[i] = static_cast<uint8_t>(v); break;
      case 2: reinterpret_cast<uint16_t*>(bytes_.data())[i] = static_cast<uint16_t>(v); break;
      default: reinterpret_cast<uint32_t*>(bytes_.data())[i] = v; break;
    }
  }
  // Typed view; T must match width() (kernels dispatch on width once, outside their loops).
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(bytes_.data()); }
  uint8_t* rawData() { return bytes_.data(); }
  const uint8_t* rawData() const { return bytes_.data(); }

 private:
  unsigned width_ = 4;
  std::size_t size_ = 0;
  AlignedVec<uint8_t> bytes_;
};

// Smallest index width (2 or 4 bytes) that holds values below `limit`.
inline unsigned indexWidthFor(std::size_t limit) { return limit <= 65536 ? 2u : 4u; }

}  // namespace gsparse

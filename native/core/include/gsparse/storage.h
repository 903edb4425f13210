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

// Elements of 1, 2 or 4 bytes in one 64-byte aligned byte array, zero-initialised: the storage
// ValueArray and IndexArray share (they differ in what an element means).
class ElementArray {
 public:
  std::size_t size() const { return size_; }             // elements
  std::size_t byteSize() const { return bytes_.size(); }  // size() * element width
  // Typed view; T must match the width (kernels dispatch on it once, outside their loops).
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(bytes_.data()); }

 protected:
  unsigned elementWidth() const { return width_; }
  void resize(unsigned width, std::size_t count) {
    width_ = width;
    size_ = count;
    bytes_.assign(count * width, 0);
  }
  template <class T>
  T* mutableAs() { return reinterpret_cast<T*>(bytes_.data()); }
  uint8_t* bytes() { return bytes_.data(); }
  const uint8_t* bytes() const { return bytes_.data(); }

 private:
  unsigned width_ = 4;
  std::size_t size_ = 0;
  AlignedVec<uint8_t> bytes_;
};

// Weight values, stored as fp32 or fp16 (fp16 is converted to fp32 in the kernels).
class ValueArray : public ElementArray {
 public:
  ValueArray() = default;
  ValueArray(DType dtype, std::size_t count) { reset(dtype, count); }
  void reset(DType dtype, std::size_t count) { resize(dtype == DType::F32 ? 4 : 2, count); }
  DType dtype() const { return elementWidth() == 4 ? DType::F32 : DType::F16; }
  float get(std::size_t i) const { return dtype() == DType::F32 ? f32()[i] : halfToFloat(f16()[i]); }
  void set(std::size_t i, float v) {
    if (dtype() == DType::F32) mutableAs<float>()[i] = v;
    else mutableAs<uint16_t>()[i] = floatToHalf(v);
  }
  const float* f32() const { return as<float>(); }     // dtype() F32 only
  const uint16_t* f16() const { return as<uint16_t>(); }  // dtype() F16 only
  void* rawData() { return bytes(); }
  const void* rawData() const { return bytes(); }
};

// Column (or block-column / in-group offset) indices of width 1, 2 or 4 bytes.
class IndexArray : public ElementArray {
 public:
  IndexArray() = default;
  IndexArray(unsigned width, std::size_t count) { reset(width, count); }
  void reset(unsigned width, std::size_t count) { resize(width, count); }
  unsigned width() const { return elementWidth(); }
  uint32_t get(std::size_t i) const {
    switch (width()) {
      case 1: return as<uint8_t>()[i];
      case 2: return as<uint16_t>()[i];
      default: return as<uint32_t>()[i];
    }
  }
  void set(std::size_t i, uint32_t v) {
    switch (width()) {
      case 1: mutableAs<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case 2: mutableAs<uint16_t>()[i] = static_cast<uint16_t>(v); break;
      default: mutableAs<uint32_t>()[i] = v; break;
    }
  }
  uint8_t* rawData() { return bytes(); }
  const uint8_t* rawData() const { return bytes(); }
};

// Smallest index width (2 or 4 bytes) that holds values below `limit`.
inline unsigned indexWidthFor(std::size_t limit) { return limit <= 65536 ? 2u : 4u; }

}  // namespace gsparse

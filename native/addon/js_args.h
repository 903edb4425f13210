// Checks and conversions of every value that crosses from JS into the core. Failures throw
// gsparse::Error (Type/Range) with the expected and the actual value; guard() converts them.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "gsparse/kernels.h"
#include "gsparse/pattern.h"
#include "gsparse/storage.h"

namespace gsaddon {

struct FloatView {
  float* data = nullptr;
  std::size_t length = 0;
};

// A Float32Array argument (TypeError otherwise).
FloatView requireFloat32Array(const Napi::Value& v, const std::string& name);
// An integer argument in [lo, hi]: TypeError when not a number, RangeError (stating the range)
// when a number outside it or fractional. The one rule for every integer that crosses from JS.
double requireIntegerIn(const Napi::Value& v, const std::string& name, double lo, double hi);
// A matrix dimension: an integer in 1..2^31-1.
uint32_t requireDim(const Napi::Value& v, const std::string& name);
// A batch size: a positive safe integer.
std::size_t requireBatch(const Napi::Value& v);
// RangeError when `out` shares any byte with `in` (same buffer, overlapping range): kernels read
// their inputs while writing, so an aliased output would silently corrupt the result.
void requireNoOverlap(const FloatView& out, const FloatView& in, const std::string& inName);
// RangeError "NAME: expected E (why), got A" unless actual == expected.
void requireLength(std::size_t actual, uint64_t expected, const std::string& name, const std::string& why);
// rows * cols, checked against overflow of the address space.
uint64_t checkedProduct(uint64_t a, uint64_t b, const std::string& what);

gsparse::Pattern readPattern(const Napi::Value& v);
Napi::Object patternToJs(Napi::Env env, const gsparse::Pattern& p);
gsparse::DType readDType(const Napi::Value& v);
gsparse::Activation readActivation(const Napi::Value& v);

}  // namespace gsaddon

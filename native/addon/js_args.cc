#include "js_args.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "gsparse/errors.h"

namespace gsaddon {

using gsparse::ErrorCode;
using gsparse::fail;

namespace {

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    std::string s = std::to_string(d);
    if (d == std::floor(d) && std::fabs(d) < 1e15) s = std::to_string(static_cast<long long>(d));
    return s;
  }
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsTypedArray()) return "a typed array of another element type";
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

// Optional non-negative integer field of a pattern object (0 when absent).
uint32_t patternField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return 0;
  if (!v.IsNumber()) fail(ErrorCode::Type, std::string("pattern.") + name + ": expected a number, got " + describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 1e6 && d == std::floor(d)))
    fail(ErrorCode::Range, std::string("pattern.") + name + ": expected a non-negative integer, got " + describe(v));
  return static_cast<uint32_t>(d);
}

}  // namespace

FloatView requireFloat32Array(const Napi::Value& v, const std::string& name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    fail(ErrorCode::Type, name + ": expected a Float32Array, got " + describe(v));
  auto a = v.As<Napi::Float32Array>();
  return {a.Data(), a.ElementLength()};
}

double requireIntegerIn(const Napi::Value& v, const std::string& name, double lo, double hi) {
  if (!v.IsNumber()) fail(ErrorCode::Type, name + ": expected a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi && d == std::floor(d))) {
    char range[64];
    std::snprintf(range, sizeof range, "%.0f..%.0f", lo, hi);
    fail(ErrorCode::Range, name + ": expected an integer in " + range + ", got " + describe(v));
  }
  return d;
}

uint32_t requireDim(const Napi::Value& v, const std::string& name) {
  return static_cast<uint32_t>(requireIntegerIn(v, name, 1, std::numeric_limits<int32_t>::max()));
}

std::size_t requireBatch(const Napi::Value& v) {
  return static_cast<std::size_t>(requireIntegerIn(v, "batch", 1, 9007199254740991.0));
}

void requireNoOverlap(const FloatView& out, const FloatView& in, const std::string& inName) {
  if (!out.data || !in.data || out.length == 0 || in.length == 0) return;
  const auto a = reinterpret_cast<std::uintptr_t>(out.data);
  const auto b = reinterpret_cast<std::uintptr_t>(in.data);
  if (a < b + in.length * sizeof(float) && b < a + out.length * sizeof(float))
    fail(ErrorCode::Range, "out: expected memory separate from " + inName + ", got an array that overlaps it " +
                               "(same buffer, overlapping range): the result would read its own output");
}

uint64_t checkedProduct(uint64_t a, uint64_t b, const std::string& what) {
  if (a != 0 && b > (uint64_t{1} << 48) / a)
    fail(ErrorCode::Range, what + ": expected at most 2^48 elements, got " + std::to_string(a) + " x " + std::to_string(b));
  return a * b;
}

void requireLength(std::size_t actual, uint64_t expected, const std::string& name, const std::string& why) {
  if (actual != expected)
    fail(ErrorCode::Range, name + ": expected length " + std::to_string(expected) + " (" + why + "), got " + std::to_string(actual));
}

gsparse::Pattern readPattern(const Napi::Value& v) {
  if (!v.IsObject()) fail(ErrorCode::Type, "pattern: expected a pattern object, got " + describe(v));
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value kindValue = o.Get("kind");
  if (!kindValue.IsString()) fail(ErrorCode::Type, "pattern.kind: expected a string, got " + describe(kindValue));
  std::string kind = kindValue.As<Napi::String>().Utf8Value();
  gsparse::Pattern p;
  if (kind == "dense") {
    p.kind = gsparse::Kind::Dense;
  } else if (kind == "csr") {
    p.kind = gsparse::Kind::Csr;
  } else if (kind == "channel") {
    p.kind = gsparse::Kind::Channel;
  } else if (kind == "block") {
    p.kind = gsparse::Kind::Block;
    p.blockRows = patternField(o, "rows");
    p.blockCols = patternField(o, "cols");
  } else if (kind == "nm") {
    p.kind = gsparse::Kind::NM;
    p.n = patternField(o, "n");
    p.m = patternField(o, "m");
  } else if (kind == "gs") {
    p.kind = gsparse::Kind::GS;
    p.banks = patternField(o, "banks");
    Napi::Value perRow = o.Get("perRow");
    p.perRow = perRow.IsUndefined() ? 1 : patternField(o, "perRow");
    p.permute = o.Get("permute").ToBoolean().Value();
  } else {
    fail(ErrorCode::Range, "pattern.kind: expected 'dense', 'csr', 'block', 'nm', 'gs' or 'channel', got '" + kind + "'");
  }
  gsparse::validatePattern(p);
  return p;
}

Napi::Object patternToJs(Napi::Env env, const gsparse::Pattern& p) {
  Napi::Object o = Napi::Object::New(env);
  switch (p.kind) {
    case gsparse::Kind::Dense: o.Set("kind", "dense"); break;
    case gsparse::Kind::Csr: o.Set("kind", "csr"); break;
    case gsparse::Kind::Channel: o.Set("kind", "channel"); break;
    case gsparse::Kind::Block:
      o.Set("kind", "block");
      o.Set("rows", p.blockRows);
      o.Set("cols", p.blockCols);
      break;
    case gsparse::Kind::NM:
      o.Set("kind", "nm");
      o.Set("n", p.n);
      o.Set("m", p.m);
      break;
    case gsparse::Kind::GS:
      o.Set("kind", "gs");
      o.Set("banks", p.banks);
      o.Set("perRow", p.perRow);
      o.Set("permute", p.permute);
      break;
  }
  return o;
}

gsparse::DType readDType(const Napi::Value& v) {
  if (v.IsUndefined()) return gsparse::DType::F32;
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "f32") return gsparse::DType::F32;
  if (s == "f16") return gsparse::DType::F16;
  fail(ErrorCode::Range, "dtype: expected 'f32' or 'f16', got " + describe(v));
}

gsparse::Activation readActivation(const Napi::Value& v) {
  if (v.IsUndefined()) return gsparse::Activation::None;
  std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s == "none") return gsparse::Activation::None;
  if (s == "relu") return gsparse::Activation::Relu;
  if (s == "gelu") return gsparse::Activation::Gelu;
  fail(ErrorCode::Range, "activation: expected 'none', 'relu' or 'gelu', got " + describe(v));
}

}  // namespace gsaddon

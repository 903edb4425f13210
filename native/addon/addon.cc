// Module entry: the functions lib/native.ts calls. Glue only; every computation is in the core.
#include <napi.h>

#include "addon_data.h"
#include "gsparse/backends.h"
#include "gsparse/cuda.h"
#include "gsparse/environment.h"
#include "gsparse/hardware.h"
#include "gsparse/nested.h"
#include "gsparse/prune.h"
#include "gsparse/serialize.h"
#include "gsparse/thread_pool.h"
#include "js_args.h"
#include "js_errors.h"
#include "matrix_handle.h"
#include "pinned_arrays.h"

namespace gsaddon {
namespace {

// Reads (w, rows, cols) and checks w.length === rows * cols.
struct DenseInput {
  const float* data;
  uint32_t rows, cols;
};
DenseInput readDense(const Napi::CallbackInfo& info) {
  FloatView w = requireFloat32Array(info[0], "w");
  uint32_t rows = requireDim(info[1], "shape[0] (rows)");
  uint32_t cols = requireDim(info[2], "shape[1] (cols)");
  requireLength(w.length, checkedProduct(rows, cols, "shape"), "w",
                "rows " + std::to_string(rows) + " x cols " + std::to_string(cols));
  return {w.data, rows, cols};
}

double readSparsity(const Napi::Value& v, const std::string& name = "sparsity") {
  if (!v.IsNumber()) gsparse::fail(gsparse::ErrorCode::Type, name + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

// setErrorClass(GsparseError): lib registers its error class so native errors are instances of it.
Napi::Value setErrorClass(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    if (!info[0].IsFunction()) gsparse::fail(gsparse::ErrorCode::Type, "setErrorClass: expected a class");
    info.Env().GetInstanceData<AddonData>()->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  });
}

// validatePattern(p): RangeError naming the bad field.
Napi::Value validatePattern(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    readPattern(info[0]);
    return info.Env().Undefined();
  });
}

// Optional importance per weight, one per entry of w (undefined: none). The core checks the values.
const float* readScores(const Napi::Value& v, const DenseInput& w) {
  if (v.IsUndefined()) return nullptr;
  FloatView scores = requireFloat32Array(v, "scores");
  requireLength(scores.length, static_cast<uint64_t>(w.rows) * w.cols, "scores",
                "rows " + std::to_string(w.rows) + " x cols " + std::to_string(w.cols) + ", one per weight");
  return scores.data;
}

// prunePack(w, rows, cols, pattern, sparsity, dtype, scores?) -> MatrixHandle
Napi::Value prunePack(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    DenseInput w = readDense(info);
    gsparse::Pattern p = readPattern(info[3]);
    double sparsity = readSparsity(info[4]);
    gsparse::DType dtype = readDType(info[5]);
    const float* scores = readScores(info[6], w);
    return MatrixHandle::create(info.Env(),
                                gsparse::pruneAndPack(w.data, w.rows, w.cols, p, sparsity, dtype, scores));
  });
}

// packNested(w, rows, cols, pattern, levels: number[], dtype, scores?) -> MatrixHandle of a nested matrix
Napi::Value packNested(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    DenseInput w = readDense(info);
    gsparse::Pattern p = readPattern(info[3]);
    if (!info[4].IsArray()) gsparse::fail(gsparse::ErrorCode::Type, "levels: expected an array of sparsities");
    Napi::Array list = info[4].As<Napi::Array>();
    if (list.Length() > gsparse::PackedMatrix::kMaxLevels)
      gsparse::fail(gsparse::ErrorCode::Range, "levels: expected at most " + std::to_string(gsparse::PackedMatrix::kMaxLevels) +
                                                   " sparsities, got " + std::to_string(list.Length()));
    std::vector<double> levels;
    for (uint32_t i = 0; i < list.Length(); ++i) levels.push_back(readSparsity(list.Get(i), "levels[" + std::to_string(i) + "]"));
    gsparse::DType dtype = readDType(info[5]);
    const float* scores = readScores(info[6], w);
    return MatrixHandle::create(info.Env(), gsparse::packNested(w.data, w.rows, w.cols, p, levels, dtype, scores));
  });
}

// pack(w, rows, cols, pattern, dtype) -> MatrixHandle (w already has the pattern)
Napi::Value pack(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    DenseInput w = readDense(info);
    gsparse::Pattern p = readPattern(info[3]);
    gsparse::DType dtype = readDType(info[4]);
    return MatrixHandle::create(info.Env(), gsparse::pack(w.data, w.rows, w.cols, p, dtype));
  });
}

// deserialize(bytes: Uint8Array) -> MatrixHandle
Napi::Value deserialize(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      gsparse::fail(gsparse::ErrorCode::Type, "bytes: expected a Uint8Array");
    auto bytes = info[0].As<Napi::Uint8Array>();
    return MatrixHandle::create(info.Env(), gsparse::deserialize(bytes.Data(), bytes.ElementLength()));
  });
}

Napi::Value hardware(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(info.Env());
    gsparse::Isa isa = gsparse::activeIsa();
    o.Set("simd", gsparse::isaName(isa));
    o.Set("threads", static_cast<double>(gsparse::threads()));
    o.Set("recommendedBanks", gsparse::recommendedBanks(isa));
    gsparse::CudaDeviceInfo dev;
    if (gsparse::cudaDeviceInfo(&dev)) {
      Napi::Object c = Napi::Object::New(info.Env());
      c.Set("name", dev.name);
      c.Set("smCount", dev.smCount);
      c.Set("sharedMemPerBlock", static_cast<double>(dev.sharedMemPerBlock));
      c.Set("banks", dev.banks);
      o.Set("cuda", c);
    }
    return o;
  });
}

Napi::Value backends(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto list = gsparse::listBackends();
    Napi::Array out = Napi::Array::New(info.Env(), list.size());
    for (uint32_t i = 0; i < list.size(); ++i) {
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("name", list[i].name);
      o.Set("available", list[i].available);
      o.Set("detail", list[i].detail);
      out.Set(i, o);
    }
    return out;
  });
}

// setThreads(n): n an integer in 1..kMaxThreads.
Napi::Value setThreads(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    gsparse::setThreads(static_cast<std::size_t>(requireIntegerIn(info[0], "threads", 1, gsparse::kMaxThreads)));
    return info.Env().Undefined();
  });
}

// environmentWarnings() -> string[]: GSPARSE_* settings that were ignored, and why (lib warns once).
Napi::Value environmentWarnings(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    std::vector<std::string> list = gsparse::environmentWarnings();
    Napi::Array out = Napi::Array::New(info.Env(), list.size());
    for (uint32_t i = 0; i < list.size(); ++i) out.Set(i, list[i]);
    return out;
  });
}

// pinnedFloat32Array(n): an array matmulAsync uses in place (pinned_arrays.h); for gsparse's model code.
Napi::Value pinnedFloat32Array(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    return newPinnedFloat32Array(info.Env(), static_cast<std::size_t>(requireIntegerIn(info[0], "length", 1, 4294967295.0)));
  });
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();  // owned by the environment: freed at teardown by the finalizer
  env.SetInstanceData<AddonData>(data);
  data->matrixHandle = Napi::Persistent(MatrixHandle::defineClass(env));
  exports.Set("setErrorClass", Napi::Function::New<setErrorClass>(env, "setErrorClass"));
  exports.Set("validatePattern", Napi::Function::New<validatePattern>(env, "validatePattern"));
  exports.Set("prunePack", Napi::Function::New<prunePack>(env, "prunePack"));
  exports.Set("pack", Napi::Function::New<pack>(env, "pack"));
  exports.Set("packNested", Napi::Function::New<packNested>(env, "packNested"));
  exports.Set("deserialize", Napi::Function::New<deserialize>(env, "deserialize"));
  exports.Set("hardware", Napi::Function::New<hardware>(env, "hardware"));
  exports.Set("backends", Napi::Function::New<backends>(env, "backends"));
  exports.Set("setThreads", Napi::Function::New<setThreads>(env, "setThreads"));
  exports.Set("environmentWarnings", Napi::Function::New<environmentWarnings>(env, "environmentWarnings"));
  exports.Set("pinnedFloat32Array", Napi::Function::New<pinnedFloat32Array>(env, "pinnedFloat32Array"));
  return exports;
}

}  // namespace gsaddon

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return gsaddon::init(env, exports); }

NODE_API_MODULE(gsparse, initModule)

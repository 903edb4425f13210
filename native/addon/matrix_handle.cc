#include "matrix_handle.h"

#include <cstring>

#include "addon_data.h"
#include "gsparse/errors.h"
#include "gsparse/kernels.h"
#include "gsparse/nested.h"
#include "gsparse/serialize.h"
#include "js_alloc.h"
#include "js_args.h"
#include "js_errors.h"
#include "matmul_call.h"

namespace gsaddon {

namespace {
// Tells V8 about native bytes gained or freed. Runs from finalizers too, possibly during environment
// teardown; Node-API's call cannot fail there, but node-addon-api's wrapper would abort the process if
// it did, so call it directly: a failed hint only makes GC less informed.
void adjustExternalMemory(napi_env env, int64_t delta) {
  int64_t total = 0;
  napi_adjust_external_memory(env, delta, &total);
}
}  // namespace

Napi::Function MatrixHandle::defineClass(Napi::Env env) {
  return DefineClass(env, "MatrixHandle",
                     {InstanceMethod<&MatrixHandle::info>("info"),
                      InstanceMethod<&MatrixHandle::toDense>("toDense"),
                      InstanceMethod<&MatrixHandle::matmul>("matmul"),
                      InstanceMethod<&MatrixHandle::matmulAsync>("matmulAsync"),
                      InstanceMethod<&MatrixHandle::serialize>("serialize"),
                      InstanceMethod<&MatrixHandle::dispose>("dispose")});
}

Napi::Object MatrixHandle::create(Napi::Env env, gsparse::PackedMatrix&& m) {
  Napi::Object obj = env.GetInstanceData<AddonData>()->matrixHandle.New({});
  MatrixHandle* self = Unwrap(obj);
  self->matrix_ = std::make_shared<const gsparse::PackedMatrix>(std::move(m));
  self->syncExternalMemory(env);
  return obj;
}

void MatrixHandle::syncExternalMemory(Napi::Env env) {
  if (!matrix_) return;
  const int64_t now = static_cast<int64_t>(matrix_->byteSize() + gsparse::kernelCacheBytes(*matrix_));
  if (now == externalBytes_) return;
  adjustExternalMemory(env, now - externalBytes_);
  externalBytes_ = now;
}

MatrixHandle::MatrixHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MatrixHandle>(info), env_(info.Env()) {}

MatrixHandle::~MatrixHandle() { release(); }

void MatrixHandle::release() {
  matrix_.reset();
  device_.reset();  // in-flight async calls keep their own reference
  if (externalBytes_ != 0) {
    adjustExternalMemory(env_, -externalBytes_);
    externalBytes_ = 0;
  }
}

std::shared_ptr<const gsparse::PackedMatrix> MatrixHandle::matrix() const {
  if (!matrix_) gsparse::fail(gsparse::ErrorCode::Disposed, "this SparseMatrix was disposed");
  return matrix_;
}

std::shared_ptr<gsparse::DeviceWeights> MatrixHandle::device() {
  if (!device_) device_ = std::make_shared<gsparse::DeviceWeights>();  // no CUDA call: uploads on first use
  return device_;
}

Napi::Value MatrixHandle::info(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto m = matrix();
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("rows", m->rows);
    o.Set("cols", m->cols);
    o.Set("nnz", static_cast<double>(m->nonzeros()));
    o.Set("byteLength", static_cast<double>(m->byteSize()));
    o.Set("dtype", m->dtype() == gsparse::DType::F32 ? "f32" : "f16");
    o.Set("pattern", patternToJs(env, m->pattern));
    if (m->levelCount() > 1) {  // nested: each level's target sparsity and nonzeros, densest first
      Napi::Array levels = Napi::Array::New(env, m->levelCount());
      for (uint32_t k = 0; k < m->levelCount(); ++k) {
        Napi::Object l = Napi::Object::New(env);
        l.Set("sparsity", m->levelSparsity[k]);
        l.Set("nnz", static_cast<double>(gsparse::nonzerosLevel(*m, k)));
        levels.Set(k, l);
      }
      o.Set("levels", levels);
    }
    return o;
  });
}

Napi::Value MatrixHandle::toDense(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto m = matrix();
    const uint32_t level = info[0].IsUndefined()
                               ? 0
                               : static_cast<uint32_t>(requireIntegerIn(info[0], "level", 0, m->levelCount() - 1.0));
    auto out = newFloat32Array(info.Env(), static_cast<std::size_t>(m->rows) * m->cols);
    gsparse::toDenseLevel(*m, level, out.Data());
    return out;
  });
}

Napi::Value MatrixHandle::matmul(const Napi::CallbackInfo& info) {
  return guard(info, [&]() {
    Napi::Value out = matmulSync(info, matrix(), [this] { return device(); });
    syncExternalMemory(info.Env());  // the first batched call builds the kernels' copy
    return out;
  });
}

Napi::Value MatrixHandle::matmulAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() {
    // The copy a previous async call built is reported here (its worker cannot reach this handle).
    syncExternalMemory(info.Env());
    return gsaddon::matmulAsync(info, matrix(), [this] { return device(); });
  });
}

Napi::Value MatrixHandle::serialize(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    std::vector<uint8_t> bytes = gsparse::serialize(*matrix());
    auto out = Napi::Uint8Array::New(info.Env(), bytes.size());
    std::memcpy(out.Data(), bytes.data(), bytes.size());
    return out;
  });
}

Napi::Value MatrixHandle::dispose(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    release();
    return info.Env().Undefined();
  });
}

}  // namespace gsaddon

// JS handle of a packed matrix. Owns a shared_ptr so in-flight async work keeps the matrix alive
// after dispose() or garbage collection of the handle.
#pragma once
#include <napi.h>

#include <cstdint>
#include <memory>

#include "gsparse/cuda.h"
#include "gsparse/packed_matrix.h"

namespace gsaddon {

class MatrixHandle : public Napi::ObjectWrap<MatrixHandle> {
 public:
  static Napi::Function defineClass(Napi::Env env);
  // Wraps a freshly built matrix in a new JS handle.
  static Napi::Object create(Napi::Env env, gsparse::PackedMatrix&& m);

  explicit MatrixHandle(const Napi::CallbackInfo& info);
  ~MatrixHandle() override;

 private:
  std::shared_ptr<const gsparse::PackedMatrix> matrix() const;  // E_DISPOSED once disposed
  std::shared_ptr<gsparse::DeviceWeights> device();             // created on the first cuda call
  void release();
  // Reports the packed arrays plus the kernels' lazily built copy to V8 (externalBytes_ follows).
  void syncExternalMemory(Napi::Env env);

  Napi::Value info(const Napi::CallbackInfo& info);
  Napi::Value toDense(const Napi::CallbackInfo& info);
  Napi::Value matmul(const Napi::CallbackInfo& info);
  Napi::Value matmulAsync(const Napi::CallbackInfo& info);
  Napi::Value serialize(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<const gsparse::PackedMatrix> matrix_;
  std::shared_ptr<gsparse::DeviceWeights> device_;  // weights on the GPU; freed on dispose/GC
  napi_env env_ = nullptr;
  int64_t externalBytes_ = 0;  // reported to V8 so GC sees the native memory
};

}  // namespace gsaddon

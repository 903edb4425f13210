// One matmul call from JS: argument checks, then the core kernel, synchronously or on a libuv
// worker thread (the async path copies its inputs so nothing JS owns is touched off-thread).
#pragma once
#include <napi.h>

#include <functional>
#include <memory>

#include "gsparse/cuda.h"
#include "gsparse/packed_matrix.h"

namespace gsaddon {

// The matrix's device copy, created on the first call that resolves to the cuda backend.
using DeviceWeightsFn = std::function<std::shared_ptr<gsparse::DeviceWeights>()>;

// args: (x: Float32Array, batch: number, bias?: Float32Array, activation?: string, out?: Float32Array, backend?: string,
//        level?: number (nested matrices; 0 = densest))
Napi::Value matmulSync(const Napi::CallbackInfo& info, std::shared_ptr<const gsparse::PackedMatrix> m,
                       const DeviceWeightsFn& device);
Napi::Value matmulAsync(const Napi::CallbackInfo& info, std::shared_ptr<const gsparse::PackedMatrix> m,
                        const DeviceWeightsFn& device);

}  // namespace gsaddon

// Per-environment state (main thread and each worker_thread get their own).
#pragma once
#include <napi.h>

namespace gsaddon {

struct AddonData {
  Napi::FunctionReference errorClass;    // lib's GsparseError(message, code)
  Napi::FunctionReference matrixHandle;  // constructor of MatrixHandle
};

}  // namespace gsaddon

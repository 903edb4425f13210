#include "js_alloc.h"

#include <new>
#include <string>

#include <unistd.h>

#include "gsparse/errors.h"

namespace gsaddon {

Napi::Float32Array newFloat32Array(Napi::Env env, std::size_t count) {
  // Larger than V8's typed arrays or than the machine's RAM (overcommit would accept it, then kill us).
  const std::size_t physical = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (count >= (std::size_t{1} << 32) || count * sizeof(float) >= physical)
    gsparse::fail(gsparse::ErrorCode::OOM, "cannot allocate a Float32Array of " + std::to_string(count) + " elements");
  float* data = new (std::nothrow) float[count == 0 ? 1 : count];
  if (!data) gsparse::fail(gsparse::ErrorCode::OOM, "out of memory allocating " + std::to_string(count) + " floats");
  // From here the ArrayBuffer's finalizer owns `data` (Node runs it even when creation fails).
  auto buffer = Napi::ArrayBuffer::New(env, data, count * sizeof(float),
                                       [](Napi::Env, void* p) { delete[] static_cast<float*>(p); });
  return Napi::Float32Array::New(env, count, buffer, 0);
}

}  // namespace gsaddon

#include "js_alloc.h"

#include <string>

#include <unistd.h>

#include "gsparse/errors.h"

namespace gsaddon {

Napi::Float32Array newFloat32Array(Napi::Env env, std::size_t count) {
  // Larger than V8's typed arrays or than the machine's RAM (overcommit would accept it, then kill us).
  const std::size_t physical = static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (count >= (std::size_t{1} << 32) || count * sizeof(float) >= physical)
    gsparse::fail(gsparse::ErrorCode::OOM, "cannot allocate a Float32Array of " + std::to_string(count) + " elements");
  // Not an external buffer: Node runs those finalizers on a later loop turn, so a loop that never
  // yields would keep every result alive (docs/threading.md, memory).
  auto buffer = Napi::ArrayBuffer::New(env, count * sizeof(float));
  return Napi::Float32Array::New(env, count, buffer, 0);
}

}  // namespace gsaddon

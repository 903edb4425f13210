// Output arrays live in V8-owned memory, which the collector frees during GC itself (a loop that
// never yields still gets its memory back). V8 aborts the process when such an allocation fails, so
// sizes no typed array or this machine's RAM can hold are refused first as a catchable E_OOM.
#pragma once
#include <napi.h>

#include <cstddef>

namespace gsaddon {

// A zeroed Float32Array of `count` elements (E_OOM when it cannot exist here).
Napi::Float32Array newFloat32Array(Napi::Env env, std::size_t count);

}  // namespace gsaddon

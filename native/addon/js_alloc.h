// Output arrays allocated natively first, so a size the machine cannot hold is a catchable
// E_OOM instead of V8's fatal out-of-memory abort (v8::ArrayBuffer::New never fails softly).
#pragma once
#include <napi.h>

#include <cstddef>

namespace gsaddon {

// A Float32Array of `count` uninitialised elements (the caller writes every one).
Napi::Float32Array newFloat32Array(Napi::Env env, std::size_t count);

}  // namespace gsaddon

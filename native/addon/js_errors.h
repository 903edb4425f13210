// Translation of core errors into the JS error classes of docs/errors.md (TypeError, RangeError,
// GsparseError with a stable code). No C++ exception ever escapes into Node.
#pragma once
#include <napi.h>

#include <string>

#include "gsparse/errors.h"

namespace gsaddon {

// Stable JS code of a core error ("E_CORRUPT", ...); empty for Type/Range.
const char* errorCodeName(gsparse::ErrorCode code);

// Builds the JS error object for a core error code and message (needs the GsparseError class
// registered by lib/ through setErrorClass).
Napi::Value makeJsError(Napi::Env env, gsparse::ErrorCode code, const std::string& message);

// Runs fn, turning any C++ exception into the matching pending JS exception. Every method callback
// goes through it: node-addon-api throws the Napi::Error into JS, and while a worker's environment
// is torn down it drops it (NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS) rather than aborting.
template <class Fn>
Napi::Value guard(const Napi::CallbackInfo& info, Fn&& fn) {
  Napi::Env env = info.Env();
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const gsparse::Error& e) {
    throw Napi::Error(env, makeJsError(env, e.code(), e.what()));
  } catch (const std::bad_alloc&) {
    throw Napi::Error(env, makeJsError(env, gsparse::ErrorCode::OOM, "out of memory"));
  } catch (const std::exception& e) {
    throw Napi::Error(env, makeJsError(env, gsparse::ErrorCode::Internal, e.what()));
  } catch (...) {
    throw Napi::Error(env, makeJsError(env, gsparse::ErrorCode::Internal, "unknown native exception"));
  }
}

}  // namespace gsaddon

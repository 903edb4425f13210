#include "js_errors.h"

#include "addon_data.h"

namespace gsaddon {

const char* errorCodeName(gsparse::ErrorCode code) {
  switch (code) {
    case gsparse::ErrorCode::Corrupt: return "E_CORRUPT";
    case gsparse::ErrorCode::Version: return "E_VERSION";
    case gsparse::ErrorCode::Disposed: return "E_DISPOSED";
    case gsparse::ErrorCode::Backend: return "E_BACKEND";
    case gsparse::ErrorCode::OOM: return "E_OOM";
    case gsparse::ErrorCode::Internal: return "E_INTERNAL";
    case gsparse::ErrorCode::Type:
    case gsparse::ErrorCode::Range: return "";
  }
  return "E_INTERNAL";
}

Napi::Value makeJsError(Napi::Env env, gsparse::ErrorCode code, const std::string& message) {
  if (code == gsparse::ErrorCode::Type) return Napi::TypeError::New(env, message).Value();
  if (code == gsparse::ErrorCode::Range) return Napi::RangeError::New(env, message).Value();
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data && !data->errorClass.IsEmpty()) {
    return data->errorClass.New({Napi::String::New(env, message), Napi::String::New(env, errorCodeName(code))});
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, errorCodeName(code)));
  return err.Value();
}

}  // namespace gsaddon

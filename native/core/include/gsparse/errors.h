// Typed errors of the core. The addon maps each code to the JS error class of docs/errors.md.
#pragma once
#include <stdexcept>
#include <string>

namespace gsparse {

enum class ErrorCode {
  Type,      // wrong kind of argument           -> TypeError
  Range,     // wrong value (size, field, pattern) -> RangeError
  Corrupt,   // deserialize of bad bytes          -> GsparseError E_CORRUPT
  Version,   // unknown serialization version     -> GsparseError E_VERSION
  Disposed,  // use after dispose                 -> GsparseError E_DISPOSED
  Backend,   // backend asked for but unavailable -> GsparseError E_BACKEND
  OOM,       // allocation failed                 -> GsparseError E_OOM
  Internal,  // a bug                             -> GsparseError E_INTERNAL
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

[[noreturn]] inline void fail(ErrorCode code, const std::string& message) { throw Error(code, message); }

// RangeError "NAME: expected X, got Y" unless cond holds.
inline void require(bool cond, const std::string& message) {
  if (!cond) fail(ErrorCode::Range, message);
}

// E_CORRUPT with a reason unless cond holds (validators of packed data use this).
inline void requireValid(bool cond, const std::string& message) {
  if (!cond) fail(ErrorCode::Corrupt, message);
}

}  // namespace gsparse

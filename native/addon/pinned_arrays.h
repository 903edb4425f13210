// Float32Arrays over native memory that a matmulAsync call keeps alive itself: such a call reads x from
// one and writes Y into one in place, without the copies it makes of ordinary arrays (which protect it
// from a caller who mutates, detaches or drops them mid-call). For arrays only gsparse's own code holds:
// InferenceSession's internal values (lib/model/session.ts; docs/models.md).
#pragma once
#include <napi.h>

#include <cstddef>
#include <memory>

namespace gsaddon {

// The native memory behind a pinned array.
struct PinnedBlock {
  std::unique_ptr<float[]> data;
  std::size_t length = 0;
};

// A pinned Float32Array of `count` floats (contents unspecified; E_OOM when it cannot exist here).
Napi::Float32Array newPinnedFloat32Array(Napi::Env env, std::size_t count);

// The pinned block holding all of [p, p + n), shared with the caller, or null when p is not pinned memory.
std::shared_ptr<PinnedBlock> findPinned(const float* p, std::size_t n);

}  // namespace gsaddon

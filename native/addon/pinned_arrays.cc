#include "pinned_arrays.h"

#include <iterator>
#include <map>
#include <mutex>
#include <string>

#include "gsparse/errors.h"

namespace gsaddon {
namespace {

// Every live pinned block by start address; the ArrayBuffer's finalizer drops the registry's reference,
// calls in flight hold their own.
struct Registry {
  std::mutex mu;
  std::map<const float*, std::shared_ptr<PinnedBlock>> blocks;
};
Registry& registry() {
  static Registry r;  // finalizers run at the latest when an environment is freed, before static destructors
  return r;
}

// A basic finalizer (no JS). Node runs an external ArrayBuffer's finalizer on a later turn of the event loop
// (or at environment teardown), so code that allocates these must yield; the model session reuses them.
void releasePinned(node_api_basic_env env, void* data, void*) {
  std::size_t bytes = 0;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.blocks.find(static_cast<const float*>(data));
    if (it == r.blocks.end()) return;
    bytes = it->second->length * sizeof(float);
    r.blocks.erase(it);
  }
  int64_t total = 0;  // a hint for the collector; cannot fail usefully during teardown
  napi_adjust_external_memory(env, -static_cast<int64_t>(bytes), &total);
}

}  // namespace

Napi::Float32Array newPinnedFloat32Array(Napi::Env env, std::size_t count) {
  if (count == 0 || count >= (std::size_t{1} << 32))
    gsparse::fail(gsparse::ErrorCode::Range, "pinned array: expected 1 to 2^32 - 1 floats, got " + std::to_string(count));
  auto block = std::make_shared<PinnedBlock>();
  block->data.reset(new (std::nothrow) float[count]);
  if (!block->data) gsparse::fail(gsparse::ErrorCode::OOM, "cannot allocate a pinned array of " + std::to_string(count) + " floats");
  block->length = count;
  float* p = block->data.get();
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.blocks.emplace(p, std::move(block));
  }
  int64_t total = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(count * sizeof(float)), &total);
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, p, count * sizeof(float), releasePinned, nullptr, &buffer) != napi_ok) {
    releasePinned(env, p, nullptr);
    throw Napi::Error::New(env, "pinned array: napi_create_external_arraybuffer failed");
  }
  return Napi::Float32Array::New(env, count, Napi::ArrayBuffer(env, buffer), 0);
}

std::shared_ptr<PinnedBlock> findPinned(const float* p, std::size_t n) {
  if (p == nullptr) return nullptr;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.blocks.upper_bound(p);
  if (it == r.blocks.begin()) return nullptr;
  --it;
  const PinnedBlock& b = *it->second;
  return p + n <= b.data.get() + b.length ? it->second : nullptr;
}

}  // namespace gsaddon

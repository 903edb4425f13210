// matmulCuda: one call of Y = X W^T on device 0. Uploads the weights on first use, copies x (and
// bias) in, runs the format's kernel, copies y out and synchronises its stream. The table below
// maps each format to its launcher; the row-split kernels (CSR, N:M, block) run on X^T / Y^T for
// batch > 1, so the dispatcher transposes around them.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "cuda_internal.h"

namespace gsparse {

namespace {

using cuda::DeviceBuffer;

std::size_t checkedMul(std::size_t a, std::size_t b, const char* what) {
  if (a != 0 && b > SIZE_MAX / a) fail(ErrorCode::Range, std::string(what) + ": size overflows");
  return a * b;
}

// Leading dimension of X^T / Y^T for the row-split kernels: the batch rounded up to whole tiles.
std::size_t rowSplitLd(std::size_t batch) {
  const std::size_t tile = cuda::batchLd(batch);
  return (batch + tile - 1) / tile * tile;
}

void runGS(DeviceWeights::Impl& d, const MatmulArgs& a, cuda::Epi epi, cudaStream_t s) {
  cuda::launchSpmmGS(d.view, {d.x.as<float>(), d.y.as<float>(), a.batch, 0, epi}, s);
}

void runRowSplit(const PackedMatrix& w, DeviceWeights::Impl& d, const MatmulArgs& a, cuda::Epi epi, cudaStream_t s) {
  cuda::Call c{d.x.as<float>(), d.y.as<float>(), a.batch, 0, epi};
  if (a.batch > 1) {
    c.ld = rowSplitLd(a.batch);  // d.xt, d.yt sized by reserveScratch
    cuda::launchTranspose(d.x.as<float>(), a.batch, w.cols, w.cols, d.xt.as<float>(), c.ld, c.ld, s);  // X^T [cols][ld]
    c.x = d.xt.as<float>();
    c.y = d.yt.as<float>();
  }
  switch (w.pattern.kind) {
    case Kind::Csr: cuda::launchSpmmCsr(d.view, c, s); break;
    case Kind::NM: cuda::launchSpmmNM(d.view, c, s); break;
    default: cuda::launchSpmmBlock(d.view, c, s); break;
  }
  if (a.batch > 1)  // Y [batch][rows] from Y^T [rows][ld]
    cuda::launchTranspose(d.yt.as<float>(), w.rows, a.batch, c.ld, d.y.as<float>(), w.rows, w.rows, s);
}

void runDense(const PackedMatrix& w, DeviceWeights::Impl& d, const MatmulArgs& a, cuda::Epi epi, cudaStream_t s) {
  const bool channel = w.pattern.kind == Kind::Channel;
  const std::size_t n = channel ? w.rowIds.size() : w.rows;
  const bool needEpilogue = channel || epi.bias || epi.act != Activation::None;
  float* c = channel ? d.tmp.as<float>() : d.y.as<float>();  // d.tmp sized by reserveScratch
  if (n > 0) cuda::gemm(d.gemm, d.values.as<float>(), n, w.cols, d.x.as<float>(), a.batch, c, s);
  if (needEpilogue)
    cuda::launchEpilogue(c, n, channel ? d.rowMap.as<int32_t>() : nullptr, d.y.as<float>(), w.rows, a.batch, epi, s);
}

std::atomic<bool> g_poisonOutputs{false};

// Sizes every scratch buffer the call's kernels use (so compute() only launches).
void reserveScratch(const PackedMatrix& w, DeviceWeights::Impl& d, const MatmulArgs& a) {
  d.x.grow(checkedMul(checkedMul(a.batch, w.cols, "x"), sizeof(float), "x"));
  d.y.grow(checkedMul(checkedMul(a.batch, w.rows, "y"), sizeof(float), "y"));
  const Kind kind = w.pattern.kind;
  if ((kind == Kind::Csr || kind == Kind::NM || kind == Kind::Block) && a.batch > 1) {
    const std::size_t ld = rowSplitLd(a.batch);
    d.xt.grow(checkedMul(checkedMul(ld, w.cols, "x"), sizeof(float), "x"));
    d.yt.grow(checkedMul(checkedMul(ld, w.rows, "y"), sizeof(float), "y"));
  }
  if (kind == Kind::Channel) {
    const std::size_t n = w.rowIds.size();
    d.tmp.grow(checkedMul(checkedMul(a.batch, n == 0 ? 1 : n, "y"), sizeof(float), "y"));
  }
}

// Test hook: every buffer a kernel writes is filled with NaN (all bits set) before the call's
// kernels, so an output a kernel misses reads NaN instead of the previous call's value.
void poisonOutputs(DeviceWeights::Impl& d, cudaStream_t s) {
  for (DeviceBuffer* b : {&d.y, &d.yt, &d.tmp})
    if (b->bytes() > 0) GS_CUDA_CHECK(cudaMemsetAsync(b->get(), 0xff, b->bytes(), s));
}

// Uploads what the call needs (weights on first use, x, bias) and sizes the scratch; returns the epilogue.
cuda::Epi prepare(const PackedMatrix& w, DeviceWeights::Impl& d, const MatmulArgs& a, cudaStream_t s) {
  if (d.source != &w || d.sourceValues != w.values.rawData()) cuda::uploadWeights(w, d);
  reserveScratch(w, d, a);
  const std::size_t xBytes = checkedMul(checkedMul(a.batch, w.cols, "x"), sizeof(float), "x");
  GS_CUDA_CHECK(cudaMemcpyAsync(d.x.get(), a.x, xBytes, cudaMemcpyHostToDevice, s));
  cuda::Epi epi;
  epi.act = a.activation;
  if (a.bias) {
    d.bias.grow(w.rows * sizeof(float));
    GS_CUDA_CHECK(cudaMemcpyAsync(d.bias.get(), a.bias, w.rows * sizeof(float), cudaMemcpyHostToDevice, s));
    epi.bias = d.bias.as<float>();
  }
  if (g_poisonOutputs.load(std::memory_order_relaxed)) poisonOutputs(d, s);
  return epi;
}

// The device work of a call: d.x -> d.y.
void compute(const PackedMatrix& w, DeviceWeights::Impl& d, const MatmulArgs& a, cuda::Epi epi, cudaStream_t s) {
  switch (w.pattern.kind) {
    case Kind::GS: runGS(d, a, epi, s); break;
    case Kind::Csr:
    case Kind::NM:
    case Kind::Block: runRowSplit(w, d, a, epi, s); break;
    case Kind::Dense:
    case Kind::Channel: runDense(w, d, a, epi, s); break;
  }
}

void finish(const PackedMatrix& w, DeviceWeights::Impl& d, const MatmulArgs& a, cudaStream_t s) {
  GS_CUDA_CHECK(cudaMemcpyAsync(a.y, d.y.get(), a.batch * w.rows * sizeof(float), cudaMemcpyDeviceToHost, s));
  GS_CUDA_CHECK(cudaStreamSynchronize(s));
}

// RAII CUDA event.
class Event {
 public:
  Event() { GS_CUDA_CHECK(cudaEventCreate(&e_)); }
  ~Event() { cudaEventDestroy(e_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

// One call on the device under d's lock: prepare (uploads, scratch), body(d, s, epi) with the
// device work, finish (y copied out, stream synchronised).
template <class Body>
void deviceCall(const PackedMatrix& w, DeviceWeights& dev, const MatmulArgs& a, Body&& body) {
  if (a.batch == 0) return;
  cuda::useDevice();
  DeviceWeights::Impl& d = dev.impl();
  std::lock_guard<std::mutex> lock(d.mu);
  cudaStream_t s = d.stream.get();
  body(d, s, prepare(w, d, a, s));
  finish(w, d, a, s);
}

}  // namespace

void matmulCuda(const PackedMatrix& w, DeviceWeights& dev, const MatmulArgs& a) {
  deviceCall(w, dev, a, [&](DeviceWeights::Impl& d, cudaStream_t s, cuda::Epi epi) { compute(w, d, a, epi, s); });
}

void cudaBenchmark(const PackedMatrix& w, DeviceWeights& dev, const MatmulArgs& a, int warmup, int repeats,
                   std::vector<double>* ms) {
  deviceCall(w, dev, a, [&](DeviceWeights::Impl& d, cudaStream_t s, cuda::Epi epi) {
    DeviceBuffer flush;  // written between runs so the weights come from device memory, not L2
    const std::size_t l2 = cuda::deviceInfo().l2CacheBytes;
    flush.grow(std::max<std::size_t>(4 * l2, std::size_t{64} << 20));
    Event start, stop;
    for (int i = 0; i < warmup + repeats; ++i) {
      GS_CUDA_CHECK(cudaMemsetAsync(flush.get(), i & 0xff, flush.bytes(), s));
      GS_CUDA_CHECK(cudaEventRecord(start.get(), s));
      compute(w, d, a, epi, s);
      GS_CUDA_CHECK(cudaEventRecord(stop.get(), s));
      GS_CUDA_CHECK(cudaEventSynchronize(stop.get()));
      float t = 0.0f;
      GS_CUDA_CHECK(cudaEventElapsedTime(&t, start.get(), stop.get()));
      if (i >= warmup && ms) ms->push_back(t);
    }
  });
}

void setCudaPoisonOutputsForTesting(bool poison) { g_poisonOutputs.store(poison, std::memory_order_relaxed); }

}  // namespace gsparse

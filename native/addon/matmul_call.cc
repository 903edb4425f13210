#include "matmul_call.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gsparse/backends.h"
#include "gsparse/kernels.h"
#include "js_alloc.h"
#include "js_args.h"
#include "js_errors.h"
#include "pinned_arrays.h"

namespace gsaddon {

namespace {

// Checked view of one call's arguments (pointers into JS memory, valid during the call only).
struct MatmulInputs {
  gsparse::MatmulArgs args;
  FloatView x;
  FloatView bias;
  Napi::Value out;  // the user's `out` array, or undefined
  FloatView outView;  // its checked view (data null when out is undefined)
  std::size_t outLength = 0;
  gsparse::Backend backend = gsparse::Backend::Cpu;
};

// The call's backend. The CUDA kernels read whole plain matrices only, so 'auto' keeps a nested one on the
// CPU and an explicit 'cuda' is E_BACKEND naming why.
gsparse::Backend resolveMatrixBackend(const Napi::Value& name, const gsparse::PackedMatrix& m, std::size_t batch) {
  const std::string asked = name.IsUndefined() ? std::string("auto") : name.ToString().Utf8Value();
  const bool nested = m.levelCount() > 1;
  const gsparse::Backend b = gsparse::resolveBackend(asked, nested ? 0 : gsparse::workOf(m.values.size(), batch));
  if (b == gsparse::Backend::Cuda && nested)
    gsparse::fail(gsparse::ErrorCode::Backend, "backend 'cuda': nested matrices run on the cpu backend only");
  return b;
}

MatmulInputs readInputs(const Napi::CallbackInfo& info, const gsparse::PackedMatrix& m) {
  MatmulInputs in;
  in.x = requireFloat32Array(info[0], "x");
  std::size_t batch = requireBatch(info[1]);
  requireLength(in.x.length, checkedProduct(batch, m.cols, "x"), "x",
                "batch " + std::to_string(batch) + " x cols " + std::to_string(m.cols));
  if (!info[2].IsUndefined()) {
    in.bias = requireFloat32Array(info[2], "bias");
    requireLength(in.bias.length, m.rows, "bias", "rows");
  }
  in.outLength = checkedProduct(batch, m.rows, "out");
  in.out = info[4];
  if (!in.out.IsUndefined()) {
    in.outView = requireFloat32Array(in.out, "out");
    const FloatView& o = in.outView;
    requireLength(o.length, in.outLength, "out", "batch " + std::to_string(batch) + " x rows " + std::to_string(m.rows));
    requireNoOverlap(o, in.x, "x");
    requireNoOverlap(o, in.bias, "bias");
  }
  in.args.level = info[6].IsUndefined()
                      ? 0
                      : static_cast<uint32_t>(requireIntegerIn(info[6], "level", 0, m.levelCount() - 1.0));
  in.backend = resolveMatrixBackend(info[5], m, batch);
  in.args.x = in.x.data;
  in.args.batch = batch;
  in.args.bias = in.bias.data;
  in.args.activation = readActivation(info[3]);
  return in;
}

// Runs the call on its backend (any thread; dev is non-null for cuda).
void run(const gsparse::PackedMatrix& m, gsparse::Backend backend, gsparse::DeviceWeights* dev,
         const gsparse::MatmulArgs& args) {
  if (backend == gsparse::Backend::Cuda) gsparse::matmulCuda(m, *dev, args);
  else gsparse::matmulCpu(m, args);
}

Napi::Float32Array outputArray(Napi::Env env, const MatmulInputs& in) {
  return in.out.IsUndefined() ? newFloat32Array(env, in.outLength) : in.out.As<Napi::Float32Array>();
}

class MatmulWorker : public Napi::AsyncWorker {
 public:
  MatmulWorker(Napi::Env env, std::shared_ptr<const gsparse::PackedMatrix> m,
               std::shared_ptr<gsparse::DeviceWeights> dev, const MatmulInputs& in)
      : Napi::AsyncWorker(env, "gsparse.matmulAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        matrix_(std::move(m)),
        device_(std::move(dev)),
        backend_(in.backend),
        xPinned_(findPinned(in.x.data, in.x.length)),
        bias_(in.bias.data, in.bias.data + in.bias.length),
        yLength_(in.outLength),
        args_(in.args) {
    // Pinned arrays are used in place (this call holds their memory); others are copied, so the caller
    // may reuse them at once and the result lands in its `out` only on the event loop.
    if (!xPinned_) x_.assign(in.x.data, in.x.data + in.x.length);
    args_.x = xPinned_ ? in.x.data : x_.data();
    args_.bias = in.bias.data ? bias_.data() : nullptr;
    if (!in.out.IsUndefined()) {
      out_ = Napi::Persistent(in.out.As<Napi::Object>());
      outPinned_ = findPinned(in.outView.data, in.outView.length);
      if (outPinned_) args_.y = in.outView.data;
    }
    if (!outPinned_) {
      y_.reset(new float[yLength_]);  // not zeroed: every kernel writes all of Y
      args_.y = y_.get();
    }
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      run(*matrix_, backend_, device_.get(), args_);  // GPU work too: off the event loop
    } catch (const gsparse::Error& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      code_ = gsparse::ErrorCode::OOM;
      SetError("out of memory");
    } catch (const std::exception& e) {
      code_ = gsparse::ErrorCode::Internal;
      SetError(e.what());
    }
  }
  // OnOK / OnError may run while a worker_thread's environment is torn down, when no JS can run:
  // then settling the promise fails, nobody can observe it, and the failure must not escape.
  void OnOK() override {
    settle([this](Napi::Env env) {
      Napi::Float32Array out;
      if (out_.IsEmpty()) {
        out = newFloat32Array(env, yLength_);
      } else {
        out = out_.Value().As<Napi::Float32Array>();
        if (outPinned_) {  // Y is already there
          deferred_.Resolve(out);
          return;
        }
        if (out.ElementLength() != yLength_) {  // detached or shrunk while we ran
          deferred_.Reject(makeJsError(env, gsparse::ErrorCode::Range,
                                       "out: the array was detached while matmulAsync ran"));
          return;
        }
      }
      std::memcpy(out.Data(), y_.get(), yLength_ * sizeof(float));
      deferred_.Resolve(out);
    });
  }
  void OnError(const Napi::Error& e) override {
    std::string message = e.Message();
    settle([&](Napi::Env env) { deferred_.Reject(makeJsError(env, code_, message)); });
  }

 private:
  template <class Fn>
  void settle(Fn&& fn) {
    Napi::Env env = Env();
    try {
      fn(env);
    } catch (const gsparse::Error& e) {
      try { deferred_.Reject(makeJsError(env, e.code(), e.what())); } catch (...) {}
    } catch (...) {  // environment shutting down: nothing can observe the promise any more
    }
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const gsparse::PackedMatrix> matrix_;
  std::shared_ptr<gsparse::DeviceWeights> device_;  // kept alive (with its device memory) until done
  gsparse::Backend backend_;
  std::shared_ptr<PinnedBlock> xPinned_, outPinned_;  // held until the call is settled
  std::vector<float> x_, bias_;
  std::unique_ptr<float[]> y_;
  std::size_t yLength_;
  gsparse::MatmulArgs args_;
  Napi::ObjectReference out_;
  gsparse::ErrorCode code_ = gsparse::ErrorCode::Internal;
};

}  // namespace

Napi::Value matmulSync(const Napi::CallbackInfo& info, std::shared_ptr<const gsparse::PackedMatrix> m,
                       const DeviceWeightsFn& device) {
  MatmulInputs in = readInputs(info, *m);
  std::shared_ptr<gsparse::DeviceWeights> dev;
  if (in.backend == gsparse::Backend::Cuda) dev = device();
  Napi::Float32Array out = outputArray(info.Env(), in);
  in.args.y = out.Data();
  run(*m, in.backend, dev.get(), in.args);
  return out;
}

Napi::Value matmulAsync(const Napi::CallbackInfo& info, std::shared_ptr<const gsparse::PackedMatrix> m,
                        const DeviceWeightsFn& device) {
  MatmulInputs in = readInputs(info, *m);
  std::shared_ptr<gsparse::DeviceWeights> dev;
  if (in.backend == gsparse::Backend::Cuda) dev = device();
  auto worker = std::make_unique<MatmulWorker>(info.Env(), std::move(m), std::move(dev), in);
  Napi::Promise promise = worker->promise();
  worker->Queue();  // throws (and the unique_ptr frees it) when Node refuses, e.g. during teardown
  worker.release();  // from here libuv owns it; it deletes itself after OnOK / OnError
  return promise;
}

}  // namespace gsaddon

// Worker body of the model-runtime teardown storm (issue 18, point 3; started by
// teardown-storm-child.mjs with mode 'model'). Turn after turn, until the parent terminates it:
// create an InferenceSession on a compressed model, fire unawaited run() calls, and release
// sessions while their runs are still in flight. Rejections (E_DISPOSED after release) are expected
// and swallowed. The model is all SparseLinear nodes, so onnxruntime-node's native code is never loaded:
// it aborts the process when a worker is terminated inside one of its calls, loading included
// (docs/threading.md), which gsparse cannot guard.
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from '../../dist/index.js';

const { model, inputName, dims } = workerData;
const size = dims.reduce((a, b) => a * b, 1);
const x = new Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i)), dims);
const ignore = () => {};

parentPort.postMessage({ type: 'ready' });
for (let turn = 0; ; turn++) {
  const session = await InferenceSession.create(model);
  for (let k = 0; k < 8; k++) session.run({ [inputName]: x }).catch(ignore);
  if (turn % 2 === 0) session.release().catch(ignore);
  parentPort.postMessage({ type: 'progress', turn });
  await new Promise((r) => setImmediate(r));
}

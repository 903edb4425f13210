// Worker body of the teardown storm (issue 18; started by teardown-storm-child.mjs). Plain ESM over
// the compiled package (dist/) so a worker starts in tens of milliseconds: the storm needs hundreds.
// It fires work without awaiting it, turn after turn, until the parent terminates it: unawaited
// matmulAsync calls on two matrices, a sync matmul, a pack, a dispose with calls still in flight,
// and a call on the disposed matrix. Rejections (E_DISPOSED) are expected and swallowed.
import { parentPort, workerData } from 'node:worker_threads';
import { pack } from '../../dist/index.js';

const { rows, cols, batch, seed } = workerData;
let s = seed >>> 0;
const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32) * 2 - 1;
const w = Float32Array.from({ length: rows * cols }, rand);
const x = Float32Array.from({ length: batch * cols }, rand);
const ignore = () => {};

const big = pack(w, [rows, cols], { pattern: 'gs:16', sparsity: 0.9 });
parentPort.postMessage({ type: 'ready' });
for (let turn = 0; ; turn++) {
  const small = pack(w.subarray(0, 64 * cols), [64, cols], { pattern: 'csr', sparsity: 0.9 });
  for (let k = 0; k < 50; k++) {
    big.matmulAsync(x, batch).catch(ignore);
    small.matmulAsync(x, batch).catch(ignore);
  }
  big.matmul(x.subarray(0, cols), 1);
  small.dispose();
  small.matmulAsync(x, batch).catch(ignore);
  parentPort.postMessage({ type: 'progress', turn });
  await new Promise((r) => setImmediate(r));
}

// Child-process body of pinned-arrays.test.ts (needs --expose-gc). Pinned arrays (native/addon/
// pinned_arrays.h) are used in place by matmulAsync, so a call must keep their memory alive itself:
// 1. x and out pinned, results equal a float64 reference; 2. the arrays dropped and collected while
// the calls run: results still right, no crash; 3. the out array detached (transferred) mid-call:
// the promise settles, no crash; 4. 500 pinned arrays of 4 MB, each filled, allocated and dropped in a loop
// that yields now and then: RSS stays bounded (GC sees their size; Node runs their finalizers on the loop).
// Prints one JSON line.
import { MessageChannel } from 'node:worker_threads';
import { pack } from '../../dist/index.js';
import { native } from '../../dist/native.js';

const rows = 300, cols = 200, batch = 9;
let s = 7;
const u = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32) * 2 - 1;
const m = pack(Float32Array.from({ length: rows * cols }, u), [rows, cols], { pattern: 'gs:16', sparsity: 0.8 });
const d = m.toDense();
const reference = (x) => {
  const y = new Float64Array(batch * rows);
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let k = 0; k < cols; k++) acc += d[r * cols + k] * x[b * cols + k];
      y[b * rows + r] = Math.max(0, acc);
    }
  return y;
};
const maxErr = (y, ref) => y.reduce((e, v, i) => Math.max(e, Math.abs(v - ref[i])), 0);
const pinnedX = () => {
  const x = native.pinnedFloat32Array(batch * cols);
  for (let i = 0; i < x.length; i++) x[i] = u();
  return x;
};

// 1. In place, both ways, several at once.
const xs = [pinnedX(), pinnedX(), pinnedX()];
const outs = xs.map(() => native.pinnedFloat32Array(batch * rows).fill(Number.NaN));
const ys = await Promise.all(xs.map((x, i) => m.matmulAsync(x, batch, { activation: 'relu', out: outs[i] })));
const inPlace = ys.every((y, i) => y === outs[i] && maxErr(y, reference(xs[i])) <= 1e-4);

// 2. Dropped and collected while in flight.
const refs = [], pending = [];
for (let k = 0; k < 20; k++) {
  const x = pinnedX();
  refs.push(reference(x));
  pending.push(m.matmulAsync(x, batch, { activation: 'relu', out: native.pinnedFloat32Array(batch * rows) }));
}
for (let k = 0; k < 5; k++) globalThis.gc();
const collected = (await Promise.all(pending)).every((y, i) => maxErr(y, refs[i]) <= 1e-4);

// 3. Detached mid-call (the memory goes with the transfer; the call still holds it).
const out3 = native.pinnedFloat32Array(batch * rows);
const p3 = m.matmulAsync(pinnedX(), batch, { out: out3 });
const { port1 } = new MessageChannel();
try { port1.postMessage(out3.buffer, [out3.buffer]); } catch { /* external buffers may refuse transfer */ }
const detachedOk = await p3.then(() => true, () => true); // settles either way
port1.close();

// 4. Memory.
globalThis.gc();
const before = process.memoryUsage().rss;
for (let k = 0; k < 500; k++) {
  native.pinnedFloat32Array(1 << 20).fill(k);
  if (k % 25 === 24) await new Promise((r) => setImmediate(r)); // external-buffer finalizers run on the loop
}
for (let k = 0; k < 3; k++) {
  globalThis.gc();
  await new Promise((r) => setImmediate(r));
}
const growthMb = (process.memoryUsage().rss - before) / 2 ** 20;
console.log(JSON.stringify({ inPlace, collected, detachedOk, growthMb }));

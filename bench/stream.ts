// A STREAM-like memory-bandwidth figure taken in the same process, so batch-1 results (which stream the
// packed weights once per call and do ~2 flops per weight) can be compared with the memory bound.
//
// What it measures (STREAM conventions: best of several trials, bytes counted as the kernel names them,
// write-allocate traffic not counted):
//   copy : a[i] = b[i]        via TypedArray.prototype.set (a native memcpy)  -> 8 bytes / element
//   read : compare b with d (equal contents) via Buffer.compare (a native memcmp, read-only)
//                                                                             -> 8 bytes / element
//   triad: a[i] = b[i] + s*c[i]  a JIT-compiled JS loop                        -> 12 bytes / element
//          (V8 does not vectorise it, so on fast memory it is compute-bound: shown, not used as the bound)
// Batch-1 matmul mostly *reads* weights, so `read` is the closest bound; `copy` is the classic figure.
// Each of `threads` worker threads works on its own slice of SharedArrayBuffer arrays far larger than the
// last-level cache, all started together; time = until the last worker finishes.
import { Worker } from 'node:worker_threads';

export interface StreamResult {
  threads: number;
  /** Elements per array (float32). */
  elements: number;
  copyGBs: number;
  readGBs: number;
  triadGBs: number;
  /** max(copy, read): the bound batch-1 rows are compared with. */
  bestGBs: number;
  trials: number;
}

const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { a, b, c, d, start, end } = workerData;
const A = new Float32Array(a).subarray(start, end);
const B = new Float32Array(b).subarray(start, end);
const C = new Float32Array(c).subarray(start, end);
const Bb = Buffer.from(b, start * 4, (end - start) * 4);
const Db = Buffer.from(d, start * 4, (end - start) * 4);
let sink = 0;
const n = end - start;
parentPort.on('message', (kind) => {
  if (kind === 'exit') { parentPort.close(); return; }
  if (kind === 'copy') A.set(B);
  else if (kind === 'read') sink += Bb.compare(Db);
  else { const s = 3.0; for (let i = 0; i < n; i++) A[i] = B[i] + s * C[i]; }
  parentPort.postMessage('done');
});
`;

function once(w: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMsg = (): void => { w.off('error', onErr); resolve(); };
    const onErr = (e: Error): void => { w.off('message', onMsg); reject(e); };
    w.once('message', onMsg);
    w.once('error', onErr);
  });
}

export async function measureStream(threads: number, elements = 16 * 1024 * 1024, trials = 6): Promise<StreamResult> {
  const bytes = elements * 4;
  const a = new SharedArrayBuffer(bytes);
  const b = new SharedArrayBuffer(bytes);
  const c = new SharedArrayBuffer(bytes);
  const d = new SharedArrayBuffer(bytes);
  new Float32Array(b).fill(1);
  new Float32Array(d).fill(1);
  new Float32Array(c).fill(2);
  new Float32Array(a).fill(0); // touch every page before timing
  const per = Math.ceil(elements / threads);
  const workers: Worker[] = [];
  for (let t = 0; t < threads; t++) {
    const start = Math.min(elements, t * per);
    const end = Math.min(elements, start + per);
    workers.push(new Worker(WORKER_SRC, { eval: true, workerData: { a, b, c, d, start, end } }));
  }
  const round = async (kind: 'copy' | 'read' | 'triad'): Promise<number> => {
    const done = workers.map(once);
    const t0 = process.hrtime.bigint();
    for (const w of workers) w.postMessage(kind);
    await Promise.all(done);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  try {
    // Warm-up (JIT, page mapping in each worker), then best of `trials`.
    await round('copy');
    await round('read');
    await round('triad');
    await round('triad');
    let copyBest = Number.POSITIVE_INFINITY;
    let readBest = Number.POSITIVE_INFINITY;
    let triadBest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < trials; i++) {
      copyBest = Math.min(copyBest, await round('copy'));
      readBest = Math.min(readBest, await round('read'));
      triadBest = Math.min(triadBest, await round('triad'));
    }
    const copyGBs = (2 * bytes) / copyBest / 1e9;
    const readGBs = (2 * bytes) / readBest / 1e9;
    const triadGBs = (3 * bytes) / triadBest / 1e9;
    return { threads, elements, copyGBs, readGBs, triadGBs, bestGBs: Math.max(copyGBs, readGBs), trials };
  } finally {
    for (const w of workers) w.postMessage('exit');
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

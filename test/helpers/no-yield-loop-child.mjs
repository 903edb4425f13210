// Child-process body of memory.test.ts (issue 10, point 4): CYCLES pack + matmul cycles of a
// 512x512 matrix in one synchronous loop that never yields to the event loop and never calls
// dispose(). Native memory of collected matrices must be freed during GC itself, not by finalizers
// queued for a loop turn that never comes. Prints one JSON line: RSS (MB) at cycle 400 and at the end.
// Run as: node --expose-gc test/helpers/no-yield-loop-child.mjs [cycles]
import { pack } from '../../dist/index.js';

const cycles = Number(process.argv[2] ?? 3000);
const rows = 512, cols = 512, batch = 4;
let s = 7;
const rand = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32) * 2 - 1;
const w = Float32Array.from({ length: rows * cols }, rand);
const x = Float32Array.from({ length: batch * cols }, rand);
// RSS after a full GC: what stays allocated, not what V8 has yet to collect lazily.
const mb = () => {
  globalThis.gc();
  return process.memoryUsage().rss / 2 ** 20;
};

let at400 = 0;
let checksum = 0;
for (let c = 1; c <= cycles; c++) {
  const m = pack(w, [rows, cols], { pattern: 'csr', sparsity: 0.9 });
  checksum += m.matmul(x, batch)[c % (batch * rows)];  // batched: also builds the kernels' copy
  if (c === 400) at400 = mb();
}
const atEnd = mb();
console.log(JSON.stringify({ cycles, at400, atEnd, growth: atEnd - at400, checksum: Number.isFinite(checksum) }));

// Child-process body of serialize.test.ts's "huge shape" test: a channel matrix whose serialized
// row count is edited to 3,053,453,328 and re-sealed with a valid CRC. Structurally that is a valid
// channel matrix (all kept row ids are in range), so deserialize may accept it; but then toDense()
// (61e9 floats) and matmul() (3e9 outputs per batch row) must fail with an error, not abort Node.
// Prints one line per operation and "OK"; exit 0 unless something escaped as a crash.
import { GsparseError, SparseMatrix, pack } from '../../lib/index.js';
import { crc32 } from './bytes.js';

const ROWS = 16;
const COLS = 20;
const HUGE = 3053453328;

const w = new Float32Array(ROWS * COLS).map((_, i) => Math.sin(i) + 2);
const b = pack(w, [ROWS, COLS], { pattern: 'channel', sparsity: 0.5 }).serialize();
const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
let at = -1;
for (let o = 4; o + 8 <= Math.min(b.length - 4, 64); o += 4) {
  if (dv.getUint32(o, true) === ROWS && dv.getUint32(o + 4, true) === COLS) {
    at = o;
    break;
  }
}
if (at < 0 || dv.getUint32(b.length - 4, true) !== crc32(b.subarray(0, b.length - 4))) {
  console.log('SKIP: header layout not recognised (rows/cols uint32 pair, trailing CRC)');
  process.exit(0);
}
dv.setUint32(at, HUGE, true);
dv.setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);

const acceptable = (e: unknown) => e instanceof GsparseError || e instanceof RangeError;
let sm: SparseMatrix;
try {
  sm = SparseMatrix.deserialize(b);
  console.log(`deserialize accepted rows=${sm.rows} cols=${sm.cols}`);
} catch (e) {
  console.log(`deserialize rejected: ${(e as Error).constructor.name} ${(e as { code?: string }).code ?? ''}`);
  if (!acceptable(e)) process.exit(2);
  console.log('OK');
  process.exit(0);
}
let bad = false;
for (const [what, f] of [
  ['toDense', () => sm.toDense()],
  ['matmul', () => sm.matmul(new Float32Array(COLS), 1)],
] as const) {
  console.log(`calling ${what} ...`);
  try {
    const r = f();
    console.log(`${what} returned ${r.length} elements`);
  } catch (e) {
    console.log(`${what} threw ${(e as Error).constructor.name} ${(e as { code?: string }).code ?? ''}: ${(e as Error).message}`);
    if (!acceptable(e)) bad = true;
  }
}
if (bad) process.exit(3);
console.log('OK');

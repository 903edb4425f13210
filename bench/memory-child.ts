// One case of bench/memory.ts, alone in a fresh process (started through lib/profile/contender.ts with --expose-gc;
// never run by hand): packs `count` copies of one seeded matrix and reports the resident memory they
// add, after packing and again after one batched call on each (which builds the row-blocked copy).
import { pack } from '../lib/index.js';
import { gaussian, seedOf } from './data.js';

export interface MemoryChildArgs {
  rows: number;
  cols: number;
  pattern: string;
  sparsity: number | undefined;
  count: number;
  batch: number;
}

export interface MemoryChildResult {
  byteLength: number;
  /** Resident bytes added per matrix after pack(), and after one batched call on each. */
  rssPacked: number;
  rssBatched: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as MemoryChildArgs;

function settledRss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('memory-child needs --expose-gc');
  gc();
  gc();
  return process.memoryUsage.rss();
}

try {
  const { rows, cols, pattern, sparsity, count, batch } = args;
  const w = gaussian(rows * cols, seedOf(`mem/${rows}x${cols}`), 1 / Math.sqrt(cols));
  const x = gaussian(batch * cols, seedOf(`mem-x/${batch}`));
  const y = new Float32Array(batch * rows);
  // One pack and call first, so lazily loaded code and the thread pool are not counted; disposed now,
  // not by a finalizer that could run between the readings below.
  const warm = pack(w, [rows, cols], { pattern, sparsity });
  warm.matmul(x, batch, { out: y });
  warm.dispose();
  const before = settledRss();
  const mats = Array.from({ length: count }, () => pack(w, [rows, cols], { pattern, sparsity }));
  const packed = settledRss();
  for (const m of mats) m.matmul(x, batch, { out: y });
  const batched = settledRss();
  const result: MemoryChildResult = {
    byteLength: mats[0]?.byteLength ?? 0,
    rssPacked: (packed - before) / count,
    rssBatched: (batched - before) / count,
  };
  process.send?.(result);
  process.on('message', () => process.exit(0));
} catch (e) {
  process.send?.({ error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}

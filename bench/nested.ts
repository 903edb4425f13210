// `npm run bench:nested` (issue 13): each level of a nested matrix against a matrix packed independently at
// that level's sparsity — time per call (same process, alternating, median ratio of the rounds) and retained
// magnitude — plus storage against the densest level packed alone. Both sides are gsparse kernels, so they
// share one process (no peer's threads to isolate).
//   npx tsx bench/nested.ts [--shape 4096x4096] [--patterns csr,gs:16,4:8,block:4x1] [--levels 0.5,0.8,0.9,0.95]
//                           [--batches 1,64] [--rounds 5] [--regime hot|cold]
import { parseArgs } from 'node:util';

import { pack, packNested, parsePattern, type NestedSparseMatrix, type SparseMatrix } from '../lib/index.js';
import { makeFlush } from '../lib/profile/cache-flush.js';
import { measure, median } from '../lib/profile/measure.js';
import { gaussian } from './data.js';

const { values: opt } = parseArgs({
  options: {
    shape: { type: 'string', default: '4096x4096' },
    patterns: { type: 'string', default: 'csr,gs:16,4:8,block:4x1' },
    levels: { type: 'string', default: '0.5,0.8,0.9,0.95' },
    batches: { type: 'string', default: '1,64' },
    rounds: { type: 'string', default: '5' },
    regime: { type: 'string', default: 'hot' },
  },
});
const [rows, cols] = (opt.shape as string).split('x').map(Number) as [number, number];
const batches = (opt.batches as string).split(',').map(Number);
const rounds = Number(opt.rounds);
const flush = opt.regime === 'cold' ? makeFlush() : undefined;
const w = gaussian(rows * cols, 13);
const sumAbs = (a: Float32Array): number => a.reduce((s, v) => s + Math.abs(v), 0);

/** N:M levels keep m and give whole n: the levels of the list that do, densest first. */
function levelsFor(pattern: string): number[] {
  const p = parsePattern(pattern);
  const asked = (opt.levels as string).split(',').map(Number);
  if (p.kind !== 'nm') return asked;
  const out: number[] = [];
  for (let n = p.n; n >= 1; n = Math.floor(n / 2)) out.push(1 - n / p.m);
  return out;
}
const patternAt = (pattern: string, s: number): string => {
  const p = parsePattern(pattern);
  return p.kind === 'nm' ? `${Math.round((1 - s) * p.m)}:${p.m}` : pattern;
};
const msOf = (fn: () => unknown): number => measure(() => void fn(), { warmup: 2, minRepeats: 5, maxRepeats: 50, minTimeMs: 100 }, flush).median;

console.log(`W ${rows}x${cols}, ${opt.regime} regime, ${rounds} rounds (ratio = nested level / independent, median of rounds)`);
console.log(['pattern', 'level', 'sparsity', 'retained', ...batches.flatMap((b) => [`b${b} ms`, `b${b} x`])].map((h, i) => (i < 1 ? h.padEnd(10) : h.padStart(9))).join(' '));
for (const pattern of (opt.patterns as string).split(',')) {
  const levels = levelsFor(pattern);
  const nested: NestedSparseMatrix = packNested(w, [rows, cols], { pattern, levels });
  const alone: SparseMatrix[] = levels.map((s) => pack(w, [rows, cols], { pattern: patternAt(pattern, s), sparsity: s }));
  levels.forEach((s, k) => {
    const retained = sumAbs(nested.toDense(k)) / sumAbs(alone[k]!.toDense());
    const cells: string[] = [];
    for (const batch of batches) {
      const x = gaussian(batch * cols, 7 + batch);
      const out = new Float32Array(batch * rows);
      const ratios: number[] = [];
      const times: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const a = msOf(() => nested.matmul(x, batch, { level: k, out }));
        const b = msOf(() => alone[k]!.matmul(x, batch, { out }));
        ratios.push(a / b);
        times.push(a);
      }
      cells.push(median(times).toFixed(3), median(ratios).toFixed(2));
    }
    console.log([pattern.padEnd(10), String(k), s.toFixed(3), retained.toFixed(4), ...cells].map((v, i) => (i < 1 ? v : v.padStart(9))).join(' '));
  });
  console.log(`${pattern.padEnd(10)} storage ${(nested.byteLength / 2 ** 20).toFixed(1)} MiB = ${(nested.byteLength / alone[0]!.byteLength).toFixed(3)}x the densest level packed alone`);
  nested.dispose();
  for (const m of alone) m.dispose();
}

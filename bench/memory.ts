// `npm run bench:memory` (issue 15.6): resident memory per matrix against byteLength, for small matrices.
// Each case runs in a fresh process (memory-child.ts) that packs enough copies of one matrix to make
// ~64 MiB of byteLength (at most 400) and reports the RSS they add, after pack() and after one batched
// call on each (batch 64: the CSR, N:M, GS and block formats then build their row-blocked copy).
//   npx tsx bench/memory.ts [--shapes 256x256,1024x1024] [--patterns dense,csr,gs:16] [--sparsity 0.9]
import { parseArgs } from 'node:util';

import { parsePattern } from '../lib/index.js';
import { Contender } from '../lib/profile/contender.js';
import type { MemoryChildArgs, MemoryChildResult } from './memory-child.js';

const { values: opt } = parseArgs({
  options: {
    shapes: { type: 'string', default: '256x256,512x512,768x768,1024x1024,768x3072,1536x1536,2048x2048' },
    patterns: { type: 'string', default: 'dense,csr,block:4x1,2:4,gs:16' },
    sparsity: { type: 'string', default: '0.9' },
    batch: { type: 'string', default: '64' },
  },
});
const sparsity = Number(opt.sparsity);
const batch = Number(opt.batch);
const MiB = 2 ** 20;
const child = new URL('./memory-child.ts', import.meta.url);

console.log(`RSS per matrix vs byteLength (fresh process per case; batched = after one batch-${batch} call on each matrix)`);
console.log(['shape', 'pattern', 'count', 'byteLength', 'RSS packed', 'x', 'RSS batched', 'x'].map((h, i) => (i < 2 ? h.padEnd(10) : h.padStart(11))).join(' '));
for (const shape of (opt.shapes as string).split(',')) {
  const [rows, cols] = shape.split('x').map(Number) as [number, number];
  for (const pattern of (opt.patterns as string).split(',')) {
    const p = parsePattern(pattern);
    const s = p.kind === 'dense' ? undefined : p.kind === 'nm' ? 1 - p.n / p.m : sparsity;
    const estimate = rows * cols * 4 * (s === undefined ? 1 : 1.6 * (1 - s));
    const args: MemoryChildArgs = { rows, cols, pattern, sparsity: s, count: Math.max(4, Math.min(400, Math.round((64 * MiB) / estimate))), batch };
    const c = await Contender.start<MemoryChildResult>(child, args, ['--expose-gc']);
    await c.close();
    const r = c.info;
    const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
    console.log(
      [shape.padEnd(10), pattern.padEnd(10), String(args.count), kib(r.byteLength), kib(r.rssPacked), `${(r.rssPacked / r.byteLength).toFixed(2)}x`, kib(r.rssBatched), `${(r.rssBatched / r.byteLength).toFixed(2)}x`]
        .map((v, i) => (i < 2 ? v : v.padStart(11)))
        .join(' '),
    );
  }
}

// Native memory stays bounded whatever the caller does (issue 10, point 4): a loop that never
// yields to the event loop and never calls dispose() must get the memory of collected matrices and
// results back during GC. Runs in a child process (test/helpers/no-yield-loop-child.mjs) so its RSS
// is its own; measured after a full GC at cycle 400 and at cycle 3,000.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode } from './helpers/run-node.js';

describe('memory', () => {
  it('3,000 pack + matmul cycles without yielding or dispose(): RSS grows < 25 MB after cycle 400', async () => {
    const child = fileURLToPath(new URL('./helpers/no-yield-loop-child.mjs', import.meta.url));
    const r = await runNode(['--expose-gc', child, '3000'], 300_000);
    const detail = r.detail;
    expect(r.status, detail).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { cycles: number; growth: number; checksum: boolean };
    expect(m.cycles, detail).toBe(3000);
    expect(m.checksum, detail).toBe(true);
    expect(m.growth, detail).toBeLessThan(25);
  });
});

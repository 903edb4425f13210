// Pinned arrays (native/addon/pinned_arrays.h): InferenceSession's internal values, which matmulAsync reads
// and writes in place. The call must own their memory while it runs, whatever JS does with the arrays, and
// dropped arrays must be freed. Runs in a child process with --expose-gc (test/helpers/pinned-child.mjs).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { native } from '../lib/native.js';
import { runNode } from './helpers/run-node.js';

describe('pinned arrays', () => {
  it('in place, collected or detached mid-call: right results, no crash, memory bounded', async () => {
    const r = await runNode(['--expose-gc', fileURLToPath(new URL('./helpers/pinned-child.mjs', import.meta.url))], 120_000);
    expect(r.status, r.detail).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(m.inPlace, r.detail).toBe(true);
    expect(m.collected, r.detail).toBe(true);
    expect(m.detachedOk, r.detail).toBe(true);
    // 500 x 4 MB written: 2 GB if none were freed.
    expect(m.growthMb as number, r.detail).toBeLessThan(200);
  });

  it('a length outside 1 .. 2^32 - 1 is a RangeError, a non-number a TypeError', () => {
    expect(() => native.pinnedFloat32Array(0)).toThrow(RangeError);
    expect(() => native.pinnedFloat32Array(2 ** 32)).toThrow(RangeError);
    expect(() => native.pinnedFloat32Array(1.5)).toThrow(RangeError);
    expect(() => native.pinnedFloat32Array('3' as unknown as number)).toThrow(TypeError);
    expect(native.pinnedFloat32Array(3)).toHaveLength(3);
  });
});

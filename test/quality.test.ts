// GS keeps almost as much weight magnitude as unstructured pruning at the same nonzero count
// (the point of GS patterns, docs/gs.md, Why GS).
import { describe, expect, it } from 'vitest';
import { prune } from '../lib/index.js';
import { randn } from './helpers/reference.js';

const N = 1024;
const w = randn(N * N, 20211220);

// |w| sorted descending with prefix sums: the unstructured top-k keeps prefix[k]
const sortedAbs = Float64Array.from(w, Math.abs).sort().reverse();
const prefix = new Float64Array(sortedAbs.length + 1);
for (let i = 0; i < sortedAbs.length; i++) prefix[i + 1] = prefix[i] + sortedAbs[i];

function keptMagnitude(p: Float32Array): { nnz: number; sum: number } {
  let nnz = 0;
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== 0) {
      nnz++;
      sum += Math.abs(p[i]);
    }
  }
  return { nnz, sum };
}

describe.each(['gs:16', 'gs:16x4'])('%s on 1024x1024 Gaussian', (pattern) => {
  it.each([0.5, 0.75, 0.9, 0.95])('sparsity %s keeps >= 97%% of the unstructured |w| at the same nnz', (sparsity) => {
    const p = prune(w, [N, N], { pattern, sparsity });
    const { nnz, sum } = keptMagnitude(p);
    expect(Math.abs(1 - nnz / (N * N) - sparsity)).toBeLessThanOrEqual(0.02);
    // kept entries are original weights
    for (let i = 0; i < p.length; i += 97) if (p[i] !== 0) expect(p[i]).toBe(w[i]);
    const ratio = sum / prefix[nnz];
    expect(ratio).toBeGreaterThanOrEqual(0.97);
    expect(ratio).toBeLessThanOrEqual(1 + 1e-9); // nothing can beat the top-k
  });
});

describe('the 97% bar is discriminating', () => {
  it('a random mask at the same nnz keeps far less than 97%', () => {
    // sanity check of the measure itself: keeping every other element (50%) scores ~0.5/0.8
    let sum = 0;
    let nnz = 0;
    for (let i = 0; i < w.length; i += 2) {
      sum += Math.abs(w[i]);
      nnz++;
    }
    expect(sum / prefix[nnz]).toBeLessThan(0.9);
  });
});

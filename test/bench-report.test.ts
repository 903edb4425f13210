// The bench's derived figures (bench/report.ts) on hand-worked rounds: the ratio is the median of
// per-round ratios (not the ratio of medians), the batch-1 limit is bytes at ORT's bandwidth, the
// batched limit the FMA peak, and a failed check fails its target.
import { describe, expect, it } from 'vitest';

import { derive, evaluateTargets, type Row, type RowBase } from '../bench/report.js';

function base(over: Partial<RowBase>): RowBase {
  return {
    shape: 'square-4096', rows: 4096, cols: 4096, pattern: 'csr', runtime: 'gsparse', targetSparsity: 0.9,
    sparsity: 0.9, nnz: 1_677_722, weightBytes: 10_066_332, batch: 1, regime: 'hot', roundMs: [1], samples: '5',
    packMs: 300, checkErr: 0, ...over,
  };
}

describe('bench report', () => {
  it('takes the median of per-round ratios, not the ratio of medians', () => {
    // Ratios per round 10/2 = 5, 12/4 = 3, 30/3 = 10 -> median 5; the ratio of medians would be 12/3 = 4.
    const r = derive(base({ roundMs: [2, 4, 3] }), [10, 12, 30], [4, 8, 6], null);
    expect(r.vsOrt).toBe(5);
    expect(r.vsOrtMin).toBe(3);
    expect(r.vsOrtMax).toBe(10);
    expect(r.vsDense).toBe(2);
    expect(r.ms).toBe(3);
  });

  it('batch 1: the limit is this kernel reading its bytes at the bandwidth ORT reaches', () => {
    // 4x4 W: ORT reads 64 + x 16 + y 16 = 96 bytes, this kernel 16 + 32 = 48 -> limit 2x; at 5x ORT it is at 250%.
    const r = derive(base({ rows: 4, cols: 4, nnz: 4, weightBytes: 16, roundMs: [2, 4, 3] }), [10, 12, 30], [4, 8, 6], 100);
    expect(r.limitX).toBe(2);
    expect(r.ofLimit).toBe(2.5);
  });

  it('batched: the limit is the FMA peak, on useful flops', () => {
    // 2 * 1000 nnz * 64 / 1 ms = 0.128 GFLOP/s against a 1.28 GFLOP/s peak -> 10%.
    const r = derive(base({ rows: 100, cols: 100, nnz: 1000, batch: 64, roundMs: [1, 1, 1] }), [3, 3, 3], [2, 2, 2], 1.28);
    expect(r.limitX).toBeNull();
    expect(r.usefulGflops).toBeCloseTo(0.128, 12);
    expect(r.ofLimit).toBeCloseTo(0.1, 12);
    expect(derive(base({ batch: 64 }), [1], [1], null).ofLimit).toBeNull();
  });

  it('targets: per regime, GS vs CSR per round, and a failed check fails the target', () => {
    const row = (pattern: string, roundMs: number[], checkErr = 0, targetSparsity: number | null = 0.9): Row =>
      derive(base({ pattern, roundMs, checkErr, targetSparsity, runtime: pattern === 'ort-dense' ? 'onnxruntime' : 'gsparse' }), [60, 60, 60], [10, 10, 10], null);
    const rows = [row('ort-dense', [60, 60, 60], 0, null), row('gs:16', [10, 10, 11]), row('csr', [9, 13, 10], 2e-3)];
    const t = evaluateTargets(rows, ['hot', 'cold'], [1]);
    const get = (regime: string, label: string) => t.find((x) => x.regime === regime && x.label.startsWith(label));
    expect(get('hot', 'gs:16 @ batch 1')).toMatchObject({ ratio: 6, pass: true }); // median of 6, 6, 5.45
    expect(get('hot', 'csr   @ batch 1')?.pass).toBe(false); // fast enough, but its check failed
    // csr/gs per round: 0.9, 1.3, 0.909 -> median 0.909 < 1; csr's failed check would fail it anyway.
    expect(get('hot', 'gs:16 vs csr @ batch 1')?.ratio).toBeCloseTo(10 / 11, 12);
    expect(get('hot', 'gs:16 vs csr @ batch 1')?.pass).toBe(false);
    expect(get('cold', 'gs:16 @ batch 1')?.pass).toBeNull(); // not measured in that regime
  });
});

// compressWeights() on a small safetensors weights file (2-D F32 and F16 weights, a 1-D bias, an I64 tensor):
// masks are exactly pruned's nonzeros, each packed layer deserializes to pruned, the target sparsity is met,
// other tensors are copied byte for byte, include / exclude hold, and pack() without sparsity takes pruned back.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  compressWeights, float32ToTensor, pack, readSafetensors, type SafeTensor, SparseMatrix, tensorToFloat32, writeSafetensors,
} from '../lib/index.js';
import { f16roundArray, randn } from './helpers/reference.js';
import { rejected } from './helpers/util.js';

const FC1: [number, number] = [32, 64];
const FC2: [number, number] = [16, 64];
const fc1 = randn(FC1[0] * FC1[1], 1);
const fc2 = randn(FC2[0] * FC2[1], 2, 0.05);
const tensors = new Map<string, SafeTensor>([
  ['fc1.weight', float32ToTensor(fc1, FC1, 'F32')],
  ['fc1.bias', float32ToTensor(randn(32, 3), [32], 'F32')],
  ['fc2.weight', float32ToTensor(fc2, FC2, 'F16')],
  ['steps', { dtype: 'I64', shape: [2], data: new Uint8Array(new BigInt64Array([7n, -1n]).buffer) }],
]);
const input = writeSafetensors(tensors, { format: 'pt', source: 'test' });
const WEIGHTS = ['fc1.weight', 'fc2.weight'];

function get(file: ReturnType<typeof readSafetensors>, name: string): SafeTensor {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`no tensor '${name}'`);
  return t;
}

interface Outputs {
  pruned: ReturnType<typeof readSafetensors>;
  masks: ReturnType<typeof readSafetensors>;
  packed: ReturnType<typeof readSafetensors>;
}

async function run(opts: Parameters<typeof compressWeights>[1]) {
  const r = await compressWeights(input, opts);
  const out: Outputs = { pruned: readSafetensors(r.pruned), masks: readSafetensors(r.masks), packed: readSafetensors(r.packed) };
  return { ...r, out };
}

describe.each([
  ['csr', 0.75],
  ['gs:16', 0.75],
  ['block:4x1', 0.75],
  ['2:4', 0.5],
])('compressWeights with %s', (pattern, target) => {
  let result: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    result = await run({ sparsity: 0.75, pattern });
  });

  it('masks are U8 tensors of the weights shapes, 1 exactly where pruned is nonzero', async () => {
    const { out } = result;
    expect([...out.masks.tensors.keys()]).toEqual(WEIGHTS);
    for (const name of WEIGHTS) {
      const mask = get(out.masks, name);
      const w = tensorToFloat32(get(out.pruned, name));
      expect([mask.dtype, mask.shape]).toEqual(['U8', get(out.pruned, name).shape]);
      for (let i = 0; i < w.length; i++) if (mask.data[i] !== (w[i] !== 0 ? 1 : 0)) expect([name, i, mask.data[i], w[i]]).toBe('consistent');
    }
  });

  it('pruned keeps each weight tensor in its dtype, kept weights unchanged', async () => {
    const { out } = result;
    for (const [name, original] of [['fc1.weight', fc1], ['fc2.weight', tensorToFloat32(tensors.get('fc2.weight') as SafeTensor)]] as const) {
      const t = get(out.pruned, name);
      expect(t.dtype).toBe(tensors.get(name)?.dtype);
      const w = tensorToFloat32(t);
      for (let i = 0; i < w.length; i++) if (w[i] !== 0 && w[i] !== original[i]) expect([name, i, w[i]]).toEqual([name, i, original[i]]);
    }
  });

  it(`sparsity ${pattern === '2:4' ? 'is exactly 0.5' : 'is within 0.02 of the target'}, and the report says so`, async () => {
    const { out, layers } = result;
    for (const name of WEIGHTS) {
      const mask = get(out.masks, name).data;
      const zeros = mask.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / mask.length;
      if (pattern === '2:4') {
        expect(zeros).toBe(0.5);
        for (let g = 0; g < mask.length; g += 4) expect(mask[g]! + mask[g + 1]! + mask[g + 2]! + mask[g + 3]!).toBeLessThanOrEqual(2);
      } else expect(Math.abs(zeros - target)).toBeLessThanOrEqual(0.02);
      const report = layers.find((l) => l.name === name);
      expect(report?.skipped).toBeUndefined();
      expect(report?.sparsity).toBeCloseTo(zeros, 10);
      expect(report?.nnz).toBe(mask.length - Math.round(zeros * mask.length));
      expect(report?.bytesBefore).toBe(tensors.get(name)?.data.length);
      expect(report?.bytesAfter).toBe(get(out.packed, name).data.length);
    }
  });

  it('each packed tensor is U8 1-D and deserializes to pruned', async () => {
    const { out } = result;
    expect([...out.packed.tensors.keys()]).toEqual(WEIGHTS);
    expect(out.packed.metadata).toMatchObject({ format: 'gsparse-packed', pattern });
    for (const name of WEIGHTS) {
      const p = get(out.packed, name);
      expect([p.dtype, p.shape.length]).toEqual(['U8', 1]);
      const m = SparseMatrix.deserialize(p.data);
      try {
        expect([m.rows, m.cols]).toEqual(get(out.pruned, name).shape);
        expect(m.toDense()).toEqual(tensorToFloat32(get(out.pruned, name)));
      } finally {
        m.dispose();
      }
    }
  });

  it('copies the bias, the I64 tensor and the metadata byte for byte', async () => {
    const { out, layers } = result;
    expect([...out.pruned.tensors.keys()]).toEqual([...tensors.keys()]);
    expect(out.pruned.metadata).toEqual({ format: 'pt', source: 'test' });
    for (const name of ['fc1.bias', 'steps']) {
      const t = get(out.pruned, name);
      const o = tensors.get(name) as SafeTensor;
      expect([t.dtype, t.shape, Buffer.from(t.data).equals(Buffer.from(o.data))]).toEqual([o.dtype, o.shape, true]);
    }
    expect(layers.find((l) => l.name === 'fc1.bias')?.skipped).toMatch(/not 2-D/);
    expect(layers.find((l) => l.name === 'steps')?.skipped).toMatch(/not a float tensor/);
  });

  it('pack() without sparsity takes the pruned weights back (the fine-tune-and-pack-back route)', async () => {
    const { out } = result;
    for (const name of WEIGHTS) {
      const t = get(out.pruned, name);
      const w = tensorToFloat32(t);
      const m = pack(w, t.shape as [number, number], { pattern });
      try {
        expect(m.nnz).toBe(get(out.masks, name).data.reduce((n, v) => n + v, 0));
        expect(m.toDense()).toEqual(w);
      } finally {
        m.dispose();
      }
    }
  });
});

describe('compressWeights options', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gsparse-weights-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('include / exclude choose the tensors; the others are copied unchanged', async () => {
    for (const opts of [{ include: /^fc1\./ }, { exclude: /fc2/ }]) {
      const { out, layers } = await run({ sparsity: 0.5, pattern: 'csr', ...opts });
      expect([...out.masks.tensors.keys()]).toEqual(['fc1.weight']);
      expect(Buffer.from(get(out.pruned, 'fc2.weight').data).equals(Buffer.from((tensors.get('fc2.weight') as SafeTensor).data))).toBe(true);
      expect(layers.find((l) => l.name === 'fc2.weight')?.skipped).toMatch(/excluded/);
    }
  });

  it("dtype 'f16' packs fp16 values: packed equals pruned within fp16 rounding, the mask still matches pruned", async () => {
    const { out } = await run({ sparsity: 0.75, pattern: 'gs:16', dtype: 'f16' });
    const m = SparseMatrix.deserialize(get(out.packed, 'fc1.weight').data);
    try {
      expect(m.dtype).toBe('f16');
      const pruned = tensorToFloat32(get(out.pruned, 'fc1.weight'));
      expect(m.toDense()).toEqual(f16roundArray(pruned));
      const mask = get(out.masks, 'fc1.weight').data;
      for (let i = 0; i < mask.length; i++) if (mask[i] !== (pruned[i] !== 0 ? 1 : 0)) expect(i).toBe(-1);
    } finally {
      m.dispose();
    }
  });

  it('reads a file path and reports progress', async () => {
    const file = path.join(dir, 'model.safetensors');
    writeFileSync(file, input);
    const progress: string[] = [];
    const r = await compressWeights(file, { sparsity: 0.5, pattern: 'csr', onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.tensor}`) });
    expect(progress).toEqual(['0/2 fc1.weight', '1/2 fc2.weight', '2/2 ']);
    expect(r.layers.map((l) => l.name)).toEqual([...tensors.keys()]);
  });

  it('BF16 weights are pruned and stay BF16', async () => {
    const bf = writeSafetensors({ w: float32ToTensor(randn(8 * 16, 5), [8, 16], 'BF16') });
    const r = await compressWeights(bf, { sparsity: 0.5, pattern: 'csr' });
    const t = get(readSafetensors(r.pruned), 'w');
    expect(t.dtype).toBe('BF16');
    expect(tensorToFloat32(t).filter((v) => v === 0).length).toBe(64);
  });

  it('errors: bad options are TypeError / RangeError, a corrupt file E_CORRUPT, a non-finite weight names the tensor', async () => {
    expect(await rejected(compressWeights(input, null as never))).toBeInstanceOf(TypeError);
    expect(await rejected(compressWeights(input, { sparsity: 1.5, pattern: 'csr' }))).toBeInstanceOf(RangeError);
    expect(await rejected(compressWeights(input, { sparsity: 0.5, pattern: 'csr', include: 'fc1' as never }))).toBeInstanceOf(TypeError);
    expect(await rejected(compressWeights(42 as never, { sparsity: 0.5, pattern: 'csr' }))).toBeInstanceOf(TypeError);
    expect(await rejected(compressWeights(input.subarray(0, 40), { sparsity: 0.5, pattern: 'csr' }))).toMatchObject({ code: 'E_CORRUPT' });
    const bad = writeSafetensors({ 'bad.weight': float32ToTensor(Float32Array.of(1, NaN, 2, 3), [2, 2], 'F32') });
    const e = await rejected(compressWeights(bad, { sparsity: 0.5, pattern: 'csr' }));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/'bad\.weight'/);
  });
});

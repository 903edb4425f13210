// Bad input to the model API: corrupt or truncated ONNX, corrupt packed weights, external data that points
// outside the model's folder or past its file, feeds that do not fit. Always a typed error, never a crash.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compress, GsparseError, InferenceSession, Tensor } from '../lib/index.js';
import { randn } from './helpers/reference.js';
import { buildModel, decode, floatInit, node, relErr, runOrt, value } from './helpers/onnx-build.js';
import { rejected, seedOf } from './helpers/util.js';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const K = 32;
const N = 16;
const B = randn(K * N, seedOf('errors-B'));

function mlp(): Uint8Array {
  return buildModel({
    nodes: [node('MatMul', ['X', 'B'], ['h']), node('Relu', ['h'], ['Y'])],
    inputs: [value('X', ['batch', K])],
    outputs: [value('Y', ['batch', N])],
    initializers: [floatInit('B', [K, N], B)],
  });
}

function expectCode(err: unknown, code: string): void {
  expect(err).toBeInstanceOf(GsparseError);
  expect((err as GsparseError).code).toBe(code);
}

describe('malformed ONNX: E_CORRUPT from compress and InferenceSession.create', () => {
  const good = mlp();
  const cases: [string, Uint8Array][] = [
    ['truncated', good.subarray(0, Math.floor(good.length / 2))],
    ['random bytes', Uint8Array.from(randn(256, 7), (v) => Math.floor(Math.abs(v) * 97) & 0xff)],
    ['empty', new Uint8Array(0)],
    ['a tensor declaring 10^12 elements with 4 bytes of data', buildModel({
      nodes: [node('MatMul', ['X', 'B'], ['Y'])], inputs: [value('X', [1, K])], outputs: [value('Y', [1, N])],
      initializers: [{ name: 'B', dataType: onnx.TensorProto.DataType.FLOAT, dims: [1_000_000, 1_000_000], rawData: new Uint8Array(4) }],
    })],
    ['a cycle', buildModel({
      nodes: [node('Add', ['X', 'b'], ['a']), node('Relu', ['a'], ['b'])], inputs: [value('X', [1])], outputs: [value('a', [1])],
    })],
  ];
  for (const [name, bytes] of cases) {
    it(name, async () => {
      expectCode(await rejected(InferenceSession.create(bytes)), 'E_CORRUPT');
      expectCode(await rejected(compress(bytes, { sparsity: 0.5, patterns: ['csr'] })), 'E_CORRUPT');
    });
  }

  it('a model that is not bytes or a path: TypeError', async () => {
    expect(await rejected(InferenceSession.create(42 as unknown as Uint8Array))).toBeInstanceOf(TypeError);
  });
});

describe('corrupt SparseLinear weights: E_CORRUPT at create', () => {
  async function withPacked(edit: (bytes: Uint8Array) => Uint8Array): Promise<Uint8Array> {
    const { model } = await compress(mlp(), { sparsity: 0.5, patterns: ['gs:16'] });
    const m = decode(model);
    const packed = m.graph?.initializer?.find((t) => t.dataType === onnx.TensorProto.DataType.UINT8);
    if (!packed?.rawData) throw new Error('no packed initializer');
    const edited = edit(new Uint8Array(packed.rawData));
    packed.rawData = edited;
    packed.dims = [edited.length];
    return onnx.ModelProto.encode(m).finish();
  }

  it('one flipped byte in the packed matrix', async () => {
    const model = await withPacked((b) => {
      b[Math.floor(b.length / 2)] ^= 0x5a;
      return b;
    });
    expectCode(await rejected(InferenceSession.create(model)), 'E_CORRUPT');
  });

  it('truncated packed matrix', async () => {
    const model = await withPacked((b) => b.subarray(0, b.length - 9));
    expectCode(await rejected(InferenceSession.create(model)), 'E_CORRUPT');
  });

  it('an unknown activation attribute', async () => {
    const { model } = await compress(mlp(), { sparsity: 0.5, patterns: ['csr'] });
    const m = decode(model);
    const act = m.graph?.node?.[0]?.attribute?.find((a) => a.name === 'activation');
    if (!act) throw new Error('no activation attribute');
    act.s = new TextEncoder().encode('swish');
    expectCode(await rejected(InferenceSession.create(onnx.ModelProto.encode(m).finish())), 'E_CORRUPT');
  });
});

describe('feeds that do not fit: the error names the input', () => {
  const x = new Tensor('float32', randn(2 * K, 3), [2, K]);
  for (const kind of ['plain', 'compressed'] as const) {
    describe(kind, () => {
      let session: InferenceSession;
      beforeAll(async () => {
        const model = kind === 'plain' ? mlp() : (await compress(mlp(), { sparsity: 0.5, patterns: ['csr'] })).model;
        session = await InferenceSession.create(model);
      });
      afterAll(async () => {
        await session.release();
      });

      it('unknown name: RangeError', async () => {
        const err = await rejected(session.run({ X: x, Z: x }));
        expect(err).toBeInstanceOf(RangeError);
        expect((err as Error).message).toContain("'Z'");
      });
      it('missing input: RangeError', async () => {
        const err = await rejected(session.run({}));
        expect(err).toBeInstanceOf(RangeError);
        expect((err as Error).message).toContain("'X'");
      });
      it('wrong dtype: TypeError', async () => {
        const err = await rejected(session.run({ X: new Tensor('int32', new Int32Array(2 * K), [2, K]) }));
        expect(err).toBeInstanceOf(TypeError);
        expect((err as Error).message).toMatch(/'X'.*float32.*int32/);
      });
      it('wrong shape: RangeError with expected and actual', async () => {
        const err = await rejected(session.run({ X: new Tensor('float32', new Float32Array(2 * (K + 1)), [2, K + 1]) }));
        expect(err).toBeInstanceOf(RangeError);
        expect((err as Error).message).toContain("'X'");
        expect((err as Error).message).toContain(`[batch, ${K}]`);
        expect((err as Error).message).toContain(`[2, ${K + 1}]`);
      });
      it('not a tensor: TypeError', async () => {
        expect(await rejected(session.run({ X: new Float32Array(K) as unknown as Tensor }))).toBeInstanceOf(TypeError);
      });
      it('a nested-sparsity level the model does not have: RangeError', async () => {
        expect(await rejected(session.run({ X: x }, { level: 1 }))).toBeInstanceOf(RangeError);
      });
      it('still runs after the errors', async () => {
        const out = await session.run({ X: x });
        expect(out.Y?.dims).toEqual([2, N]);
      });
    });
  }

  it('run after release: E_DISPOSED', async () => {
    const session = await InferenceSession.create(mlp());
    await session.release();
    expectCode(await rejected(session.run({ X: x })), 'E_DISPOSED');
  });
});

describe('compress options', () => {
  it('sparsity outside [0, 1): RangeError; not a number: TypeError', async () => {
    expect(await rejected(compress(mlp(), { sparsity: 1, patterns: ['csr'] }))).toBeInstanceOf(RangeError);
    expect(await rejected(compress(mlp(), { sparsity: '0.5' as unknown as number }))).toBeInstanceOf(TypeError);
  });
  it('an unknown pattern: RangeError', async () => {
    expect(await rejected(compress(mlp(), { sparsity: 0.5, patterns: ['gs:17'] }))).toBeInstanceOf(RangeError);
  });
  it('an empty pattern list or a non-list: TypeError', async () => {
    expect(await rejected(compress(mlp(), { sparsity: 0.5, patterns: [] }))).toBeInstanceOf(TypeError);
    expect(await rejected(compress(mlp(), { sparsity: 0.5, patterns: 'csr' as unknown as 'auto' }))).toBeInstanceOf(TypeError);
  });
});

describe('external data', () => {
  let dir: string;
  let outside: string;

  /** Writes model.onnx in dir with B in a side file described by `external`. */
  async function writeModel(external: Record<string, string>, fileName = 'model.onnx'): Promise<string> {
    const file = path.join(dir, fileName);
    await writeFile(file, buildModel({
      nodes: [node('MatMul', ['X', 'B'], ['h']), node('Relu', ['h'], ['Y'])],
      inputs: [value('X', ['batch', K])],
      outputs: [value('Y', ['batch', N])],
      initializers: [{
        name: 'B', dataType: onnx.TensorProto.DataType.FLOAT, dims: [K, N], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: Object.entries(external).map(([key, v]) => ({ key, value: v })),
      }],
    }));
    return file;
  }

  beforeAll(async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'gsparse-ext-'));
    dir = path.join(root, 'model');
    outside = root;
    await (await import('node:fs/promises')).mkdir(dir);
    const bytes = new Uint8Array(16 + B.byteLength);
    bytes.set(new Uint8Array(B.buffer), 16);
    await writeFile(path.join(dir, 'weights.bin'), bytes);
    await writeFile(path.join(root, 'secret.bin'), bytes);
    await symlink(path.join(root, 'secret.bin'), path.join(dir, 'link.bin'));
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it('loads from the model folder: plain run equals onnxruntime, compressed equals onnxruntime on pruned', async () => {
    const file = await writeModel({ location: 'weights.bin', offset: '16', length: String(B.byteLength) });
    const x = new Tensor('float32', randn(3 * K, 11), [3, K]);
    const plain = await InferenceSession.create(file);
    const reference = await runOrt(mlp(), { X: x });
    expect((await plain.run({ X: x })).Y?.data).toEqual(reference.Y?.data);
    await plain.release();
    const result = await compress(file, { sparsity: 0.5, patterns: ['csr'] });
    const session = await InferenceSession.create(result.model);
    const out = await session.run({ X: x });
    await session.release();
    const pruned = await runOrt(result.pruned, { X: x });
    expect(relErr(out.Y?.data as Float32Array, pruned.Y?.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['a location climbing out with ..', { location: '../secret.bin', offset: '16' }, /outside/],
    ['an absolute location', { location: '/etc/passwd' }, /absolute/],
    ['a link to a file outside', { location: 'link.bin', offset: '16' }, /outside/],
    ['offset + length past the end of the file', { location: 'weights.bin', offset: '32', length: String(B.byteLength) }, /exceeds/],
    ['a length that is not the tensor size', { location: 'weights.bin', length: '8' }, /declares/],
    ['a missing file', { location: 'nothing.bin' }, /not found/],
    ['a negative offset', { location: 'weights.bin', offset: '-4' }, /not a size/],
  ];
  for (const [name, external, message] of refused) {
    it(`refuses ${name}: E_CORRUPT`, async () => {
      const file = await writeModel(external, `${name.replace(/\W+/g, '_')}.onnx`);
      // Started one at a time: a second promise made up front could reject before anything awaits it.
      for (const start of [() => InferenceSession.create(file), () => compress(file, { sparsity: 0.5, patterns: ['csr'] })]) {
        const err = await rejected(start());
        expectCode(err, 'E_CORRUPT');
        expect((err as Error).message).toMatch(message);
      }
    });
  }

  it('bytes of a model with external data: TypeError asking for its path', async () => {
    const file = await writeModel({ location: 'weights.bin', offset: '16' }, 'bytes.onnx');
    const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(file));
    expect(await rejected(InferenceSession.create(bytes))).toBeInstanceOf(TypeError);
  });
});

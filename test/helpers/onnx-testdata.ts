// ONNX's own backend test suite as Debian's libonnx-testdata ships it: each case is a folder with model.onnx
// and test_data_set_N/{input_K.pb, output_K.pb} (TensorProto). Read with onnx-proto, independent of gsparse.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;

/** Where the package puts the data (GSPARSE_ONNX_TESTDATA overrides). */
export const TESTDATA = process.env.GSPARSE_ONNX_TESTDATA ?? '/usr/share/libonnx-testdata/data';
export const HAVE_TESTDATA = existsSync(path.join(TESTDATA, 'node'));

export interface TestCase {
  name: string;
  dir: string;
}

/** Every case folder with a model.onnx under the suites given. */
export function listCases(suites: string[]): TestCase[] {
  const cases: TestCase[] = [];
  for (const suite of suites) {
    const root = path.join(TESTDATA, suite);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = path.join(root, name);
      if (existsSync(path.join(dir, 'model.onnx'))) cases.push({ name: `${suite}/${name}`, dir });
    }
  }
  return cases;
}

const T = onnx.TensorProto.DataType;
type Typed = { type: ort.Tensor.Type; make: (n: number) => { set(a: ArrayLike<number | bigint>): void } & ArrayLike<unknown>; bytes: number };
const TYPES: Partial<Record<number, Typed>> = {
  [T.FLOAT]: { type: 'float32', make: (n) => new Float32Array(n), bytes: 4 },
  [T.DOUBLE]: { type: 'float64', make: (n) => new Float64Array(n), bytes: 8 },
  [T.INT32]: { type: 'int32', make: (n) => new Int32Array(n), bytes: 4 },
  [T.INT64]: { type: 'int64', make: (n) => new BigInt64Array(n), bytes: 8 },
  [T.UINT64]: { type: 'uint64', make: (n) => new BigUint64Array(n), bytes: 8 },
  [T.UINT32]: { type: 'uint32', make: (n) => new Uint32Array(n), bytes: 4 },
  [T.INT16]: { type: 'int16', make: (n) => new Int16Array(n), bytes: 2 },
  [T.UINT16]: { type: 'uint16', make: (n) => new Uint16Array(n), bytes: 2 },
  [T.INT8]: { type: 'int8', make: (n) => new Int8Array(n), bytes: 1 },
  [T.UINT8]: { type: 'uint8', make: (n) => new Uint8Array(n), bytes: 1 },
  [T.BOOL]: { type: 'bool', make: (n) => new Uint8Array(n), bytes: 1 },
  [T.FLOAT16]: { type: 'float16', make: (n) => new Uint16Array(n), bytes: 2 },
};

/** A TensorProto as an onnxruntime Tensor, or undefined for types onnxruntime-node cannot feed. */
export function toTensor(t: OnnxTypes.ITensorProto): ort.Tensor | undefined {
  const dims = (t.dims ?? []).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataType === T.STRING) return new ort.Tensor('string', (t.stringData ?? []).map((s) => new TextDecoder().decode(s)), dims);
  const typed = TYPES[t.dataType ?? 0];
  if (!typed) return undefined;
  const data = typed.make(n);
  if (t.rawData && t.rawData.length > 0) {
    const raw = new Uint8Array(t.rawData);
    const view = new (data.constructor as new (b: ArrayBuffer) => typeof data)(raw.buffer.slice(raw.byteOffset, raw.byteOffset + n * typed.bytes));
    data.set(view as unknown as ArrayLike<number>);
  } else {
    const wide = typed.type === 'int64' || typed.type === 'uint64';
    const src = t.floatData?.length ? t.floatData : t.doubleData?.length ? t.doubleData : t.int64Data?.length ? t.int64Data
      : t.uint64Data?.length ? t.uint64Data : t.int32Data ?? [];
    data.set(Array.from(src as ArrayLike<unknown>, (v) => (wide ? BigInt(String(v)) : Number(v))) as ArrayLike<number>);
  }
  return new ort.Tensor(typed.type, data as unknown as Float32Array, dims);
}

export interface DataSet {
  inputs: OnnxTypes.TensorProto[];
  outputs: OnnxTypes.TensorProto[];
}

function readProtos(dir: string, prefix: string): OnnxTypes.TensorProto[] {
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.pb'));
  files.sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
  return files.map((f) => onnx.TensorProto.decode(readFileSync(path.join(dir, f))));
}

/** The case's model and its data sets. */
export function readCase(c: TestCase): { model: OnnxTypes.ModelProto; bytes: Uint8Array; sets: DataSet[] } {
  const bytes = new Uint8Array(readFileSync(path.join(c.dir, 'model.onnx')));
  const sets = readdirSync(c.dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => ({ inputs: readProtos(path.join(c.dir, d), 'input_'), outputs: readProtos(path.join(c.dir, d), 'output_') }));
  return { model: onnx.ModelProto.decode(bytes), bytes, sets };
}

/** The graph inputs feeds must provide (inputs that are not initializers), in order. */
export function feedNames(model: OnnxTypes.ModelProto): string[] {
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  return (model.graph?.input ?? []).map((v) => v.name ?? '').filter((n) => !inits.has(n));
}

/** ONNX's backend-test tolerance: |a - e| <= atol + rtol |e| for every element (exact for non-floats). */
export function closeTo(actual: ort.Tensor, expected: ort.Tensor, rtol = 1e-3, atol = 1e-7): boolean {
  if (actual.type !== expected.type || actual.dims.join() !== expected.dims.join()) return false;
  const a = actual.data as ArrayLike<unknown>;
  const e = expected.data as ArrayLike<unknown>;
  if (a.length !== e.length) return false;
  const float = actual.type === 'float32' || actual.type === 'float64';
  for (let i = 0; i < a.length; i++) {
    if (!float) {
      if (a[i] !== e[i]) return false;
      continue;
    }
    const x = a[i] as number;
    const y = e[i] as number;
    if (Number.isNaN(y) ? !Number.isNaN(x) : !(Math.abs(x - y) <= atol + rtol * Math.abs(y) || x === y)) return false;
  }
  return true;
}

export { onnx, ort };

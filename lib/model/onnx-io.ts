// Reads and writes ONNX models (protobuf) and checks what an untrusted file declares before anything is
// allocated from it: tensor sizes against the bytes present, external-data files inside the model's folder.
import { open, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';

import protobuf from 'protobufjs/light.js';

import { GsparseError } from '../errors.js';
import { DataType, ONNX_SCHEMA } from './onnx-schema.js';
import type { AttributeProto, GraphProto, Int64, ModelProto, TensorProto } from './onnx-types.js';

const modelType = protobuf.Root.fromJSON(ONNX_SCHEMA).lookupType('onnx.ModelProto');

/** TensorProto.data_location EXTERNAL. */
const EXTERNAL = 1;

/** Bits per element of the fixed-size data types (string and unknown types are absent). */
const ELEMENT_BITS: Record<number, number> = {
  [DataType.FLOAT]: 32, [DataType.UINT8]: 8, [DataType.INT8]: 8, [DataType.UINT16]: 16, [DataType.INT16]: 16,
  [DataType.INT32]: 32, [DataType.INT64]: 64, [DataType.BOOL]: 8, [DataType.FLOAT16]: 16, [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32, [DataType.UINT64]: 64, [DataType.COMPLEX64]: 64, [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16, [DataType.FLOAT8E4M3FN]: 8, [DataType.FLOAT8E4M3FNUZ]: 8, [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8, [DataType.UINT4]: 4, [DataType.INT4]: 4, [DataType.FLOAT4E2M1]: 4,
};

function corrupt(what: string): GsparseError {
  return new GsparseError(`ONNX model: ${what}`, 'E_CORRUPT');
}

/** An int64 field as a JS number; E_CORRUPT when it is negative or beyond 2^53. */
export function int64(v: Int64 | undefined, what: string, allowNegative = false): number {
  const n = v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n) || (!allowNegative && n < 0)) throw corrupt(`${what} is ${String(n)}, not a valid size`);
  return n;
}

/** The dims of a tensor as numbers, each checked. */
export function dimsOf(t: TensorProto): number[] {
  return (t.dims ?? []).map((d, i) => int64(d, `tensor '${t.name ?? ''}' dims[${i}]`));
}

/** Number of elements of a tensor; E_CORRUPT when the product overflows 2^53. */
export function elementCount(t: TensorProto): number {
  let n = 1;
  for (const d of dimsOf(t)) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw corrupt(`tensor '${t.name ?? ''}' has more elements than can be addressed`);
  }
  return n;
}

/** Bytes the raw data of t must hold, or undefined for variable-size types (string, unknown). */
export function expectedBytes(t: TensorProto): number | undefined {
  const bits = ELEMENT_BITS[t.dataType ?? 0];
  if (bits === undefined) return undefined;
  return Math.ceil((elementCount(t) * bits) / 8);
}

/** Calls fn on every tensor a model holds: initializers, tensor attributes, subgraphs, functions. */
export function forEachTensor(model: ModelProto, fn: (t: TensorProto) => void): void {
  const inAttribute = (a: AttributeProto): void => {
    if (a.t) fn(a.t);
    for (const t of a.tensors ?? []) fn(t);
    for (const s of [a.sparseTensor, ...(a.sparseTensors ?? [])]) {
      if (s?.values) fn(s.values);
      if (s?.indices) fn(s.indices);
    }
    if (a.g) inGraph(a.g);
    for (const g of a.graphs ?? []) inGraph(g);
  };
  const inGraph = (g: GraphProto): void => {
    for (const t of g.initializer ?? []) fn(t);
    for (const s of g.sparseInitializer ?? []) {
      if (s.values) fn(s.values);
      if (s.indices) fn(s.indices);
    }
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) inAttribute(a);
  };
  if (model.graph) inGraph(model.graph);
  for (const f of model.functions ?? []) for (const n of f.node ?? []) for (const a of n.attribute ?? []) inAttribute(a);
}

/** Checks the declared size of an in-file tensor against the bytes present. */
function checkInlineTensor(t: TensorProto): void {
  const expected = expectedBytes(t);
  if (expected === undefined || t.rawData === undefined || t.rawData.length === 0) {
    if (expected !== undefined) elementCount(t);
    return;
  }
  if (t.rawData.length !== expected)
    throw corrupt(`tensor '${t.name ?? ''}' declares ${expected} bytes of data, holds ${t.rawData.length}`);
}

/** Decodes ONNX bytes into a ModelProto; truncated, corrupt or non-ONNX bytes are GsparseError E_CORRUPT. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`model: expected a Uint8Array or a file path, got ${typeof bytes}`);
  let model: ModelProto;
  try {
    // Plain objects holding only the fields present on the wire (decoded messages answer defaults for absent
    // ones); bytes stay views of the input, int64 values stay exact (Long).
    model = modelType.toObject(modelType.decode(bytes)) as ModelProto;
  } catch (cause) {
    throw new GsparseError(`ONNX model: not a valid ModelProto (${(cause as Error).message})`, 'E_CORRUPT');
  }
  const ir = int64(model.irVersion, 'ir_version');
  if (ir < 3 || !model.graph) throw corrupt(`not an ONNX model (ir_version ${ir}, ${model.graph ? 'a' : 'no'} graph)`);
  for (const n of model.graph.node ?? [])
    if (!n.opType) throw corrupt(`node '${n.name ?? ''}' has no op_type`);
  forEachTensor(model, (t) => {
    if (t.dataLocation !== EXTERNAL) checkInlineTensor(t);
  });
  return model;
}

/** Encodes a ModelProto into ONNX bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  return modelType.encode(model as unknown as protobuf.Message).finish();
}

/** Whether any tensor of the model keeps its data in a side file. */
export function hasExternalData(model: ModelProto): boolean {
  let found = false;
  forEachTensor(model, (t) => {
    if (t.dataLocation === EXTERNAL) found = true;
  });
  return found;
}

function externalField(t: TensorProto, key: string): string | undefined {
  return t.externalData?.find((e) => e.key === key)?.value;
}

function parseSize(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw corrupt(`${what} '${text}' is not a size`);
  return Number(text);
}

/** The side file of t, refused when it is absolute or resolves (through '..' or links) outside dir. */
async function externalPath(t: TensorProto, dir: string, realDir: string): Promise<string> {
  const location = externalField(t, 'location');
  if (!location) throw corrupt(`tensor '${t.name ?? ''}' is external but names no location`);
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || location.includes('\0'))
    throw corrupt(`tensor '${t.name ?? ''}': external data location '${location}' is absolute`);
  const joined = path.resolve(dir, location);
  const real = await realpath(joined).catch(() => {
    throw corrupt(`tensor '${t.name ?? ''}': external data file '${location}' not found next to the model`);
  });
  const rel = path.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    throw corrupt(`tensor '${t.name ?? ''}': external data location '${location}' lies outside the model's folder`);
  return real;
}

/** Reads t's side-file bytes into raw_data after checking offset and length against the file. */
async function loadExternal(t: TensorProto, dir: string, realDir: string): Promise<void> {
  const file = await externalPath(t, dir, realDir);
  const expected = expectedBytes(t);
  if (expected === undefined) throw corrupt(`tensor '${t.name ?? ''}': external data of type ${t.dataType} is not supported`);
  const offset = parseSize(externalField(t, 'offset'), 'external data offset') ?? 0;
  const length = parseSize(externalField(t, 'length'), 'external data length') ?? expected;
  if (length !== expected) throw corrupt(`tensor '${t.name ?? ''}' declares ${expected} bytes, its external data ${length}`);
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (offset + length > size)
      throw corrupt(`tensor '${t.name ?? ''}': external data [${offset}, ${offset + length}) exceeds the file's ${size} bytes`);
    const data = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(data, done, length - done, offset + done);
      if (bytesRead === 0) throw corrupt(`tensor '${t.name ?? ''}': external data file ended early`);
      done += bytesRead;
    }
    t.rawData = data;
    t.dataLocation = 0;
    t.externalData = [];
  } finally {
    await handle.close();
  }
}

/** A decoded model with all of its data in memory, and where it came from. */
export interface LoadedModel {
  proto: ModelProto;
  /** The file the model was read from, when it was given as a path. */
  file?: string;
  /** The bytes as given (before external data was inlined). */
  bytes: Uint8Array;
  /** Whether the file kept tensors in side files (now loaded into proto). */
  hadExternalData: boolean;
}

/** Reads a model from bytes or a file path, loading external data (from the model's folder only). */
export async function loadModel(model: string | Uint8Array): Promise<LoadedModel> {
  if (typeof model !== 'string' && !(model instanceof Uint8Array))
    throw new TypeError(`model: expected a Uint8Array or a file path, got ${model === null ? 'null' : typeof model}`);
  const bytes = typeof model === 'string' ? new Uint8Array(await readFile(model)) : model;
  const proto = decodeModel(bytes);
  const external: TensorProto[] = [];
  forEachTensor(proto, (t) => {
    if (t.dataLocation === EXTERNAL) external.push(t);
  });
  if (external.length > 0) {
    if (typeof model !== 'string')
      throw new TypeError('model: this model keeps tensors in external data files; pass its file path instead of bytes');
    const dir = path.dirname(path.resolve(model));
    const realDir = await realpath(dir);
    for (const t of external) await loadExternal(t, dir, realDir);
  }
  return { proto, bytes, hadExternalData: external.length > 0, ...(typeof model === 'string' ? { file: model } : {}) };
}

// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
// N bytes of JSON naming each tensor's dtype, shape and data offsets (plus optional string metadata), then the
// raw little-endian data, the tensors tiling it. Read (views into the file, after every check) and write.
import { DTYPE_BYTES, isSafeDType, type SafeDType, SUPPORTED_DTYPES } from './safetensors-dtypes.js';
import { readHeader } from './safetensors-header.js';

export type { SafeDType } from './safetensors-dtypes.js';

/** One tensor of a safetensors file: its raw little-endian bytes, row-major. */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  /** product(shape) * bytes per element; a view into the file's bytes when read. */
  data: Uint8Array;
}

/** The contents of a safetensors file: tensors in the header's order, and its `__metadata__` strings. */
export interface Safetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Reads safetensors bytes (untrusted: every size is checked first, E_CORRUPT); tensor data are views of bytes. */
export function readSafetensors(bytes: Uint8Array): Safetensors {
  const header = readHeader(bytes);
  const tensors = new Map<string, SafeTensor>();
  for (const e of header.entries)
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end) });
  return { tensors, metadata: header.metadata };
}

/** Elements of a shape; RangeError naming the tensor when a dim is not a non-negative integer. */
function elementCount(name: string, shape: unknown): number {
  if (!Array.isArray(shape)) throw new TypeError(`tensors['${name}'].shape: expected an array of integers, got ${typeof shape}`);
  let count = 1;
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number') throw new TypeError(`tensors['${name}'].shape[${i}]: expected a number, got ${typeof d}`);
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`tensors['${name}'].shape[${i}]: expected a non-negative integer, got ${d}`);
    count *= d;
  });
  if (!Number.isSafeInteger(count)) throw new RangeError(`tensors['${name}'].shape: expected at most 2^53 elements, got [${shape.join(', ')}]`);
  return count;
}

function checkTensor(name: unknown, t: unknown): [string, SafeTensor] {
  if (typeof name !== 'string') throw new TypeError(`tensors: expected string names, got ${typeof name}`);
  if (name === '__metadata__') throw new RangeError(`tensors: '__metadata__' is reserved for the metadata, not a tensor name`);
  if (typeof t !== 'object' || t === null) throw new TypeError(`tensors['${name}']: expected { dtype, shape, data }, got ${t === null ? 'null' : typeof t}`);
  const { dtype, shape, data } = t as Partial<SafeTensor>;
  if (!isSafeDType(dtype)) throw new RangeError(`tensors['${name}'].dtype: expected one of ${SUPPORTED_DTYPES}, got ${String(dtype)}`);
  const count = elementCount(name, shape);
  if (!(data instanceof Uint8Array)) throw new TypeError(`tensors['${name}'].data: expected a Uint8Array, got ${typeof data}`);
  const expected = count * DTYPE_BYTES[dtype];
  if (data.length !== expected)
    throw new RangeError(`tensors['${name}'].data: expected ${expected} bytes for ${dtype} [${(shape as number[]).join(', ')}], got ${data.length}`);
  return [name, { dtype, shape: shape as number[], data }];
}

function checkMetadata(metadata: unknown): [string, string][] {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new TypeError(`metadata: expected an object of strings, got ${metadata === null ? 'null' : typeof metadata}`);
  const entries = Object.entries(metadata);
  for (const [k, v] of entries) if (typeof v !== 'string') throw new TypeError(`metadata['${k}']: expected a string, got ${typeof v}`);
  return entries as [string, string][];
}

/**
 * Writes tensors (in insertion order, data contiguous) and optional string metadata as safetensors bytes,
 * the header padded with spaces to a multiple of 8 bytes so the data starts 8-byte aligned.
 */
export function writeSafetensors(tensors: Map<string, SafeTensor> | Record<string, SafeTensor>, metadata?: Record<string, string>): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null)
    throw new TypeError(`tensors: expected a Map or an object of { dtype, shape, data }, got ${tensors === null ? 'null' : typeof tensors}`);
  const list = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).map(([name, t]) => checkTensor(name, t));
  // The JSON is assembled by hand: a tensor named '__proto__' would otherwise set an object's prototype.
  const parts: string[] = [];
  if (metadata !== undefined)
    parts.push(`"__metadata__":{${checkMetadata(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  let offset = 0;
  for (const [name, t] of list) {
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + t.data.length}]}`);
    offset += t.data.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const [, t] of list) {
    out.set(t.data, at);
    at += t.data.length;
  }
  return out;
}

// Reads and checks the header of an untrusted safetensors file before anything is allocated from it: the
// header length against the file and a 100 MiB limit, the JSON's shape, every tensor's dtype, shape and
// offsets against the bytes present, and that the tensors tile the data exactly (no overlap, no hole).
import { GsparseError } from '../errors.js';
import { DTYPE_BYTES, isSafeDType, isUnsupportedDType, type SafeDType, SUPPORTED_DTYPES } from './safetensors-dtypes.js';

/** Largest header gsparse reads (the reference implementation's limit is 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** One tensor as the header declares it; offsets are relative to the start of the data. */
export interface HeaderEntry {
  name: string;
  dtype: SafeDType;
  shape: number[];
  begin: number;
  end: number;
}

/** A checked header: tensors in the order the file lists them, metadata, and where the data starts. */
export interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

function corrupt(what: string): GsparseError {
  return new GsparseError(`safetensors: ${what}`, 'E_CORRUPT');
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * The top-level keys of valid JSON text in file order, after checking that no object repeats a key
 * (JSON.parse silently keeps the last one, so a file could show one tensor to one reader and another to the
 * next). One linear pass: a string followed by ':' is a key of the innermost object.
 */
function keysInOrder(text: string): string[] {
  const stack: (Set<string> | null)[] = [];
  const top: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      let k = j + 1;
      while (k < text.length && isSpace(text.charCodeAt(k))) k++;
      const keys = stack[stack.length - 1];
      if (keys && text.charCodeAt(k) === 0x3a) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const where = stack.length === 1 ? 'the header' : `the entry of '${top[top.length - 1] ?? ''}'`;
        if (keys.has(key)) throw corrupt(`key '${key}' appears twice in ${where}`);
        keys.add(key);
        if (stack.length === 1) top.push(key);
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b) stack.push(new Set());
    else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    i++;
  }
  return top;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'` : typeof v === 'object' ? 'an object' : String(v);
}

function checkMetadata(v: unknown): Record<string, string> {
  if (!isObject(v)) throw corrupt(`__metadata__ is ${describe(v)}, not an object of strings`);
  for (const [k, value] of Object.entries(v))
    if (typeof value !== 'string') throw corrupt(`__metadata__ '${k}' is ${describe(value)}, not a string`);
  return Object.fromEntries(Object.entries(v as Record<string, string>));
}

function checkDType(name: string, v: unknown): SafeDType {
  if (isSafeDType(v)) return v;
  if (typeof v === 'string' && isUnsupportedDType(v))
    throw new RangeError(`safetensors: tensor '${name}' has dtype ${v}, which gsparse does not support (supported: ${SUPPORTED_DTYPES})`);
  throw corrupt(`tensor '${name}' has dtype ${describe(v)}, not a known dtype (${SUPPORTED_DTYPES})`);
}

/** The shape and its element count (E_CORRUPT for a dim that is not a non-negative safe integer, or an overflow). */
function checkShape(name: string, v: unknown): { shape: number[]; count: number } {
  if (!Array.isArray(v)) throw corrupt(`tensor '${name}' has shape ${describe(v)}, not an array`);
  let count = 1;
  v.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      throw corrupt(`tensor '${name}' shape[${i}] is ${describe(d)}, not a non-negative integer`);
    count *= d;
    if (!Number.isSafeInteger(count)) throw corrupt(`tensor '${name}' has more elements than can be addressed`);
  });
  return { shape: v as number[], count };
}

function checkEntry(name: string, v: unknown, dataLength: number): HeaderEntry {
  if (!isObject(v)) throw corrupt(`tensor '${name}' is ${describe(v)}, not an object with dtype, shape and data_offsets`);
  const dtype = checkDType(name, v.dtype);
  const { shape, count } = checkShape(name, v.shape);
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2)
    throw corrupt(`tensor '${name}' has data_offsets ${describe(offsets)}, not [begin, end]`);
  const [begin, end] = offsets as unknown[];
  for (const [what, o] of [['begin', begin], ['end', end]] as const)
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0)
      throw corrupt(`tensor '${name}' data_offsets ${what} is ${describe(o)}, not a non-negative integer`);
  const b = begin as number;
  const e = end as number;
  if (b > e) throw corrupt(`tensor '${name}' has data_offsets [${b}, ${e}]: begin after end`);
  if (e > dataLength) throw corrupt(`tensor '${name}' has data_offsets [${b}, ${e}] beyond the ${dataLength} bytes of data`);
  const bytes = count * DTYPE_BYTES[dtype];
  if (e - b !== bytes)
    throw corrupt(`tensor '${name}' (${dtype} [${shape.join(', ')}]) needs ${bytes} bytes, its data_offsets [${b}, ${e}] hold ${e - b}`);
  return { name, dtype, shape: [...shape], begin: b, end: e };
}

/** Checks that the tensors tile [0, dataLength) exactly, as the format requires: no overlap, no hole. */
function checkTiling(entries: HeaderEntry[], dataLength: number): void {
  const sorted = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let covered = 0;
  let previous = '';
  for (const t of sorted) {
    if (t.begin < covered) throw corrupt(`tensor '${t.name}' [${t.begin}, ${t.end}) overlaps tensor '${previous}' (which ends at ${covered})`);
    if (t.begin > covered) throw corrupt(`bytes [${covered}, ${t.begin}) of the data belong to no tensor (a hole before '${t.name}')`);
    covered = t.end;
    previous = t.name;
  }
  if (covered !== dataLength) throw corrupt(`bytes [${covered}, ${dataLength}) of the data belong to no tensor (a hole at the end)`);
}

/** Parses and checks the header of a safetensors file; E_CORRUPT naming the tensor and the problem. */
export function readHeader(bytes: Uint8Array): Header {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 8) throw corrupt(`${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8))
    throw corrupt(`header length ${declared} exceeds the ${bytes.length - 8} bytes after the length`);
  if (declared > BigInt(MAX_HEADER_BYTES)) throw corrupt(`header length ${declared} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const headerLength = Number(declared);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw corrupt('header is not valid UTF-8');
  }
  if (text[0] !== '{') throw corrupt(`header does not start with '{' (a JSON object)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw corrupt(`header is not valid JSON (${(cause as Error).message})`);
  }
  if (!isObject(parsed)) throw corrupt(`header is ${describe(parsed)}, not a JSON object`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const name of keysInOrder(text)) {
    if (name === '__metadata__') metadata = checkMetadata(parsed[name]);
    else entries.push(checkEntry(name, parsed[name], dataLength));
  }
  checkTiling(entries, dataLength);
  return { entries, metadata, dataStart };
}

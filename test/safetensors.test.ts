// safetensors read / write: files assembled byte by byte here (header JSON and little-endian data written by
// hand, never with gsparse's writer) parse to the right tensors; hand-worked F16 / BF16 bit patterns; write ->
// read roundtrips; every malformed input is E_CORRUPT (naming the tensor) without a large allocation.
import { describe, expect, it } from 'vitest';

import {
  float32ToTensor, GsparseError, readSafetensors, type SafeTensor, tensorToFloat32, writeSafetensors,
} from '../lib/index.js';
import { f16round, randn } from './helpers/reference.js';
import { thrown } from './helpers/util.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A file: u64 LE header length (declared, or the header's own), the header bytes, the data. */
function file(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), declared?: bigint): Uint8Array {
  const h = typeof header === 'string' ? utf8(header) : header;
  const out = new Uint8Array(8 + h.length + data.length);
  let n = declared ?? BigInt(h.length);
  for (let i = 0; i < 8; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Little-endian bytes of values written one by one with DataView. */
function le(kind: 'f32' | 'f64' | 'i32' | 'i64' | 'u16', values: (number | bigint)[]): Uint8Array {
  const size = { f32: 4, f64: 8, i32: 4, i64: 8, u16: 2 }[kind];
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (kind === 'f32') dv.setFloat32(i * size, v as number, true);
    else if (kind === 'f64') dv.setFloat64(i * size, v as number, true);
    else if (kind === 'i32') dv.setInt32(i * size, v as number, true);
    else if (kind === 'i64') dv.setBigInt64(i * size, v as bigint, true);
    else dv.setUint16(i * size, v as number, true);
  });
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function expectCorrupt(fn: () => unknown, message?: RegExp): void {
  const e = thrown(fn);
  expect(e, 'expected a GsparseError').toBeInstanceOf(GsparseError);
  expect((e as GsparseError).code).toBe('E_CORRUPT');
  if (message) expect((e as Error).message).toMatch(message);
}

function halfTensor(bits: number[], dtype: 'F16' | 'BF16' = 'F16'): SafeTensor {
  return { dtype, shape: [bits.length], data: le('u16', bits) };
}

function bitsOf(t: SafeTensor): number[] {
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Array.from({ length: t.data.length / 2 }, (_, i) => dv.getUint16(2 * i, true));
}

describe('readSafetensors on hand-built files', () => {
  const f32 = [1.5, -2, 0.25, 3e-3, 1e6, -0];
  const data = concat(
    le('f32', f32), // w: [0, 24)
    le('i64', [-3n, 2n ** 40n]), // step: [24, 40)
    new Uint8Array([7, 0, 255]), // u8: [40, 43)
    new Uint8Array([1, 0]), // flags: [43, 45)
    new Uint8Array([0x80, 0x7f]), // i8: [45, 47)
    le('u16', [0x3c00, 0xc100]), // h: [47, 51)
    le('u16', [0x3f80]), // b: [51, 53)
    le('f64', [Math.PI]), // d: [53, 61)
    le('i32', [-7]), // n: [61, 65)
  );
  const header = JSON.stringify({
    __metadata__: { format: 'pt', note: 'π' },
    w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    step: { dtype: 'I64', shape: [2], data_offsets: [24, 40] },
    u8: { dtype: 'U8', shape: [3], data_offsets: [40, 43] },
    flags: { dtype: 'BOOL', shape: [2], data_offsets: [43, 45] },
    i8: { dtype: 'I8', shape: [2, 1], data_offsets: [45, 47] },
    h: { dtype: 'F16', shape: [2], data_offsets: [47, 51] },
    b: { dtype: 'BF16', shape: [], data_offsets: [51, 53] },
    d: { dtype: 'F64', shape: [1, 1], data_offsets: [53, 61] },
    n: { dtype: 'I32', shape: [1], data_offsets: [61, 65] },
  });
  const bytes = file(header, data);

  it('gives every tensor its dtype, shape and bytes, in header order, and the metadata', () => {
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'π' });
    expect([...tensors.keys()]).toEqual(['w', 'step', 'u8', 'flags', 'i8', 'h', 'b', 'd', 'n']);
    const w = tensors.get('w') as SafeTensor;
    expect(w.dtype).toBe('F32');
    expect(w.shape).toEqual([2, 3]);
    expect(Array.from(tensorToFloat32(w))).toEqual(f32.map(Math.fround));
    expect(Object.is(tensorToFloat32(w)[5], -0)).toBe(true);
    const step = tensors.get('step') as SafeTensor;
    expect([step.dtype, step.shape]).toEqual(['I64', [2]]);
    const dv = new DataView(step.data.buffer, step.data.byteOffset, step.data.byteLength);
    expect([dv.getBigInt64(0, true), dv.getBigInt64(8, true)]).toEqual([-3n, 2n ** 40n]);
    expect(Array.from(tensors.get('u8')?.data ?? [])).toEqual([7, 0, 255]);
    expect(tensors.get('flags')?.dtype).toBe('BOOL');
    expect(tensors.get('i8')?.shape).toEqual([2, 1]);
    expect(Array.from(tensorToFloat32(tensors.get('h') as SafeTensor))).toEqual([1, -2.5]);
    const b = tensors.get('b') as SafeTensor;
    expect(b.shape).toEqual([]);
    expect(Array.from(tensorToFloat32(b))).toEqual([1]);
    expect(Array.from(tensorToFloat32(tensors.get('d') as SafeTensor))).toEqual([Math.fround(Math.PI)]);
    expect(tensors.get('n')?.data.length).toBe(4);
  });

  it('returns views into the file, and reads a Buffer (pool offset, unaligned data) the same', () => {
    const { tensors } = readSafetensors(bytes);
    expect(tensors.get('w')?.data.buffer).toBe(bytes.buffer);
    const buf = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3); // data at an odd address
    const again = readSafetensors(buf);
    expect(Array.from(tensorToFloat32(again.tensors.get('w') as SafeTensor))).toEqual(f32.map(Math.fround));
    expect(Array.from(tensorToFloat32(again.tensors.get('h') as SafeTensor))).toEqual([1, -2.5]);
    expect(Array.from(tensorToFloat32(again.tensors.get('d') as SafeTensor))).toEqual([Math.fround(Math.PI)]);
  });

  it('tensorToFloat32 copies: changing its result leaves the file alone', () => {
    const { tensors } = readSafetensors(bytes);
    const w = tensorToFloat32(tensors.get('w') as SafeTensor);
    w[0] = 99;
    expect(tensorToFloat32(readSafetensors(bytes).tensors.get('w') as SafeTensor)[0]).toBe(1.5);
  });

  it('reads a header padded with trailing spaces (data 8-byte aligned), and an empty file {}', () => {
    const json = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = json + ' '.repeat(8 - (json.length % 8) + 8);
    const { tensors } = readSafetensors(file(padded, le('f32', [4, -5])));
    expect(Array.from(tensorToFloat32(tensors.get('x') as SafeTensor))).toEqual([4, -5]);
    const empty = readSafetensors(file('{}'));
    expect(empty.tensors.size).toBe(0);
    expect(empty.metadata).toEqual({});
  });

  it('accepts zero-element tensors anywhere in the tiling', () => {
    const h = '{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"z":{"dtype":"I64","shape":[0],"data_offsets":[4,4]}}';
    const { tensors } = readSafetensors(file(h, le('f32', [2])));
    expect(tensors.get('e')?.shape).toEqual([0, 3]);
    expect(tensors.get('e')?.data.length).toBe(0);
    expect(Array.from(tensorToFloat32(tensors.get('x') as SafeTensor))).toEqual([2]);
  });
});

describe('F16 and BF16 values', () => {
  it('F16 bit patterns read as hand-worked values', () => {
    const bits = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x8000, 0x3555];
    const expected = [1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity, -0, 0.333251953125];
    const got = Array.from(tensorToFloat32(halfTensor(bits)));
    expect(got).toEqual(expected);
    expect(Object.is(got[8], -0)).toBe(true);
    const nan = tensorToFloat32(halfTensor([0x7e00, 0xfc01, 0x7c01]));
    expect(Array.from(nan).every(Number.isNaN)).toBe(true);
  });

  it('BF16 bit patterns read as hand-worked values', () => {
    const got = Array.from(tensorToFloat32(halfTensor([0x3f80, 0xc020, 0x7f80, 0xff80, 0x0001, 0x4049, 0x8000], 'BF16')));
    expect(got).toEqual([1, -2.5, Infinity, -Infinity, 2 ** -133, 3.140625, -0]);
    expect(Number.isNaN(tensorToFloat32(halfTensor([0x7fc0], 'BF16'))[0])).toBe(true);
  });

  it('float32ToTensor F16 rounds to nearest even, at the edges too', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2.5, 0xc100], [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [1e9, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001], [3 * 2 ** -25, 0x0002], [5 * 2 ** -25, 0x0002],
      [2 ** -14, 0x0400], [2 ** -14 - 2 ** -25, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
      [-0, 0x8000], [1e-10, 0x0000], [0.1, 0x2e66],
    ];
    const t = float32ToTensor(Float32Array.from(cases.map((c) => c[0])), [cases.length], 'F16');
    expect(t.dtype).toBe('F16');
    expect(bitsOf(t).map((b) => b.toString(16))).toEqual(cases.map((c) => c[1].toString(16)));
    const nan = bitsOf(float32ToTensor(Float32Array.of(NaN), [1], 'F16'))[0] as number;
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('float32ToTensor F16 agrees with an independent fp16 rounding on random values of every scale', () => {
    const v = randn(4096, 11).map((x, i) => x * 2 ** ((i % 40) - 28));
    const back = tensorToFloat32(float32ToTensor(v, [64, 64], 'F16'));
    for (let i = 0; i < v.length; i++) expect(back[i], `value ${v[i]}`).toBe(f16round(v[i] as number));
  });

  it('every F16 bit pattern survives F16 -> float32 -> F16', () => {
    const bits = Array.from({ length: 65536 }, (_, i) => i);
    const back = bitsOf(float32ToTensor(tensorToFloat32(halfTensor(bits)), [65536], 'F16'));
    for (let h = 0; h < 65536; h++) {
      const isNan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNan && back[h] !== h) expect(back[h], `0x${h.toString(16)}`).toBe(h);
    }
  });

  it('float32ToTensor BF16 rounds to nearest even', () => {
    const cases: [number, number][] = [
      [1, 0x3f80], [-2.5, 0xc020], [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [1 + 2 ** -8 + 2 ** -20, 0x3f81],
      [Math.PI, 0x4049], [3.4028234663852886e38, 0x7f80], [Infinity, 0x7f80], [-0, 0x8000],
    ];
    const t = float32ToTensor(Float32Array.from(cases.map((c) => c[0])), [cases.length], 'BF16');
    expect(bitsOf(t).map((b) => b.toString(16))).toEqual(cases.map((c) => c[1].toString(16)));
    expect(Number.isNaN(tensorToFloat32(float32ToTensor(Float32Array.of(NaN), [1], 'BF16'))[0])).toBe(true);
  });

  it('float32ToTensor checks its arguments', () => {
    expect(thrown(() => float32ToTensor([1, 2] as never, [2], 'F32'))).toBeInstanceOf(TypeError);
    expect(thrown(() => float32ToTensor(new Float32Array(6), [2, 2], 'F32'))).toBeInstanceOf(RangeError);
    expect(thrown(() => float32ToTensor(new Float32Array(2), [2], 'F8' as never))).toBeInstanceOf(RangeError);
    expect(thrown(() => tensorToFloat32({ dtype: 'I64', shape: [1], data: new Uint8Array(8) }))).toBeInstanceOf(RangeError);
  });
});

describe('writeSafetensors', () => {
  const tensors = new Map<string, SafeTensor>([
    ['layer.0.weight', float32ToTensor(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3], 'F32')],
    ['half', float32ToTensor(Float32Array.of(0.5, -1), [2], 'F16')],
    ['ids', { dtype: 'I64', shape: [3], data: le('i64', [1n, -1n, 2n ** 50n]) }],
    ['mask', { dtype: 'BOOL', shape: [1, 3], data: new Uint8Array([1, 0, 1]) }],
    ['__proto__', { dtype: 'U8', shape: [1], data: new Uint8Array([42]) }],
    ['ünïcode', { dtype: 'I8', shape: [], data: new Uint8Array([0xff]) }],
  ]);

  it('writes a header padded with spaces to 8 bytes and the data contiguous in insertion order', () => {
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(dv.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeGreaterThan(n - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
    expect(header.__metadata__).toEqual({ format: 'pt' });
    let at = 0;
    for (const [name, t] of tensors) {
      const entry = Object.getOwnPropertyDescriptor(header, name)?.value as { dtype: string; shape: number[]; data_offsets: number[] };
      expect(entry, name).toEqual({ dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.data.length] });
      expect(Array.from(bytes.subarray(8 + n + at, 8 + n + at + t.data.length)), name).toEqual(Array.from(t.data));
      at += t.data.length;
    }
    expect(bytes.length).toBe(8 + n + at);
  });

  it('write -> read gives back every tensor and the metadata', () => {
    const back = readSafetensors(writeSafetensors(tensors, { a: '1', b: 'two' }));
    expect(back.metadata).toEqual({ a: '1', b: 'two' });
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const r = back.tensors.get(name) as SafeTensor;
      expect([r.dtype, r.shape, Array.from(r.data)], name).toEqual([t.dtype, t.shape, Array.from(t.data)]);
    }
    const fromRecord = readSafetensors(writeSafetensors({ x: tensors.get('half') as SafeTensor }));
    expect(Array.from(tensorToFloat32(fromRecord.tensors.get('x') as SafeTensor))).toEqual([0.5, -1]);
    expect(fromRecord.metadata).toEqual({});
  });

  it('refuses wrong arguments: TypeError for types, RangeError for values', () => {
    const ok = tensors.get('half') as SafeTensor;
    expect(thrown(() => writeSafetensors(null as never))).toBeInstanceOf(TypeError);
    expect(thrown(() => writeSafetensors({ x: { ...ok, data: [1, 2] as never } }))).toBeInstanceOf(TypeError);
    expect(thrown(() => writeSafetensors({ x: { ...ok, shape: 'ab' as never } }))).toBeInstanceOf(TypeError);
    expect(thrown(() => writeSafetensors({ x: ok }, { k: 1 as never }))).toBeInstanceOf(TypeError);
    expect(thrown(() => writeSafetensors({ x: { ...ok, dtype: 'F33' as never } }))).toBeInstanceOf(RangeError);
    expect(thrown(() => writeSafetensors({ x: { ...ok, shape: [3] } }))).toBeInstanceOf(RangeError);
    expect(thrown(() => writeSafetensors({ x: { ...ok, shape: [-2, -1] } }))).toBeInstanceOf(RangeError);
    expect(thrown(() => writeSafetensors({ __metadata__: ok }))).toBeInstanceOf(RangeError);
  });
});

describe('malformed files: E_CORRUPT before anything large is allocated', () => {
  const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
  const one = (name: string, e: unknown, data: Uint8Array, extra: Record<string, unknown> = {}) =>
    file(JSON.stringify({ ...extra, [name]: e }), data);

  it('fewer than 8 bytes', () => {
    expectCorrupt(() => readSafetensors(new Uint8Array(0)), /too short/);
    expectCorrupt(() => readSafetensors(new Uint8Array(7)), /too short/);
  });

  it('a header length beyond the file, 2^53, 2^64 - 1 or over 100 MiB', () => {
    const arrays = process.memoryUsage().arrayBuffers;
    expectCorrupt(() => readSafetensors(file('{}', new Uint8Array(0), 3n)), /exceeds/);
    expectCorrupt(() => readSafetensors(file('{}', new Uint8Array(0), 2n ** 53n)), /header length 9007199254740992 exceeds/);
    expectCorrupt(() => readSafetensors(file('{}', new Uint8Array(0), 2n ** 64n - 1n)), /exceeds/);
    expectCorrupt(() => readSafetensors(file('{}', new Uint8Array(64), 90n * 2n ** 20n)), /exceeds/);
    expect(process.memoryUsage().arrayBuffers - arrays).toBeLessThan(16 * 2 ** 20);
    // A file that does hold a header of more than 100 MiB (zero pages: not touched before the check)
    const huge = new Uint8Array(101 * 2 ** 20 + 8);
    huge.set(file('', new Uint8Array(0), 101n * 2n ** 20n).subarray(0, 8));
    expectCorrupt(() => readSafetensors(huge), /limit/);
  });

  it('a header that is not UTF-8, not JSON, or not an object', () => {
    expectCorrupt(() => readSafetensors(file(new Uint8Array([0x7b, 0xff, 0x7d]))), /UTF-8/);
    expectCorrupt(() => readSafetensors(file('{"a": ')), /not valid JSON/);
    expectCorrupt(() => readSafetensors(file('{} trailing')), /not valid JSON/);
    expectCorrupt(() => readSafetensors(file('[1, 2]')), /\{/);
    expectCorrupt(() => readSafetensors(file('"x"')), /\{/);
    expectCorrupt(() => readSafetensors(file('')), /\{/);
    expectCorrupt(() => readSafetensors(file('\uFEFF{}')), /\{/); // a byte order mark is not '{'
  });

  it('entries that are not objects, unknown dtypes (unsupported ones are a RangeError)', () => {
    expectCorrupt(() => readSafetensors(file('{"w": 3}')), /'w'.*not an object/);
    expectCorrupt(() => readSafetensors(one('w', entry('F33', [1], [0, 4]), new Uint8Array(4))), /'w'.*F33.*not a known dtype/);
    expectCorrupt(() => readSafetensors(one('w', entry(7 as never, [1], [0, 4]), new Uint8Array(4))), /'w'.*dtype/);
    const e = thrown(() => readSafetensors(one('w', entry('F4', [2], [0, 1]), new Uint8Array(1))));
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/'w'.*F4.*not support/);
  });

  it('shapes that are not arrays of non-negative integers, or too large to address', () => {
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [-1], [0, 4]), new Uint8Array(4))), /'w' shape\[0\] is -1/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [1.5], [0, 4]), new Uint8Array(4))), /'w' shape\[0\] is 1.5/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', ['1'], [0, 4]), new Uint8Array(4))), /'w' shape/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', 4, [0, 4]), new Uint8Array(4))), /'w' has shape 4/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [2 ** 26, 2 ** 26, 2 ** 26], [0, 4]), new Uint8Array(4))), /'w'.*addressed/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [2 ** 60], [0, 4]), new Uint8Array(4))), /'w' shape\[0\]/);
  });

  it('offsets that are malformed, beyond the data or the wrong size for the shape', () => {
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [1], [0, 8]), new Uint8Array(4))), /'w'.*beyond the 4 bytes/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [1], [8, 4]), new Uint8Array(8))), /'w'.*begin after end/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [1], [0]), new Uint8Array(4))), /'w'.*data_offsets/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [1], [-4, 0]), new Uint8Array(4))), /'w'.*begin/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [1], [0, 2 ** 60]), new Uint8Array(4))), /'w'.*end/);
    expectCorrupt(() => readSafetensors(one('w', { dtype: 'F32', shape: [1] }, new Uint8Array(4))), /'w'.*data_offsets/);
    expectCorrupt(() => readSafetensors(one('w', entry('F32', [3], [0, 8]), new Uint8Array(8))), /'w'.*needs 12 bytes.*hold 8/);
    expectCorrupt(() => readSafetensors(one('w', entry('F16', [2, 2], [0, 16]), new Uint8Array(16))), /'w'.*needs 8 bytes/);
  });

  it('overlapping tensors, and holes at the start, in the middle and at the end', () => {
    const h = (a: number[], b: number[]) =>
      JSON.stringify({ a: entry('F32', [(a[1]! - a[0]!) / 4], a), b: entry('F32', [(b[1]! - b[0]!) / 4], b) });
    expectCorrupt(() => readSafetensors(file(h([0, 8], [4, 12]), new Uint8Array(12))), /'b'.*overlaps tensor 'a'/);
    expectCorrupt(() => readSafetensors(file(h([0, 8], [0, 8]), new Uint8Array(8))), /overlaps/);
    expectCorrupt(() => readSafetensors(file(h([0, 4], [8, 12]), new Uint8Array(12))), /\[4, 8\).*hole before 'b'/);
    expectCorrupt(() => readSafetensors(file(h([4, 8], [8, 12]), new Uint8Array(12))), /\[0, 4\).*hole before 'a'/);
    expectCorrupt(() => readSafetensors(file(h([0, 4], [4, 8]), new Uint8Array(12))), /\[8, 12\).*hole at the end/);
    const inside = JSON.stringify({ a: entry('F32', [2], [0, 8]), z: entry('F32', [0], [4, 4]) });
    expectCorrupt(() => readSafetensors(file(inside, new Uint8Array(8))), /'z'.*overlaps/);
  });

  it('metadata that is not an object of strings', () => {
    const ok = entry('U8', [1], [0, 1]);
    expectCorrupt(() => readSafetensors(one('w', ok, new Uint8Array(1), { __metadata__: { k: 1 } })), /__metadata__ 'k' is 1, not a string/);
    expectCorrupt(() => readSafetensors(one('w', ok, new Uint8Array(1), { __metadata__: { k: null } })), /__metadata__ 'k'/);
    expectCorrupt(() => readSafetensors(one('w', ok, new Uint8Array(1), { __metadata__: ['x'] })), /__metadata__/);
    expectCorrupt(() => readSafetensors(one('w', ok, new Uint8Array(1), { __metadata__: 'x' })), /__metadata__/);
  });

  it('keys that appear twice (JSON.parse would keep the last silently)', () => {
    const dup = '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    expectCorrupt(() => readSafetensors(file(dup, new Uint8Array(1))), /'w' appears twice in the header/);
    const inner = '{"w":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}';
    expectCorrupt(() => readSafetensors(file(inner, new Uint8Array(1))), /'dtype' appears twice in the entry of 'w'/);
    const escaped = '{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0077":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    expectCorrupt(() => readSafetensors(file(escaped, new Uint8Array(1))), /'w' appears twice/);
    // the same key in different objects, and key-like strings inside values, are fine
    const fine = '{"__metadata__":{"w":"a \\"b\\": c","x":"{"},"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    expect(readSafetensors(file(fine, new Uint8Array(1))).metadata).toEqual({ w: 'a "b": c', x: '{' });
  });

  it('a non-Uint8Array is a TypeError', () => {
    expect(thrown(() => readSafetensors('abc' as never))).toBeInstanceOf(TypeError);
    expect(thrown(() => readSafetensors(new Float32Array(4) as never))).toBeInstanceOf(TypeError);
  });
});

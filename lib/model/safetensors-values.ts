// Float tensors of safetensors files to and from Float32Array: F32 / F64 as is (F64 rounded), F16 and BF16
// converted bit by bit (subnormals, infinities and NaN kept; float32 -> 16 bits rounds to nearest even).
// Data is little-endian, as on every host gsparse's addon builds for, so typed-array views read it directly.
import type { SafeDType, SafeTensor } from './safetensors.js';

/** The float dtypes tensorToFloat32 reads. */
export type SafeFloatDType = 'F32' | 'F16' | 'BF16' | 'F64';

const BYTES: Record<SafeFloatDType, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

let halfTable: Float32Array | undefined;

/** float32 value of an IEEE binary16 bit pattern. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** All 65536 binary16 values as float32 (256 KiB, built on first use). */
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a number (taken as float32 first), rounded to nearest even; overflow gives infinity. */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // inf, NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // binary16 subnormal: (mant | implicit 1) * 2^(e - 14) units of 2^-24; below half the smallest one, zero
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1) !== 0)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++; // a carry moves into the exponent (or to infinity), as it should
  return sign | h;
}

/** bfloat16 bits of a number (taken as float32 first), rounded to nearest even; NaN stays NaN. */
export function floatToBf16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** data as a typed array of its element width, viewing it when aligned and copying it when not. */
function aligned<T>(data: Uint8Array, bytes: number, Ctor: new (b: ArrayBuffer, offset: number, length: number) => T): T {
  const src = data.byteOffset % bytes === 0 ? data : new Uint8Array(data); // a copy (Buffer.slice would be a view)
  return new Ctor(src.buffer as ArrayBuffer, src.byteOffset, src.length / bytes);
}

function checkTensor(t: unknown): SafeTensor & { dtype: SafeFloatDType } {
  if (typeof t !== 'object' || t === null) throw new TypeError(`tensor: expected { dtype, shape, data }, got ${t === null ? 'null' : typeof t}`);
  const { dtype, data } = t as Partial<SafeTensor>;
  if (!(data instanceof Uint8Array)) throw new TypeError(`tensor.data: expected a Uint8Array, got ${typeof data}`);
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) throw new RangeError(`tensor.dtype: expected F32, F16, BF16 or F64, got ${String(dtype)}`);
  if (data.length % BYTES[dtype as SafeFloatDType] !== 0)
    throw new RangeError(`tensor.data: expected a multiple of ${BYTES[dtype as SafeFloatDType]} bytes for ${dtype}, got ${data.length}`);
  return t as SafeTensor & { dtype: SafeFloatDType };
}

/** The values of an F32 / F16 / BF16 / F64 tensor as a new Float32Array (never a view of the file; F64 rounded). */
export function tensorToFloat32(t: SafeTensor): Float32Array {
  const { dtype, data } = checkTensor(t);
  if (dtype === 'F32') return new Float32Array(new Uint8Array(data).buffer);
  if (dtype === 'F64') return Float32Array.from(aligned(data, 8, Float64Array));
  const bits = aligned(data, 2, Uint16Array);
  const out = new Float32Array(bits.length);
  if (dtype === 'F16') {
    const table = halves();
    for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] as number] as number;
  } else {
    const wide = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) wide[i] = (bits[i] as number) << 16;
  }
  return out;
}

/** A tensor of the given dtype holding values (F16 / BF16 rounded to nearest even), e.g. to write with writeSafetensors. */
export function float32ToTensor(values: Float32Array, shape: number[], dtype: 'F32' | 'F16' | 'BF16'): SafeTensor {
  if (!(values instanceof Float32Array)) throw new TypeError(`values: expected a Float32Array, got ${typeof values}`);
  if (!Array.isArray(shape)) throw new TypeError(`shape: expected an array of integers, got ${typeof shape}`);
  let count = 1;
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new RangeError(`shape: expected non-negative integers, got [${shape.join(', ')}]`);
    count *= d;
  }
  if (count !== values.length) throw new RangeError(`values: expected ${count} values for shape [${shape.join(', ')}], got ${values.length}`);
  if (dtype === 'F32') return { dtype, shape: [...shape], data: new Uint8Array(values.slice().buffer) };
  if (dtype !== 'F16' && dtype !== 'BF16') throw new RangeError(`dtype: expected 'F32', 'F16' or 'BF16', got ${String(dtype)}`);
  const convert = dtype === 'F16' ? floatToHalfBits : floatToBf16Bits;
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = convert(values[i] as number);
  return { dtype: dtype as SafeDType, shape: [...shape], data: new Uint8Array(bits.buffer) };
}

// The element types of safetensors files: which gsparse reads and writes, and the bytes of one element.

/** safetensors element types with whole-byte elements: the ones gsparse reads and writes (data kept as bytes). */
export type SafeDType =
  | 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2'
  | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** Bytes per element of each supported dtype. */
export const DTYPE_BYTES: Readonly<Record<SafeDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};

/**
 * dtypes the safetensors format defines that gsparse does not read: sub-byte elements (F4, F6) and types no
 * gsparse path uses. A file holding one is valid but unsupported (RangeError), not corrupt.
 */
const DEFINED_UNSUPPORTED: ReadonlySet<string> = new Set(['F4', 'F6_E2M3', 'F6_E3M2', 'F8_E8M0', 'C64']);

/** Whether s names a dtype gsparse reads and writes. */
export function isSafeDType(s: unknown): s is SafeDType {
  return typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s);
}

/** Whether s is a dtype of the format that gsparse does not support (as opposed to an unknown name). */
export function isUnsupportedDType(s: string): boolean {
  return DEFINED_UNSUPPORTED.has(s);
}

/** The supported dtypes, for messages. */
export const SUPPORTED_DTYPES = Object.keys(DTYPE_BYTES).join(', ');

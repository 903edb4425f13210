// compressWeights(): prunes every 2-D float tensor of a safetensors weights file and returns the pruned
// weights, their masks (for fine-tuning elsewhere, e.g. PyTorch) and the packed layers, all as safetensors.
import { readFile } from 'node:fs/promises';

import { pack } from '../index.js';
import type { DType } from '../native.js';
import { parsePattern, patternToString, type Pattern } from '../pattern.js';
import { readSafetensors, type SafeTensor, writeSafetensors } from './safetensors.js';
import { tensorToFloat32 } from './safetensors-values.js';

/** Options of compressWeights(). */
export interface CompressWeightsOptions {
  /** Target fraction of zeros of each pruned tensor in [0, 1) (N:M patterns have their own). */
  sparsity: number;
  pattern: string | Pattern;
  /** Only tensors whose name matches. */
  include?: RegExp;
  /** Not tensors whose name matches. */
  exclude?: RegExp;
  /** Storage of the packed layers (default 'f32'); `pruned` keeps each tensor's own dtype. */
  dtype?: DType;
  onProgress?: (p: { done: number; total: number; tensor: string }) => void;
}

/** What compressWeights() did to one tensor of the file. */
export interface WeightReport {
  name: string;
  dtype: string;
  shape: number[];
  /** Why the tensor was copied unchanged; absent when it was pruned. */
  skipped?: string;
  pattern?: string;
  /** Fraction of zeros after pruning. */
  sparsity?: number;
  nnz?: number;
  /** Bytes of the tensor in the file. */
  bytesBefore?: number;
  /** Bytes of its packed layer in `packed` (SparseMatrix.serialize()). */
  bytesAfter?: number;
}

/** compressWeights()'s result: three safetensors files and a report per tensor. */
export interface CompressWeightsResult {
  /** The input with pruned weights set to zero (each tensor in its own dtype; others and metadata unchanged). */
  pruned: Uint8Array;
  /** U8 tensors, same names and shapes as the pruned ones: 1 where a weight is kept. */
  masks: Uint8Array;
  /** U8 1-D tensors, same names: each layer's SparseMatrix.serialize() bytes. */
  packed: Uint8Array;
  layers: WeightReport[];
}

const FLOATS = new Set(['F32', 'F16', 'BF16']);

function checkOptions(opts: unknown): CompressWeightsOptions & { parsed: Pattern } {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with sparsity and pattern');
  const o = opts as CompressWeightsOptions;
  if (typeof o.sparsity !== 'number') throw new TypeError(`opts.sparsity: expected a number, got ${typeof o.sparsity}`);
  if (!(o.sparsity >= 0 && o.sparsity < 1)) throw new RangeError(`opts.sparsity: expected a number in [0, 1), got ${o.sparsity}`);
  for (const key of ['include', 'exclude'] as const)
    if (o[key] !== undefined && !(o[key] instanceof RegExp)) throw new TypeError(`opts.${key}: expected a RegExp`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('opts.onProgress: expected a function');
  return { ...o, parsed: parsePattern(o.pattern) };
}

/** Why a tensor is left unchanged, or undefined when it is pruned. */
function skipReason(name: string, t: SafeTensor, o: CompressWeightsOptions): string | undefined {
  if ((o.include && !o.include.test(name)) || (o.exclude && o.exclude.test(name))) return 'excluded by include / exclude';
  if (!FLOATS.has(t.dtype)) return `not a float tensor (${t.dtype}; F32, F16 and BF16 are pruned)`;
  if (t.shape.length !== 2) return `not 2-D (shape [${t.shape.join(', ')}])`;
  if (t.shape[0] === 0 || t.shape[1] === 0) return 'empty';
  return undefined;
}

/** t's bytes with every element whose mask is 0 set to zero bytes (kept elements bit-identical). */
function zeroed(t: SafeTensor, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(t.data);
  const size = t.data.length / mask.length;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) for (let k = i * size; k < (i + 1) * size; k++) out[k] = 0;
  return out;
}

/**
 * Prunes every 2-D F32 / F16 / BF16 tensor of a safetensors file (W as [rows, cols], e.g. nn.Linear's [out, in])
 * to the pattern, and returns the pruned weights, the masks and the packed layers as safetensors, with a report.
 */
export async function compressWeights(weights: Uint8Array | string, opts: CompressWeightsOptions): Promise<CompressWeightsResult> {
  if (typeof weights !== 'string' && !(weights instanceof Uint8Array))
    throw new TypeError(`weights: expected a Uint8Array or a file path, got ${weights === null ? 'null' : typeof weights}`);
  const o = checkOptions(opts);
  const bytes = typeof weights === 'string' ? new Uint8Array(await readFile(weights)) : weights;
  const file = readSafetensors(bytes);
  const dtype = o.dtype ?? 'f32';
  const pattern = patternToString(o.parsed);
  const pruned = new Map<string, SafeTensor>();
  const masks = new Map<string, SafeTensor>();
  const packed = new Map<string, SafeTensor>();
  const layers: WeightReport[] = [];
  const total = [...file.tensors].filter(([name, t]) => skipReason(name, t, o) === undefined).length;
  for (const [name, t] of file.tensors) {
    const report: WeightReport = { name, dtype: t.dtype, shape: [...t.shape] };
    const skipped = skipReason(name, t, o);
    if (skipped !== undefined) {
      pruned.set(name, t);
      layers.push({ ...report, skipped });
      continue;
    }
    o.onProgress?.({ done: packed.size, total, tensor: name });
    const [rows, cols] = t.shape as [number, number];
    let m;
    try {
      m = pack(tensorToFloat32(t), [rows, cols], { pattern: o.parsed, sparsity: o.sparsity, dtype });
    } catch (err) {
      if (err instanceof RangeError) throw new RangeError(`weights: tensor '${name}': ${err.message}`, { cause: err });
      throw err;
    }
    try {
      const dense = m.toDense();
      const mask = new Uint8Array(dense.length);
      for (let i = 0; i < dense.length; i++) mask[i] = dense[i] !== 0 ? 1 : 0;
      const serialized = m.serialize();
      pruned.set(name, { dtype: t.dtype, shape: [rows, cols], data: zeroed(t, mask) });
      masks.set(name, { dtype: 'U8', shape: [rows, cols], data: mask });
      packed.set(name, { dtype: 'U8', shape: [serialized.length], data: serialized });
      layers.push({ ...report, pattern: patternToString(m.pattern), sparsity: m.sparsity, nnz: m.nnz, bytesBefore: t.data.length, bytesAfter: serialized.length });
    } finally {
      m.dispose();
    }
  }
  o.onProgress?.({ done: total, total, tensor: '' });
  const info = { pattern, sparsity: String(o.sparsity) };
  return {
    pruned: writeSafetensors(pruned, Object.keys(file.metadata).length > 0 ? file.metadata : undefined),
    masks: writeSafetensors(masks, { format: 'gsparse-masks', ...info }),
    packed: writeSafetensors(packed, { format: 'gsparse-packed', version: '1', dtype, ...info }),
    layers,
  };
}

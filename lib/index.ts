// gsparse public API (docs/api.md). These names are a contract: code outside this repo calls them.
import { native } from './native.js';
import type { DType } from './native.js';
import { parsePattern, type Pattern } from './pattern.js';
import { NestedSparseMatrix } from './nested-matrix.js';
import { SparseMatrix } from './sparse-matrix.js';

export { GsparseError, type GsparseErrorCode } from './errors.js';
export { parsePattern, patternToString, type Pattern } from './pattern.js';
export { SparseMatrix, type MatmulOptions } from './sparse-matrix.js';
export { NestedSparseMatrix, type NestedLevel, type NestedMatmulOptions } from './nested-matrix.js';
export type { Activation, DType } from './native.js';

export interface PruneOptions {
  pattern: string | Pattern;
  /** Target fraction of zeros in [0, 1); N:M ignores it (its sparsity is 1 - n/m). */
  sparsity?: number;
  /** Importance per weight, [rows, cols] like w, finite and >= 0 (e.g. Wanda's |W_ij| * ||X_j||); default |w|. */
  scores?: Float32Array;
}

export interface PackOptions extends PruneOptions {
  /** Storage of the weights; activations and accumulation stay fp32. */
  dtype?: DType;
}

export interface Hardware {
  simd: 'avx512' | 'avx2' | 'scalar';
  threads: number;
  /** GS banks that make one pack one SIMD gather on this CPU (16 with AVX-512, 8 with AVX2). */
  recommendedBanks: number;
  cuda?: { name: string; smCount: number; sharedMemPerBlock: number; banks: number };
}

export interface BackendInfo {
  name: 'cpu' | 'cuda';
  available: boolean;
  /** What it runs on, or why it is unavailable. */
  detail: string;
}

function checkShape(shape: unknown): [number, number] {
  if (!Array.isArray(shape) || shape.length !== 2)
    throw new TypeError(`shape: expected [rows, cols], got ${Array.isArray(shape) ? `an array of ${shape.length}` : typeof shape}`);
  return [shape[0] as number, shape[1] as number];
}

function checkOptions(opts: unknown): PackOptions {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with a pattern');
  return opts as PackOptions;
}

function sparsityOf(opts: PruneOptions, pattern: Pattern): number {
  if (opts.sparsity === undefined) {
    if (pattern.kind === 'nm') return 1 - pattern.n / pattern.m;
    if (pattern.kind === 'dense') return 0;
    throw new RangeError('sparsity: expected a number in [0, 1), got undefined');
  }
  return opts.sparsity;
}

/** Prunes w [rows, cols] to the pattern at the target sparsity by |w| (or opts.scores); returns a masked copy. */
export function prune(w: Float32Array, shape: [rows: number, cols: number], opts: PruneOptions): Float32Array {
  const [rows, cols] = checkShape(shape);
  const o = checkOptions(opts);
  const pattern = parsePattern(o.pattern);
  const handle = native.prunePack(w, rows, cols, pattern, sparsityOf(o, pattern), 'f32', o.scores);
  try {
    return handle.toDense();
  } finally {
    handle.dispose();
  }
}

/**
 * Packs w [rows, cols] into the pattern's compact format. With `sparsity` it prunes first (by
 * `scores` when given); without, w must already have the pattern (a model pruned elsewhere), else
 * RangeError; `scores` without `sparsity` is a RangeError.
 */
export function pack(w: Float32Array, shape: [number, number], opts: PackOptions): SparseMatrix {
  const [rows, cols] = checkShape(shape);
  const o = checkOptions(opts);
  const pattern = parsePattern(o.pattern);
  const dtype = o.dtype ?? 'f32';
  // Without sparsity nothing is pruned (w's zeros are the pattern), so scores would be silently unused.
  if (o.sparsity === undefined && o.scores !== undefined)
    throw new RangeError('scores: expected only with sparsity (without it pack prunes nothing), got scores and no sparsity');
  const handle =
    o.sparsity === undefined
      ? native.pack(w, rows, cols, pattern, dtype)
      : native.prunePack(w, rows, cols, pattern, o.sparsity, dtype, o.scores);
  return new SparseMatrix(handle);
}

export interface PackNestedOptions {
  pattern: string | Pattern;
  /**
   * Sparsities of the levels, strictly ascending (2 to 16 of them, each in [0, 1)); level 0 is the first, the
   * densest. N:M: the pattern's n:m is the densest level and each level must give a whole N (4:8: 0.5, 0.75, 0.875).
   */
  levels: number[];
  /** Storage of the weights; activations and accumulation stay fp32. */
  dtype?: DType;
  /** Importance per weight, [rows, cols] like w, finite and >= 0; default |w|. */
  scores?: Float32Array;
}

/**
 * Prunes w [rows, cols] to the pattern at every level, sparsest first, each denser level adding the best
 * remaining weights, and packs all levels in one matrix (a level is a prefix the kernels read, no copy per level).
 */
export function packNested(w: Float32Array, shape: [rows: number, cols: number], opts: PackNestedOptions): NestedSparseMatrix {
  const [rows, cols] = checkShape(shape);
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with a pattern and levels');
  if (!Array.isArray(opts.levels)) throw new TypeError(`levels: expected an array of sparsities, got ${typeof opts.levels}`);
  const pattern = parsePattern(opts.pattern);
  return new NestedSparseMatrix(native.packNested(w, rows, cols, pattern, opts.levels, opts.dtype ?? 'f32', opts.scores));
}

/** Compute backends and whether each can run here (with the reason when not). */
export function backends(): BackendInfo[] {
  return native.backends();
}

/** What the CPU (and GPU, when present) offers, and the GS banks that suit it. */
export function hardware(): Hardware {
  return native.hardware();
}

/** Threads the CPU kernels use (default: cores, or env GSPARSE_NUM_THREADS). */
export function setThreads(n: number): void {
  native.setThreads(n);
}

// The profiler (profile, recommend) is the subpath export 'gsparse/profile' (lib/profile/index.ts), so
// this import loads the kernels only.

// Models (docs/models.md): compress ONNX models, run them with onnxruntime-node (an optional peer,
// loaded only when a model is used) doing everything but the SparseLinear layers.
export {
  compress, type CompressOptions, type CompressResult, type CompressTarget, type LayerReport, type SensitivityCurve, type TargetReport,
} from './model/compress.js';
export { InferenceSession, type RunOptions, type SessionOptions } from './model/session.js';
export { Tensor } from './model/ort.js';

// safetensors (docs/models.md#safetensors): weights, masks and feeds in the format PyTorch and Hugging Face use.
/** Prunes every 2-D float tensor of a safetensors file; returns pruned weights, masks and packed layers (safetensors). */
export { compressWeights, type CompressWeightsOptions, type CompressWeightsResult, type WeightReport } from './model/compress-weights.js';
/** Reads (checking every declared size first) and writes safetensors bytes. */
export { readSafetensors, writeSafetensors, type SafeDType, type SafeTensor, type Safetensors } from './model/safetensors.js';
/** Float tensors of a safetensors file to and from Float32Array (F16 / BF16 round to nearest even). */
export { float32ToTensor, tensorToFloat32 } from './model/safetensors-values.js';

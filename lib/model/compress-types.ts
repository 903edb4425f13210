// compress()'s options and results (docs/api.md): the contract code outside this repo calls.
import type { Activation, DType } from '../native.js';
import type { Pattern } from '../pattern.js';
import type { Tensor } from './ort.js';

/** Options of compress() (docs/models.md). */
export interface CompressOptions {
  /** Target fraction of zeros of each compressed layer, e.g. 0.9 (N:M patterns have their own); not with `target`. */
  sparsity?: number;
  /**
   * Candidates per layer: 'auto' (default: csr, GS with this CPU's banks, block:4x1; docs/models.md) or a list.
   * With several, each distinct layer shape is timed here at `batch` and each layer gets the fastest candidate
   * that keeps quality (`minRetained`, and the output error with calibration); with one, every layer gets it.
   */
  patterns?: 'auto' | (string | Pattern)[];
  /** Rows per call to optimise for (tokens x batch for transformers); default 1. */
  batch?: number;
  /** Sample feeds: pruning by activation-aware (Wanda) scores, and each layer's output error measured. */
  calibration?: Record<string, Tensor>[];
  /** Quality bound of the choice: retained magnitude vs unstructured pruning at the same nnz (default 0.97). */
  minRetained?: number;
  /** Fold hidden-unit permutations into neighbouring layers when GS or N:M is a candidate (default true). */
  permute?: boolean;
  /** Only layers whose node name or weight name matches. */
  include?: RegExp;
  /** Not layers whose node name or weight name matches. */
  exclude?: RegExp;
  /** Storage of the packed weights. */
  dtype?: DType;
  /**
   * A whole-model goal instead of one sparsity: each layer's (pattern, sparsity) is chosen so the model meets it
   * on this machine with the least predicted damage (docs/models.md, budgets); `sparsity` is then not needed.
   */
  target?: CompressTarget;
  /** Progress over the steps: `stage` 'timing' (shapes x candidates), 'calibration', then 'layers'. */
  onProgress?: (p: CompressProgress) => void;
}

/** One progress report of compress(). */
export interface CompressProgress {
  stage: 'timing' | 'calibration' | 'layers';
  done: number;
  total: number;
  /** The layer (or shape, while timing) being worked on. */
  layer: string;
}

/** What compress() did to one MatMul / Gemm node. */
export interface LayerReport {
  /** The MatMul / Gemm node's name. */
  name: string;
  op: string;
  /** The weight initializer B ('' when the layer was skipped before finding one). */
  weight: string;
  /** W = [rows, cols] = [out, in]; 0 when skipped before the shape was known. */
  rows: number;
  cols: number;
  /** Why the layer was left to onnxruntime; absent when it was compressed. */
  skipped?: string;
  pattern?: string;
  sparsity?: number;
  nnz?: number;
  /** Bytes of the packed weights. */
  byteLength?: number;
  /** Bytes of the dense fp32 weights. */
  denseBytes?: number;
  activation?: Activation;
  bias?: boolean;
  /** Why this pattern: the choice among several candidates, in a sentence. */
  why?: string;
  /** Retained magnitude relative to unstructured pruning at the same nnz (of the Wanda scores when calibrated). */
  retained?: number;
  /** Dense time / chosen pattern's time for this shape at `batch`, measured here (several candidates only). */
  speedup?: number;
  /** ||X Wᵀ - X Wpᵀ|| / ||X Wᵀ|| on the calibration sample. */
  outputError?: number;
  /** The same with plain magnitude pruning to the same pattern: what activation-aware pruning gained. */
  magnitudeOutputError?: number;
  /** Hidden-unit permutations folded into this layer, or why they could not be. */
  permutation?: string;
}

/** compress()'s result (docs/models.md). */
export interface CompressResult {
  /** ONNX with each compressed layer one com.gsparse::SparseLinear node; run it with gsparse's InferenceSession. */
  model: Uint8Array;
  /** Standard ONNX: the same graph and shapes with the pruned weights set to zero. */
  pruned: Uint8Array;
  layers: LayerReport[];
  /**
   * When a layer got the `channel` pattern: `pruned` with those layers' removed units cut out of them and
   * their consumers (docs/models.md, narrowing): a smaller dense model that any runtime runs faster.
   */
  narrowed?: Uint8Array;
  /** With `target`: whether it was met, predicted vs measured, and the sensitivity curves. */
  target?: TargetReport;
}

/**
 * A budget for the whole model: a speedup over onnxruntime-node running the dense model, a latency per run, or
 * a size in bytes. Speed targets are timed end to end, so they need each symbolic input dim's value (`dims`).
 */
export type CompressTarget =
  | { speedup: number; dims?: Record<string, number> }
  | { latencyMs: number; dims?: Record<string, number> }
  | { bytes: number };

/** How a target was met: predicted and measured, per try. */
export interface TargetReport {
  target: CompressTarget;
  met: boolean;
  /** Each allocation tried (the first, then tightened after a miss), with its prediction and measurement. */
  tries: { predicted: number; measured: number; budget: number }[];
  /** What `predicted` / `measured` are: 'speedup', 'ms' or 'bytes'. */
  unit: 'speedup' | 'ms' | 'bytes';
  /** Dense model on onnxruntime-node, ms per run (speed targets). */
  denseMs?: number;
  /** Per layer weight: the options weighed (time or bytes, and damage) and the one chosen. */
  curves: SensitivityCurve[];
}

/** One weight's options as the allocation saw them. */
export interface SensitivityCurve {
  weight: string;
  rows: number;
  cols: number;
  /** Layers that use this weight (its cost and damage count that many times). */
  uses: number;
  options: { pattern: string; sparsity: number; timeMs: number; bytes: number; damage: number }[];
  chosen: number;
}

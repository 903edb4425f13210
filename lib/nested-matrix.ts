// Nested multi-level sparsity (docs/nested.md): one stored matrix whose sparser levels are subsets of its
// denser ones, the level chosen per call.
import { infoOfKind, MatrixBase, type MatmulOptions } from './matrix-base.js';
import type { MatrixHandle } from './native.js';
import { native } from './native.js';

/** Options of NestedSparseMatrix.matmul / matmulAsync: MatmulOptions plus the level. */
export interface NestedMatmulOptions extends MatmulOptions {
  /** Level index: 0 (the default) is the densest, levels.length - 1 the sparsest. RangeError when out of range. */
  level?: number;
}

/** One level of a NestedSparseMatrix. */
export interface NestedLevel {
  /** The target sparsity it was pruned to. */
  sparsity: number;
  /** Its nonzero weights (padding excluded). */
  nnz: number;
}

/**
 * A matrix packed once at several sparsity levels, each sparser level's nonzeros a subset of the denser
 * one's with the same values; storage is the densest level's plus per-level ends. Pick the level per call.
 */
export class NestedSparseMatrix extends MatrixBase {
  /** Levels, densest (index 0) first. */
  readonly levels: readonly NestedLevel[];

  /** @internal Use packNested() or NestedSparseMatrix.deserialize(). */
  constructor(handle: MatrixHandle) {
    const info = infoOfKind(handle, 'nested');
    super(handle, info);
    this.levels = Object.freeze(info.levels!.map((l) => Object.freeze({ ...l })));
  }

  /** The dense [rows, cols] matrix of one level (default 0, the densest); pruned entries are 0. */
  toDense(level?: number): Float32Array {
    return this.handle.toDense(level);
  }

  /** Y = X · Wᵀ (+ bias, then activation) with the weights of opts.level (default 0, the densest). */
  matmul(x: Float32Array, batch: number, opts: NestedMatmulOptions = {}): Float32Array {
    return this.run(x, batch, opts, opts.level);
  }

  /** matmul on a worker thread: the event loop keeps running; inputs are copied when the call starts. */
  matmulAsync(x: Float32Array, batch: number, opts: NestedMatmulOptions = {}): Promise<Float32Array> {
    return this.runAsync(x, batch, opts, opts.level);
  }

  /** Reads bytes written by serialize(); GsparseError E_CORRUPT / E_VERSION when they are not valid. */
  static deserialize(bytes: Uint8Array): NestedSparseMatrix {
    return new NestedSparseMatrix(native.deserialize(bytes));
  }
}

import { infoOfKind, MatrixBase, type MatmulOptions } from './matrix-base.js';
import type { MatrixHandle } from './native.js';
import { native } from './native.js';

export type { MatmulOptions } from './matrix-base.js';

/** A pruned weight matrix packed in a hardware-friendly format, ready to multiply. */
export class SparseMatrix extends MatrixBase {
  /** Nonzero weights (padding excluded). */
  readonly nnz: number;
  /** Fraction of zeros: 1 - nnz / (rows * cols). */
  readonly sparsity: number;

  /** @internal Use pack() or SparseMatrix.deserialize(). */
  constructor(handle: MatrixHandle) {
    const info = infoOfKind(handle, 'plain');
    super(handle, info);
    this.nnz = info.nnz;
    this.sparsity = 1 - info.nnz / (info.rows * info.cols);
  }

  /** The dense [rows, cols] matrix this one represents (pruned entries are 0). */
  toDense(): Float32Array {
    return this.handle.toDense();
  }

  /** Y = X · Wᵀ (+ bias, then activation); X is [batch, cols], Y is [batch, rows], row-major. */
  matmul(x: Float32Array, batch: number, opts: MatmulOptions = {}): Float32Array {
    return this.run(x, batch, opts, undefined);
  }

  /** matmul on a worker thread: the event loop keeps running; inputs are copied when the call starts. */
  matmulAsync(x: Float32Array, batch: number, opts: MatmulOptions = {}): Promise<Float32Array> {
    return this.runAsync(x, batch, opts, undefined);
  }

  /** Reads bytes written by serialize(); GsparseError E_CORRUPT / E_VERSION when they are not valid. */
  static deserialize(bytes: Uint8Array): SparseMatrix {
    return new SparseMatrix(native.deserialize(bytes));
  }
}

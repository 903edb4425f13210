import type { Activation, DType, MatrixHandle, MatrixInfo } from './native.js';
import { native } from './native.js';
import type { Pattern } from './pattern.js';

/** Options of SparseMatrix.matmul / matmulAsync. */
export interface MatmulOptions {
  /** Added to every output row before the activation; length = rows. */
  bias?: Float32Array;
  activation?: Activation;
  /** Where to write Y (length batch * rows); a new array otherwise. Must not alias x. */
  out?: Float32Array;
  /** 'auto' (default) picks the fastest available backend for the problem. */
  backend?: 'auto' | 'cpu' | 'cuda';
}

/** A pruned weight matrix packed in a hardware-friendly format, ready to multiply. */
export class SparseMatrix {
  readonly pattern: Pattern;
  readonly rows: number;
  readonly cols: number;
  /** Nonzero weights (padding excluded). */
  readonly nnz: number;
  /** Fraction of zeros: 1 - nnz / (rows * cols). */
  readonly sparsity: number;
  /** Bytes of the packed arrays (values, indices, pointers). */
  readonly byteLength: number;
  readonly dtype: DType;
  #handle: MatrixHandle;

  /** @internal Use pack() or SparseMatrix.deserialize(). */
  constructor(handle: MatrixHandle) {
    const info: MatrixInfo = handle.info();
    this.#handle = handle;
    this.pattern = info.pattern;
    this.rows = info.rows;
    this.cols = info.cols;
    this.nnz = info.nnz;
    this.sparsity = 1 - info.nnz / (info.rows * info.cols);
    this.byteLength = info.byteLength;
    this.dtype = info.dtype;
  }

  /** The dense [rows, cols] matrix this one represents (pruned entries are 0). */
  toDense(): Float32Array {
    return this.#handle.toDense();
  }

  /** Y = X · Wᵀ (+ bias, then activation); X is [batch, cols], Y is [batch, rows], row-major. */
  matmul(x: Float32Array, batch: number, opts: MatmulOptions = {}): Float32Array {
    return this.#handle.matmul(x, batch, opts.bias, opts.activation, opts.out, opts.backend);
  }

  /** matmul on a worker thread: the event loop keeps running; inputs are copied when the call starts. */
  matmulAsync(x: Float32Array, batch: number, opts: MatmulOptions = {}): Promise<Float32Array> {
    try {
      return this.#handle.matmulAsync(x, batch, opts.bias, opts.activation, opts.out, opts.backend);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Self-describing bytes (magic, version, CRC32) that deserialize() reads back. */
  serialize(): Uint8Array {
    return this.#handle.serialize();
  }

  /** Reads bytes written by serialize(); GsparseError E_CORRUPT / E_VERSION when they are not valid. */
  static deserialize(bytes: Uint8Array): SparseMatrix {
    return new SparseMatrix(native.deserialize(bytes));
  }

  /** Frees the native memory now (GC would later); any further use throws E_DISPOSED. */
  dispose(): void {
    this.#handle.dispose();
  }
}

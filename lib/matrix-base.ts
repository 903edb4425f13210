// What SparseMatrix and NestedSparseMatrix share: the native handle, the shape and storage facts, the
// matmul calls (a nested matrix adds the level) and the handle's lifetime.
import type { Activation, DType, MatrixHandle, MatrixInfo } from './native.js';
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

/** @internal The packed matrix behind both public classes; not exported from the package. */
export abstract class MatrixBase {
  readonly pattern: Pattern;
  readonly rows: number;
  readonly cols: number;
  /** Bytes of the packed arrays (values, indices, pointers, level ends). */
  readonly byteLength: number;
  readonly dtype: DType;
  protected readonly handle: MatrixHandle;

  protected constructor(handle: MatrixHandle, info: MatrixInfo) {
    this.handle = handle;
    this.pattern = info.pattern;
    this.rows = info.rows;
    this.cols = info.cols;
    this.byteLength = info.byteLength;
    this.dtype = info.dtype;
  }

  /** Y = X · Wᵀ at `level` (undefined for a plain matrix). */
  protected run(x: Float32Array, batch: number, opts: MatmulOptions, level: number | undefined): Float32Array {
    return this.handle.matmul(x, batch, opts.bias, opts.activation, opts.out, opts.backend, level);
  }

  /** run() on a worker thread; argument errors reject the promise instead of throwing. */
  protected runAsync(x: Float32Array, batch: number, opts: MatmulOptions, level: number | undefined): Promise<Float32Array> {
    try {
      return this.handle.matmulAsync(x, batch, opts.bias, opts.activation, opts.out, opts.backend, level);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Self-describing bytes (magic, version, CRC32) that deserialize() reads back. */
  serialize(): Uint8Array {
    return this.handle.serialize();
  }

  /** Frees the native memory now (GC would later); any further use throws E_DISPOSED. */
  dispose(): void {
    this.handle.dispose();
  }
}

/** The handle's info, or RangeError (after freeing the handle) when it is not the kind `want` holds. */
export function infoOfKind(handle: MatrixHandle, want: 'plain' | 'nested'): MatrixInfo {
  const info = handle.info();
  const nested = info.levels !== undefined;
  if (nested === (want === 'nested')) return info;
  handle.dispose();
  throw new RangeError(nested
    ? `bytes: expected a SparseMatrix, got a NestedSparseMatrix (${info.levels!.length} levels): read it with NestedSparseMatrix.deserialize`
    : 'bytes: expected a NestedSparseMatrix, got a plain SparseMatrix: read it with SparseMatrix.deserialize');
}

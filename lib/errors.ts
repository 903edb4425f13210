/** Stable codes of GsparseError (docs/errors.md). */
export type GsparseErrorCode = 'E_CORRUPT' | 'E_VERSION' | 'E_DISPOSED' | 'E_BACKEND' | 'E_OOM' | 'E_INTERNAL';

/** Error for everything that is not a wrong type (TypeError) or a wrong value (RangeError). */
export class GsparseError extends Error {
  readonly code: GsparseErrorCode;

  constructor(message: string, code: GsparseErrorCode) {
    super(message);
    this.name = 'GsparseError';
    this.code = code;
  }
}

// Loads the native addon (prebuilds/ first, then the local build) and types its surface.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { GsparseError } from './errors.js';
import type { Pattern } from './pattern.js';

export type Activation = 'none' | 'relu' | 'gelu';
export type DType = 'f32' | 'f16';

export interface MatrixInfo {
  rows: number;
  cols: number;
  nnz: number;
  byteLength: number;
  dtype: DType;
  pattern: Pattern;
}

/** A packed matrix living in native memory (native/addon/matrix_handle.cc). */
export interface MatrixHandle {
  info(): MatrixInfo;
  toDense(): Float32Array;
  matmul(x: Float32Array, batch: number, bias: Float32Array | undefined, activation: Activation | undefined,
    out: Float32Array | undefined, backend: string | undefined): Float32Array;
  matmulAsync(x: Float32Array, batch: number, bias: Float32Array | undefined, activation: Activation | undefined,
    out: Float32Array | undefined, backend: string | undefined): Promise<Float32Array>;
  serialize(): Uint8Array;
  dispose(): void;
}

interface NativeAddon {
  setErrorClass(cls: typeof GsparseError): void;
  validatePattern(p: Pattern): void;
  prunePack(w: Float32Array, rows: number, cols: number, p: Pattern, sparsity: number, dtype: DType): MatrixHandle;
  pack(w: Float32Array, rows: number, cols: number, p: Pattern, dtype: DType): MatrixHandle;
  deserialize(bytes: Uint8Array): MatrixHandle;
  hardware(): { simd: 'avx512' | 'avx2' | 'scalar'; threads: number; recommendedBanks: number };
  backends(): { name: 'cpu' | 'cuda'; available: boolean; detail: string }[];
  setThreads(n: number): void;
  environmentWarnings(): string[];
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function load(): NativeAddon {
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  try {
    return nodeGypBuild(packageRoot) as NativeAddon;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new Error(
      `gsparse: no native addon could be loaded for ${process.platform}-${process.arch} (Node ${process.version}, ` +
        `N-API ${process.versions.napi}).\n` +
        `  Looked in ${packageRoot}prebuilds and ${packageRoot}build/Release: ${reason}\n` +
        '  Build it from source with:  npm rebuild gsparse\n' +
        '  (needs a C++17 compiler, make and Python 3; CMake too for the CUDA backend).',
      { cause },
    );
  }
}

/** The addon of this environment (worker_threads each load their own instance data). */
export const native: NativeAddon = load();
native.setErrorClass(GsparseError);
// A GSPARSE_* setting that is ignored (e.g. GSPARSE_ISA=sse) is said once per thread, not silently dropped.
for (const message of native.environmentWarnings()) process.emitWarning(message, { code: 'GSPARSE_ENV' });

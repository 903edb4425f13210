// Loads the native addon (the local build first, then prebuilds/) and types its surface.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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
  /** Nested matrices only: each level's target sparsity and nonzeros, densest first. */
  levels?: { sparsity: number; nnz: number }[];
}

/** A packed matrix living in native memory (native/addon/matrix_handle.cc). */
export interface MatrixHandle {
  info(): MatrixInfo;
  /** level: nested matrices only (0 = densest, the default). */
  toDense(level?: number): Float32Array;
  matmul(x: Float32Array, batch: number, bias: Float32Array | undefined, activation: Activation | undefined,
    out: Float32Array | undefined, backend: string | undefined, level?: number): Float32Array;
  matmulAsync(x: Float32Array, batch: number, bias: Float32Array | undefined, activation: Activation | undefined,
    out: Float32Array | undefined, backend: string | undefined, level?: number): Promise<Float32Array>;
  serialize(): Uint8Array;
  dispose(): void;
}

interface NativeAddon {
  setErrorClass(cls: typeof GsparseError): void;
  validatePattern(p: Pattern): void;
  /** scores: importance per weight (rows * cols, finite, >= 0); undefined ranks by |w|. */
  prunePack(w: Float32Array, rows: number, cols: number, p: Pattern, sparsity: number, dtype: DType,
    scores?: Float32Array): MatrixHandle;
  pack(w: Float32Array, rows: number, cols: number, p: Pattern, dtype: DType): MatrixHandle;
  /** levels: sparsities, strictly ascending; the handle's info() lists them densest first. */
  packNested(w: Float32Array, rows: number, cols: number, p: Pattern, levels: number[], dtype: DType,
    scores?: Float32Array): MatrixHandle;
  deserialize(bytes: Uint8Array): MatrixHandle;
  hardware(): { simd: 'avx512' | 'avx2' | 'scalar'; threads: number; recommendedBanks: number };
  backends(): { name: 'cpu' | 'cuda'; available: boolean; detail: string }[];
  setThreads(n: number): void;
  environmentWarnings(): string[];
  /** A Float32Array over native memory that matmulAsync reads and writes in place (no copies); model code only. */
  pinnedFloat32Array(length: number): Float32Array;
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

interface NodeGypBuild {
  (dir: string): unknown;
  /** The binary it would load (a prebuild or build/Release), or throws when there is none. */
  resolve(dir: string): string;
}

interface Diagnosis {
  probeTools(): Record<'cxx' | 'make' | 'python' | 'cmake', string | undefined>;
  loadFailureMessage(o: {
    target: string; root: string; reason: string; binary: string | undefined; installError: string | undefined;
    tools: Record<string, string | undefined>;
  }): string;
}

function load(): NativeAddon {
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as NodeGypBuild;
  try {
    return nodeGypBuild(packageRoot) as NativeAddon;
  } catch (cause) {
    // Only on failure: name the real cause (no binary for this platform and no build, the install
    // step's own error, or a binary that exists but does not load) and the one-command fix.
    const { loadFailureMessage, probeTools } = require('../scripts/native-diagnosis.cjs') as Diagnosis;
    let binary: string | undefined;
    try {
      binary = nodeGypBuild.resolve(packageRoot);
    } catch {
      binary = undefined;
    }
    let installError: string | undefined;
    try {
      installError = readFileSync(join(packageRoot, 'build', 'install-error.txt'), 'utf8').trim();
    } catch {
      installError = undefined;
    }
    const message = loadFailureMessage({
      target: `${process.platform}-${process.arch} (Node ${process.version}, Node-API ${process.versions.napi})`,
      root: packageRoot,
      reason: cause instanceof Error ? cause.message.split('\n')[0]! : String(cause),
      binary,
      installError,
      tools: probeTools(),
    });
    throw new Error(message, { cause });
  }
}

/** The addon of this environment (worker_threads each load their own instance data). */
export const native: NativeAddon = load();
native.setErrorClass(GsparseError);
// A GSPARSE_* setting that is ignored (e.g. GSPARSE_ISA=sse) is said once per thread, not silently dropped.
for (const message of native.environmentWarnings()) process.emitWarning(message, { code: 'GSPARSE_ENV' });

// Plain, JSON-serializable result types of profile() and recommend().
import type { Pattern } from '../pattern.js';
import type { SparseMatrix } from '../sparse-matrix.js';

/** Where a profile runs its matmuls. */
export type ProfileBackend = 'cpu' | 'cuda';

/** A layer given by its shape: gsparse draws seeded Gaussian weights for it. */
export interface LayerShape {
  name: string;
  rows: number;
  cols: number;
  /** Per-layer overrides of ProfileOptions (the suite uses them to keep big layers cheap). */
  sparsities?: number[];
  batches?: number[];
  maxRepeats?: number;
}

/** A layer given by its weights: the matrix's dense form (toDense()) is what gets pruned. */
export interface NamedMatrix {
  name: string;
  matrix: SparseMatrix;
}

/** What profile() accepts as a layer. */
export type LayerInput = LayerShape | NamedMatrix | SparseMatrix;

/**
 * Cache state of a timed call (docs/benchmarks.md): 'hot' = W left in cache by the previous call;
 * 'cold' = the CPU caches flushed (an untimed read sweep larger than the last-level cache) before each one.
 */
export type Regime = 'hot' | 'cold';

/** How each cell is timed. */
export interface MeasureOptions {
  /** Untimed calls first (default 1). */
  warmup?: number;
  /** At least this many timed calls (default 3). */
  minRepeats?: number;
  /** At most this many timed calls (default 50). */
  maxRepeats?: number;
  /** Keep repeating (up to maxRepeats) until this much time was measured (default 30 ms). */
  minTimeMs?: number;
}

/** A progress event: `done` of `total` timed runs (one per result), and what is running now. */
export interface ProfileProgress {
  done: number;
  total: number;
  layer: string;
  /** 'generate' (weights), 'pack', 'measure'. */
  stage: 'generate' | 'pack' | 'measure';
  pattern?: string;
  sparsity?: number;
}

/** Options of profile(). */
export interface ProfileOptions extends MeasureOptions {
  layers: LayerInput[];
  /** Candidate patterns; default: dense, csr, block:4x1, 2:4, gs:B, gs:Bx4, channel with B from hardware(). */
  patterns?: (string | Pattern)[];
  /** Target sparsities in (0, 1) (default 0.5, 0.75, 0.9, 0.95); N:M patterns use their own 1 - n/m. */
  sparsities?: number[];
  /** Batch sizes (default 1, 64). */
  batches?: number[];
  /** Backends (default: every available one); 'auto' means every available one. */
  backends?: (ProfileBackend | 'auto')[];
  /** Weight storage of the packed candidates (default 'f32'). */
  dtype?: 'f32' | 'f16';
  /** Seed of the Gaussian weights drawn for LayerShape layers (default 1). */
  seed?: number;
  /** Cache regime of every timed call (default 'hot'); 'cold' adds a ~512 MiB read sweep before each call. */
  regime?: Regime;
  /** Called after every stage of every layer, so a CLI can drive progress bars. */
  onProgress?: (p: ProfileProgress) => void;
}

/** Time of one cell: median and spread over the repeats, in milliseconds. */
export interface Timing {
  median: number;
  p10: number;
  p90: number;
  min: number;
  repeats: number;
}

/** Quality of a pruned layer against its dense weights. */
export interface Quality {
  /** ||W - W_pruned||_F / ||W||_F. */
  relErr: number;
  /** sum |W_pruned| / sum |W| (L1 magnitude kept). */
  retained: number;
  /** What unstructured magnitude pruning keeps at the same nnz (sum of the nnz largest |w| / sum |W|). */
  unstructuredRetained: number;
  /** retained / unstructuredRetained: 1 means as good as unstructured. */
  retainedRatio: number;
}

/** One measured cell: a layer pruned to a pattern at a sparsity, run at a batch on a backend. */
export interface ProfileResult {
  layer: string;
  rows: number;
  cols: number;
  /** Canonical pattern string ('gs:16', '2:4', ...). */
  pattern: string;
  /** Requested sparsity (0 for dense, 1 - n/m for N:M). */
  targetSparsity: number;
  /** Fraction of zeros actually achieved (padding excluded). */
  sparsity: number;
  nnz: number;
  batch: number;
  backend: ProfileBackend;
  dtype: 'f32' | 'f16';
  timeMs: Timing;
  /** 2 * rows * cols * batch / median time (dense-equivalent work). */
  gflops: number;
  /** Packed bytes + x bytes + y bytes. */
  bytes: number;
  /** bytes / median time, in GB/s. */
  gbps: number;
  /** Dense median time / this median time, same backend and batch. */
  speedup: number;
  quality: Quality;
  /** Prune + pack time of this candidate in ms (once per layer, pattern and sparsity). */
  packMs: number;
  byteLength: number;
}

/** What the profile ran on. */
export interface ProfileMachine {
  simd: 'avx512' | 'avx2' | 'scalar';
  threads: number;
  recommendedBanks: number;
  cuda?: { name: string; smCount: number; sharedMemPerBlock: number; banks: number };
  backends: { name: ProfileBackend; available: boolean; detail: string }[];
  node: string;
  platform: string;
}

/** Everything profile() returns: plain data (JSON.stringify-able). */
export interface ProfileReport {
  version: 1;
  createdAt: string;
  machine: ProfileMachine;
  patterns: string[];
  sparsities: number[];
  batches: number[];
  backends: ProfileBackend[];
  /** The cache regime every cell was timed in. */
  regime: Regime;
  durationMs: number;
  results: ProfileResult[];
}

/** Options of recommend(). */
export interface RecommendOptions {
  /** A candidate qualifies when retainedRatio >= minRetained (default 0.97) and it beats dense beyond the spread. */
  minRetained?: number;
  /** Only recommend at this target sparsity (default: every profiled one). */
  sparsity?: number;
}

/** A faster candidate that recommend() left out, and why. */
export interface Rejected {
  pattern: string;
  speedup: number;
  retainedRatio: number;
  /** 'quality': retained magnitude below the bound; 'noise': not faster than dense beyond the measured spread. */
  reason: 'quality' | 'noise';
}

/** The pick for one layer, backend, batch and target sparsity. */
export interface Recommendation {
  layer: string;
  rows: number;
  cols: number;
  backend: ProfileBackend;
  batch: number;
  /** Target sparsity the candidates were compared at. */
  sparsity: number;
  /** Winning pattern ('dense' when no sparse candidate qualifies and beats it beyond the measured spread). */
  pattern: string;
  timeMs: number;
  speedup: number;
  retainedRatio: number;
  /** Faster candidates (by median) excluded by the quality bound or the noise rule, fastest first. */
  rejected: Rejected[];
}

/** What report.json holds: the profile plus the recommendations made from it. */
export interface ReportFile extends ProfileReport {
  minRetained: number;
  recommendations: Recommendation[];
}

// profileModel(): the main question of a model user, "how much faster does my model run here if I compress
// it?": the dense model on onnxruntime-node at its defaults against gsparse's session on the model compressed
// at each sparsity, timed as docs/benchmarks.md says (each in its own process, alternating, rounds, median of
// the per-round ratios), with what compress() picked per layer.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { compress, type CompressOptions, type LayerReport } from '../model/compress.js';
import { indexGraph } from '../model/graph.js';
import { loadModel } from '../model/onnx-io.js';
import type { Tensor } from '../model/ort.js';
import { valueMetadata } from '../model/value-metadata.js';
import { median } from './measure.js';
import { type FeedSpec, feedSpecs } from './model-feeds.js';
import { DenseReference, type ModelTiming } from './model-timing.js';
import { describeMachine } from './profile.js';
import type { ProfileMachine } from './types.js';

/** Options of profileModel(). */
export interface ModelProfileOptions {
  /** Sparsities to compress at (default 0.5, 0.75, 0.9). */
  sparsities?: number[];
  /** compress()'s candidates (default 'auto': chosen per layer on this machine). */
  patterns?: CompressOptions['patterns'];
  /** A value for each symbolic input dim, e.g. { batch: 1, sequence: 128 }. */
  dims?: Record<string, number>;
  /** Rows per kernel call compress() optimises for (default: the first input's elements except its last dim). */
  batch?: number;
  calibration?: Record<string, Tensor>[];
  minRetained?: number;
  /** Timed rounds (default 5) of `runs` calls (default 10) per contender. */
  rounds?: number;
  runs?: number;
  onProgress?: (p: { stage: 'compress' | 'timing'; done: number; total: number; what: string }) => void;
}

/** One sparsity: the compressed model's time against dense, and what each layer got. */
export interface ModelProfileRow {
  sparsity: number;
  /** Median per-call ms of gsparse's session on the compressed model. */
  ms: number;
  /** Median over rounds of (onnxruntime dense / gsparse) within the round. */
  speedup: number;
  /** Each round's ratio (the spread says how noisy the machine was). */
  roundSpeedups: number[];
  compressMs: number;
  layers: LayerReport[];
}

/** profileModel()'s result. */
export interface ModelProfileResult {
  feeds: FeedSpec[];
  /** Median per-call ms of onnxruntime-node on the dense model at its default options. */
  denseMs: number;
  rows: ModelProfileRow[];
  machine: ProfileMachine;
}


function checkSparsities(s: unknown): number[] {
  if (!Array.isArray(s) || s.length === 0) throw new TypeError('opts.sparsities: expected a non-empty array of numbers');
  for (const x of s) if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw new RangeError(`opts.sparsities: expected numbers in [0, 1), got ${String(x)}`);
  return s as number[];
}

/** The model's declared inputs with every symbolic dim given a value: what the timing children synthesise. */
export async function modelFeeds(model: string | Uint8Array, dims: Readonly<Record<string, number>>): Promise<FeedSpec[]> {
  const { proto } = await loadModel(model);
  const index = indexGraph(proto.graph ?? {});
  const inputs = (proto.graph?.input ?? []).filter((v) => index.inputs.includes(v.name ?? '')).map((v) => valueMetadata(v));
  return feedSpecs(inputs, dims);
}

/** Rows per kernel call the first input implies: its elements except a float input's last dim (features). */
export function rowsPerCall(feeds: readonly FeedSpec[]): number {
  const first = feeds[0];
  if (!first) return 1;
  return Math.min(65536, Math.max(1, first.dims.slice(0, first.type === 'float32' ? -1 : undefined).reduce((a, b) => a * b, 1)));
}

/**
 * Compresses `model` at each sparsity and times it end to end against the dense model on onnxruntime-node at its
 * defaults, each contender in its own process, alternating, over rounds; speedups are medians of per-round ratios.
 */
export async function profileModel(model: string | Uint8Array, opts: ModelProfileOptions = {}): Promise<ModelProfileResult> {
  const sparsities = checkSparsities(opts.sparsities ?? [0.5, 0.75, 0.9]);
  const feeds = await modelFeeds(model, opts.dims ?? {});
  const batch = opts.batch ?? rowsPerCall(feeds);
  const dir = await mkdtemp(join(tmpdir(), 'gsparse-profile-model-'));
  let reference: DenseReference | undefined;
  try {
    // The dense model as onnxruntime reads it: from its own path (external data stays beside it), else written out.
    const denseFile = typeof model === 'string' ? model : join(dir, 'dense.onnx');
    if (typeof model !== 'string') await writeFile(denseFile, model);
    const compressed: { sparsity: number; file: string; layers: LayerReport[]; compressMs: number }[] = [];
    for (const [i, sparsity] of sparsities.entries()) {
      opts.onProgress?.({ stage: 'compress', done: i, total: sparsities.length, what: `sparsity ${sparsity}` });
      const t0 = performance.now();
      const r = await compress(model, {
        sparsity, batch, ...(opts.patterns ? { patterns: opts.patterns } : {}),
        ...(opts.calibration ? { calibration: opts.calibration } : {}), ...(opts.minRetained === undefined ? {} : { minRetained: opts.minRetained }),
      });
      const file = join(dir, `compressed-${i}.onnx`);
      await writeFile(file, r.model);
      compressed.push({ sparsity, file, layers: r.layers, compressMs: performance.now() - t0 });
    }
    reference = await DenseReference.start(denseFile, feeds);
    const timings = await reference.time(compressed.map((c) => c.file), { ...(opts.rounds ? { rounds: opts.rounds } : {}), ...(opts.runs ? { runs: opts.runs } : {}) },
      (done, total) => opts.onProgress?.({ stage: 'timing', done, total, what: done < total ? `round ${done + 1} of ${total}` : 'done' }));
    return {
      feeds,
      denseMs: median(timings.map((t) => t.denseMs)),
      rows: compressed.map((c, k) => {
        const t = timings[k] as ModelTiming;
        return { sparsity: c.sparsity, ms: t.ms, speedup: t.speedup, roundSpeedups: t.roundSpeedups, compressMs: c.compressMs, layers: c.layers };
      }),
      machine: describeMachine(),
    };
  } finally {
    await reference?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

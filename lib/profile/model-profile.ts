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
import { Contender, sleep } from './contender.js';
import { quantile } from './measure.js';
import type { ModelChildArgs } from './model-child.js';
import { type FeedSpec, feedSpecs } from './model-feeds.js';
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

const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
const CHILD = new URL(`./model-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

function checkSparsities(s: unknown): number[] {
  if (!Array.isArray(s) || s.length === 0) throw new TypeError('opts.sparsities: expected a non-empty array of numbers');
  for (const x of s) if (typeof x !== 'number' || !(x >= 0 && x < 1)) throw new RangeError(`opts.sparsities: expected numbers in [0, 1), got ${String(x)}`);
  return s as number[];
}

function checkCount(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`opts.${name}: expected a positive integer, got ${String(n)}`);
  return n;
}

/** Times one contender's runs (after letting the other's threads settle); median ms per call. */
async function timed(c: Contender, runs: number): Promise<number> {
  await sleep(200);
  return median((await c.request<{ times: number[] }>({ runs })).times);
}

/**
 * Compresses `model` at each sparsity and times it end to end against the dense model on onnxruntime-node at its
 * defaults, each contender in its own process, alternating, over rounds; speedups are medians of per-round ratios.
 */
export async function profileModel(model: string | Uint8Array, opts: ModelProfileOptions = {}): Promise<ModelProfileResult> {
  const sparsities = checkSparsities(opts.sparsities ?? [0.5, 0.75, 0.9]);
  const rounds = checkCount('rounds', opts.rounds, 5);
  const runs = checkCount('runs', opts.runs, 10);
  const { proto } = await loadModel(model);
  const index = indexGraph(proto.graph ?? {});
  const inputs = (proto.graph?.input ?? []).filter((v) => index.inputs.includes(v.name ?? '')).map((v) => valueMetadata(v));
  const feeds = feedSpecs(inputs, opts.dims ?? {});
  const first = feeds[0];
  const batch = opts.batch ?? (first ? first.dims.slice(0, first.type === 'float32' ? -1 : undefined).reduce((a, b) => a * b, 1) : 1);
  const dir = await mkdtemp(join(tmpdir(), 'gsparse-profile-model-'));
  const started: Contender[] = [];
  const start = async (engine: ModelChildArgs['engine'], file: string): Promise<Contender> => {
    const args: ModelChildArgs = { engine, ortSpin: true, model: file, feeds };
    const c = await Contender.start(CHILD, args);
    started.push(c);
    return c;
  };
  try {
    // The dense model as onnxruntime reads it: from its own path (external data stays beside it), else written out.
    const denseFile = typeof model === 'string' ? model : join(dir, 'dense.onnx');
    if (typeof model !== 'string') await writeFile(denseFile, model);
    const compressed: { sparsity: number; file: string; layers: LayerReport[]; compressMs: number }[] = [];
    for (const [i, sparsity] of sparsities.entries()) {
      opts.onProgress?.({ stage: 'compress', done: i, total: sparsities.length, what: `sparsity ${sparsity}` });
      const t0 = performance.now();
      const r = await compress(model, {
        sparsity, batch: Math.min(65536, Math.max(1, batch)), ...(opts.patterns ? { patterns: opts.patterns } : {}),
        ...(opts.calibration ? { calibration: opts.calibration } : {}), ...(opts.minRetained === undefined ? {} : { minRetained: opts.minRetained }),
      });
      const file = join(dir, `compressed-${i}.onnx`);
      await writeFile(file, r.model);
      compressed.push({ sparsity, file, layers: r.layers, compressMs: performance.now() - t0 });
    }
    const ort = await start('ort', denseFile);
    const gs = [];
    for (const c of compressed) gs.push(await start('gsparse', c.file));
    const ortMs: number[] = [];
    const ratios = compressed.map(() => [] as number[]);
    const gsMs = compressed.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      opts.onProgress?.({ stage: 'timing', done: r, total: rounds, what: `round ${r + 1} of ${rounds}` });
      for (const [k, child] of gs.entries()) {
        // Alternate who goes first, so neither always runs on a machine the other just warmed or loaded.
        let dense: number;
        let sparse: number;
        if ((r + k) % 2 === 0) {
          dense = await timed(ort, runs);
          sparse = await timed(child, runs);
        } else {
          sparse = await timed(child, runs);
          dense = await timed(ort, runs);
        }
        ortMs.push(dense);
        gsMs[k]?.push(sparse);
        ratios[k]?.push(dense / sparse);
      }
    }
    opts.onProgress?.({ stage: 'timing', done: rounds, total: rounds, what: 'done' });
    return {
      feeds,
      denseMs: median(ortMs),
      rows: compressed.map((c, k) => ({
        sparsity: c.sparsity, ms: median(gsMs[k] ?? []), speedup: median(ratios[k] ?? []), roundSpeedups: ratios[k] ?? [],
        compressMs: c.compressMs, layers: c.layers,
      })),
      machine: describeMachine(),
    };
  } finally {
    await Promise.all(started.map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  }
}

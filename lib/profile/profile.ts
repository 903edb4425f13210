// profile(): prune each layer to each candidate pattern, time it against dense, and score its quality.
import { GsparseError } from '../errors.js';
import { backends as listBackends, hardware, pack } from '../index.js';
import { parsePattern, patternToString, type Pattern } from '../pattern.js';
import { SparseMatrix } from '../sparse-matrix.js';
import { makeFlush } from './cache-flush.js';
import { measure, REGIMES } from './measure.js';
import { MagnitudeIndex, quality } from './quality.js';
import { gaussian, seedFrom } from './random.js';
import type {
  LayerInput, MeasureOptions, ProfileBackend, ProfileMachine, ProfileOptions, ProfileProgress, ProfileReport,
  ProfileResult, Quality, Regime,
} from './types.js';

/** Default target sparsities of profile(). */
export const DEFAULT_SPARSITIES: readonly number[] = [0.5, 0.75, 0.9, 0.95];
/** Default batch sizes of profile(). */
export const DEFAULT_BATCHES: readonly number[] = [1, 64];

/** The default candidate patterns for GS banks B: dense, csr, block:4x1, 2:4, gs:B, gs:Bx4, channel. */
export function defaultPatterns(banks: readonly number[]): string[] {
  const gs = [...new Set(banks)].flatMap((b) => [`gs:${b}`, `gs:${b}x4`]);
  return ['dense', 'csr', 'block:4x1', '2:4', ...gs, 'channel'];
}

/** The machine profile() runs on, as plain data. */
export function describeMachine(): ProfileMachine {
  const hw = hardware();
  const m: ProfileMachine = {
    simd: hw.simd, threads: hw.threads, recommendedBanks: hw.recommendedBanks,
    backends: listBackends(), node: process.version, platform: `${process.platform}-${process.arch}`,
  };
  if (hw.cuda) m.cuda = hw.cuda;
  return m;
}

/** GS banks that suit a backend here: the CPU's gather width, or the GPU's shared-memory banks. */
export function banksFor(backend: ProfileBackend, machine: ProfileMachine): number {
  return backend === 'cuda' ? (machine.cuda?.banks ?? 32) : machine.recommendedBanks;
}

interface Layer {
  name: string;
  rows: number;
  cols: number;
  weights: () => Float32Array;
  sparsities: readonly number[];
  batches: readonly number[];
  measure: MeasureOptions;
}

interface Candidate {
  pattern: string;
  parsed: Pattern;
  target: number;
}

/** Profiles layers x patterns x sparsities x batches x backends; see ProfileResult for what each cell holds. */
export async function profile(opts: ProfileOptions): Promise<ProfileReport> {
  const started = performance.now();
  if (typeof opts !== 'object' || opts === null) throw new TypeError('opts: expected an object with layers');
  const machine = describeMachine();
  const backends = resolveBackends(opts.backends, machine);
  const sparsities = checkSparsities(opts.sparsities ?? DEFAULT_SPARSITIES, 'sparsities');
  const batches = checkBatches(opts.batches ?? DEFAULT_BATCHES, 'batches');
  const patterns = resolvePatterns(opts.patterns, backends, machine);
  const dtype = opts.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new RangeError(`dtype: expected 'f32' or 'f16', got '${String(dtype)}'`);
  const regime: Regime = opts.regime ?? 'hot';
  if (!REGIMES.includes(regime)) throw new RangeError(`regime: expected 'hot' or 'cold', got '${String(regime)}'`);
  const layers = resolveLayers(opts, sparsities, batches);
  const flush = regime === 'cold' ? makeFlush() : undefined;

  const plans = layers.map((l) => ({ layer: l, candidates: candidatesFor(patterns, l.sparsities) }));
  // Progress counts timed runs only (one per result), so the bar ends at the run count the summary prints.
  const total = plans.reduce((n, p) => n + p.candidates.length * backends.length * p.layer.batches.length, 0);
  let done = 0;
  const report = (p: Omit<ProfileProgress, 'done' | 'total'>): void => opts.onProgress?.({ done, total, ...p });

  const results: ProfileResult[] = [];
  for (const { layer, candidates } of plans) {
    report({ layer: layer.name, stage: 'generate' });
    await tick();
    const w = layer.weights();
    const index = new MagnitudeIndex(w);
    const inputs = new Map(layer.batches.map((b) => [b, gaussian(b * layer.cols, seedFrom(`x${b}`, layer.cols))]));
    const outputs = new Map(layer.batches.map((b) => [b, new Float32Array(b * layer.rows)]));
    const denseMs = new Map<string, number>();
    for (const c of candidates) {
      report({ layer: layer.name, stage: 'pack', pattern: c.pattern, sparsity: c.target });
      await tick();
      const t0 = performance.now();
      const m = c.parsed.kind === 'dense'
        ? pack(w, [layer.rows, layer.cols], { pattern: c.parsed, dtype })
        : pack(w, [layer.rows, layer.cols], { pattern: c.parsed, sparsity: c.target, dtype });
      const packMs = performance.now() - t0;
      try {
        const q = c.parsed.kind === 'dense' ? DENSE_QUALITY : quality(w, m.toDense(), m.nnz, index);
        for (const backend of backends) {
          for (const batch of layer.batches) {
            report({ layer: layer.name, stage: 'measure', pattern: c.pattern, sparsity: c.target });
            await tick();
            const x = inputs.get(batch) as Float32Array;
            const out = outputs.get(batch) as Float32Array;
            const timeMs = measure(() => m.matmul(x, batch, { backend, out }), layer.measure, flush);
            const key = `${backend}|${batch}`;
            if (c.parsed.kind === 'dense') denseMs.set(key, timeMs.median);
            results.push(cell(layer, c, m, batch, backend, timeMs, denseMs.get(key) ?? timeMs.median, q, packMs, dtype));
            done++;
          }
        }
      } finally {
        m.dispose();
      }
    }
  }
  report({ layer: plans.at(-1)?.layer.name ?? '', stage: 'measure' });
  return {
    version: 1, createdAt: new Date().toISOString(), machine, patterns: patterns.map((p) => p.pattern),
    sparsities: [...sparsities], batches: [...batches], backends, regime, durationMs: performance.now() - started, results,
  };
}

const DENSE_QUALITY: Quality = { relErr: 0, retained: 1, unstructuredRetained: 1, retainedRatio: 1 };

function cell(layer: Layer, c: Candidate, m: SparseMatrix, batch: number, backend: ProfileBackend,
  timeMs: ProfileResult['timeMs'], denseMedian: number, q: Quality, packMs: number, dtype: 'f32' | 'f16'): ProfileResult {
  const sec = timeMs.median / 1e3;
  const bytes = m.byteLength + 4 * batch * (layer.cols + layer.rows);
  return {
    layer: layer.name, rows: layer.rows, cols: layer.cols, pattern: c.pattern, targetSparsity: c.target,
    sparsity: m.sparsity, nnz: m.nnz, batch, backend, dtype, timeMs,
    gflops: (2 * layer.rows * layer.cols * batch) / sec / 1e9, bytes, gbps: bytes / sec / 1e9,
    speedup: denseMedian / timeMs.median, quality: q, packMs, byteLength: m.byteLength,
  };
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function candidatesFor(patterns: readonly Candidate[], sparsities: readonly number[]): Candidate[] {
  const out: Candidate[] = [];
  for (const p of patterns) {
    if (p.parsed.kind === 'dense') out.push({ ...p, target: 0 });
    else if (p.parsed.kind === 'nm') out.push({ ...p, target: 1 - p.parsed.n / p.parsed.m });
    else for (const s of sparsities) out.push({ ...p, target: s });
  }
  return out;
}

function resolveBackends(requested: ProfileOptions['backends'], machine: ProfileMachine): ProfileBackend[] {
  const available = machine.backends.filter((b) => b.available).map((b) => b.name);
  const list = requested ?? ['auto'];
  if (!Array.isArray(list) || list.length === 0) throw new RangeError('backends: expected a non-empty list of cpu, cuda or auto');
  const out = new Set<ProfileBackend>();
  for (const b of list) {
    if (b === 'auto') available.forEach((a) => out.add(a));
    else if (b === 'cpu' || b === 'cuda') {
      const info = machine.backends.find((x) => x.name === b);
      if (!info?.available) throw new GsparseError(`backend ${b} is unavailable: ${info?.detail ?? 'unknown backend'}`, 'E_BACKEND');
      out.add(b);
    } else throw new RangeError(`backends: expected cpu, cuda or auto, got '${String(b)}'`);
  }
  return [...out];
}

function resolvePatterns(requested: ProfileOptions['patterns'], backends: ProfileBackend[], machine: ProfileMachine): Candidate[] {
  const list = requested ?? defaultPatterns(backends.map((b) => banksFor(b, machine)));
  if (!Array.isArray(list) || list.length === 0) throw new RangeError('patterns: expected a non-empty list of patterns');
  const seen = new Map<string, Candidate>();
  seen.set('dense', { pattern: 'dense', parsed: { kind: 'dense' }, target: 0 }); // the baseline is always measured
  for (const p of list) {
    const parsed = parsePattern(p);
    const pattern = patternToString(parsed);
    if (!seen.has(pattern)) seen.set(pattern, { pattern, parsed, target: 0 });
  }
  return [...seen.values()];
}

function checkSparsities(list: readonly number[], field: string): number[] {
  if (!Array.isArray(list) || list.length === 0) throw new RangeError(`${field}: expected a non-empty list of numbers in (0, 1)`);
  for (const s of list)
    if (typeof s !== 'number' || !(s > 0 && s < 1)) throw new RangeError(`${field}: expected numbers in (0, 1), got ${String(s)}`);
  return [...new Set(list)].sort((a, b) => a - b);
}

function checkBatches(list: readonly number[], field: string): number[] {
  if (!Array.isArray(list) || list.length === 0) throw new RangeError(`${field}: expected a non-empty list of positive integers`);
  for (const b of list)
    if (!Number.isInteger(b) || b < 1) throw new RangeError(`${field}: expected positive integers, got ${String(b)}`);
  return [...new Set(list)].sort((a, b) => a - b);
}

function resolveLayers(opts: ProfileOptions, sparsities: number[], batches: number[]): Layer[] {
  if (!Array.isArray(opts.layers) || opts.layers.length === 0) throw new RangeError('layers: expected a non-empty list of layers');
  const seed = opts.seed ?? 1;
  const base: MeasureOptions = {};
  for (const k of ['warmup', 'minRepeats', 'maxRepeats', 'minTimeMs'] as const) if (opts[k] !== undefined) base[k] = opts[k];
  const names = new Map<string, number>();
  return opts.layers.map((input: LayerInput, i) => {
    const l = toLayer(input, i, seed, base, sparsities, batches);
    const n = (names.get(l.name) ?? 0) + 1;
    names.set(l.name, n);
    return n === 1 ? l : { ...l, name: `${l.name}#${n}` };
  });
}

function toLayer(input: LayerInput, i: number, seed: number, base: MeasureOptions, sparsities: number[], batches: number[]): Layer {
  if (input instanceof SparseMatrix) {
    return { name: `layer${i}`, rows: input.rows, cols: input.cols, weights: () => input.toDense(), sparsities, batches, measure: base };
  }
  if (typeof input !== 'object' || input === null) throw new TypeError(`layers[${i}]: expected {name, rows, cols}, {name, matrix} or a SparseMatrix`);
  if ('matrix' in input) {
    const m = input.matrix;
    if (!(m instanceof SparseMatrix)) throw new TypeError(`layers[${i}].matrix: expected a SparseMatrix`);
    return { name: String(input.name), rows: m.rows, cols: m.cols, weights: () => m.toDense(), sparsities, batches, measure: base };
  }
  const { name, rows, cols } = input;
  for (const [k, v] of [['rows', rows], ['cols', cols]] as const)
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`layers[${i}].${k}: expected a positive integer, got ${String(v)}`);
  const label = typeof name === 'string' && name.length > 0 ? name : `${rows}x${cols}`;
  const measureOpts = input.maxRepeats === undefined ? base : { ...base, maxRepeats: input.maxRepeats };
  return {
    name: label, rows, cols,
    weights: () => gaussian(rows * cols, seedFrom(`${label}|${rows}x${cols}`, seed)),
    sparsities: input.sparsities ? checkSparsities(input.sparsities, `layers[${i}].sparsities`) : sparsities,
    batches: input.batches ? checkBatches(input.batches, `layers[${i}].batches`) : batches,
    measure: measureOpts,
  };
}

// `gsparse compress IN`: an ONNX model through compress(), or a safetensors weights file through
// compressWeights(); a progress bar over layers, then one table row per layer.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';

import { ProgressDisplay } from './cli-progress.js';
import { compress, compressWeights, type CompressOptions, type CompressTarget, type LayerReport, type TargetReport, type WeightReport } from './index.js';
import { fmtPct } from './profile/format.js';
import { feedsFromSafetensors } from './model/safetensors-feeds.js';
import type { Tensor } from './model/ort.js';

/** Options of `gsparse compress` as commander parses them. */
export interface CompressFlags {
  sparsity?: number;
  speedup?: number;
  latencyMs?: number;
  size?: number;
  dims?: Record<string, number>;
  report?: string;
  patterns?: string[];
  batch?: number;
  calibration?: string[];
  out?: string;
  prunedOut?: string;
  masksOut?: string;
  minRetained: number;
  include?: string;
  exclude?: string;
  dtype: 'f32' | 'f16';
  json?: boolean;
}

/** IN with its extension replaced by `suffix`, next to IN. */
function sibling(input: string, suffix: string): string {
  return join(dirname(input), `${basename(input, extname(input))}${suffix}`);
}

function bytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Left-aligned text columns, two spaces apart. */
function columns(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** One row per layer: what was chosen and why, sizes, speed and quality (blank where not measured). */
export function compressTable(layers: readonly LayerReport[]): string {
  const head = ['layer', 'shape', 'pattern', 'sparsity', 'bytes', 'speedup', 'retained', 'out err', 'why'];
  const rows = layers.map((l) => [
    l.name, l.rows ? `${l.rows}x${l.cols}` : '', l.skipped ? '-' : (l.pattern ?? ''),
    l.sparsity === undefined ? '' : fmtPct(l.sparsity, 1),
    l.byteLength === undefined ? '' : `${bytes(l.denseBytes)} -> ${bytes(l.byteLength)}`,
    l.speedup === undefined ? '' : `${l.speedup.toFixed(2)}x`,
    l.retained === undefined ? '' : l.retained.toFixed(3),
    l.outputError === undefined ? '' : l.outputError.toExponential(2),
    l.skipped ?? l.why ?? '',
  ]);
  return columns([head, ...rows]);
}

function weightsTable(layers: readonly WeightReport[]): string {
  const head = ['tensor', 'shape', 'pattern', 'sparsity', 'bytes', 'note'];
  const rows = layers.map((l) => [
    l.name, l.shape.join('x'), l.pattern ?? '-', l.sparsity === undefined ? '' : fmtPct(l.sparsity, 1),
    l.bytesAfter === undefined ? '' : `${bytes(l.bytesBefore)} -> ${bytes(l.bytesAfter)}`, l.skipped ?? '',
  ]);
  return columns([head, ...rows]);
}

async function readCalibration(files: readonly string[]): Promise<Record<string, Tensor>[]> {
  return Promise.all(files.map(async (f) => feedsFromSafetensors(await readFile(resolve(f)))));
}

function regex(flag: string, s: string | undefined): RegExp | undefined {
  if (s === undefined) return undefined;
  try {
    return new RegExp(s);
  } catch (e) {
    throw new RangeError(`--${flag}: not a regular expression: ${(e as Error).message}`);
  }
}

async function compressModel(input: string, flags: CompressFlags, display: ProgressDisplay): Promise<string> {
  let bar: ReturnType<ProgressDisplay['bar']> | undefined;
  let stage = '';
  const target = targetOf(flags);
  const opts: CompressOptions = {
    ...(target ? { target } : { sparsity: flags.sparsity as number }),
    patterns: flags.patterns ?? 'auto',
    ...(flags.batch === undefined ? {} : { batch: flags.batch }),
    minRetained: flags.minRetained,
    dtype: flags.dtype,
    ...(flags.calibration ? { calibration: await readCalibration(flags.calibration) } : {}),
    ...(flags.include ? { include: regex('include', flags.include) as RegExp } : {}),
    ...(flags.exclude ? { exclude: regex('exclude', flags.exclude) as RegExp } : {}),
    onProgress: (p) => {
      if (p.stage !== stage) {
        stage = p.stage;
        bar = display.bar(p.stage.padEnd(11), p.total);
      }
      bar?.update(p.done, p.layer);
    },
  };
  const result = await compress(input, opts);
  const out = resolve(flags.out ?? sibling(input, '.gsparse.onnx'));
  await writeFile(out, result.model);
  if (flags.prunedOut) await writeFile(resolve(flags.prunedOut), result.pruned);
  const report = flags.report && result.target
    ? await (await import('./profile/budget-report.js')).writeBudgetReport(result, resolve(flags.report)) : undefined;
  display.stop();
  if (flags.json) return JSON.stringify({ model: out, pruned: flags.prunedOut ?? null, layers: result.layers, target: result.target ?? null }, null, 2);
  const written = [`Model: ${out}`, ...(flags.prunedOut ? [`Pruned (standard ONNX): ${resolve(flags.prunedOut)}`] : []),
    ...(report ? [`Report: ${report.html}`] : [])];
  return `${compressTable(result.layers)}\n\n${result.target ? `${targetSummary(result.target)}\n` : ''}${written.join('\n')}`;
}

async function compressWeightsFile(input: string, flags: CompressFlags, display: ProgressDisplay): Promise<string> {
  if (flags.patterns && flags.patterns.length !== 1)
    throw new RangeError(`--patterns: a weights file takes one pattern, got ${flags.patterns.length} (per-layer choice needs the model)`);
  if (flags.calibration) throw new RangeError('--calibration: needs an ONNX model (activations come from running it), not a weights file');
  if (flags.sparsity === undefined) throw new RangeError('--sparsity: a weights file needs one sparsity (targets need the model)');
  let bar: ReturnType<ProgressDisplay['bar']> | undefined;
  const result = await compressWeights(input, {
    sparsity: flags.sparsity,
    pattern: flags.patterns?.[0] ?? 'csr',
    dtype: flags.dtype,
    ...(flags.include ? { include: regex('include', flags.include) as RegExp } : {}),
    ...(flags.exclude ? { exclude: regex('exclude', flags.exclude) as RegExp } : {}),
    onProgress: (p) => {
      bar ??= display.bar('compress', p.total);
      bar.update(p.done, p.tensor);
    },
  });
  const out = resolve(flags.out ?? sibling(input, '.gsparse.safetensors'));
  const masks = resolve(flags.masksOut ?? sibling(input, '.masks.safetensors'));
  await writeFile(out, result.packed);
  await writeFile(masks, result.masks);
  if (flags.prunedOut) await writeFile(resolve(flags.prunedOut), result.pruned);
  display.stop();
  if (flags.json) return JSON.stringify({ packed: out, masks, pruned: flags.prunedOut ?? null, layers: result.layers }, null, 2);
  const written = [`Packed layers: ${out}`, `Masks: ${masks}`, ...(flags.prunedOut ? [`Pruned weights: ${resolve(flags.prunedOut)}`] : [])];
  return `${weightsTable(result.layers)}\n\n${written.join('\n')}`;
}

/** The whole-model target the flags ask for, if any; exactly one of --sparsity and the targets. */
function targetOf(flags: CompressFlags): CompressTarget | undefined {
  const dims = flags.dims ? { dims: flags.dims } : {};
  const given: [string, CompressTarget][] = [];
  if (flags.speedup !== undefined) given.push(['--speedup', { speedup: flags.speedup, ...dims }]);
  if (flags.latencyMs !== undefined) given.push(['--latency-ms', { latencyMs: flags.latencyMs, ...dims }]);
  if (flags.size !== undefined) given.push(['--size', { bytes: flags.size }]);
  const names = [...given.map(([n]) => n), ...(flags.sparsity === undefined ? [] : ['--sparsity'])];
  if (names.length !== 1) throw new RangeError(`expected exactly one of --sparsity, --speedup, --latency-ms, --size; got ${names.length === 0 ? 'none' : names.join(', ')}`);
  return given[0]?.[1];
}

/** One paragraph: the target, met or not, each try predicted vs measured. */
export function targetSummary(t: TargetReport): string {
  const fmt = (v: number) => (t.unit === 'speedup' ? `${v.toFixed(2)}x` : t.unit === 'ms' ? `${v.toFixed(2)} ms` : bytes(v));
  const goal = 'speedup' in t.target ? `speedup ${t.target.speedup}x` : 'latencyMs' in t.target ? `latency ${t.target.latencyMs} ms` : `size ${bytes(t.target.bytes)}`;
  const tries = t.tries.map((x, i) => `try ${i + 1}: predicted ${fmt(x.predicted)}, measured ${fmt(x.measured)}`).join('; ');
  return `Target ${goal}: ${t.met ? 'met' : 'NOT met'}${t.denseMs === undefined ? '' : ` (dense on onnxruntime-node ${t.denseMs.toFixed(2)} ms)`}; ${tries}`;
}

/** Runs `gsparse compress IN` and prints its table (or JSON). */
export async function runCompress(input: string, flags: CompressFlags): Promise<void> {
  const display = new ProgressDisplay(flags.json === true);
  const started = Date.now();
  try {
    const isWeights = extname(input).toLowerCase() === '.safetensors';
    const text = isWeights ? await compressWeightsFile(input, flags, display) : await compressModel(input, flags, display);
    process.stdout.write(`${text}\n`);
    if (!flags.json) process.stdout.write(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    display.stop();
  }
}

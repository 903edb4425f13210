// `gsparse profile MODEL.onnx`: the whole model compressed at each sparsity against its dense self on
// onnxruntime-node (profileModel), as a table: time, speedup with its spread over rounds, and the patterns
// compress() picked.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { ProgressDisplay, type ProgressBar } from './cli-progress.js';
import { feedsFromSafetensors } from './model/safetensors-feeds.js';
import { fmtDuration, fmtMs, fmtPct, fmtSpeedup } from './profile/format.js';
import { type ModelProfileResult, profileModel } from './profile/model-profile.js';

/** Options of `gsparse profile MODEL` as commander parses them. */
export interface ProfileModelFlags {
  sparsities?: number[];
  patterns?: string[];
  batches?: number[];
  dims?: Record<string, number>;
  calibration?: string[];
  rounds?: number;
  runs?: number;
  minRetained: number;
  json?: boolean;
}

/** Pattern counts of a row's compressed layers, e.g. "gs:16 x8, csr x4". */
function picks(layers: ModelProfileResult['rows'][number]['layers']): string {
  const counts = new Map<string, number>();
  for (const l of layers) if (l.pattern) counts.set(l.pattern, (counts.get(l.pattern) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} x${n}`).join(', ');
}

/** The result as text: one line for the dense peer, one row per sparsity. */
export function modelTable(model: string, r: ModelProfileResult): string {
  const feeds = r.feeds.map((f) => `${f.name} [${f.dims.join(', ')}]`).join(', ');
  const head = ['sparsity', 'gsparse ms', 'speedup', 'rounds', 'compress', 'patterns picked'];
  const rows = r.rows.map((x) => [
    fmtPct(x.sparsity), fmtMs(x.ms), fmtSpeedup(x.speedup),
    `${fmtSpeedup(Math.min(...x.roundSpeedups))}..${fmtSpeedup(Math.max(...x.roundSpeedups))}`, fmtDuration(x.compressMs), picks(x.layers),
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const lines = all.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
  return [`${model}: feeds ${feeds}; onnxruntime-node dense at its defaults ${fmtMs(r.denseMs)} ms per run ` +
    `(${r.machine.simd}, ${r.machine.threads} threads; each runtime in its own process, alternating rounds)`, '', ...lines].join('\n');
}

/** Runs `gsparse profile MODEL` and prints its table (or JSON). */
export async function runProfileModel(model: string, flags: ProfileModelFlags): Promise<void> {
  if (flags.batches && flags.batches.length !== 1)
    throw new RangeError('--batches: a model takes one value (rows per kernel call that compress optimises for); its input shapes come from --dims');
  const display = new ProgressDisplay(flags.json === true);
  const bars = new Map<string, ProgressBar>();
  try {
    const calibration = flags.calibration
      ? await Promise.all(flags.calibration.map(async (f) => feedsFromSafetensors(await readFile(resolve(f)))))
      : undefined;
    const result = await profileModel(resolve(model), {
      ...(flags.sparsities ? { sparsities: flags.sparsities } : {}),
      ...(flags.patterns ? { patterns: flags.patterns } : {}),
      ...(flags.batches ? { batch: flags.batches[0] as number } : {}),
      ...(flags.dims ? { dims: flags.dims } : {}),
      ...(calibration ? { calibration } : {}),
      ...(flags.rounds ? { rounds: flags.rounds } : {}),
      ...(flags.runs ? { runs: flags.runs } : {}),
      minRetained: flags.minRetained,
      onProgress: (p) => {
        let bar = bars.get(p.stage);
        if (!bar) bars.set(p.stage, (bar = display.bar(p.stage.padEnd(8), p.total)));
        bar.update(p.done, p.what);
      },
    });
    display.stop();
    process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${modelTable(model, result)}\n`);
  } finally {
    display.stop();
  }
}

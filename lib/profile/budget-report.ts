// The report of a budgeted compress() (`gsparse compress --speedup ... --report DIR`): budget.json, and
// budget.html with the sensitivity curves the allocation weighed (damage against kernel time or bytes, per
// weight, the chosen option marked), the tries (predicted vs measured) and the per-layer choice. Rendered with
// the profiler's chart machinery (vega-lite -> static SVG), so it loads vega only when written.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { TopLevelSpec } from 'vega-lite';

import type { CompressResult, LayerReport, TargetReport } from '../model/compress-types.js';
import { renderSvg } from './charts.js';
import { fmtPct } from './format.js';
import { makeDir } from './make-dir.js';
import { escapeHtml } from './report-html.js';

/** Where the report went. */
export interface WrittenBudgetReport {
  html: string;
  json: string;
}

function targetText(t: TargetReport): string {
  const goal = 'speedup' in t.target ? `speedup ${t.target.speedup}x` : 'latencyMs' in t.target ? `latency ${t.target.latencyMs} ms` : `size ${t.target.bytes} bytes`;
  return `${goal}, ${t.met ? 'met' : 'NOT met'}`;
}

function fmtValue(unit: TargetReport['unit'], v: number): string {
  return unit === 'speedup' ? `${v.toFixed(2)}x` : unit === 'ms' ? `${v.toFixed(2)} ms` : `${Math.round(v)} B`;
}

/** The sensitivity curves as a vega-lite spec: one line per weight over its options, the chosen point filled. */
export function curvesSpec(t: TargetReport): TopLevelSpec {
  const cost = t.unit === 'bytes' ? 'bytes' : 'timeMs';
  const values = t.curves.flatMap((c) => c.options.map((o, k) => ({
    weight: `${c.weight} (${c.rows}x${c.cols}${c.uses > 1 ? `, x${c.uses}` : ''})`,
    pattern: o.pattern,
    curve: `${c.weight}|${o.pattern}`,
    cost: cost === 'bytes' ? o.bytes : o.timeMs,
    damage: o.damage,
    chosen: k === c.chosen,
    tip: `weight: ${c.weight}; pattern: ${o.pattern}; sparsity: ${fmtPct(o.sparsity)}; ${cost === 'bytes' ? `bytes: ${o.bytes}` : `time: ${o.timeMs.toFixed(3)} ms`}; damage: ${o.damage.toFixed(4)}${k === c.chosen ? '; chosen' : ''}`,
  })));
  const x = { field: 'cost', type: 'quantitative', title: cost === 'bytes' ? 'bytes' : 'kernel time, ms (per run)', scale: { zero: false } } as const;
  const y = { field: 'damage', type: 'quantitative', title: 'damage (squared output or weight error)' } as const;
  const color = { field: 'weight', type: 'nominal', legend: { title: 'weight', columns: 1, labelLimit: 260 } } as const;
  const tipEnc = { tooltip: { field: 'tip', type: 'nominal' }, description: { field: 'tip', type: 'nominal' } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 640, height: 360,
    data: { values },
    layer: [
      // One line per (weight, pattern): damage falling as the pattern's sparsity drops and its cost grows.
      { mark: { type: 'line', opacity: 0.35 }, encoding: { x, y, color, detail: { field: 'curve', type: 'nominal' }, order: { field: 'cost', type: 'quantitative' } } },
      { mark: { type: 'point', size: 40, opacity: 0.7 }, encoding: { x, y, color, shape: { field: 'pattern', type: 'nominal', legend: { title: 'pattern' } }, ...tipEnc } },
      { transform: [{ filter: 'datum.chosen' }], mark: { type: 'point', size: 170, filled: true, stroke: '#000', strokeWidth: 1 }, encoding: { x, y, color, shape: { field: 'pattern', type: 'nominal' }, ...tipEnc } },
    ],
  } as TopLevelSpec;
}

function layerRows(layers: readonly LayerReport[]): string {
  return layers.filter((l) => l.skipped === undefined).map((l) => `<tr><td class="l">${escapeHtml(l.name)}</td><td>${l.rows}x${l.cols}</td>` +
    `<td class="l">${escapeHtml(l.pattern ?? '')}</td><td>${fmtPct(l.sparsity ?? 0, 1)}</td><td>${l.byteLength ?? ''}</td>` +
    `<td>${l.outputError === undefined ? '' : l.outputError.toFixed(4)}</td></tr>`).join('\n');
}

/** budget.html: target and tries, the curves chart, the per-layer choice. */
export async function renderBudgetHtml(result: CompressResult): Promise<string> {
  const t = result.target as TargetReport;
  const svg = await renderSvg(curvesSpec(t));
  const tries = t.tries.map((x, i) => `<tr><td>${i + 1}</td><td>${fmtValue(t.unit, x.predicted)}</td><td>${fmtValue(t.unit, x.measured)}</td>` +
    `<td>${t.unit === 'bytes' ? Math.round(x.budget) : x.budget.toFixed(3)}</td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gsparse budget: ${escapeHtml(targetText(t))}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}th,td{padding:3px 9px;border-bottom:1px solid #e4e4e4;text-align:right}
th{background:#f5f5f5}td.l,th.l{text-align:left}figure svg{max-width:100%;height:auto}.note{color:#555;font-size:13px}</style></head><body>
<h1>Budgeted compression: ${escapeHtml(targetText(t))}</h1>
<p class="note">${t.denseMs === undefined ? '' : `Dense model on onnxruntime-node at its defaults: ${t.denseMs.toFixed(2)} ms per run. `}Each try allocates the budget (the goal minus the rest of the model, in ${t.unit === 'bytes' ? 'bytes of packed weights' : 'kernel time'}), builds the model and measures it end to end; a miss corrects the estimate and tries again.</p>
<table><tr><th>try</th><th>predicted</th><th>measured</th><th>budget (${t.unit === 'bytes' ? 'bytes' : 'ms of kernels'})</th></tr>
${tries}</table>
<h2>Sensitivity curves</h2>
<figure><figcaption>Per weight: every (pattern, sparsity) option's damage against its ${t.unit === 'bytes' ? 'size' : 'kernel time at this batch, measured on this machine'}; filled: the option chosen.</figcaption>
${svg}</figure>
<h2>Layers</h2>
<table><tr><th class="l">layer</th><th>shape</th><th class="l">pattern</th><th>sparsity</th><th>bytes</th><th>output error</th></tr>
${layerRows(result.layers)}</table>
</body></html>
`;
}

/** Writes budget.html and budget.json (the target report and the per-layer reports) into dir. */
export async function writeBudgetReport(result: CompressResult, dir: string): Promise<WrittenBudgetReport> {
  if (!result.target) throw new RangeError('result: expected the result of compress() with a target');
  await makeDir(dir);
  const html = join(dir, 'budget.html');
  const json = join(dir, 'budget.json');
  await writeFile(json, `${JSON.stringify({ target: result.target, layers: result.layers }, null, 2)}\n`);
  await writeFile(html, await renderBudgetHtml(result));
  return { html, json };
}

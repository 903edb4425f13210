// report.html: one self-contained page (inline CSS and SVG, no scripts, no network).
import type { RenderedChart } from './charts.js';
import { focusSparsity, isNm } from './focus.js';
import { fmtDuration, fmtMs, fmtPct, fmtSpeedup, regimeNote } from './format.js';
import { beatsDense, recommend } from './recommend.js';
import type { ProfileReport } from './types.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1180px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}
.meta{color:#555}.note{color:#555;font-size:13px;margin:2px 0 10px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:3px 9px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
th{background:#f5f5f5;position:sticky;top:0}td.l,th.l{text-align:left}
td.win{background:#dff3df;font-weight:700;color:#145214}td.bad{color:#999}
figure{margin:10px 0 26px}figcaption{color:#555;font-size:13px;margin-bottom:6px}
figure svg{max-width:100%;height:auto;display:block}
details{margin-top:24px}summary{cursor:pointer;font-weight:600}
`;

/** The HTML report: machine, speedup table with picks, the charts, and every measured cell. */
export function renderHtml(report: ProfileReport, charts: readonly RenderedChart[], minRetained = 0.97): string {
  const m = report.machine;
  const focus = focusSparsity(report);
  const picks = recommend(report.results, { minRetained });
  const pickAt = new Map(picks.map((r) => [`${r.layer}|${r.backend}|${r.batch}|${r.sparsity}`, r]));
  const sparse = report.patterns.filter((p) => p !== 'dense');
  const groups = new Map<string, typeof report.results>();
  for (const r of report.results) {
    const k = `${r.layer}|${r.backend}|${r.batch}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const rows = [...groups.entries()].sort(([, a], [, b]) => rank(report, a) - rank(report, b)).map(([key, g]) => {
    const f = g[0];
    if (!f) return '';
    const dense = g.find((r) => r.pattern === 'dense');
    const pick = pickAt.get(`${key}|${focus}`);
    const cells = sparse.map((p) => {
      const nm = isNm(p);
      const r = g.find((x) => x.pattern === p && (nm || Math.abs(x.targetSparsity - focus) < 1e-9));
      if (!r) return '<td class="bad">-</td>';
      const win = pick?.pattern === p;
      const bad = r.quality.retainedRatio < minRetained;
      const noise = !win && !bad && dense !== undefined && r.timeMs.median < dense.timeMs.median && !beatsDense(r, dense);
      const cls = win ? 'win' : bad ? 'bad' : '';
      const tip = `${fmtMs(r.timeMs.median)} ms (p10..p90 ${fmtMs(r.timeMs.p10)}..${fmtMs(r.timeMs.p90)}), retained ` +
        `${fmtPct(r.quality.retainedRatio, 1)} of unstructured, sparsity ${fmtPct(r.sparsity, 1)}` +
        `${noise ? ", faster than dense only within dense's spread" : ''}`;
      return `<td class="${cls}" title="${escapeHtml(tip)}">${fmtSpeedup(r.speedup)}${noise ? '~' : ''}</td>`;
    });
    return `<tr><td class="l">${escapeHtml(f.layer)}</td><td class="l">${f.rows}x${f.cols}</td><td>${escapeHtml(f.backend)}</td>` +
      `<td>${f.batch}</td><td>${dense ? fmtMs(dense.timeMs.median) : '-'}</td>${cells.join('')}` +
      `<td class="l">${pick ? `<b>${escapeHtml(pick.pattern)}</b> ${fmtSpeedup(pick.speedup)}` : '-'}</td></tr>`;
  });
  const header = sparse.map((p) => `<th>${escapeHtml(isNm(p) ? `${p} (@${fmtPct(1 - ratio(p))})` : p)}</th>`).join('');
  const figures = charts.map((c) => `<figure id="${escapeHtml(c.id)}"><h2>${escapeHtml(c.title)}</h2>` +
    `<figcaption>${escapeHtml(c.caption)}</figcaption>${stripXmlProlog(c.svg)}</figure>`).join('\n');
  const all = report.results.map((r) => `<tr><td class="l">${escapeHtml(r.layer)}</td><td class="l">${escapeHtml(r.pattern)}</td>` +
    `<td>${fmtPct(r.targetSparsity)}</td><td>${fmtPct(r.sparsity, 1)}</td><td>${r.batch}</td><td>${r.backend}</td>` +
    `<td>${fmtMs(r.timeMs.median)}</td><td>${fmtMs(r.timeMs.p10)}–${fmtMs(r.timeMs.p90)}</td><td>${fmtSpeedup(r.speedup)}</td>` +
    `<td>${r.gflops.toFixed(1)}</td><td>${r.gbps.toFixed(1)}</td><td>${r.quality.relErr.toFixed(3)}</td>` +
    `<td>${fmtPct(r.quality.retainedRatio, 1)}</td><td>${fmtMs(r.packMs)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>gsparse profile</title><style>${CSS}</style></head><body>
<h1>gsparse profile</h1>
<p class="meta">${escapeHtml(report.backends.join(' + '))} · ${escapeHtml(m.simd)} · ${m.threads} threads · GS banks ${m.recommendedBanks}` +
    `${m.cuda ? ` · GPU ${escapeHtml(m.cuda.name)} (${m.cuda.banks} banks)` : ''} · Node ${escapeHtml(m.node)} · ${escapeHtml(m.platform)} · ` +
    `${report.results.length} runs in ${fmtDuration(report.durationMs)}${regimeNote(report.regime, ' · ')}` +
    ` · ${escapeHtml(report.createdAt)}</p>
<h2>Speedup over dense at ${fmtPct(focus)} sparsity</h2>
<p class="note">Same backend and batch. Green: the pick, the fastest pattern whose retained magnitude is at least ${minRetained} × what
unstructured pruning keeps at the same nnz and that beats dense beyond the measured spread (its p90 time below dense's p10);
when none does, the pick is dense. Grey: below the magnitude bound. ~: faster than dense only within that spread (noise, not a pick).
-: not profiled (the layer runs fewer sparsities or batches). Hover a cell for time, spread and quality.</p>
<table><thead><tr><th class="l">layer</th><th class="l">shape</th><th>backend</th><th>batch</th><th>dense ms</th>${header}<th class="l">pick</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${figures}
<details><summary>All ${report.results.length} measurements</summary>
<table><thead><tr><th class="l">layer</th><th class="l">pattern</th><th>target</th><th>achieved</th><th>batch</th><th>backend</th><th>ms</th>
<th>p10–p90</th><th>speedup</th><th>GFLOP/s</th><th>GB/s</th><th>rel. error</th><th>retained / unstr.</th><th>pack ms</th></tr></thead>
<tbody>${all}</tbody></table></details>
</body></html>
`;
}

function ratio(p: string): number {
  const [n, m] = p.split(':').map(Number);
  return (n ?? 1) / (m ?? 1);
}

function rank(report: ProfileReport, g: ProfileReport['results']): number {
  const f = g[0];
  if (!f) return 0;
  return report.results.findIndex((r) => r.layer === f.layer) * 1e6 + (f.backend === 'cpu' ? 0 : 1e5) + f.batch;
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

// Report charts as vega-lite specs, compiled with vega-lite and rendered to static SVG by vega in Node.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import { focusSparsity, isNm } from './focus.js';
import { fmtMs, fmtPct, fmtSpeedup } from './format.js';
import type { ProfileReport, ProfileResult } from './types.js';

/** One rendered chart of the report. */
export interface Chart {
  id: string;
  title: string;
  /** What the chart shows, one sentence (shown under its title in report.html). */
  caption: string;
  spec: TopLevelSpec;
}

/** A chart with its SVG text. */
export interface RenderedChart extends Chart {
  svg: string;
}

const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#9d755d', '#eeca3b', '#ff9da6', '#17becf'];
const DENSE_COLOR = '#888888';
// Every point carries a `tip` naming what it is ("layer: …; pattern: …; …"): the tooltip in an interactive
// view, and its accessible description, which renderSvg turns into a <title> (hover text) in the static SVG.
const TIP = { tooltip: { field: 'tip', type: 'nominal' }, description: { field: 'tip', type: 'nominal' } } as const;

/** "layer: bert.ffn.up; pattern: csr; sparsity: 90%; batch: 1; speedup: 3.1x", the text of a point's tip. */
function tip(r: ProfileResult, layer: string, ...more: string[]): string {
  const sparsity = r.pattern === 'dense' ? [] : [`sparsity: ${fmtPct(r.targetSparsity)}`];
  return [`layer: ${layer}`, `pattern: ${r.pattern}`, ...sparsity, `batch: ${r.batch}`, ...more].join('; ');
}

/** The report's three chart specs: speedup vs sparsity, time vs batch, retained magnitude vs speedup. */
export function chartSpecs(report: ProfileReport, minRetained = 0.97): Chart[] {
  const multiBackend = report.backends.length > 1;
  const panel = (r: ProfileResult): string => (multiBackend ? `${r.layer} (${r.backend})` : r.layer);
  const panels = [...new Set(report.results.map(panel))];
  const patterns = report.patterns;
  const color = { field: 'pattern', type: 'nominal', title: 'pattern', scale: { domain: patterns, range: colorsFor(patterns) },
    legend: { orient: 'right', labelFontSize: 12, titleFontSize: 12, symbolSize: 120 } } as const;
  const facet = { field: 'panel', type: 'nominal', title: null, sort: panels, header: { labelFontSize: 12, labelFontWeight: 'bold' } } as const;
  const batch1 = Math.min(...report.batches);
  const focus = focusSparsity(report);
  const charts: Chart[] = [];

  const sweep = report.results
    .filter((r) => r.pattern !== 'dense' && r.batch === batch1)
    .map((r) => ({ panel: panel(r), pattern: r.pattern, sparsity: r.targetSparsity, speedup: r.speedup,
      tip: tip(r, panel(r), `speedup: ${fmtSpeedup(r.speedup)}`) }));
  const ticks = [...new Set(sweep.map((d) => d.sparsity))].sort((a, b) => a - b);
  charts.push({
    id: 'speedup-vs-sparsity',
    title: `Speedup over dense vs sparsity (batch ${batch1})`,
    caption: 'Higher is faster; the grey line is dense (1x). Log scale.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: sweep },
      facet: { ...facet },
      columns: 3,
      spec: {
        width: 250, height: 150,
        layer: [
          { mark: { type: 'rule', color: '#999', strokeDash: [4, 3] }, encoding: { y: { datum: 1 } } },
          {
            mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2 },
            encoding: {
              x: { field: 'sparsity', type: 'quantitative', title: 'sparsity', axis: { format: '.0%', values: ticks }, scale: { zero: false, nice: false, padding: 12 } },
              y: { field: 'speedup', type: 'quantitative', title: 'speedup (x)', scale: { type: 'log' }, axis: { tickCount: 4, format: '~g' } },
              color,
              ...TIP,
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent', x: 'independent' } },
      config: { font: 'sans-serif' },
    } as TopLevelSpec,
  });

  const byBatch = report.results
    .filter((r) => r.pattern === 'dense' || Math.abs(r.targetSparsity - focus) < 1e-9 || isNm(r.pattern))
    .map((r) => ({ panel: panel(r), pattern: r.pattern, batch: r.batch, ms: r.timeMs.median,
      tip: tip(r, panel(r), `median: ${fmtMs(r.timeMs.median)} ms`, `speedup: ${fmtSpeedup(r.speedup)}`) }));
  charts.push({
    id: 'time-vs-batch',
    title: `Time vs batch (${Math.round(focus * 100)}% sparsity; N:M at its own)`,
    caption: 'Lower is faster. Median time of Y = X·Wᵀ per call; log scales.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values: byBatch },
      facet: { ...facet },
      columns: 3,
      spec: {
        width: 250, height: 150,
        mark: { type: 'line', point: { filled: true, size: 45 }, strokeWidth: 2 },
        encoding: {
          x: { field: 'batch', type: 'quantitative', title: 'batch', scale: { type: 'log' }, axis: { values: report.batches, format: 'd' } },
          y: { field: 'ms', type: 'quantitative', title: 'ms', scale: { type: 'log' }, axis: { tickCount: 4, format: '~g' } },
          color,
          ...TIP,
        },
      },
      resolve: { scale: { y: 'independent' } },
      config: { font: 'sans-serif' },
    } as TopLevelSpec,
  });

  // Sparse candidates only: dense is not a sparsity level. It is one marker at (1x, 100%), the same for every layer.
  const pareto = report.results
    .filter((r) => r.batch === batch1 && r.pattern !== 'dense')
    .map((r) => ({ pattern: r.pattern, sparsity: fmtPct(r.targetSparsity), speedup: r.speedup, retained: r.quality.retainedRatio,
      tip: tip(r, panel(r), `speedup: ${fmtSpeedup(r.speedup)}`, `retained: ${fmtPct(r.quality.retainedRatio, 1)} of unstructured`) }));
  const x = { field: 'speedup', type: 'quantitative', title: 'speedup over dense (x, log)', scale: { type: 'log' }, axis: { format: '~g' } } as const;
  const y = { field: 'retained', type: 'quantitative', title: 'retained magnitude / unstructured', scale: { zero: false, domainMax: 1.0 }, axis: { format: '.0%' } } as const;
  charts.push({
    id: 'pareto',
    title: `Retained magnitude vs speedup (batch ${batch1}, every layer and sparsity)`,
    caption: `Up and right is better. Retained magnitude relative to unstructured pruning at the same nnz; dashed: the ${minRetained} bound recommend() uses.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 640, height: 320,
      layer: [
        { mark: { type: 'rule', color: '#d62728', strokeDash: [6, 4] }, encoding: { y: { datum: minRetained } } },
        {
          data: { values: pareto },
          mark: { type: 'point', filled: true, size: 60, opacity: 0.8 },
          encoding: {
            x, y, color,
            shape: { field: 'sparsity', type: 'nominal', title: 'sparsity', sort: 'ascending' },
            ...TIP,
          },
        },
        {
          data: { values: [{ pattern: 'dense', speedup: 1, retained: 1, tip: 'pattern: dense; the baseline of every layer (1x, 100%)' }] },
          mark: { type: 'point', shape: 'diamond', filled: true, size: 90 },
          encoding: { x, y, color, ...TIP },
        },
      ],
      config: { font: 'sans-serif' },
    } as TopLevelSpec,
  });
  return charts;
}

/** One colour per pattern, stable across charts: dense grey (the baseline), the others from the palette. */
function colorsFor(patterns: readonly string[]): string[] {
  let i = 0;
  return patterns.map((p) => (p === 'dense' ? DENSE_COLOR : (PALETTE[i++ % PALETTE.length] as string)));
}

/** Compiles a vega-lite spec and renders it to an SVG string (no browser, no canvas needed), points titled. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec, { logger: quietLogger() }).spec;
  const view = new View(parse(vg), { renderer: 'none' });
  try {
    return addTitles(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Gives every point of a vega SVG a <title> (the hover text browsers show) from its aria-label, which
 * vega fills from the tooltip encoding: a static SVG has no tooltip handler, so this is its tooltip.
 */
export function addTitles(svg: string): string {
  return svg.replace(/<path\b(?=[^>]*\baria-roledescription="point")([^>]*\baria-label="([^"]*)"[^>]*?)\/>/g,
    '<path$1><title>$2</title></path>');
}

/** All report charts, rendered to SVG. */
export async function renderCharts(report: ProfileReport, minRetained = 0.97): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const c of chartSpecs(report, minRetained)) out.push({ ...c, svg: await renderSvg(c.spec) });
  return out;
}

/** A vega-lite logger that keeps compile warnings out of the CLI's output. */
function quietLogger(): NonNullable<Parameters<typeof compile>[1]>['logger'] {
  let level = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...args: readonly unknown[]) => {
      throw new Error(args.map(String).join(' '));
    },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return logger as unknown as NonNullable<Parameters<typeof compile>[1]>['logger'];
}

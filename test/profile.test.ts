// profile(), recommend(), the quality and timing helpers, the charts' SVG and the terminal table.
import { beforeAll, describe, expect, it } from 'vitest';

import { GsparseError, backends, pack } from '../lib/index.js';
import { profile, recommend } from '../lib/profile/index.js';
import type { ProfileReport, ProfileResult } from '../lib/profile/index.js';
import { chartSpecs, renderCharts, type RenderedChart } from '../lib/profile/charts.js';
import { measure, quantile, sample, type SamplePlan, summarize } from '../lib/profile/measure.js';
import { MagnitudeIndex, quality } from '../lib/profile/quality.js';
import { gaussian } from '../lib/profile/random.js';
import { renderHtml } from '../lib/profile/report-html.js';
import { renderTable, shouldColor } from '../lib/profile/table.js';

const PATTERNS = ['dense', 'csr', '2:4', 'gs:16', 'channel'];
let report: ProfileReport;
let charts: RenderedChart[];
const progress: { done: number; total: number }[] = [];

beforeAll(async () => {
  report = await profile({
    layers: [{ name: 'attn', rows: 64, cols: 128 }, { name: 'ffn', rows: 128, cols: 64 }],
    patterns: PATTERNS, sparsities: [0.5, 0.9], batches: [1, 2], maxRepeats: 2, minTimeMs: 0,
    onProgress: (p) => progress.push({ done: p.done, total: p.total }),
  });
  charts = await renderCharts(report);
});

describe('profile() report', () => {
  it('has one result per layer x pattern x sparsity x batch (dense and N:M once per batch)', () => {
    // per layer: dense 2 + csr 4 + 2:4 2 + gs 4 + channel 4 = 16
    expect(report.results).toHaveLength(32);
    expect(report.patterns).toEqual(PATTERNS);
    expect(report.sparsities).toEqual([0.5, 0.9]);
    expect(report.batches).toEqual([1, 2]);
    expect(report.backends).toEqual(['cpu']);
    expect(report.regime).toBe('hot');
    expect(report.version).toBe(1);
  });

  it('is plain JSON data with the documented fields', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(Object.keys(report.machine)).toEqual(expect.arrayContaining(['simd', 'threads', 'recommendedBanks', 'backends', 'node']));
    for (const r of report.results) {
      expect(Object.keys(r).sort()).toEqual(['backend', 'batch', 'byteLength', 'bytes', 'cols', 'dtype', 'gbps', 'gflops', 'layer',
        'nnz', 'packMs', 'pattern', 'quality', 'rows', 'sparsity', 'speedup', 'targetSparsity', 'timeMs']);
      for (const v of [r.timeMs.median, r.timeMs.p10, r.timeMs.p90, r.gflops, r.gbps, r.speedup, r.packMs]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(r.timeMs.p10).toBeLessThanOrEqual(r.timeMs.median);
      expect(r.timeMs.median).toBeLessThanOrEqual(r.timeMs.p90);
      expect(r.timeMs.repeats).toBe(2);
      expect(r.gflops).toBeCloseTo((2 * r.rows * r.cols * r.batch) / (r.timeMs.median / 1e3) / 1e9, 6);
      expect(r.bytes).toBe(r.byteLength + 4 * r.batch * (r.rows + r.cols));
      expect(r.quality.retained).toBeGreaterThan(0);
      expect(r.quality.retained).toBeLessThanOrEqual(1);
      expect(r.quality.retainedRatio).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('measures dense as the baseline and reaches the target sparsity', () => {
    for (const r of report.results) {
      if (r.pattern === 'dense') {
        expect(r.speedup).toBe(1);
        expect(r.targetSparsity).toBe(0);
        expect(r.quality).toEqual({ relErr: 0, retained: 1, unstructuredRetained: 1, retainedRatio: 1 });
      } else if (r.pattern === '2:4') {
        expect(r.targetSparsity).toBe(0.5);
      } else {
        expect(Math.abs(r.sparsity - r.targetSparsity)).toBeLessThanOrEqual(0.02);
        const dense = report.results.find((d) => d.pattern === 'dense' && d.layer === r.layer && d.batch === r.batch);
        expect(r.speedup).toBeCloseTo((dense as ProfileResult).timeMs.median / r.timeMs.median, 9);
      }
      if (r.pattern === 'csr') expect(r.quality.retainedRatio).toBeCloseTo(1, 9); // unstructured is the reference
      if (r.pattern === 'gs:16') expect(r.quality.retainedRatio).toBeGreaterThan(0.9);
      if (r.pattern === 'channel') expect(r.quality.retainedRatio).toBeLessThan(0.9);
    }
  });

  it('reports progress up to done === total, and total is the number of runs made', () => {
    expect(progress.length).toBeGreaterThan(10);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    // The bar must end at the run count the summary prints (results.length), not at runs + packs + layers.
    for (const p of progress) expect(p.total).toBe(report.results.length);
    expect(progress.at(-1)).toEqual({ done: report.results.length, total: report.results.length });
  });

  it("regime 'cold' is recorded and named in the table's summary line", async () => {
    const r = await profile({ layers: [{ name: 'x', rows: 32, cols: 64 }], patterns: ['csr'], sparsities: [0.9], batches: [1], maxRepeats: 2, regime: 'cold' });
    expect(r.regime).toBe('cold');
    expect(r.results.map((x) => x.timeMs.repeats)).toEqual([2, 2]);
    expect(renderTable(r).split('\n')[0]).toMatch(/runs in .*, cold caches \(flushed before every call\)$/);
    expect(renderTable(report).split('\n')[0]).not.toMatch(/cold/);
  });

  it('accepts SparseMatrix layers and leaves them usable', async () => {
    const m = pack(gaussian(32 * 64, 7), [32, 64], { pattern: 'dense' });
    const r = await profile({ layers: [m, { name: 'named', matrix: m }], patterns: ['csr'], sparsities: [0.75], batches: [1], maxRepeats: 1 });
    expect([...new Set(r.results.map((x) => x.layer))]).toEqual(['layer0', 'named']);
    expect(r.results.map((x) => x.pattern)).toEqual(['dense', 'csr', 'dense', 'csr']);
    expect(m.toDense()).toHaveLength(32 * 64);
    m.dispose();
  });

  it('rejects bad options with TypeError / RangeError / E_BACKEND', async () => {
    await expect(profile({ layers: [] })).rejects.toThrow(RangeError);
    await expect(profile({ layers: [{ name: 'x', rows: 0, cols: 4 }] })).rejects.toThrow(/rows/);
    await expect(profile({ layers: [{ name: 'x', rows: 4, cols: 4 }], sparsities: [1.5] })).rejects.toThrow(RangeError);
    await expect(profile({ layers: [{ name: 'x', rows: 4, cols: 4 }], batches: [0] })).rejects.toThrow(RangeError);
    await expect(profile({ layers: [{ name: 'x', rows: 4, cols: 4 }], patterns: ['gs:7'] })).rejects.toThrow(/banks/);
    await expect(profile({ layers: [{ name: 'x', rows: 4, cols: 4 }], regime: 'warm' as never })).rejects.toThrow(/regime.*'warm'/);
    await expect(profile(null as never)).rejects.toThrow(TypeError);
    if (!backends().find((b) => b.name === 'cuda')?.available) {
      const err = await profile({ layers: [{ name: 'x', rows: 4, cols: 4 }], backends: ['cuda'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GsparseError);
      expect((err as GsparseError).code).toBe('E_BACKEND');
    }
  });
});

/** A hand-made result: only the fields recommend() reads matter. Spread p10..p90 defaults to none. */
function cell(layer: string, pattern: string, targetSparsity: number, ms: number, retainedRatio: number, batch = 1,
  spread: [p10: number, p90: number] = [ms, ms]): ProfileResult {
  return {
    layer, rows: 8, cols: 8, pattern, targetSparsity, sparsity: targetSparsity, nnz: 0, batch, backend: 'cpu', dtype: 'f32',
    timeMs: { median: ms, p10: spread[0], p90: spread[1], min: spread[0], repeats: 10 }, gflops: 1, bytes: 1, gbps: 1, speedup: 10 / ms,
    quality: { relErr: 0, retained: retainedRatio, unstructuredRetained: 1, retainedRatio }, packMs: 1, byteLength: 1,
  };
}

/** A hand-made report around hand-made results (renderTable reads machine, patterns and results). */
function handReport(results: ProfileResult[]): ProfileReport {
  return {
    version: 1, createdAt: '2026-01-01T00:00:00.000Z', durationMs: 1000, backends: ['cpu'], regime: 'hot', batches: [...new Set(results.map((r) => r.batch))],
    sparsities: [...new Set(results.filter((r) => r.pattern !== 'dense').map((r) => r.targetSparsity))],
    patterns: [...new Set(results.map((r) => r.pattern))], results,
    machine: { simd: 'avx512', threads: 2, recommendedBanks: 16, backends: [], node: 'v20', platform: 'linux-x64' },
  };
}

describe('recommend()', () => {
  const results = [
    cell('L', 'dense', 0, 10, 1),
    cell('L', 'csr', 0.9, 4, 1),
    cell('L', 'gs:16', 0.9, 2, 0.99),
    cell('L', 'channel', 0.9, 1, 0.5), // fastest, but keeps far too little: excluded
    cell('L', 'block:4x1', 0.9, 1.5, 0.968), // just under 0.97: excluded
    cell('L', 'csr', 0.5, 12, 1), // slower than dense at 50%
    cell('L', 'gs:16', 0.5, 11, 0.995),
    cell('L', '2:4', 0.5, 9, 0.93),
  ];

  it('picks the fastest pattern above the retained-magnitude bound and lists faster rejects', () => {
    const recs = recommend(results);
    expect(recs.map((r) => [r.sparsity, r.pattern])).toEqual([[0.5, 'dense'], [0.9, 'gs:16']]);
    const at90 = recs[1]!;
    expect(at90.speedup).toBe(5);
    expect(at90.timeMs).toBe(2);
    expect(at90.rejected.map((r) => r.pattern)).toEqual(['channel', 'block:4x1']);
    expect(recs[0]!.rejected.map((r) => r.pattern)).toEqual(['2:4']);
  });

  it('a lower bound admits the faster pattern', () => {
    expect(recommend(results, { minRetained: 0.96, sparsity: 0.9 }).map((r) => r.pattern)).toEqual(['block:4x1']);
    expect(recommend(results, { minRetained: 0.9, sparsity: 0.5 }).map((r) => r.pattern)).toEqual(['2:4']);
    expect(recommend(results, { minRetained: 0 , sparsity: 0.9 }).map((r) => r.pattern)).toEqual(['channel']);
  });

  it('keeps layers and batches apart', () => {
    const more = [...results, cell('L', 'dense', 0, 100, 1, 64), cell('L', 'csr', 0.9, 50, 1, 64), cell('L', 'gs:16', 0.9, 80, 0.99, 64),
      cell('M', 'dense', 0, 1, 1), cell('M', 'gs:16', 0.9, 0.5, 0.98)];
    const recs = recommend(more, { sparsity: 0.9 });
    expect(recs.map((r) => [r.layer, r.batch, r.pattern])).toEqual([['L', 1, 'gs:16'], ['L', 64, 'csr'], ['M', 1, 'gs:16']]);
  });

  it('a sparse pick must beat dense beyond the measured spread, else dense', () => {
    // resnet50.conv1x1.a batch 1 as measured: gs:16x4 at 1.011x, inside dense's p10..p90.
    const dense = cell('R', 'dense', 0, 10, 1, 1, [9.5, 10.5]);
    const noisy = cell('R', 'gs:16x4', 0.9, 9.89, 0.99, 1, [9.6, 10.2]); // p90 10.2 >= dense p10 9.5
    const recs = recommend([dense, noisy]);
    expect(recs.map((r) => r.pattern)).toEqual(['dense']);
    expect(recs[0]!.rejected).toEqual([{ pattern: 'gs:16x4', speedup: 10 / 9.89, retainedRatio: 0.99, reason: 'noise' }]);
    // A clear win: its p90 (9.4) is below dense's p10 (9.5).
    expect(recommend([dense, cell('R', 'csr', 0.9, 9.2, 1, 1, [9.0, 9.4])]).map((r) => r.pattern)).toEqual(['csr']);
    // Equal to dense's p10 is not below it.
    expect(recommend([dense, cell('R', 'csr', 0.9, 9.2, 1, 1, [9.0, 9.5])]).map((r) => r.pattern)).toEqual(['dense']);
    // A noisy faster median loses to a slower candidate whose whole spread beats dense.
    const picked = recommend([dense, cell('R', 'gs:16', 0.9, 6, 0.99, 1, [5, 9.7]), cell('R', 'csr', 0.9, 8, 1, 1, [7.8, 8.2]),
      cell('R', 'channel', 0.9, 2, 0.5, 1, [1.9, 2.1])]);
    expect(picked.map((r) => r.pattern)).toEqual(['csr']);
    expect(picked[0]!.rejected.map((r) => [r.pattern, r.reason])).toEqual([['channel', 'quality'], ['gs:16', 'noise']]);
  });

  it('rejects a sparsity that was not profiled and a bad bound', () => {
    expect(() => recommend(results, { sparsity: 0.8 })).toThrow(/0\.5, 0\.9/);
    expect(() => recommend(results, { minRetained: 2 })).toThrow(RangeError);
  });

  it('works on a real report', () => {
    const recs = recommend(report.results);
    expect(recs).toHaveLength(2 * 2 * 2); // layers x batches x sparsities
    for (const r of recs) expect(r.retainedRatio).toBeGreaterThanOrEqual(0.97);
  });
});

describe('quality helpers', () => {
  it('topKSum equals the sorted prefix sum (ties and signs included)', () => {
    const w = gaussian(5000, 3);
    for (let i = 0; i < 500; i++) w[i * 7] = i % 2 ? 0.5 : -0.5; // many ties
    const idx = new MagnitudeIndex(w);
    const sorted = Array.from(w, Math.abs).sort((a, b) => b - a);
    for (const k of [0, 1, 17, 250, 499, 500, 1234, 4999, 5000, 6000]) {
      const expected = sorted.slice(0, k).reduce((s, x) => s + x, 0);
      expect(idx.topKSum(k)).toBeCloseTo(expected, 6);
    }
  });

  it('quality() of a hand-worked case', () => {
    const w = Float32Array.from([3, -4, 1, 0]);
    const idx = new MagnitudeIndex(w);
    const q = quality(w, Float32Array.from([0, -4, 1, 0]), 2, idx); // unstructured would keep 4 and 3
    expect(q.relErr).toBeCloseTo(3 / Math.sqrt(26), 12);
    expect(q.retained).toBeCloseTo(5 / 8, 12);
    expect(q.unstructuredRetained).toBeCloseTo(7 / 8, 12);
    expect(q.retainedRatio).toBeCloseTo(5 / 7, 12);
  });
});

describe('timing helpers', () => {
  it('quantiles interpolate and summarize sorts', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1, 12);
    expect(summarize([5, 1, 3])).toEqual({ median: 3, p10: 1.4, p90: 4.6, min: 1, repeats: 3 });
  });

  it('measure honours warm-up and repeat bounds', () => {
    let calls = 0;
    const t = measure(() => void calls++, { warmup: 2, minRepeats: 4, maxRepeats: 6, minTimeMs: 0 });
    expect(t.repeats).toBe(4);
    expect(calls).toBe(6);
    calls = 0;
    expect(measure(() => void calls++, { warmup: 0, minRepeats: 1, maxRepeats: 5, minTimeMs: 1e9 }).repeats).toBe(5);
  });
});

/** Busy-waits ms milliseconds: a call that takes at least that long, whatever the load. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('timing engine: sample()', () => {
  const plan = (o: Partial<SamplePlan>): SamplePlan => ({ warmup: 0, minRepeats: 3, maxRepeats: 3, minTimeMs: 0, ...o });

  it('cold: flushes before every timed call, not before warm-up, and does not time the flush', () => {
    const log: string[] = [];
    const s = sample(() => log.push('call'), plan({ warmup: 2, minSampleMs: 50 }), () => {
      log.push('flush');
      spin(20);
    });
    expect(log).toEqual(['call', 'call', 'flush', 'call', 'flush', 'call', 'flush', 'call']);
    expect(s.inner).toBe(1); // no looping in the cold regime: a second call would find W in cache
    expect(s.ms).toHaveLength(3);
    for (const ms of s.ms) expect(ms).toBeLessThan(20);
  });

  it('hot: calls faster than minSampleMs are looped, a sample being loop time / inner', () => {
    let calls = 0;
    const s = sample(() => {
      calls++;
      spin(0.05);
    }, plan({ warmup: 1, minRepeats: 2, maxRepeats: 2, minSampleMs: 20 }));
    expect(s.inner).toBeGreaterThan(1);
    expect(s.inner).toBeLessThanOrEqual(400); // ceil(20 / 0.05): the calibration call took at least 0.05 ms
    expect(calls).toBe(1 + 1 + 2 * s.inner); // warm-up, calibration, samples
    for (const ms of s.ms) expect(ms).toBeGreaterThanOrEqual(0.05);
    expect(sample(() => spin(0.05), plan({})).inner).toBe(1); // minSampleMs 0 (profile()): one call per sample
  });

  it('stops at maxTimeMs short of minRepeats, but not before 3 samples', () => {
    const s = sample(() => spin(2), plan({ minRepeats: 100, maxRepeats: 100, maxTimeMs: 5 }));
    expect(s.ms).toHaveLength(3);
    for (const ms of s.ms) expect(ms).toBeGreaterThanOrEqual(2);
  });

  it('measure() with a flush is the cold regime: one flush per timed call', () => {
    let flushes = 0;
    const t = measure(() => undefined, { warmup: 1, minRepeats: 4, maxRepeats: 4, minTimeMs: 0 }, () => void flushes++);
    expect(t.repeats).toBe(4);
    expect(flushes).toBe(4);
  });
});

/** Minimal XML well-formedness check: balanced, properly nested tags, quoted attributes. */
function checkXml(xml: string): void {
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    if (m[5]) throw new Error(`stray '<' at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (!m[2]) continue;
    if (m[1]) {
      const open = stack.pop();
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}> at ${m.index}`);
    } else if (!m[4]) stack.push(m[2]);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
}

function textOf(svg: string, role: string): string[] {
  const g = svg.split(`class="mark-text ${role}`).slice(1).map((s) => s.slice(0, s.indexOf('</g>')));
  return g.flatMap((s) => [...s.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((x) => x[1] as string));
}

describe('charts', () => {
  it('the checker catches broken XML', () => {
    expect(() => checkXml('<svg><g></svg>')).toThrow();
    expect(() => checkXml('<svg><g/></svg>')).not.toThrow();
  });

  it('renders three well-formed SVGs with a size', () => {
    expect(charts.map((c) => c.id)).toEqual(['speedup-vs-sparsity', 'time-vs-batch', 'pareto']);
    for (const c of charts) {
      expect(c.svg.startsWith('<svg')).toBe(true);
      checkXml(c.svg);
      const [, w, h] = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(c.svg) ?? [];
      expect(Number(w)).toBeGreaterThan(200);
      expect(Number(h)).toBeGreaterThan(150);
    }
  });

  it('every chart has one legend entry and one series per pattern it plots', () => {
    const sparse = PATTERNS.filter((p) => p !== 'dense');
    const plotted = (svg: string): string[] => [...new Set([...svg.matchAll(/pattern: ([^";]+)/g)].map((x) => x[1] as string))].sort();
    const [speed, time, pareto] = charts as [RenderedChart, RenderedChart, RenderedChart];
    for (const c of charts) expect(textOf(c.svg, 'role-legend-label')).toEqual(expect.arrayContaining(PATTERNS));
    expect(plotted(speed.svg)).toEqual([...sparse].sort());
    expect(plotted(time.svg)).toEqual([...PATTERNS].sort());
    expect(plotted(pareto.svg)).toEqual([...PATTERNS].sort());
    // one line per pattern per layer panel
    expect(speed.svg.match(/class="mark-line role-mark/g)).toHaveLength(2 * sparse.length);
    expect(time.svg.match(/class="mark-line role-mark/g)).toHaveLength(2 * PATTERNS.length);
    expect(textOf(speed.svg, 'role-title-text')).toEqual(['attn', 'ffn']);
  });

  it('every point has a tooltip and an SVG <title> naming its layer, pattern and batch', () => {
    for (const c of chartSpecs(report)) {
      const json = JSON.stringify(c.spec);
      expect(json, c.id).toContain('"tooltip":{"field":"tip"');
    }
    for (const c of charts) {
      const points = [...c.svg.matchAll(/<path[^>]*aria-roledescription="point"[^>]*>(?:<title>([^<]*)<\/title>)?/g)];
      expect(points.length, c.id).toBeGreaterThan(0);
      for (const [, title] of points) {
        if (title?.startsWith('pattern: dense; the baseline')) continue; // the one dense marker of the pareto chart
        expect(title, c.id).toMatch(/^layer: (attn|ffn); pattern: [^;]+; (sparsity: \d+%; )?batch: \d+; /);
      }
    }
    const pareto = charts[2]!.svg;
    const titles = [...pareto.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1] as string);
    // One point per sparse result at batch 1, each named; plus the dense marker.
    const sparseAt1 = report.results.filter((r) => r.batch === 1 && r.pattern !== 'dense');
    expect(titles).toHaveLength(sparseAt1.length + 1);
    for (const r of sparseAt1) {
      const name = `layer: ${r.layer}; pattern: ${r.pattern}; sparsity: ${Math.round(r.targetSparsity * 100)}%; batch: 1;`;
      expect(titles.filter((t) => t.startsWith(name)), name).toHaveLength(1);
    }
  });

  it("the pareto chart's sparsity legend has no 'dense'", () => {
    const spec = chartSpecs(report).find((c) => c.id === 'pareto')!.spec as unknown as {
      layer: { data?: { values: Record<string, unknown>[] }; encoding?: { shape?: { field: string } } }[];
    };
    const shaped = spec.layer.filter((l) => l.encoding?.shape);
    expect(shaped).toHaveLength(1);
    const field = shaped[0]!.encoding!.shape!.field;
    const domain = [...new Set(shaped[0]!.data!.values.map((d) => d[field]))].sort();
    expect(domain).toEqual(['50%', '90%']);
    // Rendered: 'dense' is a legend label once (the pattern legend), not also a sparsity.
    expect(textOf(charts[2]!.svg, 'role-legend-label').filter((t) => t === 'dense')).toHaveLength(1);
  });

  it('specs are plain vega-lite JSON', () => {
    for (const c of chartSpecs(report)) expect(JSON.parse(JSON.stringify(c.spec))).toEqual(c.spec);
  });
});

describe('terminal table', () => {
  it('marks the pick per row, plain when colour is off', () => {
    const t = renderTable(report, { color: false });
    expect(t).not.toMatch(/\u001b\[/);
    const rows = t.split('\n').filter((l) => /^(attn|ffn) /.test(l));
    expect(rows).toHaveLength(8); // 2 tables x 2 layers x 2 batches
    // The pick is starred in its pattern column, unless dense itself wins (no sparse column to star).
    for (const row of rows.slice(0, 4)) expect(/\*/.test(row) || /\bdense \d/.test(row), row).toBe(true);
    expect(t).toContain('90% sparsity');
  });

  it("explains '-' cells: layers not profiled at the focus sparsity", async () => {
    const r = await profile({
      layers: [{ name: 'full', rows: 32, cols: 64 }, { name: 'part', rows: 32, cols: 64, sparsities: [0.5] }],
      patterns: ['dense', 'csr'], sparsities: [0.5, 0.9], batches: [1], maxRepeats: 1, minTimeMs: 0,
    });
    const t = renderTable(r, { color: false });
    const partRows = t.split('\n').filter((l) => /^part /.test(l));
    expect(partRows[0]).toMatch(/\s-\s+-$/); // csr and pick at 90%: not profiled
    expect(partRows[1]).toMatch(/\s-$/); // second table, the 90% column
    expect(t).toMatch(/^.*- = not profiled.*$/m);
    expect(t).toMatch(/^Recommended .*- = not profiled at that sparsity/m);
  });

  it("marks wins within dense's spread with '~' and picks dense for them", () => {
    const t = renderTable(handReport([
      cell('resnet', 'dense', 0, 10, 1, 1, [9.5, 10.5]),
      cell('resnet', 'csr', 0.9, 12, 1, 1, [11.5, 12.5]),
      cell('resnet', 'gs:16x4', 0.9, 9.89, 0.99, 1, [9.6, 10.2]),
    ]), { color: false });
    const row = t.split('\n').find((l) => /^resnet /.test(l)) as string;
    expect(row).toMatch(/0\.83x\s+1\.0x~\s+dense 1\.0x$/);
    expect(t).toMatch(/~ = faster than dense only within the spread/);
    expect(t).toMatch(/p90 below dense's p10/);
  });

  it("report.html marks the same cells and states the pick rule, '~' and '-'", () => {
    const html = renderHtml(handReport([
      cell('resnet', 'dense', 0, 10, 1, 1, [9.5, 10.5]),
      cell('resnet', 'gs:16x4', 0.9, 9.89, 0.99, 1, [9.6, 10.2]),
      cell('other', 'dense', 0, 10, 1, 1, [9.5, 10.5]),
      cell('other', 'gs:16x4', 0.5, 5, 0.99, 1, [4.9, 5.1]), // not profiled at the focus sparsity (90%)
    ]), []);
    // The speedup table's row of a layer (the shape column follows the name; the all-measurements table has the pattern there).
    const row = (layer: string): string => html.split('\n').find((l) => l.includes(`<tr><td class="l">${layer}</td><td class="l">8x8<`)) as string;
    expect(row('resnet')).toMatch(/title="[^"]*p10\.\.p90 9\.60\.\.10\.2[^"]*within dense&#39;s spread">1\.0x~<\/td>/);
    expect(row('resnet')).toMatch(/<b>dense<\/b> 1\.0x<\/td><\/tr>$/);
    expect(row('other')).toContain('<td class="bad">-</td>');
    expect(html).toMatch(/p90 time below dense's p10/);
    expect(html).toMatch(/~: faster than dense only within that spread/);
    expect(html).toMatch(/-: not profiled/);
  });

  it('highlights with ANSI when colour is on', () => {
    expect(renderTable(report, { color: true })).toMatch(/\u001b\[1;32m/);
  });

  it('shouldColor respects NO_COLOR, FORCE_COLOR, TTY and TERM=dumb', () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });
});

// recommend(): per layer, backend, batch and sparsity, the fastest pattern that keeps enough magnitude.
import type { ProfileResult, Recommendation, RecommendOptions, Rejected } from './types.js';

const EPS = 1e-9;

/**
 * Whether r beats dense beyond the measured spread: r's p90 is below dense's p10, so even r's slow
 * runs are faster than dense's fast ones. A speedup inside that spread is noise, not a win.
 */
export function beatsDense(r: ProfileResult, dense: ProfileResult): boolean {
  return r.timeMs.p90 < dense.timeMs.p10;
}

/**
 * Picks, for each layer, backend, batch and target sparsity, the fastest profiled pattern whose
 * retained magnitude is >= minRetained (default 0.97) x what unstructured pruning keeps at the same
 * nnz and that beats dense beyond the measured spread (beatsDense). Dense competes too, so a layer
 * where sparsity does not clearly pay gets 'dense'.
 */
export function recommend(results: readonly ProfileResult[], opts: RecommendOptions = {}): Recommendation[] {
  if (!Array.isArray(results)) throw new TypeError('results: expected the results array of a profile report');
  const minRetained = opts.minRetained ?? 0.97;
  if (typeof minRetained !== 'number' || !(minRetained >= 0 && minRetained <= 1))
    throw new RangeError(`minRetained: expected a number in [0, 1], got ${String(minRetained)}`);
  const groups = new Map<string, ProfileResult[]>();
  for (const r of results) {
    const key = `${r.layer}\u0000${r.backend}\u0000${r.batch}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const targets = [...new Set(results.filter((r) => r.pattern !== 'dense').map((r) => r.targetSparsity))].sort((a, b) => a - b);
  if (opts.sparsity !== undefined && !targets.some((t) => Math.abs(t - (opts.sparsity as number)) < EPS))
    throw new RangeError(`sparsity: expected one of the profiled sparsities (${targets.join(', ')}), got ${String(opts.sparsity)}`);

  const out: Recommendation[] = [];
  for (const group of groups.values()) {
    const dense = group.find((r) => r.pattern === 'dense');
    const sparsities = [...new Set(group.filter((r) => r.pattern !== 'dense').map((r) => r.targetSparsity))]
      .filter((s) => opts.sparsity === undefined || Math.abs(s - opts.sparsity) < EPS)
      .sort((a, b) => a - b);
    for (const s of sparsities) {
      const candidates = group.filter((r) => r.pattern !== 'dense' && Math.abs(r.targetSparsity - s) < EPS);
      if (dense) candidates.push(dense);
      const why = (r: ProfileResult): Rejected['reason'] | undefined =>
        r.quality.retainedRatio < minRetained ? 'quality' : dense && r !== dense && !beatsDense(r, dense) ? 'noise' : undefined;
      const best = fastest(candidates.filter((r) => why(r) === undefined));
      if (!best) continue;
      const rejected: Rejected[] = candidates
        .filter((r) => why(r) !== undefined && r.timeMs.median < best.timeMs.median)
        .sort((a, b) => a.timeMs.median - b.timeMs.median)
        .map((r) => ({ pattern: r.pattern, speedup: r.speedup, retainedRatio: r.quality.retainedRatio, reason: why(r) as Rejected['reason'] }));
      out.push({
        layer: best.layer, rows: best.rows, cols: best.cols, backend: best.backend, batch: best.batch, sparsity: s,
        pattern: best.pattern, timeMs: best.timeMs.median, speedup: best.speedup,
        retainedRatio: best.quality.retainedRatio, rejected,
      });
    }
  }
  return out;
}

function fastest(rs: readonly ProfileResult[]): ProfileResult | undefined {
  let best: ProfileResult | undefined;
  for (const r of rs) if (!best || r.timeMs.median < best.timeMs.median) best = r;
  return best;
}

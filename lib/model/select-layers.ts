// Which linear layers compress() takes: those findLinearLayers finds, minus include / exclude, minus weights that
// something else also reads; a report for each layer it leaves, saying why.
import type { CompressOptions, LayerReport } from './compress-types.js';
import type { GraphIndex } from './graph.js';
import { findLinearLayers, type LinearLayer } from './linear-layers.js';

/**
 * Weights gsparse must leave alone, and why: a B some other node also reads (pruning it would change that
 * node), or a B that layers use with different transposes or alpha (each would prune it differently).
 */
function sharedWeights(index: GraphIndex, layers: LinearLayer[]): Map<string, string> {
  const reasons = new Map<string, string>();
  const layerNodes = new Set(layers.map((l) => l.node));
  const form = new Map<string, string>();
  for (const l of layers) {
    const other = (index.consumers.get(l.weight) ?? []).find((c) => !layerNodes.has(c));
    if (other !== undefined) reasons.set(l.weight, `B is also read by node '${index.nodes[other]?.name || index.nodes[other]?.opType}'`);
    const key = `${l.weightIsB}|${l.alpha}`;
    if ((form.get(l.weight) ?? key) !== key) reasons.set(l.weight, 'B is shared by layers with different transB or alpha');
    form.set(l.weight, key);
  }
  return reasons;
}

/** Layers compress() takes (after include / exclude and shared-weight checks); reports for those it leaves. */
export function selectLayers(index: GraphIndex, o: CompressOptions): { layers: LinearLayer[]; reports: LayerReport[]; order: Map<string, number> } {
  const found = findLinearLayers(index);
  const reports: LayerReport[] = found.skipped.map((s) => ({ name: s.name, op: s.op, weight: '', rows: 0, cols: 0, skipped: s.reason }));
  const skip = (l: LinearLayer, reason: string) =>
    reports.push({ name: l.name, op: l.op, weight: l.weight, rows: l.rows, cols: l.cols, skipped: reason });
  const selected = found.layers.filter((l) => {
    const names = [l.name, l.weight];
    const keep = (!o.include || names.some((n) => (o.include as RegExp).test(n))) && !(o.exclude && names.some((n) => (o.exclude as RegExp).test(n)));
    if (!keep) skip(l, 'excluded by include / exclude');
    return keep;
  });
  const shared = sharedWeights(index, selected);
  const layers = selected.filter((l) => {
    const reason = shared.get(l.weight);
    if (reason) skip(l, reason);
    return reason === undefined;
  });
  const order = new Map([...found.layers, ...found.skipped].map((l) => [l.name, l.node]));
  return { layers, reports, order };
}


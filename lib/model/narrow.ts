// Channel narrowing: removes the hidden units whose weight row is all zero (as channel pruning leaves them) from
// each chain, so both neighbouring layers become genuinely smaller dense layers that any runtime runs faster.
import { topologicalOrder } from './graph.js';
import { modelChains } from './hidden-chains.js';
import type { LinearLayer } from './linear-layers.js';
import type { ModelProto, TensorProto } from './onnx-types.js';
import { reindexChains } from './reindex-hidden.js';
import { readFloats } from './tensor-data.js';

/** What narrowModel() did to one linear layer's rows (output units). */
export interface NarrowedLayer {
  name: string;
  rows: number;
  keptRows: number;
  /** Why its rows could not be narrowed (docs/models.md), when they could not. */
  blocked?: string;
}

/** The units of a layer whose W row holds a nonzero (at least one unit: zero-size tensors do not run everywhere). */
function nonzeroUnits(layer: LinearLayer, b: Float32Array): Int32Array {
  const { rows, cols, weightIsB } = layer;
  const live = new Uint8Array(rows);
  for (let j = 0; j < b.length; j++) if (b[j] !== 0) live[weightIsB ? Math.floor(j / cols) : j % rows] = 1;
  const keep = Int32Array.from([...live.keys()].filter((u) => live[u]));
  return keep.length > 0 ? keep : Int32Array.of(0);
}

/**
 * Removes every chain's all-zero hidden units (their constant outputs folded into the next layers' biases), in
 * topological order so that units left dead by an earlier chain go too; returns the smaller model and what changed.
 */
export function narrowModel(proto: ModelProto): { model: ModelProto; layers: NarrowedLayer[] } {
  const { index, layers, chains, blocked } = modelChains(proto);
  const position = new Map(topologicalOrder(index).map((n, k) => [n, k]));
  const weights = chains.map((c) => c.producer).sort((a, b) => (position.get(a.node) ?? 0) - (position.get(b.node) ?? 0)).map((l) => l.weight);
  const kept = new Map<string, number>();
  const model = reindexChains(proto, weights, (chain, current) => {
    const keep = nonzeroUnits(chain.producer, readFloats(current.initializers.get(chain.producer.weight) as TensorProto));
    kept.set(chain.producer.weight, keep.length);
    return keep.length < chain.producer.rows ? keep : undefined;
  });
  const reasons = new Map(blocked.filter((b) => b.side === 'rows').map((b) => [b.layer, b.reason]));
  return {
    model,
    layers: layers.map((l) => {
      const reason = reasons.get(l.name);
      return { name: l.name, rows: l.rows, keptRows: (reason ? undefined : kept.get(l.weight)) ?? l.rows, ...(reason ? { blocked: reason } : {}) };
    }),
  };
}

// Permutes each chain's hidden units by strength, folded into the producer's rows and the consumers' columns: GS's
// row grouping (`:permute`) and bank balancing at no run-time cost (docs/models.md).
import type { GraphIndex } from './graph.js';
import { type BlockedSide, type HiddenChain, modelChains } from './hidden-chains.js';
import type { LinearLayer } from './linear-layers.js';
import type { ModelProto, TensorProto } from './onnx-types.js';
import { reindexChains } from './reindex-hidden.js';
import { readFloats } from './tensor-data.js';

/** Options of permuteModel(). */
export interface PermuteOptions {
  /** Only the chains whose producer passes (default: every chain). */
  layers?: (producer: LinearLayer) => boolean;
  /** Strength of each of a chain's units ([producer rows]); default unitStrength(). */
  strength?: (chain: HiddenChain) => ArrayLike<number>;
  /** Per layer name, a scale of each of its input columns (activation norms, as Wanda scores |w|·‖x‖). */
  colScale?: Readonly<Record<string, ArrayLike<number>>>;
  /**
   * For N:M consumers: deal the units across groups of this many consecutive columns (dealtOrder) instead of
   * GS's strengthOrder, which would put units of one strength level side by side in one group.
   */
  groupSize?: number;
}

/** permuteModel()'s result. */
export interface PermuteResult {
  model: ModelProto;
  /** The chains permuted (an identity order leaves the tensors as they are). */
  folded: { producer: string; consumers: string[] }[];
  /** Layer sides no permutation can be folded into: a blocked producer may use GS's `:permute` instead. */
  blocked: BlockedSide[];
}

/**
 * Units sorted by descending strength, ties by index. One order serves both sides of a chain: consecutive units
 * have similar strength, so each group of R consecutive producer rows holds rows of one strength level (GS's row
 * grouping, what `:permute` does with a scatter); and since bank(c) = c mod banks, the units of each strength level
 * (`banks` consecutive positions) are dealt one per bank, so every bank of the consumer's columns gets one unit of
 * each level (bank balancing, which would otherwise need a gather).
 */
export function strengthOrder(strength: ArrayLike<number>): Int32Array {
  const s = Float64Array.from(strength, (v) => (Number.isNaN(v) ? -Infinity : v));
  return Int32Array.from(s.keys()).sort((a, b) => (s[b] as number) - (s[a] as number) || a - b);
}

/**
 * Units dealt across groups of m consecutive positions (N:M's groups of input columns): the G = ceil(n / m)
 * strongest go one to each group's first slot, the next G to the second slots, and so on, so every group holds
 * one unit of each strength level and an N:M pattern need not drop strong units that share a group (Pool & Yu,
 * "Channel Permutations for N:M Sparsity", NeurIPS 2021, with this greedy deal instead of their search).
 */
export function dealtOrder(strength: ArrayLike<number>, m: number): Int32Array {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`groupSize: expected a positive integer, got ${String(m)}`);
  const sorted = strengthOrder(strength);
  const n = sorted.length;
  const groups = Math.ceil(n / m);
  const order = new Int32Array(n);
  let k = 0;
  for (let slot = 0; slot < m; slot++)
    for (let g = 0; g < groups; g++) {
      const pos = g * m + slot;
      if (pos < n) order[pos] = sorted[k++] as number;
    }
  return order;
}

/** Sum of |W| (times colScale[c]) per row (byRow) or per column of a layer, over B in its memory order. */
function absSums(layer: LinearLayer, b: Float32Array, byRow: boolean, colScale?: ArrayLike<number>): Float64Array {
  const { rows, cols, weightIsB } = layer;
  if (colScale && colScale.length !== cols) throw new RangeError(`opts.colScale['${layer.name}']: expected ${cols} values, got ${colScale.length}`);
  const out = new Float64Array(byRow ? rows : cols);
  const [d0, d1] = weightIsB ? [rows, cols] : [cols, rows];
  for (let i = 0; i < d0; i++)
    for (let j = 0; j < d1; j++) {
      const [r, c] = weightIsB ? [i, j] : [j, i];
      const at = byRow ? r : c;
      out[at] = (out[at] as number) + Math.abs(b[i * d1 + j] as number) * (colScale ? (colScale[c] as number) : 1);
    }
  return out;
}

/** Adds v / sum(v) into acc (nothing when v sums to 0). */
function addNormalised(acc: Float64Array, v: Float64Array): void {
  const total = v.reduce((a, x) => a + x, 0);
  if (total > 0) for (let u = 0; u < acc.length; u++) acc[u] = (acc[u] as number) + (v[u] as number) / total;
}

/**
 * Default strength of a chain's units: the producer's row u |W| sum plus each consumer's column u |W| sum, each
 * normalised by its layer's total (colScale weighting columns), so one order suits both sides.
 */
export function unitStrength(index: GraphIndex, chain: HiddenChain, colScale?: Readonly<Record<string, ArrayLike<number>>>): Float64Array {
  const weights = (l: LinearLayer) => readFloats(index.initializers.get(l.weight) as TensorProto);
  const strength = new Float64Array(chain.producer.rows);
  addNormalised(strength, absSums(chain.producer, weights(chain.producer), true, colScale?.[chain.producer.name]));
  for (const c of chain.consumers) addNormalised(strength, absSums(c, weights(c), false, colScale?.[c.name]));
  return strength;
}

/**
 * Permutes every chain's hidden units by strengthOrder(), folded into the producer's W rows, bias and per-unit
 * constants and the consumers' W columns: the model computes the same function, with GS-friendly weight order.
 */
export function permuteModel(proto: ModelProto, opts: PermuteOptions = {}): PermuteResult {
  const { index, chains, blocked } = modelChains(proto);
  const selected = chains.filter((c) => opts.layers?.(c.producer) ?? true);
  // Orders from the original weights: a unit's strength does not depend on other chains' permutations.
  const orders = new Map<string, Int32Array>();
  for (const chain of selected) {
    const s = opts.strength ? opts.strength(chain) : unitStrength(index, chain, opts.colScale);
    if (s.length !== chain.producer.rows)
      throw new RangeError(`opts.strength: expected ${chain.producer.rows} values for '${chain.producer.name}', got ${s.length}`);
    orders.set(chain.producer.weight, opts.groupSize === undefined ? strengthOrder(s) : dealtOrder(s, opts.groupSize));
  }
  const model = reindexChains(proto, [...orders.keys()], (chain) => {
    const order = orders.get(chain.producer.weight);
    return order?.some((u, k) => u !== k) ? order : undefined;
  });
  return { model, folded: selected.map((c) => ({ producer: c.producer.name, consumers: c.consumers.map((l) => l.name) })), blocked };
}

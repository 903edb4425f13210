// Copy-on-write edits of a graph: replaced or added initializers, patched and inserted nodes, value shapes. The
// input model is never mutated; build() returns a new one sharing every untouched part.
import type { GraphIndex } from './graph.js';
import { dimsOf, int64 } from './onnx-io.js';
import type { ModelProto, NodeProto, TensorProto, ValueInfoProto } from './onnx-types.js';
import { floatTensor } from './tensor-data.js';

/** value_info with a full static shape. */
function withShape(v: ValueInfoProto, dims: readonly number[]): ValueInfoProto {
  const tensorType = { ...v.type?.tensorType, shape: { dim: dims.map((d) => ({ dimValue: d })) } };
  return { ...v, type: { ...v.type, tensorType } };
}

/** Edits of one graph, collected against its def-use index and applied by build() into a new model. */
export class GraphEdit {
  readonly #index: GraphIndex;
  readonly #taken: Set<string>;
  readonly #patched = new Map<number, NodeProto>();
  readonly #inserted = new Map<number, NodeProto[]>();
  readonly #replaced = new Map<string, TensorProto>();
  readonly #added: TensorProto[] = [];
  /** Initializers some reader no longer reads (dropped by build() when nothing does). */
  readonly #renamedAway = new Set<string>();
  /** Value name -> its last dim's change (value_info follows). */
  readonly #lastDims = new Map<string, { from: number; to: number }>();

  constructor(proto: ModelProto, index: GraphIndex) {
    this.#index = index;
    const g = proto.graph ?? {};
    this.#taken = new Set<string>([...index.producer.keys(), ...index.initializers.keys(), ...index.consumers.keys(),
      ...index.inputs, ...index.outputs, ...(g.valueInfo ?? []).map((v) => v.name ?? ''), ...(g.node ?? []).map((n) => n.name ?? '')]);
  }

  /** A value, initializer or node name not yet used in the graph (base, else base_1, base_2...). */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.#taken.has(name); k++) name = `${base}_${k}`;
    this.#taken.add(name);
    return name;
  }

  /** The node as edited so far. */
  node(i: number): NodeProto {
    return this.#patched.get(i) ?? (this.#index.nodes[i] as NodeProto);
  }

  /** Replaces node i by fn(its current version). */
  patch(i: number, fn: (n: NodeProto) => NodeProto): void {
    this.#patched.set(i, fn(this.node(i)));
  }

  /** Inserts a node right after node i (after any inserted there before). */
  insertAfter(i: number, node: NodeProto): void {
    this.#inserted.set(i, [...(this.#inserted.get(i) ?? []), node]);
  }

  /**
   * Sets initializer `name` as read by `readers` to new data: in place when nothing else reads it, else as a copy
   * under a fresh name that only `readers` are rewired to (the other readers keep the original).
   */
  setFloats(name: string, dims: readonly number[], data: Float32Array, readers: readonly number[]): void {
    const all = this.#index.consumers.get(name) ?? [];
    if (!this.#index.outputs.includes(name) && all.every((i) => readers.includes(i))) {
      this.#replaced.set(name, floatTensor(name, dims, data));
      return;
    }
    const fresh = this.unique(`${name}.reindexed`);
    this.#added.push(floatTensor(fresh, dims, data));
    this.#renamedAway.add(name);
    for (const r of readers) this.patch(r, (n) => ({ ...n, input: (n.input ?? []).map((v) => (v === name ? fresh : v)) }));
  }

  /** Adds a new float initializer (name from unique()). */
  addFloats(name: string, dims: readonly number[], data: Float32Array): void {
    this.#added.push(floatTensor(name, dims, data));
  }

  /** Records that value `name`'s last dim goes from `from` to `to` (its value_info follows, or is dropped). */
  resizeValue(name: string, from: number, to: number): void {
    this.#lastDims.set(name, { from, to });
  }

  /** value_info after resizeValue: last dim rewritten when it was `from`, the entry dropped when it was unknown. */
  #valueInfo(v: ValueInfoProto): ValueInfoProto | undefined {
    const change = this.#lastDims.get(v.name ?? '');
    const dims = v.type?.tensorType?.shape?.dim;
    if (!change || !dims || dims.length === 0) return v;
    const last = dims[dims.length - 1];
    if (last?.dimValue === undefined || int64(last.dimValue, 'value_info dim', true) !== change.from) return undefined;
    const dim = [...dims.slice(0, -1), { ...last, dimValue: change.to }];
    return { ...v, type: { ...v.type, tensorType: { ...v.type?.tensorType, shape: { ...v.type?.tensorType?.shape, dim } } } };
  }

  /** The edited model (a new object; the input's untouched nodes, tensors and values are shared). */
  build(proto: ModelProto): ModelProto {
    const graph = proto.graph ?? {};
    const node = (graph.node ?? []).flatMap((n, i) => [this.#patched.get(i) ?? n, ...(this.#inserted.get(i) ?? [])]);
    const read = new Set(node.flatMap((n) => n.input ?? []));
    const dropped = (name: string) => this.#renamedAway.has(name) && !read.has(name) && !this.#index.outputs.includes(name);
    const resized = (name: string) => {
      const t = this.#replaced.get(name);
      const before = this.#index.initializers.get(name);
      return t && before && dimsOf(t).join() !== dimsOf(before).join() ? dimsOf(t) : undefined;
    };
    const initializer = [...(graph.initializer ?? []).filter((t) => !dropped(t.name ?? '')).map((t) => this.#replaced.get(t.name ?? '') ?? t), ...this.#added];
    const input = (graph.input ?? []).filter((v) => !dropped(v.name ?? '')).map((v) => {
      const dims = resized(v.name ?? '');
      return dims ? withShape(v, dims) : v;
    });
    const valueInfo = (graph.valueInfo ?? []).flatMap((v) => this.#valueInfo(v) ?? []);
    return { ...proto, graph: { ...graph, node, initializer, ...(graph.input ? { input } : {}), ...(graph.valueInfo ? { valueInfo } : {}) } };
  }
}

// InferenceSession: runs a whole ONNX model, compressed or not, with onnxruntime-node's shape. onnxruntime
// runs the graph between SparseLinear nodes (one session per segment, created once, intra-op threads that do
// not spin, as many as gsparse's); gsparse runs the SparseLinear nodes off the event loop.
import type { InferenceSession as OrtSession } from 'onnxruntime-common';

import { GsparseError } from '../errors.js';
import { native } from '../native.js';
import { hardware } from '../index.js';
import { elemTypeOf } from './element-types.js';
import { checkFeeds, type InputSpec } from './feeds.js';
import { type GraphIndex, indexGraph, topologicalOrder } from './graph.js';
import { loadModel } from './onnx-io.js';
import type { GraphProto, ModelProto, TypeProto } from './onnx-types.js';
import { loadOrt, requireOrtInstalled, Tensor } from './ort.js';
import { declaredTypes, segmentModel } from './segment-model.js';
import { planSteps } from './segments.js';
import { isSparseLinear, SparseLinearKernel } from './sparse-linear.js';
import { readConstant } from './tensor-data.js';
import { valueMetadata } from './value-metadata.js';

/** onnxruntime's session options; gsparse turns intra-op spinning off and matches threads unless told otherwise. */
export type SessionOptions = OrtSession.SessionOptions;

type Feeds = Record<string, Tensor>;

/** Options of InferenceSession.run. */
export interface RunOptions {
  /** Nested-sparsity level (index, 0 = densest). */
  level?: number;
}

/** One step of a run: an onnxruntime session, or gsparse kernels that run concurrently. */
type Runner =
  | { kind: 'ort'; session: OrtSession; inputs: string[]; outputs: string[] }
  | { kind: 'gsparse'; kernels: SparseLinearKernel[] };

/** Session options for segments: no spinning intra-op threads, gsparse's thread count, the caller's settings on top. */
function segmentOptions(opts: SessionOptions | undefined): SessionOptions {
  const extra = (opts?.extra ?? {}) as { session?: { intra_op?: Record<string, string> } };
  return {
    intraOpNumThreads: hardware().threads,
    interOpNumThreads: 1,
    ...opts,
    extra: {
      ...extra,
      session: { ...extra.session, intra_op: { allow_spinning: '0', ...extra.session?.intra_op } },
    },
  };
}

function tensorType(elemType: number): TypeProto {
  return { tensorType: { elemType } };
}

/** onnxruntime-node's InferenceSession shape over a model that gsparse and onnxruntime run together. */
export class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared type and shape of each input, as onnxruntime-node reports them. */
  readonly inputMetadata: readonly OrtSession.ValueMetadata[];
  readonly outputMetadata: readonly OrtSession.ValueMetadata[];
  #inputs: readonly InputSpec[];
  #runners: Runner[];
  /** For each step, the values no later step or output reads once it is done (freed then). */
  #lastUse: string[][];
  #released = false;
  /** Graph outputs that are initializers. */
  #constants = new Map<string, Tensor>();
  /**
   * Outputs of gsparse nodes that the caller never sees: they live in pinned arrays (matmulAsync reads and writes
   * those in place, without copies), kept after a run's last read of them for the next run.
   */
  #internal = new Set<string>();
  /** Arrays of those values that no run reads any more, by value name. */
  #spare = new Map<string, Float32Array[]>();

  private constructor(graph: GraphProto, inputs: InputSpec[], outputs: string[], runners: Runner[], lastUse: string[][]) {
    this.#inputs = inputs;
    this.inputNames = inputs.map((i) => i.name);
    this.outputNames = outputs;
    this.inputMetadata = inputs.map((i) => valueMetadata(i));
    this.outputMetadata = outputs.map((name) => valueMetadata(graph.output?.find((v) => v.name === name) ?? { name }));
    this.#runners = runners;
    this.#lastUse = lastUse;
    for (const r of runners)
      if (r.kind === 'gsparse') for (const k of r.kernels) if (!outputs.includes(k.output)) this.#internal.add(k.output);
  }

  /**
   * Loads a model (bytes or file path): a plain ONNX model runs as one onnxruntime session; a compressed one
   * (compress()) is cut into onnxruntime segments and gsparse nodes. E_CORRUPT for malformed models or packed
   * weights, E_BACKEND when onnxruntime-node is not installed.
   */
  static async create(model: string | Uint8Array, opts?: SessionOptions): Promise<InferenceSession> {
    const loaded = await loadModel(model);
    requireOrtInstalled();
    const proto = loaded.proto;
    const index = indexGraph(proto.graph ?? {});
    topologicalOrder(index); // E_CORRUPT for a cycle or a value nothing defines, before onnxruntime sees the graph
    const inputs: InputSpec[] = (proto.graph?.input ?? [])
      .filter((v) => index.inputs.includes(v.name ?? ''))
      .map((v) => ({ name: v.name as string, ...(v.type ? { type: v.type } : {}) }));
    const options = segmentOptions(opts);
    if (!index.nodes.some(isSparseLinear)) {
      // Nothing for gsparse: onnxruntime runs the model as given (from its file when it has external data).
      const source = loaded.hadExternalData && loaded.file ? loaded.file : loaded.bytes;
      const ort = await loadOrt();
      const session = await (typeof source === 'string' ? ort.InferenceSession.create(source, options) : ort.InferenceSession.create(source, options));
      const runner: Runner = { kind: 'ort', session, inputs: [...session.inputNames], outputs: [...session.outputNames] };
      return new InferenceSession(proto.graph ?? {}, inputs, index.outputs, [runner], [[]]);
    }
    // Graph outputs no node writes: graph inputs come back from the feeds, initializers as constants.
    const constants = new Map<string, Tensor>();
    for (const name of index.outputs) {
      const t = index.producer.has(name) ? undefined : index.initializers.get(name);
      if (t) {
        const c = readConstant(t);
        constants.set(name, new Tensor(c.type as 'float32', c.data as Float32Array, c.dims));
      }
    }
    const runners = await InferenceSession.#buildRunners(proto, index, options);
    const session = new InferenceSession(proto.graph ?? {}, inputs, index.outputs, runners, InferenceSession.#lastUses(runners, index.outputs));
    session.#constants = constants;
    return session;
  }

  /** The steps' runners; onnxruntime-node's native code is loaded only if a step needs it. */
  static async #buildRunners(proto: ModelProto, index: GraphIndex, options: SessionOptions): Promise<Runner[]> {
    const types = declaredTypes(proto);
    const runners: Runner[] = [];
    try {
      for (const step of planSteps(index, isSparseLinear)) {
        if (step.kind === 'gsparse') {
          const kernels: SparseLinearKernel[] = [];
          runners.push({ kind: 'gsparse', kernels });
          for (const i of step.nodes) {
            const k = new SparseLinearKernel(index.nodes[i] ?? {}, index.initializers);
            kernels.push(k);
            types.set(k.output, tensorType(elemTypeOf('float32') as number));
          }
          continue;
        }
        const missing = step.inputs.find((v) => !types.has(v));
        if (missing !== undefined)
          throw new GsparseError(`ONNX model: the type of '${missing}' is unknown (declare it in the graph's value_info)`, 'E_CORRUPT');
        const bytes = segmentModel(proto, index, step, (v) => types.get(v));
        const session = await (await loadOrt()).InferenceSession.create(bytes, options);
        runners.push({ kind: 'ort', session, inputs: step.inputs, outputs: step.outputs });
        for (const meta of session.outputMetadata) {
          const elem = meta.isTensor ? elemTypeOf(meta.type) : undefined;
          if (elem !== undefined && !types.has(meta.name)) types.set(meta.name, tensorType(elem));
        }
      }
    } catch (err) {
      await InferenceSession.#releaseAll(runners);
      throw err;
    }
    return runners;
  }

  /** For each step, the values read for the last time there (neither a later step nor the caller reads them). */
  static #lastUses(runners: Runner[], outputs: readonly string[]): string[][] {
    const last = new Map<string, number>();
    runners.forEach((r, s) => {
      const reads = r.kind === 'ort' ? r.inputs : r.kernels.map((k) => k.input);
      for (const v of reads) last.set(v, s);
    });
    const lastUse = runners.map((): string[] => []);
    for (const [v, s] of last) if (!outputs.includes(v)) lastUse[s]?.push(v);
    return lastUse;
  }

  static async #releaseAll(runners: Runner[]): Promise<void> {
    for (const r of runners) {
      if (r.kind === 'ort') await r.session.release();
      else for (const k of r.kernels) k.dispose();
    }
  }

  /**
   * Runs the model on feeds (input name -> Tensor); errors name the input that does not fit. opts.level picks a
   * nested-sparsity level (docs/models.md); models hold one level for now, so only level 0 exists.
   */
  async run(feeds: Feeds, opts?: RunOptions): Promise<Feeds> {
    if (this.#released) throw new GsparseError('InferenceSession: run() after release()', 'E_DISPOSED');
    if (opts?.level !== undefined && opts.level !== 0)
      throw new RangeError(`run: opts.level: expected 0 (this model has one sparsity level), got ${opts.level}`);
    const values = new Map<string, Tensor>([...Object.entries(checkFeeds(feeds, this.#inputs)), ...this.#constants]);
    for (const [s, runner] of this.#runners.entries()) {
      if (runner.kind === 'ort') {
        const segmentFeeds: Feeds = {};
        for (const v of runner.inputs) segmentFeeds[v] = values.get(v) as Tensor;
        const out = await runner.session.run(segmentFeeds);
        for (const v of runner.outputs) values.set(v, out[v] as Tensor);
      } else {
        const results = await Promise.all(
          runner.kernels.map((k) => k.run(values.get(k.input) as Tensor, this.#internal.has(k.output) ? (n) => this.#takeSpare(k.output, n) : undefined)),
        );
        runner.kernels.forEach((k, j) => values.set(k.output, results[j] as Tensor));
      }
      for (const v of this.#lastUse[s] ?? []) {
        const data = this.#internal.has(v) ? values.get(v)?.data : undefined;
        if (data instanceof Float32Array) {
          const list = this.#spare.get(v);
          if (list) list.push(data);
          else this.#spare.set(v, [data]);
        }
        values.delete(v);
      }
    }
    const result: Feeds = {};
    for (const name of this.outputNames) {
      const v = values.get(name);
      if (v === undefined) throw new GsparseError(`InferenceSession: output '${name}' was not produced`, 'E_INTERNAL');
      result[name] = v;
    }
    return result;
  }

  /** A pinned array of `length` floats for internal value `name`: a spare one when its size fits, else a new one. */
  #takeSpare(name: string, length: number): Float32Array {
    const a = this.#spare.get(name)?.pop();
    return a !== undefined && a.length === length ? a : native.pinnedFloat32Array(length);
  }

  /** Releases the onnxruntime sessions and the packed matrices; later run() calls throw E_DISPOSED. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#spare.clear();
    await InferenceSession.#releaseAll(this.#runners);
  }
}

// Calibration: what the linear layers' inputs look like on sample feeds (per-column squared norms and an evenly
// strided sample of rows), read from the original dense model run in onnxruntime; and the two measures built
// on them: Wanda importance scores and the layer output error of a pruned weight matrix.
import { GsparseError } from '../errors.js';
import { pack } from '../index.js';
import { checkFeeds, type InputSpec } from './feeds.js';
import { indexGraph } from './graph.js';
import { encodeModel } from './onnx-io.js';
import { DataType } from './onnx-schema.js';
import type { ModelProto, TypeProto, ValueInfoProto } from './onnx-types.js';
import { loadOrt, type Tensor } from './ort.js';
import { declaredTypes } from './segment-model.js';
import { readConstant } from './tensor-data.js';

/** What calibration saw of one layer input X ([..., cols], leading dims flattened into rows). */
export interface LayerActivations {
  /** Rows seen over all feeds. */
  rows: number;
  /** Sum over all rows of x_j^2, per column j. */
  colSqNorm: Float64Array;
  /** [sampleRows, cols]: rows 0, s, 2s, ... of all rows seen (feeds in order), s a power of two. */
  sample: Float32Array;
  sampleRows: number;
}

/** Options of collectActivations(). */
export interface CollectOptions {
  /** At most this many sample rows per value (default 512); between half that and that once more were seen. */
  maxSampleRows?: number;
}

/** Default CollectOptions.maxSampleRows. */
export const DEFAULT_MAX_SAMPLE_ROWS = 512;

/** Norms and a strided sample of one value's rows: keeps every stride-th row, doubling the stride when full. */
class Accumulator {
  rows = 0;
  readonly colSqNorm: Float64Array;
  #stride = 1;
  #kept = 0;
  readonly #sample: Float32Array;

  constructor(readonly cols: number, readonly max: number) {
    this.colSqNorm = new Float64Array(cols);
    this.#sample = new Float32Array(max * cols);
  }

  add(x: Float32Array): void {
    const { cols } = this;
    const n = x.length / cols;
    for (let r = 0; r < n; r++, this.rows++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      for (let j = 0; j < cols; j++) {
        const v = row[j] as number;
        this.colSqNorm[j] = (this.colSqNorm[j] as number) + v * v;
      }
      if (this.rows % this.#stride !== 0) continue;
      if (this.#kept === this.max) {
        // Full: keep every other kept row (global rows 0, 2s, 4s, ...) and double the stride.
        for (let i = 2; i < this.#kept; i += 2) this.#sample.copyWithin((i / 2) * cols, i * cols, (i + 1) * cols);
        this.#kept = Math.ceil(this.#kept / 2);
        this.#stride *= 2;
        if (this.rows % this.#stride !== 0) continue;
      }
      this.#sample.set(row, this.#kept * cols);
      this.#kept++;
    }
  }

  result(): LayerActivations {
    return { rows: this.rows, colSqNorm: this.colSqNorm, sample: this.#sample.slice(0, this.#kept * this.cols), sampleRows: this.#kept };
  }
}

/** The part of a tensor calibration reads. */
interface Data {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/** Where a requested value comes from in one run: a feed, a constant, or an extra output of the model. */
type Source = { kind: 'feed' } | { kind: 'constant'; tensor: Data } | { kind: 'output' };

function checkValues(values: unknown): Map<string, number> {
  if (!Array.isArray(values)) throw new TypeError('values: expected an array of { name, cols }');
  const cols = new Map<string, number>();
  values.forEach((v: { name?: unknown; cols?: unknown }, i) => {
    if (typeof v?.name !== 'string' || v.name === '') throw new TypeError(`values[${i}].name: expected a value name`);
    if (!Number.isInteger(v.cols) || (v.cols as number) < 1) throw new RangeError(`values[${i}].cols: expected a positive integer, got ${String(v.cols)}`);
    const seen = cols.get(v.name);
    if (seen !== undefined && seen !== v.cols) throw new RangeError(`values: '${v.name}' is listed with cols ${seen} and ${String(v.cols)}`);
    cols.set(v.name, v.cols as number);
  });
  return cols;
}

/** Checks every feed record up front (errors name the record and the input) and returns them as Tensors. */
function checkAllFeeds(feeds: unknown, inputs: InputSpec[]): Record<string, Tensor>[] {
  if (!Array.isArray(feeds) || feeds.length === 0) throw new RangeError('feeds: expected a non-empty array of feed records');
  return feeds.map((f: unknown, k) => {
    try {
      return checkFeeds(f, inputs);
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError)
        err.message = err.message.replace(/^feeds:/, `calibration feeds[${k}]:`);
      throw err;
    }
  });
}

/** The model with each value in `outputs` added as a graph output (its declared type, else float; no shape). */
function withOutputs(proto: ModelProto, outputs: string[]): Uint8Array {
  const graph = proto.graph ?? {};
  const types = declaredTypes(proto);
  const present = new Set((graph.output ?? []).map((v) => v.name));
  const float: TypeProto = { tensorType: { elemType: DataType.FLOAT } };
  const added: ValueInfoProto[] = outputs.filter((v) => !present.has(v)).map((name) => ({ name, type: types.get(name) ?? float }));
  return encodeModel({ ...proto, graph: { ...graph, output: [...(graph.output ?? []), ...added] } });
}

/** The float32 data of a value as rows of `cols`; errors name the value when its type or last dim does not fit. */
function rowsOf(name: string, t: Data | undefined, cols: number): Float32Array {
  if (t === undefined) throw new GsparseError(`calibration: onnxruntime did not return value '${name}'`, 'E_INTERNAL');
  if (t.type !== 'float32' || !(t.data instanceof Float32Array))
    throw new TypeError(`calibration: value '${name}' is ${t.type}; expected float32`);
  if (t.dims.length === 0 || t.dims[t.dims.length - 1] !== cols)
    throw new RangeError(`calibration: value '${name}' has shape [${t.dims.join(', ')}]; expected its last dim to be ${cols}`);
  return t.data;
}

/**
 * Runs the original dense model once per feed record in onnxruntime with each requested value as an extra
 * output, and returns per value the column squared norms and an evenly strided sample of its rows (memory:
 * one feed's activations at a time plus values x maxSampleRows x cols floats).
 */
export async function collectActivations(proto: ModelProto, values: { name: string; cols: number }[],
  feeds: Record<string, Tensor>[], opts: CollectOptions = {}): Promise<Map<string, LayerActivations>> {
  const cols = checkValues(values);
  const max = opts.maxSampleRows ?? DEFAULT_MAX_SAMPLE_ROWS;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxSampleRows: expected a positive integer, got ${String(max)}`);
  const index = indexGraph(proto.graph ?? {});
  const inputs: InputSpec[] = (proto.graph?.input ?? [])
    .filter((v) => index.inputs.includes(v.name ?? ''))
    .map((v) => ({ name: v.name as string, ...(v.type ? { type: v.type } : {}) }));
  const checked = checkAllFeeds(feeds, inputs);

  const sources = new Map<string, Source>();
  for (const name of cols.keys()) {
    const init = index.initializers.get(name);
    if (index.inputs.includes(name)) sources.set(name, { kind: 'feed' });
    else if (index.producer.has(name)) sources.set(name, { kind: 'output' });
    else if (init) {
      sources.set(name, { kind: 'constant', tensor: readConstant(init) });
    } else throw new RangeError(`values: '${name}' is not a value of this model`);
  }
  const fetches = [...sources].filter(([, s]) => s.kind === 'output').map(([name]) => name);
  const acc = new Map([...cols].map(([name, c]) => [name, new Accumulator(c, max)]));

  const ort = fetches.length > 0 ? await loadOrt() : undefined;
  const session = ort ? await ort.InferenceSession.create(withOutputs(proto, fetches)).catch((err: unknown) => {
    if (err instanceof Error) err.message = `calibration: onnxruntime refused the model with ${fetches.map((v) => `'${v}'`).join(', ')} as float outputs: ${err.message}`;
    throw err;
  }) : undefined;
  try {
    for (const feed of checked) {
      const out = session ? await session.run(feed, fetches) : {};
      for (const [name, source] of sources) {
        const t = source.kind === 'feed' ? feed[name] : source.kind === 'constant' ? source.tensor : out[name];
        const a = acc.get(name) as Accumulator;
        a.add(rowsOf(name, t, a.cols));
      }
    }
  } finally {
    await session?.release();
  }
  return new Map([...acc].map(([name, a]) => [name, a.result()]));
}

/** Wanda importance |W_ij| * ||X_j||_2 of W [rows, cols]: weights that meet large inputs count more. */
export function wandaScores(w: Float32Array, rows: number, cols: number, colSqNorm: Float64Array): Float32Array {
  if (w.length !== rows * cols) throw new RangeError(`w: expected ${rows * cols} values (${rows} x ${cols}), got ${w.length}`);
  if (colSqNorm.length !== cols) throw new RangeError(`colSqNorm: expected ${cols} values, got ${colSqNorm.length}`);
  const norm = colSqNorm.map(Math.sqrt);
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.abs(w[r * cols + j] as number) * (norm[j] as number);
  return out;
}

/** Sum of squares of a, in float64. */
function sumSq(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (a[i] as number);
  return s;
}

/** X Mᵀ for the sample X [sampleRows, cols] and M [rows, cols], with gsparse's dense kernel. */
function product(sample: Float32Array, sampleRows: number, m: Float32Array, rows: number, cols: number): Float32Array {
  const dense = pack(m, [rows, cols], { pattern: 'dense' });
  try {
    return dense.matmul(sample, sampleRows);
  } finally {
    dense.dispose();
  }
}

/**
 * Layer output error of pruned versions of one W [rows, cols] on one sample X [sampleRows, cols]:
 * ||X Wᵀ − X Wpᵀ||_F / ||X Wᵀ||_F, how much of the layer's output the pruned weights lose on real inputs.
 * The difference is computed as X (W − Wp)ᵀ, exact in float32 for kept weights equal to W's, so small errors
 * keep their precision; both products run on gsparse's dense kernel (one per candidate, not a JS triple loop).
 */
export class OutputErrorProbe {
  readonly #sample: Float32Array;
  readonly #sampleRows: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #w: Float32Array;
  readonly #ref: number;

  /** Takes the sample and W, and computes ||X Wᵀ|| once. */
  constructor(sample: Float32Array, sampleRows: number, cols: number, w: Float32Array, rows: number) {
    if (sample.length !== sampleRows * cols) throw new RangeError(`sample: expected ${sampleRows * cols} values, got ${sample.length}`);
    if (w.length !== rows * cols) throw new RangeError(`w: expected ${rows * cols} values (${rows} x ${cols}), got ${w.length}`);
    this.#sample = sample;
    this.#sampleRows = sampleRows;
    this.#cols = cols;
    this.#rows = rows;
    this.#w = w;
    this.#ref = sampleRows === 0 || rows === 0 ? 0 : sumSq(product(sample, sampleRows, w, rows, cols));
  }

  /** The error of Wp [rows, cols] (0 when both outputs are zero, Infinity when only X Wᵀ is). */
  error(wp: Float32Array): number {
    if (wp.length !== this.#w.length) throw new RangeError(`wp: expected ${this.#w.length} values (${this.#rows} x ${this.#cols}), got ${wp.length}`);
    const d = new Float32Array(wp.length);
    for (let i = 0; i < d.length; i++) d[i] = (this.#w[i] as number) - (wp[i] as number);
    const err = this.#ref === 0 && this.#sampleRows === 0 ? 0 : sumSq(product(this.#sample, this.#sampleRows, d, this.#rows, this.#cols));
    if (this.#ref === 0) return err === 0 ? 0 : Infinity;
    return Math.sqrt(err / this.#ref);
  }
}

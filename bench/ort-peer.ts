// The peer: onnxruntime-node's dense MatMul on the same W, i.e. what a Node user runs today.
// The model Y = MatMul(X, Wt) is built in memory (X [batch, cols] with a dynamic batch dim, Wt = Wᵀ
// [cols, rows] an fp32 initializer in raw_data). Timing uses ORT's synchronous native run (the same
// call the public InferenceSession.run() makes after a setImmediate hop), so both runtimes are timed
// as a plain synchronous call; run.ts reports the hop's cost separately. The session has onnxruntime-node's
// default options (what `InferenceSession.create(bytes)` passes: none), spinning intra-op threads included.
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { binding, initOrt } from 'onnxruntime-node/dist/binding.js';

import { median } from '../lib/profile/measure.js';
import { transpose } from './data.js';

const { onnx } = onnxProto;

export const ORT_VERSION: string = ort.env.versions.node ?? ort.env.versions.common;
export const OPSET = 17;

function valueInfo(name: string, cols: number): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, { dimValue: cols }] },
      },
    },
  };
}

/** ONNX bytes of Y = MatMul(X, Wt) for W [rows, cols]. */
export function buildMatMulModel(w: Float32Array, rows: number, cols: number): Uint8Array {
  const wt = transpose(w, rows, cols);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'gsparse-bench',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'dense_matmul',
      node: [{ name: 'matmul', opType: 'MatMul', input: ['X', 'Wt'], output: ['Y'] }],
      initializer: [
        {
          name: 'Wt',
          dataType: onnx.TensorProto.DataType.FLOAT,
          dims: [cols, rows],
          rawData: new Uint8Array(wt.buffer, wt.byteOffset, wt.byteLength),
        },
      ],
      input: [valueInfo('X', cols)],
      output: [valueInfo('Y', rows)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

type BindingSession = InstanceType<typeof binding.InferenceSession>;

export class OrtPeer {
  readonly rows: number;
  readonly cols: number;
  /** Wall time of building the model + creating the session (includes ORT's weight prepacking). */
  readonly createMs: number;
  #session: BindingSession | undefined;
  #inputs = new Map<number, { feeds: Record<string, ort.Tensor>; y: Float32Array; fetches: Record<string, ort.Tensor> }>();

  private constructor(session: BindingSession, rows: number, cols: number, createMs: number) {
    this.#session = session;
    this.rows = rows;
    this.cols = cols;
    this.createMs = createMs;
  }

  /** Builds the model on W [rows, cols] and a session at onnxruntime-node's default options. */
  static create(w: Float32Array, rows: number, cols: number): OrtPeer {
    const t0 = performance.now();
    const bytes = buildMatMulModel(w, rows, cols);
    initOrt();
    const session = new binding.InferenceSession();
    const options: ort.InferenceSession.SessionOptions = {}; // the defaults, as InferenceSession.create(bytes) passes them
    session.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, options);
    return new OrtPeer(session, rows, cols, performance.now() - t0);
  }

  /** Binds x [batch, cols] once (a prebuilt ort.Tensor) and a preallocated output; returns the runner. */
  prepare(x: Float32Array, batch: number): () => Float32Array {
    const y = new Float32Array(batch * this.rows);
    const entry = {
      feeds: { X: new ort.Tensor('float32', x, [batch, this.cols]) },
      y,
      fetches: { Y: new ort.Tensor('float32', y, [batch, this.rows]) },
    };
    this.#inputs.set(batch, entry);
    return () => this.#run(entry.feeds, entry.fetches, entry.y);
  }

  #run(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>, y: Float32Array): Float32Array {
    const s = this.#session;
    if (s === undefined) throw new Error('OrtPeer used after dispose()');
    const out = s.run(feeds, fetches, {});
    const t = out['Y'];
    // ORT writes into the preallocated tensor; if it ever returns a fresh one, hand that back.
    if (t !== undefined && t instanceof ort.Tensor && t.data instanceof Float32Array && t.data !== y) return t.data;
    return y;
  }

  dispose(): void {
    this.#session?.dispose();
    this.#session = undefined;
    this.#inputs.clear();
  }
}

/** Median cost of one setImmediate hop + promise, in us: what the public session.run() adds around the native run. */
export async function immediateHopUs(count = 200): Promise<number> {
  const s: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    s.push((performance.now() - t0) * 1000);
  }
  return median(s);
}

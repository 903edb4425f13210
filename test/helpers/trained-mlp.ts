// An MLP trained inside the test suite on seeded synthetic data shaped like real data, for measuring pruning
// quality where Gaussian test matrices flatter GS (docs/gs.md, Trained weights need permutations):
// - inputs: dead features (constant 0 or tiny noise, like border pixels), live ones with log-normal scales
//   spanning over two orders of magnitude, half of them rectified (non-negative, like intensities);
// - labels: argmax of a random teacher network on a low-dimensional latent, classes balanced: nonlinear
//   boundaries, and every class learnable from the live features;
// - training: plain SGD with momentum and weight decay on the raw (unstandardised) inputs, hand-written
//   Float32Array loops, so the weights get the structure training gives them: strong and weak hidden units,
//   near-zero first-layer columns for the dead inputs.
// Exported as ONNX the way PyTorch's exporter writes an MLP: MatMul with [in, out] weights + Add bias + Relu
// for the hidden layers, Gemm transB=1 with [out, in] weights for the head.
import { InferenceSession, Tensor } from '../../lib/index.js';
import { buildModel, floatInit, node, value } from './onnx-build.js';
import { gaussian, mulberry32 } from './reference.js';
import { seedOf } from './util.js';

export const DIM = 128;
export const HIDDEN = [256, 128] as const;
export const CLASSES = 10;
const LATENT = 6;
const TEACHER_HIDDEN = 16;
const TRAIN_ROWS = 4096;
const TEST_ROWS = 2048;
const DEAD = 16; // constant 0
const NEAR_DEAD = 12; // N(0, 1e-3) noise
/** Latents whose top two teacher logits are closer than this are redrawn: a clean margin, reachable in few steps. */
const MARGIN = 0.2;
// SGD: ~3 epochs. Decay of lr · weight decay summed over the steps ≈ 2 shrinks weights no gradient keeps up
// (dead inputs, never-active units) ~8x, as a long run with the usual decay does. About 4 s of one core (measured).
const WARMUP = 0.1; // fraction of the steps
const STEPS = 400;
const BATCH = 32;
const LR = 0.15;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 0.07;
const CALIBRATION_BATCHES = 4;
const CALIBRATION_ROWS = 64;

/** One linear layer as compress() sees it: W [rows, cols] = [out, in]. */
export interface TrainedLayer {
  /** The MatMul / Gemm node's name (compress()'s LayerReport.name). */
  name: string;
  /** The weight initializer's name. */
  weight: string;
  w: Float32Array;
  bias: Float32Array;
  rows: number;
  cols: number;
}

export interface TestSet {
  /** [n, dim] row-major. */
  x: Float32Array;
  labels: Int32Array;
  n: number;
  dim: number;
}

export interface TrainedMlp {
  /** ONNX: input 'input' [batch, DIM] -> output 'logits' [batch, CLASSES]. */
  model: Uint8Array;
  /** In graph order. */
  layers: TrainedLayer[];
  test: TestSet;
  /** A few batches of training inputs as feeds (for activation-aware pruning). */
  calibration: Record<string, Tensor>[];
  /** Test accuracy of the trained weights (this file's own forward pass, not onnxruntime's). */
  denseAccuracy: number;
  /** Milliseconds spent generating data and training. */
  trainMs: number;
}

interface Dataset {
  x: Float32Array;
  labels: Int32Array;
  n: number;
}

/** The data-generating process: feature kinds and scales, mixing, teacher. */
function makeGenerator(seed: number): (n: number, stream: number) => Dataset {
  const g = gaussian(seed);
  const u = mulberry32(seed ^ 0x9e3779b9);
  // Feature kinds at random positions (so dead inputs fall unevenly in GS banks, as in real layouts).
  const kind = new Int8Array(DIM); // 0 live linear, 1 live rectified, 2 dead, 3 near-dead
  const order = Array.from({ length: DIM }, (_, i) => i);
  for (let i = DIM - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  order.forEach((f, k) => {
    kind[f] = k < DEAD ? 2 : k < DEAD + NEAR_DEAD ? 3 : k % 2;
  });
  const scale = Float64Array.from({ length: DIM }, () => Math.exp(1.2 * g() - 1.5)); // log-normal, median 0.22, 95% in 0.02 .. 2.3
  const mix = Float64Array.from({ length: DIM * LATENT }, () => g() / Math.sqrt(LATENT));
  const offset = Float64Array.from({ length: DIM }, () => 0.5 * g());
  const t1 = Float64Array.from({ length: TEACHER_HIDDEN * LATENT }, () => (1.5 * g()) / Math.sqrt(LATENT));
  const tb = Float64Array.from({ length: TEACHER_HIDDEN }, () => 0.5 * g());
  const t2 = Float64Array.from({ length: CLASSES * TEACHER_HIDDEN }, () => g() / Math.sqrt(TEACHER_HIDDEN));
  const classBias = new Float64Array(CLASSES);

  const hidden = new Float64Array(TEACHER_HIDDEN);
  /** The teacher's logits for latent z[at ..], before the class biases. */
  const teacher = (z: Float64Array, at: number, logits: Float64Array, lo: number): void => {
    for (let j = 0; j < TEACHER_HIDDEN; j++) {
      let s = tb[j] as number;
      for (let k = 0; k < LATENT; k++) s += (t1[j * LATENT + k] as number) * (z[at + k] as number);
      hidden[j] = Math.tanh(s);
    }
    for (let c = 0; c < CLASSES; c++) {
      let s = 0;
      for (let j = 0; j < TEACHER_HIDDEN; j++) s += (t2[c * TEACHER_HIDDEN + j] as number) * (hidden[j] as number);
      logits[lo + c] = s;
    }
  };
  /** The class of teacher logits[lo ..] with the class biases, or -1 when the top two are closer than MARGIN. */
  const classify = (logits: Float64Array, lo: number): number => {
    let best = -1;
    let top = -Infinity;
    let second = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      const s = (logits[lo + c] as number) + (classBias[c] as number);
      if (s > top) {
        second = top;
        top = s;
        best = c;
      } else if (s > second) second = s;
    }
    return top - second < MARGIN ? -1 : best;
  };

  // Balance the classes: shift the class biases until each class has about 1/CLASSES of the kept samples.
  {
    const zg = gaussian(seed ^ 0x51ed27);
    const n = 2048;
    const zs = Float64Array.from({ length: n * LATENT }, () => zg());
    const logits = new Float64Array(n * CLASSES);
    for (let r = 0; r < n; r++) teacher(zs, r * LATENT, logits, r * CLASSES);
    for (let it = 0; it < 60; it++) {
      const count = new Float64Array(CLASSES);
      for (let r = 0; r < n; r++) {
        const c = classify(logits, r * CLASSES);
        if (c >= 0) count[c] = (count[c] as number) + 1;
      }
      const total = count.reduce((a, b) => a + b, 0);
      for (let c = 0; c < CLASSES; c++) classBias[c] = (classBias[c] as number) - 0.1 * Math.log(((count[c] as number) + 1) / (total / CLASSES));
    }
  }

  return (n, stream) => {
    const zg = gaussian(seedOf('latent', seed, stream));
    const ng = gaussian(seedOf('noise', seed, stream));
    const x = new Float32Array(n * DIM);
    const labels = new Int32Array(n);
    const z = new Float64Array(LATENT);
    const logits = new Float64Array(CLASSES);
    for (let r = 0; r < n; r++) {
      let label = -1;
      while (label < 0) {
        for (let k = 0; k < LATENT; k++) z[k] = zg();
        teacher(z, 0, logits, 0);
        label = classify(logits, 0);
      }
      labels[r] = label;
      for (let f = 0; f < DIM; f++) {
        const noise = ng();
        const kf = kind[f] as number;
        if (kf === 2) continue;
        if (kf === 3) {
          x[r * DIM + f] = 1e-3 * noise;
          continue;
        }
        let s = (offset[f] as number) + 0.1 * noise;
        for (let k = 0; k < LATENT; k++) s += (mix[f * LATENT + k] as number) * (z[k] as number);
        x[r * DIM + f] = (scale[f] as number) * (kf === 1 ? Math.max(0, s) : s);
      }
    }
    return { x, labels, n };
  };
}

/** A layer being trained: W [out, in] (PyTorch's layout), bias [out]. */
interface Dense {
  w: Float32Array;
  bias: Float32Array;
  inDim: number;
  outDim: number;
}

/** PyTorch's nn.Linear default init: U(-1/sqrt(in), 1/sqrt(in)) for weights and bias. */
function initLayer(inDim: number, outDim: number, seed: number): Dense {
  const u = mulberry32(seed);
  const bound = 1 / Math.sqrt(inDim);
  return {
    w: Float32Array.from({ length: inDim * outDim }, () => (2 * u() - 1) * bound),
    bias: Float32Array.from({ length: outDim }, () => (2 * u() - 1) * bound),
    inDim,
    outDim,
  };
}

/**
 * out[r, j] = Σ_i a[r, i] · b[j, i] for r < m, j < n, i < k (A · Bᵀ, both row-major): every matrix product of
 * training in one kernel, in 2 x 4 register blocks (about 3x V8's speed on a plain dot-product loop).
 */
function gemmABt(a: Float32Array, m: number, b: Float32Array, n: number, k: number, out: Float32Array): void {
  let r = 0;
  for (; r + 2 <= m; r += 2) {
    const a0 = r * k;
    const a1 = a0 + k;
    const o0 = r * n;
    const o1 = o0 + n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0; // prettier-ignore
      for (let i = 0; i < k; i++) {
        const u = a[a0 + i] as number;
        const v = a[a1 + i] as number;
        const x0 = b[b0 + i] as number;
        const x1 = b[b1 + i] as number;
        const x2 = b[b2 + i] as number;
        const x3 = b[b3 + i] as number;
        s00 += u * x0;
        s01 += u * x1;
        s02 += u * x2;
        s03 += u * x3;
        s10 += v * x0;
        s11 += v * x1;
        s12 += v * x2;
        s13 += v * x3;
      }
      out[o0 + j] = s00;
      out[o0 + j + 1] = s01;
      out[o0 + j + 2] = s02;
      out[o0 + j + 3] = s03;
      out[o1 + j] = s10;
      out[o1 + j + 1] = s11;
      out[o1 + j + 2] = s12;
      out[o1 + j + 3] = s13;
    }
    for (; j < n; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < k; i++) {
        s0 += (a[a0 + i] as number) * (b[bj + i] as number);
        s1 += (a[a1 + i] as number) * (b[bj + i] as number);
      }
      out[o0 + j] = s0;
      out[o1 + j] = s1;
    }
  }
  for (; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (a[r * k + i] as number) * (b[j * k + i] as number);
      out[r * n + j] = s;
    }
  }
}

/** t [cols, rows] = x [rows, cols]ᵀ. */
function transposeInto(x: Float32Array, rows: number, cols: number, t: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c] as number;
}

/** out [rows, out] = a · Wᵀ + bias, ReLU unless last. */
function forward(layer: Dense, a: Float32Array, rows: number, out: Float32Array, relu: boolean): void {
  const { w, bias, inDim, outDim } = layer;
  gemmABt(a, rows, w, outDim, inDim, out);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outDim; j++) {
      const s = (out[r * outDim + j] as number) + (bias[j] as number);
      out[r * outDim + j] = relu && s < 0 ? 0 : s;
    }
  }
}

/** Scratch for backward(): transposes of the batch's activations and gradients, and of W. */
interface Scratch {
  aT: Float32Array;
  dT: Float32Array;
  wT: Float32Array;
}

/**
 * One layer's gradients for a batch, given dOut [rows, out] (zero where a ReLU was off): gW = dOutᵀ · a,
 * gBias = Σ dOut, and when dIn is given, dIn = (dOut · W) masked by ReLU' of the input (a > 0).
 */
function backward(layer: Dense, a: Float32Array, dOut: Float32Array, rows: number, gW: Float32Array, gBias: Float32Array,
  dIn: Float32Array | undefined, scratch: Scratch): void {
  const { w, inDim, outDim } = layer;
  const { aT, dT, wT } = scratch;
  transposeInto(a, rows, inDim, aT);
  transposeInto(dOut, rows, outDim, dT);
  gemmABt(dT, outDim, aT, inDim, rows, gW);
  gBias.fill(0);
  for (let j = 0; j < outDim; j++) for (let r = 0; r < rows; r++) gBias[j] = (gBias[j] as number) + (dT[j * rows + r] as number);
  if (!dIn) return;
  transposeInto(w, outDim, inDim, wT);
  gemmABt(dOut, rows, wT, inDim, outDim, dIn);
  for (let i = 0; i < rows * inDim; i++) if (!((a[i] as number) > 0)) dIn[i] = 0;
}

/** Softmax cross-entropy: d = (softmax(logits) - onehot) / rows, in place of logits. */
function softmaxGrad(logits: Float32Array, labels: Int32Array, idx: Int32Array, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * CLASSES;
    let m = -Infinity;
    for (let c = 0; c < CLASSES; c++) m = Math.max(m, logits[o + c] as number);
    let sum = 0;
    for (let c = 0; c < CLASSES; c++) sum += Math.exp((logits[o + c] as number) - m);
    for (let c = 0; c < CLASSES; c++) {
      const p = Math.exp((logits[o + c] as number) - m) / sum;
      logits[o + c] = (p - (c === labels[idx[r] as number] ? 1 : 0)) / rows;
    }
  }
}

/** Trains DIM -> HIDDEN -> CLASSES (ReLU) with softmax cross-entropy on data; deterministic for a seed. */
function train(data: Dataset, seed: number): Dense[] {
  const dims = [DIM, ...HIDDEN, CLASSES];
  const layers = dims.slice(1).map((out, l) => initLayer(dims[l] as number, out, seedOf('init', seed, l)));
  const vel = layers.map((l) => ({ w: new Float32Array(l.w.length), bias: new Float32Array(l.bias.length) }));
  const grad = layers.map((l) => ({ w: new Float32Array(l.w.length), bias: new Float32Array(l.bias.length) }));
  const acts = dims.map((d) => new Float32Array(BATCH * d)); // acts[0] = input batch, acts[l + 1] = layer l's output
  const deltas = dims.map((d) => new Float32Array(BATCH * d));
  const widest = Math.max(...dims);
  const scratch: Scratch = { aT: new Float32Array(BATCH * widest), dT: new Float32Array(BATCH * widest), wT: new Float32Array(widest * widest) };
  const idx = new Int32Array(BATCH);
  const u = mulberry32(seedOf('batches', seed));
  const perm = Int32Array.from({ length: data.n }, (_, i) => i);
  let cursor = data.n;
  for (let step = 0; step < STEPS; step++) {
    // Epochs over a seeded shuffle.
    for (let r = 0; r < BATCH; r++) {
      if (cursor === data.n) {
        for (let i = data.n - 1; i > 0; i--) {
          const j = Math.floor(u() * (i + 1));
          [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
        }
        cursor = 0;
      }
      idx[r] = perm[cursor++] as number;
      acts[0]?.set(data.x.subarray((idx[r] as number) * DIM, ((idx[r] as number) + 1) * DIM), r * DIM);
    }
    layers.forEach((l, k) => forward(l, acts[k] as Float32Array, BATCH, acts[k + 1] as Float32Array, k < layers.length - 1));
    const top = deltas[layers.length] as Float32Array;
    top.set(acts[layers.length] as Float32Array);
    softmaxGrad(top, data.labels, idx, BATCH);
    for (let k = layers.length - 1; k >= 0; k--) {
      const gk = grad[k] as { w: Float32Array; bias: Float32Array };
      backward(layers[k] as Dense, acts[k] as Float32Array, deltas[k + 1] as Float32Array, BATCH, gk.w, gk.bias, k > 0 ? deltas[k] : undefined, scratch);
    }
    // Linear warmup, then cosine decay; momentum SGD; decoupled weight decay on weights (not biases).
    const warm = Math.ceil(STEPS * WARMUP);
    const lr = step < warm ? (LR * (step + 1)) / warm : 0.5 * LR * (1 + Math.cos((Math.PI * (step - warm)) / (STEPS - warm)));
    layers.forEach((l, k) => {
      const v = vel[k] as { w: Float32Array; bias: Float32Array };
      const gk = grad[k] as { w: Float32Array; bias: Float32Array };
      for (let i = 0; i < l.w.length; i++) {
        v.w[i] = MOMENTUM * (v.w[i] as number) + (gk.w[i] as number);
        l.w[i] = (l.w[i] as number) * (1 - lr * WEIGHT_DECAY) - lr * (v.w[i] as number);
      }
      for (let i = 0; i < l.bias.length; i++) {
        v.bias[i] = MOMENTUM * (v.bias[i] as number) + (gk.bias[i] as number);
        l.bias[i] = (l.bias[i] as number) - lr * (v.bias[i] as number);
      }
    });
  }
  return layers;
}

/** Argmax predictions of the trained layers (the training forward pass). */
function predict(layers: Dense[], x: Float32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  let a = x;
  for (const [k, l] of layers.entries()) {
    const next = new Float32Array(n * l.outDim);
    forward(l, a, n, next, k < layers.length - 1);
    a = next;
  }
  for (let r = 0; r < n; r++) out[r] = argmax(a, r * CLASSES, CLASSES);
  return out;
}

function argmax(a: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if ((a[offset + c] as number) > (a[offset + best] as number)) best = c;
  return best;
}

/** B [in, out] (ONNX MatMul's layout) from W [out, in]. */
function transposed(l: Dense): Float32Array {
  const b = new Float32Array(l.w.length);
  for (let j = 0; j < l.outDim; j++) for (let i = 0; i < l.inDim; i++) b[i * l.outDim + j] = l.w[j * l.inDim + i] as number;
  return b;
}

/** ONNX as PyTorch exports an MLP: fc1, fc2 MatMul + Add + Relu; fc3 Gemm transB=1. */
function exportOnnx(layers: Dense[]): { model: Uint8Array; exported: TrainedLayer[] } {
  const [fc1, fc2, fc3] = layers as [Dense, Dense, Dense];
  const exported: TrainedLayer[] = [
    { name: '/fc1/MatMul', weight: 'onnx::MatMul_21', w: fc1.w, bias: fc1.bias, rows: fc1.outDim, cols: fc1.inDim },
    { name: '/fc2/MatMul', weight: 'onnx::MatMul_22', w: fc2.w, bias: fc2.bias, rows: fc2.outDim, cols: fc2.inDim },
    { name: '/fc3/Gemm', weight: 'fc3.weight', w: fc3.w, bias: fc3.bias, rows: fc3.outDim, cols: fc3.inDim },
  ];
  const model = buildModel({
    nodes: [
      node('MatMul', ['input', 'onnx::MatMul_21'], ['/fc1/MatMul_output_0'], {}, '/fc1/MatMul'),
      node('Add', ['fc1.bias', '/fc1/MatMul_output_0'], ['/fc1/Add_output_0'], {}, '/fc1/Add'),
      node('Relu', ['/fc1/Add_output_0'], ['/act1/Relu_output_0'], {}, '/act1/Relu'),
      node('MatMul', ['/act1/Relu_output_0', 'onnx::MatMul_22'], ['/fc2/MatMul_output_0'], {}, '/fc2/MatMul'),
      node('Add', ['fc2.bias', '/fc2/MatMul_output_0'], ['/fc2/Add_output_0'], {}, '/fc2/Add'),
      node('Relu', ['/fc2/Add_output_0'], ['/act2/Relu_output_0'], {}, '/act2/Relu'),
      node('Gemm', ['/act2/Relu_output_0', 'fc3.weight', 'fc3.bias'], ['logits'], { alpha: 1, beta: 1, transB: 1 }, '/fc3/Gemm'),
    ],
    inputs: [value('input', ['batch', DIM])],
    outputs: [value('logits', ['batch', CLASSES])],
    initializers: [
      floatInit('onnx::MatMul_21', [fc1.inDim, fc1.outDim], transposed(fc1)),
      floatInit('fc1.bias', [fc1.outDim], fc1.bias),
      floatInit('onnx::MatMul_22', [fc2.inDim, fc2.outDim], transposed(fc2)),
      floatInit('fc2.bias', [fc2.outDim], fc2.bias),
      floatInit('fc3.weight', [fc3.outDim, fc3.inDim], fc3.w),
      floatInit('fc3.bias', [fc3.outDim], fc3.bias),
    ],
  });
  return { model, exported };
}

let memo: TrainedMlp | undefined;

/** The trained MLP (trained once per process, then cached). */
export function trainedMlp(): TrainedMlp {
  if (memo) return memo;
  const seed = seedOf('trained-mlp', 1);
  const t0 = performance.now();
  const generate = makeGenerator(seed);
  const trainSet = generate(TRAIN_ROWS, 0);
  const testSet = generate(TEST_ROWS, 1);
  const layers = train(trainSet, seed);
  const trainMs = performance.now() - t0;
  const predicted = predict(layers, testSet.x, testSet.n);
  let correct = 0;
  for (let r = 0; r < testSet.n; r++) if (predicted[r] === testSet.labels[r]) correct++;
  const { model, exported } = exportOnnx(layers);
  const calibration = Array.from({ length: CALIBRATION_BATCHES }, (_, k) => ({
    input: new Tensor('float32', trainSet.x.slice(k * CALIBRATION_ROWS * DIM, (k + 1) * CALIBRATION_ROWS * DIM), [CALIBRATION_ROWS, DIM]),
  }));
  memo = {
    model,
    layers: exported,
    test: { x: testSet.x, labels: testSet.labels, n: testSet.n, dim: DIM },
    calibration,
    denseAccuracy: correct / testSet.n,
    trainMs,
  };
  return memo;
}

/** Predicted classes of a model (gsparse's InferenceSession, compressed or not) on the test set, in batches. */
export async function predictionsOf(modelBytes: Uint8Array, test: TestSet, batch = 512): Promise<Int32Array> {
  const session = await InferenceSession.create(modelBytes);
  try {
    const out = new Int32Array(test.n);
    for (let r0 = 0; r0 < test.n; r0 += batch) {
      const rows = Math.min(batch, test.n - r0);
      const feeds = { [session.inputNames[0] as string]: new Tensor('float32', test.x.slice(r0 * test.dim, (r0 + rows) * test.dim), [rows, test.dim]) };
      const result = await session.run(feeds);
      const logits = result[session.outputNames[0] as string]?.data as Float32Array;
      const classes = logits.length / rows;
      for (let r = 0; r < rows; r++) out[r0 + r] = argmax(logits, r * classes, classes);
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) if (predicted[r] === labels[r]) correct++;
  return correct / labels.length;
}

/** Test accuracy of a model run by gsparse's InferenceSession. */
export async function accuracyOf(modelBytes: Uint8Array, test: TestSet): Promise<number> {
  return accuracy(await predictionsOf(modelBytes, test), test.labels);
}

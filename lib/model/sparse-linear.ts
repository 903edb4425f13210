// The com.gsparse::SparseLinear node: Y = act(X · Wᵀ + bias), X [..., cols] -> Y [..., rows].
// Inputs: X, the packed W (a 1-D UINT8 initializer holding SparseMatrix.serialize() bytes), optionally the
// bias (a FLOAT [rows] initializer). Attribute: activation ('none' | 'relu' | 'gelu').
import { GsparseError } from '../errors.js';
import type { Activation } from '../native.js';
import { SparseMatrix } from '../sparse-matrix.js';
import { dimsOf } from './onnx-io.js';
import { AttributeType } from './onnx-schema.js';
import type { NodeProto, TensorProto } from './onnx-types.js';
import type { Tensor } from './ort.js';
import { Tensor as TensorClass } from './ort.js';
import { readBytes, readFloats } from './tensor-data.js';

export const GSPARSE_DOMAIN = 'com.gsparse';
export const SPARSE_LINEAR = 'SparseLinear';
const ACTIVATIONS: readonly Activation[] = ['none', 'relu', 'gelu'];

/** Whether a node is a gsparse SparseLinear. */
export function isSparseLinear(node: NodeProto): boolean {
  return node.domain === GSPARSE_DOMAIN && node.opType === SPARSE_LINEAR;
}

/** A SparseLinear node reading x, the packed weights and the optional bias, writing y. */
export function sparseLinearNode(name: string, x: string, packed: string, bias: string | undefined, y: string,
  activation: Activation): NodeProto {
  return {
    name,
    opType: SPARSE_LINEAR,
    domain: GSPARSE_DOMAIN,
    input: bias === undefined ? [x, packed] : [x, packed, bias],
    output: [y],
    attribute: [{ name: 'activation', type: AttributeType.STRING, s: new TextEncoder().encode(activation) }],
  };
}

/** A SparseLinear node ready to run: its matrix deserialized (validated), its bias read. */
export class SparseLinearKernel {
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly matrix: SparseMatrix;
  readonly bias: Float32Array | undefined;
  readonly activation: Activation;

  /** Reads the node's initializers; E_CORRUPT when the packed bytes, the bias or the attributes are invalid. */
  constructor(node: NodeProto, initializers: ReadonlyMap<string, TensorProto>) {
    this.name = node.name ?? '';
    const [x, packed, bias] = node.input ?? [];
    const y = node.output?.[0];
    const bad = (what: string) => new GsparseError(`SparseLinear '${this.name}': ${what}`, 'E_CORRUPT');
    if (!x || !packed || !y || (node.output?.length ?? 0) !== 1) throw bad('expected inputs (X, W[, bias]) and one output');
    const w = initializers.get(packed);
    if (!w) throw bad(`packed weights '${packed}' are not an initializer`);
    const s = node.attribute?.find((a) => a.name === 'activation')?.s;
    const activation = (s ? new TextDecoder().decode(s) : 'none') as Activation;
    if (!ACTIVATIONS.includes(activation)) throw bad(`unknown activation '${activation}'`);
    this.matrix = SparseMatrix.deserialize(readBytes(w));
    if (bias) {
      const b = initializers.get(bias);
      if (!b || dimsOf(b).length !== 1 || dimsOf(b)[0] !== this.matrix.rows) {
        this.matrix.dispose();
        throw bad(`bias '${bias}' is not a float initializer of length ${this.matrix.rows}`);
      }
      this.bias = readFloats(b);
    }
    this.input = x;
    this.output = y;
    this.activation = activation;
  }

  /**
   * Runs the layer off the event loop; RangeError / TypeError naming the node when X does not fit. `spare(n)` may
   * offer an array of n floats that no one reads any more to hold Y (saves allocating and zeroing a fresh one).
   */
  async run(x: Tensor, spare?: (length: number) => Float32Array | undefined): Promise<Tensor> {
    if (x.type !== 'float32' || !(x.data instanceof Float32Array))
      throw new TypeError(`SparseLinear '${this.name}': input '${this.input}' must be float32, got ${x.type}`);
    const dims = x.dims;
    const cols = dims[dims.length - 1];
    if (cols !== this.matrix.cols)
      throw new RangeError(`SparseLinear '${this.name}': input '${this.input}' last dim: expected ${this.matrix.cols}, got ${cols ?? 'a scalar'} (shape [${dims.join(', ')}])`);
    const batch = x.data.length / this.matrix.cols;
    const outDims = [...dims.slice(0, -1), this.matrix.rows];
    if (batch === 0) return new TensorClass('float32', new Float32Array(0), outDims);
    const out = spare?.(batch * this.matrix.rows);
    const y = await this.matrix.matmulAsync(x.data, batch, {
      activation: this.activation,
      ...(this.bias ? { bias: this.bias } : {}),
      ...(out ? { out } : {}),
    });
    return new TensorClass('float32', y, outDims);
  }

  /** Frees the packed matrix. */
  dispose(): void {
    this.matrix.dispose();
  }
}

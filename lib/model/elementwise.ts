// The elementwise ops a hidden-unit chain may pass through (docs/models.md), and their float64 value on one unit:
// reindexing folds a dropped unit's constant output through them into the next layer's bias.
import type { NodeProto } from './onnx-types.js';

/** One unit's result from its input values (undefined for an absent optional input). */
type UnitFn = (args: readonly (number | undefined)[], node: NodeProto) => number;

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erf(x) to about 1e-15: Taylor series for |x| < 3 (positive terms), erfc's continued fraction beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (x < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (x > 6) return 1;
  // erfc(x) = exp(-x²)/√π / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), by modified Lentz.
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = 1 / (x + (k / 2) * d);
    c = x + k / 2 / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** A float attribute of a node, or dflt when absent. */
export function floatAttr(node: NodeProto, name: string, dflt: number): number {
  return node.attribute?.find((a) => a.name === name)?.f ?? dflt;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));
const arg = (a: readonly (number | undefined)[], i: number) => a[i] as number;

function gelu(x: number, node: NodeProto): number {
  const approximate = node.attribute?.find((a) => a.name === 'approximate')?.s;
  if (approximate && new TextDecoder().decode(approximate) === 'tanh')
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Clip: min / max from inputs (opset 11+) or attributes (earlier), absent = unbounded. */
function clip(a: readonly (number | undefined)[], node: NodeProto): number {
  const lo = a[1] ?? floatAttr(node, 'min', -Infinity);
  const hi = a[2] ?? floatAttr(node, 'max', Infinity);
  return Math.min(Math.max(arg(a, 0), lo), hi);
}

const unary = (f: (x: number, node: NodeProto) => number): UnitFn => (a, node) => f(arg(a, 0), node);

const OPS: Record<string, UnitFn> = {
  Identity: unary((x) => x),
  Neg: unary((x) => -x),
  Abs: unary(Math.abs),
  Relu: unary((x) => (x > 0 ? x : Number.isNaN(x) ? x : 0)),
  LeakyRelu: unary((x, n) => (x >= 0 ? x : floatAttr(n, 'alpha', 0.01) * x)),
  Elu: unary((x, n) => (x >= 0 ? x : floatAttr(n, 'alpha', 1) * Math.expm1(x))),
  Celu: unary((x, n) => {
    const alpha = floatAttr(n, 'alpha', 1);
    return Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
  }),
  Selu: unary((x, n) => floatAttr(n, 'gamma', 1.05070102214813232421875) * (x > 0 ? x : floatAttr(n, 'alpha', 1.67326319217681884765625) * Math.expm1(x))),
  Sigmoid: unary(sigmoid),
  HardSigmoid: unary((x, n) => Math.max(0, Math.min(1, floatAttr(n, 'alpha', 0.2) * x + floatAttr(n, 'beta', 0.5)))),
  HardSwish: unary((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))),
  Tanh: unary(Math.tanh),
  Erf: unary(erf),
  Gelu: unary(gelu),
  Softplus: unary(softplus),
  Softsign: unary((x) => x / (1 + Math.abs(x))),
  Mish: unary((x) => x * Math.tanh(softplus(x))),
  Exp: unary(Math.exp),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((x) => 1 / x),
  Add: (a) => arg(a, 0) + arg(a, 1),
  Sub: (a) => arg(a, 0) - arg(a, 1),
  Mul: (a) => arg(a, 0) * arg(a, 1),
  Div: (a) => arg(a, 0) / arg(a, 1),
  Pow: (a) => Math.pow(arg(a, 0), arg(a, 1)),
  PRelu: (a) => (arg(a, 0) >= 0 ? arg(a, 0) : arg(a, 1) * arg(a, 0)),
  Max: (a) => Math.max(...(a as number[])),
  Min: (a) => Math.min(...(a as number[])),
  Sum: (a) => (a as number[]).reduce((s, v) => s + v, 0),
  Mean: (a) => (a as number[]).reduce((s, v) => s + v, 0) / a.length,
  Clip: clip,
};

/**
 * Whether a node acts on each unit (last-axis position) alone, given that each of its inputs is either a value of
 * the chain or a constant broadcast along the last axis (checked by the caller).
 */
export function isElementwise(node: NodeProto): boolean {
  return (node.domain ?? '') === '' && node.opType !== undefined && Object.hasOwn(OPS, node.opType) && (node.output ?? []).length === 1;
}

/** A node's float64 result on one unit from that unit's input values: folds a dropped unit's constant output. */
export function evalUnit(node: NodeProto, args: readonly (number | undefined)[]): number {
  const fn = OPS[node.opType ?? ''];
  if (!fn) throw new Error(`internal: ${node.opType} is not an elementwise op`);
  return fn(args, node);
}

// Quality of a pruned layer: relative reconstruction error and retained magnitude, compared with
// unstructured magnitude pruning at the same nnz (exact top-k sums by radix selection, no sort).
import type { Quality } from './types.js';

const HI_BUCKETS = 1 << 15; // |w| bits >>> 16: the sign bit is masked off
const LO_BUCKETS = 1 << 16;

/** Per-layer index of |w| that answers "sum of the k largest |w|" in one pass per query. */
export class MagnitudeIndex {
  /** sum |w| */
  readonly l1: number;
  /** sum w^2 */
  readonly sumSq: number;
  readonly #bits: Uint32Array;
  readonly #count = new Float64Array(HI_BUCKETS);
  readonly #sum = new Float64Array(HI_BUCKETS);

  /** Builds the high-16-bit histogram of |w| (counts and sums). */
  constructor(w: Float32Array) {
    this.#bits = new Uint32Array(w.buffer, w.byteOffset, w.length);
    let l1 = 0;
    let sq = 0;
    for (let i = 0; i < w.length; i++) {
      const v = w[i] as number;
      const a = Math.abs(v);
      const hi = ((this.#bits[i] as number) & 0x7fffffff) >>> 16;
      this.#count[hi] = (this.#count[hi] as number) + 1;
      this.#sum[hi] = (this.#sum[hi] as number) + a;
      l1 += a;
      sq += v * v;
    }
    this.l1 = l1;
    this.sumSq = sq;
  }

  /** Exact sum of the k largest |w| (what unstructured pruning keeping k weights retains). */
  topKSum(k: number): number {
    const n = this.#bits.length;
    if (k <= 0) return 0;
    if (k >= n) return this.l1;
    let taken = 0;
    let sum = 0;
    let b = HI_BUCKETS - 1;
    for (; b >= 0; b--) {
      const c = this.#count[b] as number;
      if (taken + c >= k) break;
      taken += c;
      sum += this.#sum[b] as number;
    }
    // Boundary bucket: every value in it shares the high 16 bits; the low 16 bits pin it exactly.
    const lo = new Uint32Array(LO_BUCKETS);
    const bits = this.#bits;
    for (let i = 0; i < n; i++) {
      const x = (bits[i] as number) & 0x7fffffff;
      if (x >>> 16 === b) lo[x & 0xffff] = (lo[x & 0xffff] as number) + 1;
    }
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    let need = k - taken;
    for (let l = LO_BUCKETS - 1; l >= 0 && need > 0; l--) {
      const c = lo[l] as number;
      if (c === 0) continue;
      u[0] = ((b << 16) | l) >>> 0;
      const take = Math.min(c, need);
      sum += take * (f[0] as number);
      need -= take;
    }
    return sum;
  }
}

/** Quality of `pruned` (dense form of the packed layer) against the dense weights `w`. */
export function quality(w: Float32Array, pruned: Float32Array, nnz: number, index: MagnitudeIndex): Quality {
  if (pruned.length !== w.length) throw new RangeError(`pruned: expected ${w.length} values, got ${pruned.length}`);
  let kept = 0;
  let err = 0;
  for (let i = 0; i < w.length; i++) {
    const p = pruned[i] as number;
    const d = (w[i] as number) - p;
    kept += Math.abs(p);
    err += d * d;
  }
  const retained = index.l1 > 0 ? kept / index.l1 : 1;
  const unstructured = index.l1 > 0 ? index.topKSum(nnz) / index.l1 : 1;
  return {
    relErr: index.sumSq > 0 ? Math.sqrt(err / index.sumSq) : 0,
    retained,
    unstructuredRetained: unstructured,
    retainedRatio: unstructured > 0 ? retained / unstructured : 1,
  };
}

// One contender process of `npm run bench`, started by run.ts through lib/profile/contender.ts (never run by hand).
// engine 'gsparse': packs W to our dense and every sparse case; 'ort': onnxruntime-node's MatMul on W at
// its default session options. Both build the same seeded W, so they multiply the same matrix. Requests:
//   { op: 'batch', batch }              -> { checks }  binds X for this batch; each contender's last output
//                                                      row against plain JS on its own (pruned) weights
//   { op: 'time', batch, regime, round } -> { samples } times every contender once (lib/profile/measure.ts),
//                                                      the order rotated by round
//   { exit: true }
import { pack, setThreads, type SparseMatrix } from '../lib/index.js';
import { makeFlush } from '../lib/profile/cache-flush.js';
import { sample, type SamplePlan, type Samples } from '../lib/profile/measure.js';
import type { Regime } from '../lib/profile/types.js';
import type { Shape, SparseCase } from './cases.js';
import { checkRows, gaussian, seedOf } from './data.js';
import { OrtPeer } from './ort-peer.js';

export interface KernelChildArgs {
  engine: 'gsparse' | 'ort';
  shape: Shape;
  /** gsparse only: the sparse cases (our dense is always packed). */
  cases: SparseCase[];
  /** gsparse only: its thread count (onnxruntime keeps its default). */
  threads: number;
  timing: Record<Regime, SamplePlan>;
}

/** What a child packed: one entry per contender, or the reason a case was skipped. */
export interface ContenderInfo {
  id: string;
  pattern: string;
  targetSparsity: number | null;
  sparsity: number;
  nnz: number;
  /** Bytes the kernel must read for W: byteLength (ORT: rows * cols * 4). */
  weightBytes: number;
  /** pack() wall time; ORT: model build + session creation (with its prepacking). */
  packMs: number;
}

export interface KernelChildInfo {
  contenders: ContenderInfo[];
  skipped: { pattern: string; sparsity: number; reason: string }[];
}

export const weightSeed = (s: Shape): number => seedOf(`W/${s.name}/${s.rows}x${s.cols}`);
export const inputSeed = (s: Shape, batch: number): number => seedOf(`X/${s.name}/${batch}`);

interface Runner {
  info: ContenderInfo;
  /** Dense weights the output is checked against (the pruned matrix for a sparse one). */
  reference: () => Float32Array;
  /** Binds x for a batch; returns the call to time (it returns the output). */
  bind: (x: Float32Array, batch: number) => () => Float32Array;
}

const args = JSON.parse(process.argv[2] ?? '{}') as KernelChildArgs;
const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function gsparseRunner(id: string, m: SparseMatrix, c: SparseCase | null, packMs: number): Runner {
  const info: ContenderInfo = {
    id,
    pattern: c?.pattern ?? 'dense',
    targetSparsity: c?.sparsity ?? null,
    sparsity: m.sparsity,
    nnz: m.nnz,
    weightBytes: m.byteLength,
    packMs,
  };
  return {
    info,
    reference: () => m.toDense(),
    bind: (x, batch) => {
      const y = new Float32Array(batch * m.rows);
      return () => m.matmul(x, batch, { out: y });
    },
  };
}

function build(w: Float32Array, skipped: KernelChildInfo['skipped']): Runner[] {
  const { rows, cols } = args.shape;
  if (args.engine === 'ort') {
    const peer = OrtPeer.create(w, rows, cols);
    const info: ContenderInfo = { id: 'ort', pattern: 'ort-dense', targetSparsity: null, sparsity: 0, nnz: rows * cols, weightBytes: rows * cols * 4, packMs: peer.createMs };
    return [{ info, reference: () => w, bind: (x, batch) => peer.prepare(x, batch) }];
  }
  setThreads(args.threads);
  let t = performance.now();
  const dense = pack(w, [rows, cols], { pattern: 'dense' });
  const out = [gsparseRunner('dense', dense, null, performance.now() - t)];
  args.cases.forEach((c, i) => {
    t = performance.now();
    try {
      const m = pack(w, [rows, cols], { pattern: c.pattern, sparsity: c.sparsity });
      out.push(gsparseRunner(`m${i}`, m, c, performance.now() - t));
    } catch (e) {
      skipped.push({ pattern: c.pattern, sparsity: c.sparsity, reason: message(e) });
    }
  });
  return out;
}

function main(): void {
  const { rows, cols } = args.shape;
  // Gaussian weights scaled like a trained layer (std 1/sqrt(in)), so outputs stay O(1).
  const w = gaussian(rows * cols, weightSeed(args.shape), 1 / Math.sqrt(cols));
  const skipped: KernelChildInfo['skipped'] = [];
  const runners = build(w, skipped);
  const calls = new Map<number, (() => Float32Array)[]>();
  let flush: (() => void) | undefined;

  process.on('message', (msg: { op?: 'batch' | 'time'; batch?: number; regime?: Regime; round?: number; exit?: boolean }) => {
    try {
      if (msg.exit) process.exit(0);
      const batch = msg.batch ?? 1;
      if (msg.op === 'batch') {
        const x = gaussian(batch * cols, inputSeed(args.shape, batch));
        const bound = runners.map((r) => r.bind(x, batch));
        calls.set(batch, bound);
        // The last batch row: it lands in any remainder tile of a batch-tiled kernel; the plain-JS
        // reference costs rows * cols per row checked, per contender.
        const checks: Record<string, number> = {};
        runners.forEach((r, i) => {
          checks[r.info.id] = checkRows(r.reference(), rows, cols, x, (bound[i] as () => Float32Array)().slice(), [batch - 1]);
        });
        process.send?.({ checks });
        return;
      }
      const bound = calls.get(batch);
      const { regime } = msg;
      if (msg.op !== 'time' || bound === undefined || regime === undefined) throw new Error(`bad request ${JSON.stringify(msg)}`);
      const coldFlush = regime === 'cold' ? (flush ??= makeFlush()) : undefined; // made once, at the first cold request
      const samples: Record<string, Samples> = {};
      const n = runners.length;
      for (let k = 0; k < n; k++) {
        const i = (k + (msg.round ?? 0)) % n; // rotate, so no contender always follows the same one
        const fn = bound[i] as () => Float32Array;
        const id = (runners[i] as Runner).info.id;
        samples[id] = sample(fn, args.timing[regime], coldFlush);
      }
      process.send?.({ samples });
    } catch (e) {
      process.send?.({ error: message(e) });
    }
  });
  const info: KernelChildInfo = { contenders: runners.map((r) => r.info), skipped };
  process.send?.(info);
}

try {
  main();
} catch (e) {
  process.send?.({ error: message(e) });
  process.exit(1);
}

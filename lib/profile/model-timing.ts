// Whole-model timing as docs/benchmarks.md says: the dense model on onnxruntime-node at its default options
// against gsparse's session on a compressed model, each in its own process (model-child.ts), alternating who
// goes first, rounds of runs; the speedup is the median of the per-round ratios. One onnxruntime contender
// serves every compressed model timed against it (profileModel's sparsities, a budget's retries).
import { Contender, sleep } from './contender.js';
import { median } from './measure.js';
import type { ModelChildArgs } from './model-child.js';
import type { FeedSpec } from './model-feeds.js';

/** One compressed model timed against the dense one. */
export interface ModelTiming {
  /** Median per-call ms of onnxruntime-node on the dense model, over these rounds. */
  denseMs: number;
  /** Median per-call ms of gsparse's session on the compressed model. */
  ms: number;
  /** Median over rounds of (dense / compressed) within the round. */
  speedup: number;
  roundSpeedups: number[];
}

/** Rounds (default 5) of runs (default 10) per contender. */
export interface ModelTimingOptions {
  rounds?: number;
  runs?: number;
}

const CHILD = new URL(`./model-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

function count(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`opts.${name}: expected a positive integer, got ${String(n)}`);
  return n;
}

/** Median ms per call of one contender's runs, after letting the other's threads settle. */
async function timed(c: Contender, runs: number): Promise<number> {
  await sleep(200);
  return median((await c.request<{ times: number[] }>({ runs })).times);
}

/** The dense model on onnxruntime-node in its own process, against which compressed models are timed. */
export class DenseReference {
  readonly #ort: Contender;
  readonly #feeds: FeedSpec[];

  private constructor(ort: Contender, feeds: FeedSpec[]) {
    this.#ort = ort;
    this.#feeds = feeds;
  }

  /** Starts onnxruntime-node (its defaults) on the dense model file with synthetic feeds of these shapes. */
  static async start(denseFile: string, feeds: FeedSpec[]): Promise<DenseReference> {
    const args: ModelChildArgs = { engine: 'ort', ortSpin: true, model: denseFile, feeds };
    return new DenseReference(await Contender.start(CHILD, args), feeds);
  }

  /** Times each compressed model file against the dense one (all gsparse children alive at once, alternating). */
  async time(files: readonly string[], opts: ModelTimingOptions = {}, onRound?: (done: number, total: number) => void): Promise<ModelTiming[]> {
    const rounds = count('rounds', opts.rounds, 5);
    const runs = count('runs', opts.runs, 10);
    const children: Contender[] = [];
    try {
      for (const model of files) {
        const args: ModelChildArgs = { engine: 'gsparse', ortSpin: true, model, feeds: this.#feeds };
        children.push(await Contender.start(CHILD, args));
      }
      const dense = files.map(() => [] as number[]);
      const sparse = files.map(() => [] as number[]);
      for (let r = 0; r < rounds; r++) {
        onRound?.(r, rounds);
        for (const [k, child] of children.entries()) {
          // Alternate who goes first, so neither always runs on a machine the other just warmed or loaded.
          let d: number;
          let s: number;
          if ((r + k) % 2 === 0) {
            d = await timed(this.#ort, runs);
            s = await timed(child, runs);
          } else {
            s = await timed(child, runs);
            d = await timed(this.#ort, runs);
          }
          dense[k]?.push(d);
          sparse[k]?.push(s);
        }
      }
      onRound?.(rounds, rounds);
      return files.map((_, k) => {
        const ratios = (dense[k] ?? []).map((d, i) => d / (sparse[k]?.[i] as number));
        return { denseMs: median(dense[k] ?? []), ms: median(sparse[k] ?? []), speedup: median(ratios), roundSpeedups: ratios };
      });
    } finally {
      await Promise.all(children.map((c) => c.close()));
    }
  }

  /** Ends the onnxruntime process. */
  close(): Promise<void> {
    return this.#ort.close();
  }
}

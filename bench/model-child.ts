// One contender of the model bench, alone in its own process: loads a model with onnxruntime-node (at its
// defaults, or with spinning off) or gsparse's InferenceSession, then on each {runs} message times that many run() calls and sends
// the per-call milliseconds back. Started by bench/models.ts with fork(); never run by hand.
import * as ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../lib/index.js';
import { gaussian, seedOf } from './data.js';

interface Args {
  engine: 'ort' | 'gsparse';
  /** onnxruntime only: false turns intra-op spinning off (its default is on). */
  ortSpin: boolean;
  model: string;
  dims: number[];
}

interface Runner {
  run(feeds: Record<string, Tensor>): Promise<unknown>;
  release(): Promise<void>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  const session: Runner =
    args.engine === 'gsparse'
      ? await InferenceSession.create(args.model)
      : await ort.InferenceSession.create(args.model, args.ortSpin ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const x = gaussian(args.dims.reduce((a, b) => a * b, 1), seedOf('model-bench-x'));
  const feeds = { X: new Tensor('float32', x, args.dims) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  process.on('message', (msg: { runs?: number; exit?: boolean }) => {
    if (msg.exit) {
      void session.release().then(() => process.exit(0));
      return;
    }
    void (async () => {
      const times: number[] = [];
      for (let i = 0; i < (msg.runs ?? 1); i++) {
        const t0 = now();
        await session.run(feeds);
        times.push(now() - t0);
      }
      process.send?.({ times });
    })();
  });
  process.send?.({ ready: true });
}

main().catch((err: unknown) => {
  process.send?.({ error: String((err as Error).stack ?? err) });
  process.exit(1);
});

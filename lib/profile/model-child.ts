// One contender of a whole-model timing, alone in its own process (contender.ts): loads a model with
// onnxruntime-node (at its defaults, or with spinning off) or gsparse's InferenceSession, then on each
// { runs } message times that many run() calls on synthetic feeds and sends the per-call milliseconds back.
// Forked by profileModel() and bench/models.ts; never run by hand.
import { InferenceSession } from '../model/session.js';
import { loadOrt } from '../model/ort.js';
import { type FeedSpec, syntheticFeeds } from './model-feeds.js';

/** What the parent passes (JSON in argv[2]). */
export interface ModelChildArgs {
  engine: 'ort' | 'gsparse';
  /** onnxruntime only: false turns intra-op spinning off (its default is on). */
  ortSpin: boolean;
  model: string;
  feeds: FeedSpec[];
}

interface Runner {
  run(feeds: Record<string, unknown>): Promise<unknown>;
  release(): Promise<void>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ModelChildArgs;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

async function main(): Promise<void> {
  let session: Runner;
  if (args.engine === 'gsparse') {
    session = await InferenceSession.create(args.model);
  } else {
    const ort = await loadOrt();
    session = (await ort.InferenceSession.create(args.model, args.ortSpin ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } })) as unknown as Runner;
  }
  const feeds = syntheticFeeds(args.feeds);
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
    })().catch((err: unknown) => process.send?.({ error: String((err as Error).stack ?? err) }));
  });
  process.send?.({ ready: true });
}

main().catch((err: unknown) => {
  process.send?.({ error: String((err as Error).stack ?? err) });
  process.exit(1);
});

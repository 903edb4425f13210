// One contender of a timing, alone in its own process: bench/run.ts (kernel-child.ts), bench/models.ts and
// profileModel() (model-child.ts) fork their contenders through this, so that two runtimes never share a
// process and a round can time one while the other is idle (docs/benchmarks.md). Protocol: the child sends one first message when ready
// (its `info`), then answers each request with exactly one message; `{ error }` in any answer rejects.
import { type ChildProcess, fork } from 'node:child_process';

interface Answer {
  error?: string;
}

/** A forked bench child that answers one message per request, in order. */
export class Contender<Info = unknown> {
  readonly info: Info;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, info: Info) {
    this.#child = child;
    this.info = info;
  }

  /** Forks `script` (.js, or .ts run through tsx) with JSON `args` as argv[2]; resolves once the child is ready. */
  static async start<Info>(script: URL, args: unknown, execArgv: string[] = []): Promise<Contender<Info>> {
    const tsx = script.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = fork(script, [JSON.stringify(args)], { execArgv: [...tsx, ...execArgv] });
    const info = await nextMessage<Info>(child);
    return new Contender<Info>(child, info);
  }

  /** Sends one request and waits for its answer. */
  request<T>(msg: object): Promise<T> {
    const answer = nextMessage<T>(this.#child);
    this.#child.send(msg);
    return answer;
  }

  /** Asks the child to exit ({ exit: true }) and waits until it has. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ exit: true });
    await exited;
  }
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T & Answer): void => {
      child.off('exit', onExit);
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      child.off('message', onMessage);
      reject(new Error(`contender exited with ${code ?? signal}`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Resolves after ms milliseconds (lets the other contender's spinning threads go idle). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

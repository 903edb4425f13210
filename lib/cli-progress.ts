// Progress of a long CLI command on stderr: bars on a terminal, one line every 10 s when piped or logged,
// nothing in --json mode (stdout carries the JSON, stderr stays quiet for scripts).
import cliProgress from 'cli-progress';

/** One task's progress (e.g. profiling runs, or a model's layers). */
export interface ProgressBar {
  update(done: number, what: string): void;
  readonly total: number;
}

/** The bars of one command; stop() before printing results so the table is not drawn over. */
export class ProgressDisplay {
  readonly #bars?: cliProgress.MultiBar;
  readonly #quiet: boolean;
  #stopped = false;

  /** quiet: no output at all (--json). */
  constructor(quiet: boolean) {
    this.#quiet = quiet;
    if (!quiet && process.stderr.isTTY === true) {
      this.#bars = new cliProgress.MultiBar({
        format: '{task} [{bar}] {percentage}% | {duration_formatted} | {what}',
        barsize: 30, hideCursor: true, clearOnComplete: false, stopOnComplete: false, noTTYOutput: false,
        stream: process.stderr,
      }, cliProgress.Presets.shades_classic);
    }
  }

  /** A new bar for `task` out of `total` steps. */
  bar(task: string, total: number): ProgressBar {
    const bars = this.#bars;
    if (bars) {
      const b = bars.create(total, 0, { task, what: '' });
      return { total, update: (done, what) => b.update(done, { what }) };
    }
    let lastLine = 0;
    const quiet = this.#quiet;
    return {
      total,
      update: (done, what) => {
        if (quiet || Date.now() - lastLine < 10_000) return;
        lastLine = Date.now();
        process.stderr.write(`gsparse: ${task.trim()} ${done}/${total} ${what}\n`);
      },
    };
  }

  /** Ends the bars (idempotent: a second MultiBar.stop() would move the cursor up over later output). */
  stop(): void {
    if (!this.#stopped) this.#bars?.stop();
    this.#stopped = true;
  }
}

// Runs a Node script in a child process without blocking the test worker's event loop (a long
// spawnSync starves vitest's RPC), for tests whose failure mode is the process dying.
import { execFile } from 'node:child_process';

export interface NodeRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Exit status, signal and both streams, for assertion messages. */
  detail: string;
}

/** Runs `node ...args` to completion (killed after timeoutMs) and reports how it ended. */
export function runNode(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<NodeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
      const status = e ? (typeof e.code === 'number' ? e.code : null) : 0;
      const signal = e?.signal ?? null;
      resolve({ status, signal, stdout, stderr, detail: `exit ${status} signal ${signal}\nstdout:\n${stdout}\nstderr:\n${stderr}` });
    });
  });
}

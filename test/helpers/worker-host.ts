// Starts test/helpers/worker-main.ts in a worker_thread.
//
// Why this way: the worker must load the same TypeScript sources vitest tests (lib/index.ts), not a
// possibly stale dist/. A worker cannot inherit vitest's transform, so the worker is a tiny eval
// bootstrap that imports tsx's ESM API by absolute URL and tsImport()s the .ts entry (tsx resolves
// the '.js' specifiers to the .ts files). The CJS flavour of tsx/esm/api fails to resolve its own
// chunk when required from an eval worker, hence the ESM path read from tsx's package.json exports.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

function tsxEsmApiUrl(): string {
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = require(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(pkgPath), pkg.exports['./esm/api'].import.default)).href;
}

export function startWorker(workerData: unknown): Worker {
  const entry = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-main.ts')).href;
  const boot =
    `import(${JSON.stringify(tsxEsmApiUrl())})` +
    `.then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  return new Worker(boot, { eval: true, workerData });
}

/** Resolves with the first message that satisfies pred; rejects on worker error or early exit. */
export function waitFor<T = unknown>(w: Worker, pred: (m: unknown) => boolean, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`worker: no matching message within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMsg = (m: unknown) => {
      if (m && typeof m === 'object' && (m as { type?: string }).type === 'fail') {
        cleanup();
        reject(new Error(`worker reported: ${(m as { message?: string }).message}`));
      } else if (pred(m)) {
        cleanup();
        resolve(m as T);
      }
    };
    const onErr = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`worker exited with code ${code} before the expected message`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      w.off('message', onMsg);
      w.off('error', onErr);
      w.off('exit', onExit);
    };
    w.on('message', onMsg);
    w.on('error', onErr);
    w.on('exit', onExit);
  });
}

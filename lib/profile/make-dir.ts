// Creates a folder and its missing parents, one plain mkdir per level.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Makes `dir` (and missing parents) like `mkdir -p`, failing with the first level's error. Node's own
 * `mkdir(dir, { recursive: true })` never settles under a pseudo file system such as /proc, where
 * mkdir answers ENOENT for a parent that exists; one level at a time turns that into an error.
 */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const s = await stat(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (s) {
      if (!s.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing.reverse()) {
    await mkdir(d).catch(async (e: NodeJS.ErrnoException) => {
      // Made meanwhile by someone else: fine if it is a folder.
      if (e.code !== 'EEXIST' || !(await stat(d)).isDirectory()) throw e;
    });
  }
}

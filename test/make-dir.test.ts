// makeDir: mkdir -p one level at a time (lib/profile/make-dir.ts).
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { makeDir } from '../lib/profile/make-dir.js';

const tmp = mkdtempSync(join(tmpdir(), 'gsparse-mkdir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('makeDir', () => {
  it('makes every missing level and accepts folders that exist', async () => {
    const deep = join(tmp, 'a', 'b', 'c');
    await makeDir(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeDir(deep);
    await makeDir(join(tmp, 'a'));
    expect(statSync(join(tmp, 'a', 'b')).isDirectory()).toBe(true);
  });

  it('fails with ENOTDIR when a level is a file', async () => {
    writeFileSync(join(tmp, 'file'), 'x');
    await expect(makeDir(join(tmp, 'file'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDir(join(tmp, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('fails (does not hang) where the file system refuses a level', async () => {
    await expect(makeDir('/proc/gsparse-no/such')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

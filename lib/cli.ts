#!/usr/bin/env node
// `gsparse` (package.json bin): checks the optional packages the command line needs, then runs it
// (cli-program.ts). A missing one is one line naming it and the install command, not a stack trace.
import { requireOptional } from './optional.js';

try {
  await requireOptional('the command line', ['commander', 'cli-progress']);
} catch (e) {
  process.stderr.write(`gsparse: ${(e as Error).message}\n`);
  process.exit(1);
}
await import('./cli-program.js');

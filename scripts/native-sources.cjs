#!/usr/bin/env node
// Prints the native source files of one group, for binding.gyp (gyp cannot glob):
//   core | avx2 | avx512 | addon. CMakeLists.txt globs the same folders (recursively), so both builds agree.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// The .cc files under dir, subfolders included (cpu/ has one per kernel family), in a stable order.
const list = (dir) =>
  fs.existsSync(path.join(root, dir))
    ? fs
        .readdirSync(path.join(root, dir), { recursive: true })
        .filter((f) => f.endsWith('.cc'))
        .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
        .sort()
    : [];
// binding.gyp builds the CPU-only addon: of native/core/cuda it takes only the stub (no .cu files).
const core = ['formats', 'prune', 'cpu', 'runtime']
  .flatMap((d) => list(`native/core/${d}`))
  .concat(['native/core/cuda/cuda_stub.cc']);
const groups = {
  core: core.filter((f) => !/_avx(2|512)\.cc$/.test(f)),
  avx2: core.filter((f) => f.endsWith('_avx2.cc')),
  avx512: core.filter((f) => f.endsWith('_avx512.cc')),
  addon: list('native/addon'),
};
const group = groups[process.argv[2]];
if (!group) {
  console.error(`usage: native-sources.cjs ${Object.keys(groups).join('|')}`);
  process.exit(1);
}
console.log(group.join('\n'));

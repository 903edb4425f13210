#!/usr/bin/env node
// Runs the native C++ tests (ctest). Uses the cmake-js build in build/ when it has them, otherwise
// configures and builds the tests alone in build/native (no Node headers needed).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

let dir = path.join(root, 'build');
if (!fs.existsSync(path.join(dir, 'native-tests'))) {
  dir = path.join(root, 'build', 'native');
  run('cmake', ['-S', root, '-B', dir, '-DGSPARSE_NATIVE_TESTS=ON', '-DCMAKE_BUILD_TYPE=Release']);
}
run('cmake', ['--build', dir, '--parallel', String(os.availableParallelism())]);
run('ctest', ['--test-dir', dir, '--output-on-failure']);

#!/usr/bin/env node
// npm install hook: use a prebuilt binary when one loads; otherwise build the addon from source.
// In a development checkout (test/ present) CMake (cmake-js) builds the addon, the CUDA backend
// when a toolkit is found, and the native tests; an installed package falls back to node-gyp.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function prebuiltLoads() {
  if (!fs.existsSync(path.join(root, 'prebuilds'))) return false;
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

function run(cmd, args) {
  console.log(`gsparse: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status === 0;
}

function hasCmakeJs() {
  try {
    require.resolve('cmake-js/package.json', { paths: [root] });
    return spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

function build() {
  const dev = fs.existsSync(path.join(root, 'test'));
  if (hasCmakeJs()) {
    const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
    const args = [cmakeJs, 'compile', `--CDGSPARSE_NATIVE_TESTS=${dev ? 'ON' : 'OFF'}`];
    args.push('--parallel', String(require('node:os').availableParallelism()));
    return run(process.execPath, args);
  }
  const nodeGyp = process.env.npm_config_node_gyp;
  return nodeGyp ? run(process.execPath, [nodeGyp, 'rebuild']) : run('node-gyp', ['rebuild']);
}

if (prebuiltLoads()) {
  console.log('gsparse: using the prebuilt binary');
} else if (!build()) {
  console.error(
    'gsparse: building the native addon failed. It needs a C++17 compiler, make and Python 3 ' +
      '(CMake >= 3.18 for the CUDA backend). Install them, then run: npm rebuild gsparse',
  );
  process.exit(1);
}

#!/usr/bin/env node
// prepack: builds prebuilds/<platform>-<arch>/gsparse.node (prebuildify, node-gyp, Node-API, CPU
// backend) so `npm pack` ships a binary and users need no compiler. One binary per platform: the
// ISA (AVX-512 / AVX2 / scalar) is chosen at run time. node-gyp `rebuild` wipes its build/ folder,
// and build/ holds the cmake-js dev build the tests load, so the build runs in a copy of the native
// sources under build-prebuild/ and only the finished binary comes back.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { envWithNodeDir } = require('./node-headers.cjs');

const root = path.join(__dirname, '..');
const stage = path.join(root, 'build-prebuild');
const sources = ['binding.gyp', 'package.json', 'scripts/native-sources.cjs', 'scripts/isa-flags.json', 'native/core',
  'native/addon'];

fs.rmSync(stage, { recursive: true, force: true });
for (const rel of sources) fs.cpSync(path.join(root, rel), path.join(stage, rel), { recursive: true });
// binding.gyp resolves node-addon-api from the folder it builds in.
fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'junction');

const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
// --target only names the build: with --napi the binary runs on every Node with Node-API 8 (>= 20).
const args = [prebuildify, '--napi', '--strip', '--target', process.versions.node, '--cwd', stage,
  '--node-gyp', nodeGyp];
console.log(`gsparse: prebuildify ${args.slice(1).join(' ')}`);
const r = spawnSync(process.execPath, args, {
  cwd: stage,
  stdio: 'inherit',
  // The running Node's own headers when it has them (no download); JOBS: node-gyp's parallelism.
  env: { ...envWithNodeDir(), JOBS: process.env.JOBS ?? '2' },
});
if (r.status !== 0) {
  console.error('gsparse: the prebuild failed; `npm pack` would ship no binary, so it stops here.');
  process.exit(r.status ?? 1);
}

// Replace whatever prebuilds/ held (e.g. another platform's) with this one.
fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
fs.cpSync(path.join(stage, 'prebuilds'), path.join(root, 'prebuilds'), { recursive: true });
for (const dir of fs.readdirSync(path.join(root, 'prebuilds')))
  for (const f of fs.readdirSync(path.join(root, 'prebuilds', dir))) console.log(`gsparse: prebuilds/${dir}/${f}`);

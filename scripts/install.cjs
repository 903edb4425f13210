#!/usr/bin/env node
// npm install hook: use the prebuilt binary (prebuilds/) when it loads; otherwise build the addon from
// source. In a development checkout (test/ present) CMake (cmake-js) always builds it, with the CUDA
// backend when a toolkit is found and the native tests; an installed package falls back to node-gyp,
// fed the running Node's own headers when it has them (no download). A failed build says why
// (scripts/native-diagnosis.cjs) and leaves that in build/install-error.txt for the run-time loader.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { buildFailureMessage, probeTools } = require('./native-diagnosis.cjs');
const { envWithNodeDir } = require('./node-headers.cjs');

const root = path.join(__dirname, '..');
const errorFile = path.join(root, 'build', 'install-error.txt');
const dev = fs.existsSync(path.join(root, 'test'));

function prebuiltLoads() {
  if (!fs.existsSync(path.join(root, 'prebuilds'))) return false;
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

function hasCmakeJs() {
  try {
    require.resolve('cmake-js/package.json', { paths: [root] });
    return spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

/** Runs cmd, echoing its output as it comes, and resolves to its exit status and everything it printed. */
function run(cmd, args, env) {
  console.log(`gsparse: ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, shell: process.platform === 'win32' });
    let output = '';
    child.stdout.on('data', (d) => { output += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { output += d; process.stderr.write(d); });
    child.on('error', (e) => { output += `\n${e.message}\n`; });
    child.on('close', (status) => resolve({ ok: status === 0, output }));
  });
}

function build(builder) {
  const env = envWithNodeDir();
  if (builder === 'cmake-js') {
    const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
    const args = [cmakeJs, 'compile', `--CDGSPARSE_NATIVE_TESTS=${dev ? 'ON' : 'OFF'}`, '--parallel', String(os.availableParallelism())];
    return run(process.execPath, args, env);
  }
  const nodeGyp = process.env.npm_config_node_gyp;
  return nodeGyp ? run(process.execPath, [nodeGyp, 'rebuild'], env) : run('node-gyp', ['rebuild'], env);
}

async function main() {
  if (!dev && prebuiltLoads()) {
    console.log('gsparse: using the prebuilt binary');
    return;
  }
  const builder = hasCmakeJs() ? 'cmake-js' : 'node-gyp';
  const { ok, output } = await build(builder);
  if (ok) {
    fs.rmSync(errorFile, { force: true });
    return;
  }
  const message = buildFailureMessage({ output, tools: probeTools(), builder });
  fs.mkdirSync(path.dirname(errorFile), { recursive: true });
  fs.writeFileSync(errorFile, `${message}\n`);
  console.error(message);
  process.exitCode = 1;
}

void main();

// Why the native addon did not build (scripts/install.cjs) or load (lib/native.ts), in words that name
// the real cause and its fix. The message builders are pure (unit-tested in test/native-diagnosis.test.ts);
// probeTools() is the only part that looks at the machine.
'use strict';
const { spawnSync } = require('node:child_process');

const REBUILD = 'npm rebuild gsparse';
const NODEDIR_HINT = 'the folder that holds include/node/node_api.h: a Node install prefix such as /usr/local, ' +
  'or node-vX-headers.tar.gz of your Node version unpacked';

/** Which build tools answer `--version` here: C++ compiler, make, Python 3 (node-gyp's), CMake. */
function probeTools(env = process.env, run = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore', env }).status === 0) {
  const first = (cmds) => cmds.find((c) => c && run(c));
  return {
    cxx: first([env.CXX, 'c++', 'g++', 'clang++']),
    make: first(['make']),
    python: first([env.PYTHON, env.npm_config_python, 'python3', 'python']),
    cmake: first(['cmake']),
  };
}

/** The headers URL when node-gyp failed to download Node's headers (no network, proxy, TLS), else undefined. */
function headerDownloadFailure(output) {
  const get = /gyp http GET (\S*headers\.tar\.gz)/.exec(output);
  if (!get) return undefined;
  const failed = /rolling back install|network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|certificate|bad port|status code/i;
  return failed.test(output) ? get[1] : undefined;
}

/** Build tools a node-gyp build needs that are missing (names as a user would install them). */
function missingTools(tools, builder) {
  const missing = [];
  if (!tools.cxx) missing.push('a C++17 compiler (g++ or clang++)');
  if (!tools.make) missing.push('make');
  if (builder === 'node-gyp' && !tools.python) missing.push('Python 3');
  return missing;
}

/**
 * What to tell the user when the install step's build failed: the real cause first (headers it could
 * not download, tools that are missing, or the compiler's own error above), then the one-command fix.
 */
function buildFailureMessage({ output, tools, builder }) {
  const url = headerDownloadFailure(output);
  if (url) {
    return `gsparse: building the native addon failed because node-gyp could not download Node's headers (${url}): ` +
      'no network, or a proxy or certificate in the way. Point it at headers on this machine instead ' +
      `(${NODEDIR_HINT}):\n  npm_config_nodedir=/path/to/node ${REBUILD}`;
  }
  const missing = missingTools(tools, builder);
  if (missing.length > 0) {
    return `gsparse: building the native addon failed: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} ` +
      `not installed (or not on PATH). Install ${missing.length === 1 ? 'it' : 'them'}, then run: ${REBUILD}`;
  }
  return `gsparse: building the native addon with ${builder} failed; its errors are above (the build tools are ` +
    `there: ${[tools.cxx, tools.make, builder === 'node-gyp' ? tools.python : tools.cmake].join(', ')}). ` +
    `After fixing that, run: ${REBUILD}`;
}

/**
 * What to tell the user when no addon loads at run time. `binary` is the file node-gyp-build found (it
 * exists but failed to load) or undefined (none exists); `installError` is what the install step
 * recorded when its build failed.
 */
function loadFailureMessage({ target, root, reason, binary, installError, tools }) {
  const head = `gsparse: no native addon could be loaded for ${target}.`;
  if (binary) {
    return `${head}\n  ${binary} exists but failed to load: ${reason}\n` +
      `  Build one for this machine from source with:  ${REBUILD}`;
  }
  const why = installError
    ? `the install step failed to build one:\n  ${installError.split('\n').join('\n  ')}`
    : 'the install step did not build one: its script did not run (installed with --ignore-scripts, or ' +
      'refused by npm\'s allowScripts policy: `npm install-scripts approve gsparse` allows it).';
  const missing = missingTools(tools, 'node-gyp');
  const needs = missing.length > 0 ? ` (first install ${missing.join(', ')}: missing here)` : '';
  return `${head}\n  This package has no prebuilt binary for it in ${root}prebuilds, and ${why}` +
    (installError ? '' : `\n  Build it from source with:  ${REBUILD}${needs}`);
}

module.exports = { probeTools, headerDownloadFailure, missingTools, buildFailureMessage, loadFailureMessage };

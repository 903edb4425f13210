// Where node-gyp can find Node's headers without downloading them.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The running Node's install prefix when it ships its headers (include/node/common.gypi), else undefined. */
function localNodeDir(execPath = process.execPath) {
  const prefix = path.dirname(path.dirname(execPath));
  const ok = ['common.gypi', 'node_api.h'].every((f) => fs.existsSync(path.join(prefix, 'include', 'node', f)));
  return ok ? prefix : undefined;
}

/** process.env plus npm_config_nodedir = the local headers, unless the caller already chose a nodedir. */
function envWithNodeDir(env = process.env) {
  const dir = env.npm_config_nodedir || localNodeDir();
  return dir ? { ...env, npm_config_nodedir: dir } : { ...env };
}

module.exports = { localNodeDir, envWithNodeDir };

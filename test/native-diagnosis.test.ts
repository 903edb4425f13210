// The install / load failure messages (scripts/native-diagnosis.cjs) name the real cause and the fix.
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

interface Tools { cxx?: string; make?: string; python?: string; cmake?: string }
const diagnosis = createRequire(import.meta.url)('../scripts/native-diagnosis.cjs') as {
  probeTools(env: NodeJS.ProcessEnv, run: (cmd: string) => boolean): Tools;
  headerDownloadFailure(output: string): string | undefined;
  buildFailureMessage(o: { output: string; tools: Tools; builder: 'node-gyp' | 'cmake-js' }): string;
  loadFailureMessage(o: { target: string; root: string; reason: string; binary?: string; installError?: string; tools: Tools }): string;
};

// What node-gyp 12.4 printed here when it could not reach nodejs.org (no nodedir, no cached headers).
const OFFLINE = `gyp info it worked if it ends with ok
gyp info using node-gyp@12.4.0
gyp info using node@20.20.2 | linux | x64
gyp info find Python using Python version 3.11.7 found at "/root/.pyenv/versions/3.11.7/bin/python3"

gyp http GET https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz
gyp WARN install got an error, rolling back install
gyp ERR! configure error
gyp ERR! stack Error: This is most likely not a problem with node-gyp or the package itself and
gyp ERR! stack is related to network connectivity. In most cases you are behind a proxy or have bad
gyp ERR! stack network settings.
gyp ERR! not ok
`;
// The same with the download refused outright (a mirror that is down).
const REFUSED = `gyp http GET http://127.0.0.1:9/v20.20.2/node-v20.20.2-headers.tar.gz
gyp WARN install got an error, rolling back install
gyp ERR! configure error
gyp ERR! stack Error: bad port
`;
// A real compile error after the headers were found locally.
const COMPILE_ERROR = `gyp info using node-gyp@12.4.0
gyp info spawn make
  CXX(target) Release/obj.target/gsparse/native/addon/addon.o
../native/addon/addon.cc:12:3: error: 'foo' was not declared in this scope
make: *** [gsparse.target.mk:120: Release/obj.target/gsparse/native/addon/addon.o] Error 1
gyp ERR! build error
gyp ERR! not ok
`;
const ALL_TOOLS: Tools = { cxx: 'c++', make: 'make', python: 'python3', cmake: 'cmake' };

describe('build failure message', () => {
  it('finds the headers download in node-gyp output, and only when it failed', () => {
    expect(diagnosis.headerDownloadFailure(OFFLINE)).toBe('https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz');
    expect(diagnosis.headerDownloadFailure(REFUSED)).toBe('http://127.0.0.1:9/v20.20.2/node-v20.20.2-headers.tar.gz');
    expect(diagnosis.headerDownloadFailure(COMPILE_ERROR)).toBeUndefined();
    const downloadedThenCompileError = `gyp http GET https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz
gyp http 200 https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz
${COMPILE_ERROR}`;
    expect(diagnosis.headerDownloadFailure(downloadedThenCompileError)).toBeUndefined();
  });

  it('blames the headers download, not the tools, when the tools are all there', () => {
    const m = diagnosis.buildFailureMessage({ output: OFFLINE, tools: ALL_TOOLS, builder: 'node-gyp' });
    expect(m).toContain("could not download Node's headers (https://nodejs.org/download/release/v20.20.2/node-v20.20.2-headers.tar.gz)");
    expect(m).toContain('npm_config_nodedir=/path/to/node npm rebuild gsparse');
    expect(m).toContain('include/node/node_api.h');
    expect(m).not.toMatch(/compiler|make|Python/);
  });

  it('names exactly the missing tools', () => {
    const m = diagnosis.buildFailureMessage({ output: COMPILE_ERROR, tools: { make: 'make', python: 'python3' }, builder: 'node-gyp' });
    expect(m).toContain('a C++17 compiler (g++ or clang++) is not installed');
    expect(m).not.toMatch(/Python|make,/);
    expect(m).toContain('npm rebuild gsparse');
    const two = diagnosis.buildFailureMessage({ output: '', tools: { cxx: 'g++' }, builder: 'node-gyp' });
    expect(two).toContain('make, Python 3 are not installed');
    // cmake-js brings no Python requirement.
    const cm = diagnosis.buildFailureMessage({ output: '', tools: { cxx: 'g++', cmake: 'cmake' }, builder: 'cmake-js' });
    expect(cm).toContain(': make is not installed');
  });

  it('points at the compiler output when nothing is missing', () => {
    const m = diagnosis.buildFailureMessage({ output: COMPILE_ERROR, tools: ALL_TOOLS, builder: 'node-gyp' });
    expect(m).toContain('node-gyp failed; its errors are above');
    expect(m).toContain('c++, make, python3');
    expect(m).not.toMatch(/not installed|headers/);
  });

  it('probes tools in order, honouring CXX and PYTHON', () => {
    const seen: string[] = [];
    const present = new Set(['clang++', 'make', '/opt/py/bin/python3']);
    const tools = diagnosis.probeTools({ PYTHON: '/opt/py/bin/python3' }, (cmd) => { seen.push(cmd); return present.has(cmd); });
    expect(tools).toEqual({ cxx: 'clang++', make: 'make', python: '/opt/py/bin/python3', cmake: undefined });
    expect(seen.slice(0, 3)).toEqual(['c++', 'g++', 'clang++']);
    expect(diagnosis.probeTools({ CXX: 'my-g++' }, (cmd) => cmd === 'my-g++').cxx).toBe('my-g++');
  });
});

describe('load failure message', () => {
  const base = { target: 'linux-arm64 (Node v20.20.2, Node-API 10)', root: '/app/node_modules/gsparse/', reason: 'No native build was found' };

  it('says the install script did not run when there is no binary and no recorded error', () => {
    const m = diagnosis.loadFailureMessage({ ...base, tools: ALL_TOOLS });
    expect(m).toContain('no native addon could be loaded for linux-arm64');
    expect(m).toContain('no prebuilt binary for it in /app/node_modules/gsparse/prebuilds');
    expect(m).toContain('--ignore-scripts');
    expect(m).toContain('npm install-scripts approve gsparse');
    expect(m).toContain('npm rebuild gsparse');
    expect(m).not.toContain('missing here');
  });

  it('lists the tools the rebuild would need only when they are missing', () => {
    const m = diagnosis.loadFailureMessage({ ...base, tools: { cxx: 'g++' } });
    expect(m).toContain('npm rebuild gsparse (first install make, Python 3: missing here)');
  });

  it("repeats the install step's own diagnosis when its build failed", () => {
    const installError = diagnosis.buildFailureMessage({ output: OFFLINE, tools: ALL_TOOLS, builder: 'node-gyp' });
    const m = diagnosis.loadFailureMessage({ ...base, installError, tools: ALL_TOOLS });
    expect(m).toContain("prebuilds, and the install step failed to build one:");
    expect(m).toContain("could not download Node's headers");
    expect(m).toContain('npm_config_nodedir=/path/to/node npm rebuild gsparse');
    expect(m).not.toContain('install-scripts approve');
  });

  it('names a binary that exists but does not load, with its loader error', () => {
    const binary = '/app/node_modules/gsparse/prebuilds/linux-x64/gsparse.node';
    const reason = "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found";
    const m = diagnosis.loadFailureMessage({ ...base, reason, binary, tools: ALL_TOOLS });
    expect(m).toContain(`${binary} exists but failed to load: ${reason}`);
    expect(m).toContain('npm rebuild gsparse');
  });
});

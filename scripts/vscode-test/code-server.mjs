// Starts code-server and a headless chromium for it. Used by the test-electron
// launcher (integration tests) and by the playwright UI driver (test/ui).
// Everything binds to 127.0.0.1; other hosts are blocked in the browser.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { aptHint, codeServerEntry, findChromium, isReady, resolveFlavor, toolDir } from './config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A fresh folder for one run's profile, extensions and config; removed by cleanup. */
export function makeRunDir(label) {
  const runs = path.join(toolDir, 'runs');
  fs.mkdirSync(runs, { recursive: true });
  // Left behind only when a run was killed outright; a day is older than any run.
  for (const old of fs.readdirSync(runs)) {
    const dir = path.join(runs, old);
    if (Date.now() - fs.statSync(dir).mtimeMs > 24 * 3600_000) fs.rmSync(dir, { recursive: true, force: true });
  }
  return fs.mkdtempSync(path.join(runs, `${label}-`));
}

/**
 * code-server loads only the last --extensionDevelopmentPath. Several of them
 * (the extension and fixture extensions beside it) become one parent folder
 * of links, which it scans as a folder of extensions.
 * @param {string[]} paths
 * @param {string} runDir
 * @param {(msg: string) => void} [say]
 */
export function linkDevelopmentPaths(paths, runDir, say = () => {}) {
  if (paths.length <= 1) return paths;
  const parent = path.join(runDir, 'extensions-under-development');
  fs.mkdirSync(parent, { recursive: true });
  paths.forEach((p, i) => fs.symlinkSync(p, path.join(parent, `${i}-${path.basename(p)}`), 'dir'));
  say(`extensions under development: ${paths.join(', ')}`);
  return [parent];
}

/**
 * The code-server environment: no inherited VS Code/code-server session
 * (VSCODE_IPC_HOOK_CLI would make code-server open in the calling instance),
 * no $PORT/$PASSWORD, and no marketplace.
 */
function serverEnv(parentPid) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_|CODE_SERVER_|CS_|npm_)/i.test(k)) continue;
    if (['PORT', 'PASSWORD', 'HASHED_PASSWORD', 'GITHUB_TOKEN', 'NODE_OPTIONS'].includes(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    EXTENSIONS_GALLERY: '{}',
    // Read by watchdog.cjs: the server dies with the process that started it.
    AOAI_POOL_TEST_PARENT_PID: String(parentPid),
  };
}

/** User settings of every run: nothing in the background that wants the network. */
const OFFLINE_SETTINGS = {
  // 1.139 otherwise starts an agent host that waits for GitHub sign-in, and opens the Chat view.
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.autoRepositoryDetection': false,
};

/**
 * @param {{ flavor?: string, runDir: string, onOutput?: (line: string) => void, startTimeoutMs?: number }} opts
 */
export async function startCodeServer({ flavor: flavorName, runDir, onOutput = () => {}, startTimeoutMs = 60_000 }) {
  const flavor = resolveFlavor(flavorName);
  if (!isReady(flavor)) {
    throw new Error(`code-server ${flavor.codeServer} is not installed; run: node scripts/vscode-test/setup.mjs ${flavor.name}`);
  }
  const nodeBin = flavor.node.bin;
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = path.join(runDir, 'extensions');
  const config = path.join(runDir, 'config.yaml');
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Our own config file, so ~/.config/code-server is neither read nor created.
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), `${JSON.stringify(OFFLINE_SETTINGS, null, 2)}\n`);
  const args = [
    '--require', path.join(here, 'watchdog.cjs'),
    codeServerEntry(flavor),
    '--config', config,
    // Port 0: the kernel picks a free port; we read it back from the log.
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  // VS Code 1.139 ignores the extensionDevelopmentPath/extensionTestsPath URL
  // payload unless the smoke-test driver is on; 1.100 honours it without.
  if (flavor.smokeDriverFlag) args.push('--vscode-option', 'enable-smoke-test-driver');

  const child = spawn(nodeBin, args, {
    cwd: runDir,
    env: serverEnv(process.pid),
    // Own process group, so stop() also reaches the extension host, pty host
    // and file watcher that code-server forks.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    let pending = '';
    const onData = (chunk) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        onOutput(line);
        const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited during startup (${code})`));
    });
  }).catch(async (err) => {
    await killGroup(child.pid, exited);
    throw err;
  });

  const { host } = new URL(url);
  return {
    flavor,
    url,
    /** host:port, the remote authority of vscode-remote:// URIs. */
    authority: host,
    pid: child.pid,
    exited,
    stop: () => killGroup(child.pid, exited),
  };
}

/** SIGTERM the whole process group, then SIGKILL whatever is left after 5 s. */
async function killGroup(pid, exited) {
  if (!pid) return;
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // group already gone
    }
  };
  if (!signal('SIGTERM')) return;
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  // Children (extension host, pty host) may outlive the main process.
  for (let i = 0; i < 20 && signal(0); i++) await new Promise((r) => setTimeout(r, 100));
  signal('SIGKILL');
}

/** `vscode-remote://host:port/abs/path`: a path on the code-server machine. */
export function remoteUri(server, fsPath) {
  return `vscode-remote://${server.authority}${path.resolve(fsPath).split(path.sep).map(encodeURIComponent).join('/')}`;
}

/**
 * The workbench URL. The payload is what desktop VS Code gets as
 * --extensionDevelopmentPath/--extensionTestsPath.
 * @param {{ url: string, authority: string }} server
 * @param {{ folder?: string, extensionDevelopmentPath?: string[], extensionTestsPath?: string }} opts
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath = [], extensionTestsPath } = {}) {
  const payload = [
    ...extensionDevelopmentPath.map((p) => ['extensionDevelopmentPath', remoteUri(server, p)]),
    ...(extensionTestsPath ? [['extensionTestsPath', remoteUri(server, extensionTestsPath)]] : []),
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const u = new URL(server.url);
  if (folder) u.searchParams.set('folder', path.resolve(folder));
  else u.searchParams.set('ew', 'true'); // empty window
  u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

/**
 * Debian's chromium, headless, fresh profile (playwright's temp dir), no
 * background traffic. Signals are left to the caller, which cleans up both.
 */
export async function launchChromium() {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(`chromium not found. ${aptHint('chromium')} (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--metrics-recording-only',
    ],
  });
}

/**
 * A page that may only talk to code-server: anything else (CDNs, the
 * marketplace, webview hosts) is aborted and reported through onBlocked.
 * @param {import('playwright-core').Browser} browser
 * @param {{ url: string }} server
 */
export async function newWorkbenchPage(browser, server, { onBlocked = () => {}, viewport = { width: 1600, height: 1000 } } = {}) {
  const context = await browser.newContext({ viewport });
  const origin = new URL(server.url).origin;
  await context.route(
    (u) => u.origin !== origin && !['data:', 'blob:'].includes(u.protocol),
    (route) => {
      onBlocked(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  return context.newPage();
}

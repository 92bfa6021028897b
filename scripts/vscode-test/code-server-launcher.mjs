#!/usr/bin/env node
// Stands in for the VS Code executable in @vscode/test-electron's
// runTests({ vscodeExecutablePath }). Takes the flags test-electron passes,
// runs the extension tests in code-server's (Node) extension host with a
// headless chromium as the workbench, and exits with the code the workbench
// reports through window.codeAutomationExit.
//
//   --extensionDevelopmentPath=<dir>  (repeatable: the extension, then fixture extensions)
//   --extensionTestsPath=<file>       module exporting run(): Promise<void>
//   <folder>                          optional workspace folder to open
// Other flags (--no-sandbox, --user-data-dir=..., ...) are ignored: each run
// gets a fresh profile under .vscode-test/runs/, deleted afterwards.
//
// Env: VSCODE_VERSION=stable|min (default stable), VSCODE_TEST_TIMEOUT (s, default 300),
//      VSCODE_TEST_VERBOSE=1 (all code-server and workbench logs to stdout).
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, resolveFlavor } from './config.mjs';
import { launchChromium, linkDevelopmentPaths, makeRunDir, newWorkbenchPage, startCodeServer, workbenchUrl } from './code-server.mjs';

const verbose = process.env.VSCODE_TEST_VERBOSE === '1';
const timeoutSec = Number(process.env.VSCODE_TEST_TIMEOUT || 300);
const START_TIMEOUT_S = 120;
const say = (msg) => console.log(`[code-server-launcher] ${msg}`);

// test/integration/log.ts (mocha's reporter, testLog()) prefixes its lines
// with this tag (the variable reaches the extension host through
// code-server's environment), so they can be told apart from the workbench's
// own log, which is shown only with VSCODE_TEST_VERBOSE=1.
const TAG = '\u27e6ext\u27e7 ';
process.env.AOAI_POOL_TEST_TAG = TAG;

function parseArgs(argv) {
  const opts = { extensionDevelopmentPath: [], extensionTestsPath: undefined, folder: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--(extensionDevelopmentPath|extensionTestsPath)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (m[1] === 'extensionDevelopmentPath') opts.extensionDevelopmentPath.push(path.resolve(value));
      else opts.extensionTestsPath = path.resolve(value);
    } else if (!arg.startsWith('-') && !opts.folder) {
      opts.folder = path.resolve(arg);
    }
  }
  if (!opts.extensionTestsPath) throw new Error('missing --extensionTestsPath=<file>');
  if (!fs.existsSync(opts.extensionTestsPath)) throw new Error(`${opts.extensionTestsPath} does not exist (run the build first)`);
  return opts;
}

/** Server log lines worth showing without VSCODE_TEST_VERBOSE: extension host stderr and crashes. */
function serverLine(line) {
  if (verbose) console.log(`[server] ${line}`);
  else if (/ExtensionHostConnection\].*(<stderr>|exited with code: [^0]|had an error)|\berror\b.*uncaught/i.test(line)) {
    console.log(`[server] ${line}`);
  }
}

/** Runs the tests; resolves with the exit code. The caller cleans up. */
async function runTests(opts, flavor, state) {
  const t0 = Date.now();
  state.server = await startCodeServer({ flavor: flavor.name, runDir: state.runDir, onOutput: serverLine });
  const server = state.server;
  say(`code-server ${flavor.codeServer} (VS Code ${flavor.vscode}) on ${server.url}, started in ${Date.now() - t0} ms`);
  state.browser = await launchChromium();
  const browser = state.browser;
  const page = await newWorkbenchPage(browser, server, { onBlocked: (u) => say(`blocked a non-local request: ${u}`) });

  let settled = false;
  let settle;
  const result = new Promise((resolve) => (settle = resolve)).finally(() => (settled = true));
  await page.exposeFunction('codeAutomationExit', (code, logs) => settle({ code, logs }));
  // If the workbench ignores the test payload (e.g. a VS Code that wants
  // another flag), nothing ever reports: fail early with a hint instead of
  // waiting for the global timeout.
  const noStart = setTimeout(
    () => settle({ code: 1, why: `no test output within ${START_TIMEOUT_S} s: did the extension host load ${opts.extensionTestsPath}? (VSCODE_TEST_VERBOSE=1 shows the workbench log)` }),
    START_TIMEOUT_S * 1000,
  );
  void result.finally(() => clearTimeout(noStart));
  await page.exposeFunction('codeAutomationLog', (level, message) => {
    const text = String(message);
    if (text.startsWith(TAG)) {
      clearTimeout(noStart);
      console.log(text.slice(TAG.length));
    }
    else if (verbose) console.log(`[workbench ${level}] ${text}`);
    // Errors while the tests run: the message and the stack frames in this
    // repository (the workbench's own are minified); the full text is in the
    // saved logs. Skips the "Canceled" that pending remote calls throw when
    // the extension host stops.
    else if (level === 'error' && !settled && !/^(\w*Error: )?Canceled\b/.test(text)) {
      const [first, ...rest] = text.split('\n');
      const ours = rest.filter((l) => l.includes(repoRoot) && !l.includes('node_modules')).slice(0, 5);
      console.log([`[workbench error] ${first}`, ...ours].join('\n'));
    }
  });
  page.on('crash', () => settle({ code: 1, why: 'the workbench page crashed' }));
  page.on('pageerror', (err) => verbose && console.log(`[page error] ${err.message}`));
  browser.on('disconnected', () => settle({ code: 1, why: 'chromium exited' }));
  void server.exited.then((c) => settle({ code: 1, why: `code-server exited (${c})` }));

  await page.goto(workbenchUrl(server, opts));
  const { code, logs, why } = await result;
  if (state.stopping) return 1; // timeout or signal: finish() reports and exits
  if (why) say(why);
  if (logs?.length) saveLogs(flavor.name, logs);
  say(`exit code ${code} after ${Math.round((Date.now() - t0) / 1000)} s`);
  return typeof code === 'number' ? code : 1;
}

/** The workbench hands over its log files on exit; kept for CI artifacts. */
function saveLogs(flavorName, logs) {
  const dir = path.join(repoRoot, 'test', 'output', 'vscode-logs', flavorName);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { relativePath, contents } of logs) {
    const file = path.resolve(dir, relativePath);
    if (!file.startsWith(dir + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
  say(`workbench logs: ${path.relative(process.cwd(), dir)}`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const flavor = resolveFlavor();
  const state = { runDir: makeRunDir(flavor.name), server: undefined, browser: undefined, stopping: false };
  opts.extensionDevelopmentPath = linkDevelopmentPaths(opts.extensionDevelopmentPath, state.runDir, say);
  let cleaning;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await state.browser?.close().catch(() => {});
      await state.server?.stop();
      fs.rmSync(state.runDir, { recursive: true, force: true });
    })());
  const finish = async (code, why) => {
    if (why) say(why);
    state.stopping = true;
    await cleanup();
    process.exit(code);
  };
  // Whatever happens, chromium and code-server stop and the process exits.
  setTimeout(() => void finish(1, `timed out after ${timeoutSec} s (VSCODE_TEST_TIMEOUT)`), timeoutSec * 1000);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => void finish(130, `${sig}: stopping`));
  try {
    await finish(await runTests(opts, flavor, state));
  } catch (err) {
    await finish(1, `error: ${err?.stack ?? err}`);
  }
}

main().catch((err) => {
  console.error(`[code-server-launcher] ${err?.stack ?? err}`);
  process.exit(1);
});

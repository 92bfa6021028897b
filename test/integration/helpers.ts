// Shared by the *.integration.test.ts suites: the extension's test API, user
// settings that are reset after every test, polling, and a plain HTTP client
// for the proxy. Suites start their own simulated Azure backends
// (src/core/simulator) on 127.0.0.1, so nothing leaves the machine.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import { suiteSetup, teardown } from 'mocha';
import { startSimulatedBackends, type SimBackendOptions, type SimulatedBackend } from '../../src/core/simulator';
import type { AoaiPoolApi } from '../../src/extension';
import { EXTENSION_ID } from '../../src/core/view/settings';

export { EXTENSION_ID };
/** Names the suites give their backends; their API keys are deleted after each test. */
export const BACKEND_NAMES = ['east', 'west', 'north'] as const;
export const API_VERSION = '2024-10-21';

export type TestApi = Required<AoaiPoolApi>;

/** Activates the extension and returns its API with the Development/Test accessors. */
export async function poolApi(): Promise<TestApi> {
  const ext = vscode.extensions.getExtension<AoaiPoolApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in the test host`);
  const api = await ext.activate();
  for (const name of ['proxy', 'simulators', 'clientKey', 'terminalEnvironment', 'logLines', 'setApprovalResponder', 'forgetApprovals', 'useTokenCredential', 'secretStorage'] as const) {
    assert.equal(typeof api[name], 'function', `api.${name} is missing: is the extension in Test mode?`);
  }
  return api as TestApi;
}

const config = () => vscode.workspace.getConfiguration('aoaiPool');

/** Writes a user setting (unless it already has that value) and waits until this extension host reads it back. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  if (isDeepStrictEqual(config().inspect(key)?.globalValue, value)) return;
  await config().update(key, value, vscode.ConfigurationTarget.Global);
  await waitFor(() => isDeepStrictEqual(config().inspect(key)?.globalValue, value), `aoaiPool.${key} = ${JSON.stringify(value)}`);
}

/** Writes a workspace setting (.vscode/settings.json of the test folder) and waits until this extension host reads it back. */
export async function setWorkspaceSetting(key: string, value: unknown): Promise<void> {
  assert.ok(vscode.workspace.workspaceFolders?.length, 'no workspace folder open: runTests.ts opens one');
  if (isDeepStrictEqual(config().inspect(key)?.workspaceValue, value)) return;
  await config().update(key, value, vscode.ConfigurationTarget.Workspace);
  await waitFor(() => isDeepStrictEqual(config().inspect(key)?.workspaceValue, value), `workspace aoaiPool.${key} = ${JSON.stringify(value)}`);
}

/** Every aoaiPool.* key the extension contributes, without the prefix. */
export function contributedKeys(): string[] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const sections = (ext.packageJSON as { contributes: { configuration: { properties: Record<string, unknown> }[] } }).contributes.configuration;
  return sections.flatMap((s) => Object.keys(s.properties)).map((k) => k.replace(/^aoaiPool\./, ''));
}

/**
 * Puts the extension back where every test starts: proxy stopped, no
 * simulators, no aoaiPool user settings but port 0, no API keys of
 * BACKEND_NAMES, and the controller done with the resulting changes.
 */
export async function resetPool(api: TestApi): Promise<void> {
  await vscode.commands.executeCommand('aoaiPool.stopProxy');
  // Stopping a demo that replaced a running pool starts that pool again (issue 13, item 5): stop it too.
  if (api.state().status !== 'stopped') await vscode.commands.executeCommand('aoaiPool.stopProxy');
  // Workspace settings first (the folder runTests opens), so no workspace backend waits for approval below.
  for (const key of contributedKeys()) {
    if (config().inspect(key)?.workspaceValue !== undefined) await setWorkspaceSetting(key, undefined);
  }
  for (const name of BACKEND_NAMES) await vscode.commands.executeCommand('aoaiPool.clearApiKey', name);
  for (const key of contributedKeys()) {
    if (key !== 'port' && config().inspect(key)?.globalValue !== undefined) await setSetting(key, undefined);
  }
  // 0: a free port, so no test depends on 8787 being free.
  await setSetting('port', 0);
  await waitFor(
    () => api.state().status === 'stopped' && api.snapshots().length === 0 && api.state().configErrors.length === 0,
    'a stopped, empty pool',
    api,
  );
  await api.whenIdle();
  await api.forgetApprovals();
  api.setApprovalResponder(undefined);
  api.useTokenCredential(undefined);
  assert.deepEqual(api.simulators(), [], 'simulators left running');
  assert.deepEqual(api.terminalEnvironment(), {}, 'terminal variables left behind');
}

/** Polls `check` (a predicate, or an assertion that throws) every 50 ms; on timeout throws its last error and the pool's state. */
export async function waitFor(check: () => unknown, what: string, api?: TestApi, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const ok = check();
      if (ok !== false) return;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const why = last instanceof Error ? `\n${last.message}` : '';
  const state = api ? `\nstate: ${JSON.stringify(api.state())}\ntree: ${JSON.stringify(api.tree().map((n) => [n.label, n.description]))}` : '';
  throw new Error(`timed out after ${ms} ms waiting for ${what}${why}${state}`);
}

/** Simulated Azure OpenAI resources on 127.0.0.1; closed by `closeAll`. */
export class Simulators {
  private readonly started: SimulatedBackend[] = [];

  async start(opts: SimBackendOptions[]): Promise<SimulatedBackend[]> {
    const sims = await startSimulatedBackends(opts);
    this.started.push(...sims);
    return sims;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((s) => s.close()));
  }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request on a fresh connection (no keep-alive socket outlives the test). */
export function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A chat completion through the pool, authenticated with its client key. */
export function chat(poolUrl: string, clientKey: string, deployment = 'gpt-4o', content = 'hello'): Promise<Reply> {
  return httpRequest(`${poolUrl}/openai/deployments/${deployment}/chat/completions?api-version=${API_VERSION}`, {
    method: 'POST',
    headers: { 'api-key': clientKey, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content }] }),
  });
}

/** Asserts a 200 from the named backend (the proxy's x-aoai-pool-backend header). */
export function assertServedBy(reply: Reply, backend: string): void {
  assert.equal(reply.status, 200, `status ${reply.status}: ${reply.body.slice(0, 300)}`);
  assert.equal(reply.headers['x-aoai-pool-backend'], backend, `served by ${String(reply.headers['x-aoai-pool-backend'])}`);
  const json = JSON.parse(reply.body) as { object?: string; choices?: unknown[] };
  assert.equal(json.object, 'chat.completion');
  assert.ok(json.choices?.length, reply.body);
}

/** Resolves with the socket error code of a TCP connect to 127.0.0.1:port ('connected' if it connects). */
export function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** A fake Azure key of the shape the extension accepts. */
export function fakeKey(label: string): string {
  return `${label}-${randomBytes(16).toString('hex')}`;
}

/** One backend entry of aoaiPool.backends for a simulator. */
export function backendFor(sim: SimulatedBackend, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: sim.name, endpoint: sim.url, deployments: ['gpt-4o'], ...extra };
}

/** The tree's backend rows by label. */
export function treeRow(api: TestApi, label: string) {
  const row = api.tree().find((n) => n.label === label);
  assert.ok(row, `no tree row "${label}" in ${JSON.stringify(api.tree().map((n) => n.label))}`);
  return row;
}

/**
 * Sets aoaiPool.backends (with autoStart off, so only the test starts the
 * proxy) and waits until the extension lists exactly these backends.
 */
export async function configureBackends(api: TestApi, backends: Record<string, unknown>[], opts: { autoStart?: boolean } = {}): Promise<void> {
  await setSetting('autoStart', opts.autoStart ?? false);
  await setSetting('backends', backends);
  const names = backends.map((b) => String(b.name)).sort();
  await waitFor(() => isDeepStrictEqual(api.snapshots().map((s) => s.name).sort(), names), `backends ${names.join(', ')}`, api);
}

/** "Set API Key" with the key as an argument (no prompt); waits until the backend has it. */
export async function setApiKey(api: TestApi, name: string, key: string): Promise<void> {
  await vscode.commands.executeCommand('aoaiPool.setApiKey', name, key);
  await waitFor(() => api.snapshots().find((s) => s.name === name)?.status !== 'keyMissing', `the key of ${name}`, api);
}

/** "Start Proxy"; returns the pool's URL and client key. */
export async function startProxy(api: TestApi): Promise<{ url: string; port: number; clientKey: string }> {
  await vscode.commands.executeCommand('aoaiPool.startProxy');
  const s = api.state();
  assert.equal(s.status, 'running', `after Start Proxy: ${JSON.stringify(s)}`);
  assert.ok(s.url && s.port, JSON.stringify(s));
  assert.equal(s.url, `http://127.0.0.1:${s.port}`);
  await firstProbes(api);
  return { url: s.url, port: s.port, clientKey: await api.clientKey() };
}

/**
 * A backend is "not checked yet" until something answers: the first probe
 * round runs as the proxy starts. Waits until it has, in the tree too.
 */
export async function firstProbes(api: TestApi): Promise<void> {
  // With probes off, backends stay "not checked yet" until traffic reaches them.
  if (!(Number(api.proxy()?.config.healthProbe.intervalSec) > 0)) return;
  await waitFor(
    () => api.snapshots().every((b) => b.status !== 'unknown') && api.tree().every((n) => !/^not checked yet/.test(n.description ?? '')),
    'the first probe round',
    api,
  );
}

/** A running pool of simulators from settings, each with its key set. */
export async function runningPool(api: TestApi, sims: { sim: SimulatedBackend; extra?: Record<string, unknown> }[]) {
  await configureBackends(api, sims.map(({ sim, extra }) => backendFor(sim, extra)));
  for (const { sim } of sims) await setApiKey(api, sim.name, sim.apiKey);
  return startProxy(api);
}

/**
 * The setup every suite shares: the extension's API, a pool reset before the
 * suite and after each test, and the test's simulators closed afterwards.
 */
export function usePool(): { readonly api: TestApi; readonly sims: Simulators } {
  const ctx = { api: undefined as unknown as TestApi, sims: new Simulators() };
  suiteSetup(async () => {
    ctx.api = await poolApi();
    await resetPool(ctx.api);
  });
  teardown(async () => {
    try {
      await resetPool(ctx.api);
    } finally {
      await ctx.sims.closeAll();
    }
  });
  return ctx;
}

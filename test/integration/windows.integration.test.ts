// Issue 13, "Many windows, one pool", inside one extension host: the pool of
// "another window" is a ProxyServer the test runs itself on a port the OS
// picked, with the install's client key (as SecretStorage shares it). This
// window follows it, shows it, and takes the port over when it goes, unless
// its user stopped the pool here. (test/ui/windows.ui.test.ts has two real windows.)
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { validateConfig } from '../../src/core/config/validate';
import { ProxyServer } from '../../src/core/proxy/server';
import type { SimulatedBackend } from '../../src/core/simulator';
import { assertServedBy, backendFor, chat, configureBackends, setApiKey, setSetting, type TestApi, usePool, waitFor } from './helpers';

suite('several windows', () => {
  const pool = usePool();
  let api: TestApi;
  let owner: ProxyServer | undefined;
  suiteSetup(() => {
    api = pool.api;
  });
  teardown(async () => {
    await owner?.close();
    owner = undefined;
  });

  /** "The other window": a pool serving east and a backend this window's settings do not have. */
  async function otherWindowPool(east: SimulatedBackend, north: SimulatedBackend): Promise<ProxyServer> {
    const r = validateConfig({ port: 0, healthProbe: { intervalSec: 0 }, backends: [backendFor(east), backendFor(north)] });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const keys = new Map([[east.name, east.apiKey], [north.name, north.apiKey]]);
    const p = new ProxyServer({ config: r.config, clientKey: await api.clientKey(), credentials: { apiKey: (b) => keys.get(b.name), tokenCredential: () => undefined } });
    await p.start();
    return p;
  }

  /** This window: east only, with its key, on the other window's port; Start Proxy finds that pool and follows it. */
  async function follow(east: SimulatedBackend, port: number): Promise<void> {
    await configureBackends(api, [backendFor(east)]);
    await setApiKey(api, east.name, east.apiKey);
    await setSetting('port', port);
    await vscode.commands.executeCommand('aoaiPool.startProxy');
    assert.equal(api.state().status, 'elsewhere', JSON.stringify(api.state()));
  }

  test('follows another window\'s pool live (tree, status bar) and takes the port over when it goes', async () => {
    const [east, north] = await pool.sims.start([{ name: 'east' }, { name: 'north' }]);
    owner = await otherWindowPool(east!, north!);
    const port = owner.port;
    await follow(east!, port);
    // North exists only in the other window's pool: seeing it means reading that pool.
    await waitFor(() => isDeep(api.tree().map((n) => n.label), ['east', 'north']), 'the other window\'s backends in the tree', api);
    const key = await api.clientKey();
    assertServedBy(await chat(`http://127.0.0.1:${port}`, key, 'gpt-4o'), 'east');
    await waitFor(() => api.tree().find((n) => n.label === 'east')?.description?.startsWith('healthy'), 'east healthy, as the other window saw it', api);
    await waitFor(() => api.statusBar().text === `$(pulse) AOAI Pool :${port} 1/2`, 'its counts in the status bar', api);
    assert.match(api.statusBar().tooltipMarkdown, /another VS Code window serves/);

    await owner.close();
    owner = undefined;
    await waitFor(() => api.state().status === 'running', 'this window owning the port', api, 15_000);
    assert.equal(api.state().port, port);
    assert.deepEqual(api.tree().map((n) => n.label), ['east']);
    assertServedBy(await chat(`http://127.0.0.1:${port}`, key, 'gpt-4o'), 'east');
  });

  test('a window whose user stopped the pool by hand does not take the port over', async () => {
    const [east, north] = await pool.sims.start([{ name: 'east' }, { name: 'north' }]);
    owner = await otherWindowPool(east!, north!);
    const port = owner.port;
    await follow(east!, port);
    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    assert.equal(api.state().status, 'stopped');
    await owner.close();
    owner = undefined;
    // A follower takes over within about 1 s (poll) + 1.5 s (second look) + a start: give it twice that.
    await new Promise((r) => setTimeout(r, 6_000));
    await api.whenIdle();
    assert.equal(api.state().status, 'stopped', JSON.stringify(api.state()));
  });

  test('when the owner\'s user stopped the pool by hand there, this window leaves the port alone', async () => {
    const [east, north] = await pool.sims.start([{ name: 'east' }, { name: 'north' }]);
    owner = await otherWindowPool(east!, north!);
    const port = owner.port;
    await follow(east!, port);
    // What the owning window's Stop Proxy writes (the next test shows it does), then its pool goes.
    await api.stopMarks().mark(port);
    try {
      await owner.close();
      owner = undefined;
      await waitFor(() => api.state().status === 'stopped', 'this window stopped, not following', api, 15_000);
      await new Promise((r) => setTimeout(r, 3_000));
      await api.whenIdle();
      assert.equal(api.state().status, 'stopped', JSON.stringify(api.state()));
    } finally {
      await api.stopMarks().clear(port);
    }
  });

  test('Stop Proxy in the window that owns the port tells the others; a start clears it', async () => {
    const [east] = await pool.sims.start([{ name: 'east' }]);
    await configureBackends(api, [backendFor(east!)]);
    await setApiKey(api, east!.name, east!.apiKey);
    await vscode.commands.executeCommand('aoaiPool.startProxy');
    const port = api.state().port!;
    assert.equal(api.state().status, 'running');
    assert.equal(await api.stopMarks().isMarked(port), false);
    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    await api.whenIdle();
    assert.equal(await api.stopMarks().isMarked(port), true);
    await setSetting('port', port);
    await vscode.commands.executeCommand('aoaiPool.startProxy');
    await api.whenIdle();
    assert.equal(api.state().port, port);
    assert.equal(await api.stopMarks().isMarked(port), false);
    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    await api.whenIdle();
    await api.stopMarks().clear(port);
  });
});

function isDeep(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

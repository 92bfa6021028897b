// Issue 13, "Sidebar and commands: what the walkthrough found": each test
// drives the extension as a user would (commands, traffic) and checks what
// the tree, the status bar and the notifications show. The item number is in
// each title.
import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as vscode from 'vscode';
import { suite, suiteSetup, test } from 'mocha';
import {
  backendFor, chat, configureBackends, fakeKey, runningPool, setApiKey, setSetting, startProxy, treeRow, usePool, waitFor, type TestApi,
} from './helpers';

/** A port on 127.0.0.1 that nothing listens on (taken from the OS, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The notifications shown after `seq`. */
function since(api: TestApi, seq: number) {
  return api.notifications().filter((n) => n.seq > seq);
}

function lastSeq(api: TestApi): number {
  return api.notifications().at(-1)?.seq ?? 0;
}

suite('Sidebar (issue 13)', () => {
  const pool = usePool();
  const sims = pool.sims;
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });

  test('item 1: an unreachable endpoint shows its reason, never a green check, and stays so after its ejection ends', async () => {
    const port = await closedPort();
    await configureBackends(api, [{ name: 'east', endpoint: `http://127.0.0.1:${port}`, deployments: ['gpt-4o'] }]);
    await setApiKey(api, 'east', fakeKey('east'));
    await startProxy(api);
    const row = () => treeRow(api, 'east');
    await waitFor(() => assert.match(row().description ?? '', /^unhealthy\b.*refused/i), 'the reason in the row', api);
    assert.equal(row().iconId, 'error');
    assert.notEqual(row().children[0]?.colorId, 'charts.green', 'a green dot under an unreachable backend');
    // A connect failure ejects for 5 s; when that ends nothing has succeeded, so it must not turn healthy.
    await new Promise((r) => setTimeout(r, 6_500));
    const after = row();
    assert.notEqual(after.iconId, 'pass', JSON.stringify(after));
    assert.doesNotMatch(after.description ?? '', /^healthy/);
    assert.match(after.tooltip ?? '', /refused/i);
    assert.notEqual(after.children[0]?.colorId, 'charts.green');
  });

  test('item 2: a cooling row says until when, is not redrawn while it waits, and is redrawn when the wait ends', async () => {
    const [east, west] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }, { name: 'west', deployments: ['gpt-4o'] }]);
    const { url, clientKey } = await runningPool(api, [{ sim: east! }, { sim: west!, extra: { priority: 2 } }]);
    east!.setFaults({ rate429: 1, retryAfterMs: 5_000, retryHeader: 'retry-after-ms' });
    await chat(url, clientKey);
    east!.setFaults({});
    await waitFor(() => assert.match(treeRow(api, 'east').description ?? '', /^cooling down until \d\d:\d\d:\d\d/), 'east cooling', api);
    const first = treeRow(api, 'east');
    // VS Code closes an open hover when its row is redrawn: nothing about the row may change while it waits.
    await new Promise((r) => setTimeout(r, 2_000));
    const later = treeRow(api, 'east');
    assert.equal(later.description, first.description, 'the row changed while waiting');
    assert.equal(later.itemSerial, first.itemSerial, 'the TreeItem was replaced');
    assert.equal(later.tooltip, first.tooltip, 'the tooltip changed while waiting');
    // When the cooldown ends, the row changes by itself.
    await waitFor(() => assert.doesNotMatch(treeRow(api, 'east').description ?? '', /^cooling/), 'east back from its cooldown', api);
  });

  test('item 3: Start Proxy with no backends raises no error and offers the first steps', async () => {
    const seq = lastSeq(api);
    await vscode.commands.executeCommand('aoaiPool.startProxy');
    await api.whenIdle();
    assert.equal(api.state().status, 'stopped', JSON.stringify(api.state()));
    assert.equal(api.statusBar().backgroundColorId, undefined, 'the status bar turned red');
    const shown = since(api, seq);
    assert.deepEqual(shown.filter((n) => n.severity === 'error'), []);
    const info = shown.find((n) => n.severity === 'info');
    assert.ok(info, JSON.stringify(shown));
    assert.deepEqual(info.buttons, ['Add Backends from Azure…', 'Add Backend', 'Try with Simulated Backends']);
  });

  test('item 4: Add Backend and Set API Key confirm; during the demo they say the demo is showing instead', async () => {
    // No auto-start: the demo below must not replace a real pool (item 5 asks then).
    await setSetting('autoStart', false);
    let seq = lastSeq(api);
    await vscode.commands.executeCommand('aoaiPool.addBackend', { name: 'east', endpoint: 'https://east.openai.azure.com' });
    await waitFor(() => api.snapshots().some((s) => s.name === 'east'), 'east in settings', api);
    const added = since(api, seq).find((n) => /added backend "east"/.test(n.text));
    assert.ok(added, JSON.stringify(since(api, seq)));
    assert.doesNotMatch(added.text, /demo/i);

    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    assert.equal(api.state().simulated, true);
    seq = lastSeq(api);
    await vscode.commands.executeCommand('aoaiPool.addBackend', { name: 'west', endpoint: 'https://west.openai.azure.com' });
    await vscode.commands.executeCommand('aoaiPool.setApiKey', 'west', fakeKey('west'));
    const shown = since(api, seq);
    const west = shown.find((n) => /added backend "west"/.test(n.text));
    const key = shown.find((n) => /API key for "west" stored/.test(n.text));
    for (const n of [west, key]) {
      assert.ok(n, JSON.stringify(shown));
      assert.match(n.text, /demo is showing instead of your pool/);
      assert.deepEqual(n.buttons, ['Stop Demo']);
    }
  });

  test('item 5: the demo asks before replacing a running pool, and the pool comes back when the demo ends', async () => {
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    const { url } = await runningPool(api, [{ sim: east! }]);
    let asked = 0;
    api.setConfirmResponder(() => {
      asked++;
      return undefined;
    });
    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    assert.equal(asked, 1, 'no question before replacing the pool');
    assert.deepEqual([api.state().status, api.state().simulated, api.state().url], ['running', false, url]);

    api.setConfirmResponder((n) => n.buttons[0]);
    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    assert.equal(api.state().simulated, true);
    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    await api.whenIdle();
    assert.deepEqual([api.state().status, api.state().simulated], ['running', false], JSON.stringify(api.state()));
    assert.deepEqual(api.snapshots().map((s) => s.name), ['east']);
    // A second Stop stops the pool itself.
    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    assert.equal(api.state().status, 'stopped');
  });

  test('items 7 and 8: a throttled deployment: no green check, no full count; every number says what it is', async () => {
    const [east, west] = await sims.start([{ name: 'east', deployments: ['gpt-4o', 'mini'] }, { name: 'west', deployments: ['gpt-4o', 'mini'] }]);
    const backends = [backendFor(east!, { deployments: ['gpt-4o', 'mini'] }), backendFor(west!, { deployments: ['gpt-4o', 'mini'], priority: 2 })];
    await configureBackends(api, backends);
    for (const s of [east!, west!]) await setApiKey(api, s.name, s.apiKey);
    const { url, clientKey } = await startProxy(api);
    await chat(url, clientKey, 'mini');
    await waitFor(() => assert.match(api.statusBar().text, /^\$\(pulse\) AOAI Pool :\d+ 2\/2$/), 'all healthy first', api);
    // Most useful first, each number named, and short enough for the default side bar (the row redraws within 250 ms).
    await waitFor(() => assert.match(treeRow(api, 'east').description ?? '', /^healthy · [\d.]+k? tokens left · \d+ ms$/), 'east with its numbers', api);
    const healthy = treeRow(api, 'east');
    assert.ok((healthy.description ?? '').length <= 40, healthy.description);
    assert.match(healthy.children.find((c) => c.label === 'mini')?.description ?? '', /^1 request$/);

    // Only gpt-4o on east is throttled; mini still serves there.
    east!.failNext(429, 1, { 'retry-after': '30' });
    await chat(url, clientKey, 'gpt-4o');
    await waitFor(() => assert.match(treeRow(api, 'east').description ?? '', /^gpt-4o cooling until \d\d:\d\d:\d\d/), 'gpt-4o cooling on east', api);
    const row = treeRow(api, 'east');
    assert.notEqual(row.iconId, 'pass');
    assert.equal(row.colorId, 'list.warningForeground');
    await waitFor(() => assert.match(api.statusBar().text, /^\$\(warning\) AOAI Pool :\d+ 1\/2$/), '1 of 2, marked', api);
    assert.equal(api.statusBar().backgroundColorId, 'statusBarItem.warningBackground');
  });

  test('item 10: an error toast offers buttons instead of naming commands', async () => {
    const seq = lastSeq(api);
    await vscode.commands.executeCommand('aoaiPool.copyProxyUrl');
    await vscode.commands.executeCommand('aoaiPool.removeBackend');
    const errors = since(api, seq).filter((n) => n.severity === 'error');
    assert.equal(errors.length, 2, JSON.stringify(errors));
    for (const e of errors) assert.doesNotMatch(e.text, /run "|"AOAI Pool: /, e.text);
    assert.deepEqual(errors.map((e) => e.buttons), [['Start Proxy', 'Show Log'], ['Add Backend', 'Show Log']]);
  });

  test('item 14: a demo backend can be disabled and enabled from its menu, and traffic follows', async () => {
    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    assert.equal(api.state().simulated, true);
    assert.match(treeRow(api, 'sim-1').contextValue ?? '', /;enabled;.*;simulated;/);
    await vscode.commands.executeCommand('aoaiPool.disableBackend', 'sim-1');
    await waitFor(() => assert.match(treeRow(api, 'sim-1').contextValue ?? '', /;disabled;.*;simulated;/), 'sim-1 disabled', api);
    const { url } = api.state();
    const key = await api.clientKey();
    for (let i = 0; i < 4; i++) {
      const reply = await chat(url!, key, 'gpt-4o-mini');
      assert.equal(reply.status, 200, reply.body);
      assert.notEqual(reply.headers['x-aoai-pool-backend'], 'sim-1');
    }
    await vscode.commands.executeCommand('aoaiPool.enableBackend', 'sim-1');
    await waitFor(() => assert.match(treeRow(api, 'sim-1').contextValue ?? '', /;enabled;/), 'sim-1 enabled again', api);
  });
});

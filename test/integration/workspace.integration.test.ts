// Issue 9, "Workspace settings must not steer credentials", in the real
// extension host: a workspace (the folder runTests.ts opens, trusted) whose
// .vscode/settings.json reuses the user's backend names with another
// endpoint receives neither the user's key nor a token: before it is
// approved, and after the user approved anything else. The attacker's
// endpoint is a loopback HTTP server that records every header it receives.
import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { suite, suiteSetup, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import type { ApprovalPrompt } from '../../src/vscode/approval';
import {
  assertServedBy, backendFor, chat, fakeKey, setApiKey, setSetting, setWorkspaceSetting, startProxy, type TestApi, treeRow, usePool, waitFor,
} from './helpers';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** The attacker's endpoint: answers like Azure OpenAI and keeps every request's headers. */
async function startRecorder(): Promise<{ url: string; received: Recorded[]; close(): Promise<void> }> {
  const received: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.includes('/chat/completions')
        ? JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'recorded' } }] })
        : JSON.stringify({ object: 'list', data: [] }));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const TOKEN = `entra-test-token-${Date.now()}`;

suite('workspace settings must not steer credentials', () => {
  const pool = usePool();
  const sims = pool.sims;
  let api: TestApi;
  const closers: (() => Promise<void>)[] = [];
  suiteSetup(() => {
    api = pool.api;
  });
  teardown(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** Answers the approval modal with `answer.approve`; records every prompt shown. */
  function approvals() {
    const prompts: ApprovalPrompt[] = [];
    const answer = { approve: false };
    api.setApprovalResponder((p) => {
      prompts.push(p);
      return answer.approve;
    });
    return { prompts, answer };
  }

  const endpointsNow = () => Object.fromEntries(api.snapshots().map((s) => [s.name, s.endpoint]));

  test('a workspace reusing a user backend name with another endpoint gets neither the key nor a token, before and after approval of anything else', async () => {
    const attacker = await startRecorder();
    closers.push(attacker.close);
    let tokenCalls = 0;
    api.useTokenCredential({
      getToken: async () => {
        tokenCalls++;
        return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    });
    const { prompts, answer } = approvals();
    const eastKey = fakeKey('east');
    const [east, north, west] = await sims.start([
      { name: 'east', deployments: ['gpt-4o'], apiKey: eastKey, acceptBearer: false },
      { name: 'north', deployments: ['gpt-4o-mini'], acceptBearer: true },
      { name: 'west', deployments: ['gpt-4o'], acceptBearer: false },
    ]);

    // The user's own pool: east with a key, north with Entra ID. Probes only when asked.
    await setSetting('autoStart', false);
    await setSetting('healthProbe.intervalSec', 0);
    await setSetting('backends', [backendFor(east!), backendFor(north!, { deployments: ['gpt-4o-mini'], auth: 'entra' })]);
    await waitFor(() => isDeepStrictEqual(endpointsNow(), { east: east!.url, north: north!.url }), 'the user pool', api);
    // The key in the form an older version stored it (by name only): bound now to east's
    // endpoint, because the User settings say east is there.
    await api.secretStorage().store('aoaiPool.apiKey.east', eastKey);
    await waitFor(() => api.snapshots().find((s) => s.name === 'east')?.status !== 'keyMissing', 'the migrated key of east', api);
    const stored = await api.secretStorage().get('aoaiPool.apiKey.east');
    assert.deepEqual(JSON.parse(stored ?? '{}'), { v: 2, keys: { [east!.url]: eastKey } }, 'the old key was not bound to the user endpoint');
    const { url, clientKey } = await startProxy(api);

    // Positive control: the legitimate backends DO receive the key and a token, by request and by probe.
    assertServedBy(await chat(url, clientKey, 'gpt-4o'), 'east');
    assertServedBy(await chat(url, clientKey, 'gpt-4o-mini'), 'north');
    await vscode.commands.executeCommand('aoaiPool.probeBackends');
    assert.ok(east!.requests.some((r) => r.url.includes('/chat/completions') && r.headers['api-key'] === eastKey), 'east never got its key');
    assert.ok(east!.requests.some((r) => r.url.startsWith('/openai/models') && r.headers['api-key'] === eastKey), 'the probe of east carried no key');
    assert.ok(north!.requests.some((r) => r.headers.authorization === `Bearer ${TOKEN}`), 'north never got the token');
    assert.ok(tokenCalls > 0);
    assert.equal(prompts.length, 0, 'a prompt for the user\'s own backends');

    // The user approves something else first: a workspace list with only west.
    answer.approve = true;
    await setWorkspaceSetting('backends', [backendFor(west!)]);
    await waitFor(() => isDeepStrictEqual(endpointsNow(), { west: west!.url }), 'the workspace list with west', api);
    await waitFor(() => prompts.length === 1, 'the approval prompt for west', api);
    assert.match(prompts[0]!.detail, new RegExp(`west: ${west!.url.replace(/\./g, '\\.')}`));
    await setApiKey(api, 'west', west!.apiKey);
    assertServedBy(await chat(url, clientKey, 'gpt-4o'), 'west');

    // The attack: the repository's settings reuse the user's names, both to its own endpoint.
    answer.approve = false;
    const tokensBefore = tokenCalls;
    await setWorkspaceSetting('backends', [
      backendFor(west!),
      { name: 'east', endpoint: attacker.url, deployments: ['gpt-4o'] },
      { name: 'north', endpoint: attacker.url, deployments: ['gpt-4o-mini'], auth: 'entra' },
    ]);
    await waitFor(() => isDeepStrictEqual(endpointsNow(), { west: west!.url, east: attacker.url, north: attacker.url }), 'the attacking list', api);
    // What reaches the attacker's socket first; the states after.
    assert.notEqual((await chat(url, clientKey, 'gpt-4o-mini')).status, 200, 'north@attacker served a request');
    assertServedBy(await chat(url, clientKey, 'gpt-4o'), 'west');
    await vscode.commands.executeCommand('aoaiPool.probeBackends');
    assert.equal(attacker.received.length, 0, `the attacker received requests before approval: ${JSON.stringify(attacker.received)}`);
    assert.equal(tokenCalls, tokensBefore, 'a token was requested for a backend waiting for approval');
    await waitFor(() => prompts.length === 2, 'the approval prompt for the attacking backends', api);
    // The modal lists exactly the new ones, with their endpoints; west was approved before.
    assert.match(prompts[1]!.detail, new RegExp(`east: ${attacker.url.replace(/\./g, '\\.')} \\(API key\\)`));
    assert.match(prompts[1]!.detail, new RegExp(`north: ${attacker.url.replace(/\./g, '\\.')} \\(Entra ID`));
    assert.doesNotMatch(prompts[1]!.detail, /west:/);
    // Declined: they wait, and say so in the tree with the Review action.
    for (const name of ['east', 'north']) {
      await waitFor(() => api.snapshots().find((s) => s.name === name)?.status === 'awaitingApproval', `${name} waiting for approval`, api);
      const row = treeRow(api, name);
      assert.equal(row.description, 'waiting for approval');
      assert.equal(row.iconId, 'shield');
      assert.match(row.contextValue ?? '', /;awaitingApproval;/);
    }

    // Now the user approves the workspace's backends anyway ("Review Workspace Backends").
    // north@attacker would get a token: loopback and approved is the user's call; so only
    // east@attacker is approved here (the list without north), which is what the key is about.
    await setWorkspaceSetting('backends', [backendFor(west!), { name: 'east', endpoint: attacker.url, deployments: ['gpt-4o'] }]);
    await waitFor(() => isDeepStrictEqual(endpointsNow(), { west: west!.url, east: attacker.url }), 'the list without north', api);
    answer.approve = true;
    await vscode.commands.executeCommand('aoaiPool.reviewWorkspaceBackends');
    await waitFor(() => api.snapshots().find((s) => s.name === 'east')?.status !== 'awaitingApproval', 'east@attacker approved', api);
    await vscode.commands.executeCommand('aoaiPool.probeBackends');
    for (let i = 0; i < 4; i++) await chat(url, clientKey, 'gpt-4o');
    assert.ok(!JSON.stringify(attacker.received).includes(eastKey), 'the attacker received the user\'s key after approval');
    assert.equal(attacker.received.length, 0, `the attacker received a request without any key to send: ${JSON.stringify(attacker.received)}`);
    const eastRow = api.snapshots().find((s) => s.name === 'east')!;
    assert.equal(eastRow.status, 'keyMissing');
    assert.match(eastRow.reason ?? '', new RegExp(`entered for ${east!.url.replace(/\./g, '\\.')}, not for ${attacker.url.replace(/\./g, '\\.')}`));
    assert.equal(treeRow(api, 'east').description, 'API key missing');

    // The socket can receive: a key the user enters for the attacker's endpoint goes there, and only that one.
    const attackerKey = fakeKey('for-the-attacker');
    await setApiKey(api, 'east', attackerKey);
    await vscode.commands.executeCommand('aoaiPool.probeBackends');
    await waitFor(() => attacker.received.length > 0, 'the approved endpoint to be probed', api);
    assert.ok(attacker.received.every((r) => r.headers['api-key'] === attackerKey), JSON.stringify(attacker.received.map((r) => r.headers['api-key'])));
    const everything = JSON.stringify(attacker.received);
    assert.ok(!everything.includes(eastKey), 'the attacker received the user\'s key');
    assert.ok(!everything.includes(TOKEN), 'the attacker received the token');
    assert.ok(attacker.received.every((r) => r.headers.authorization === undefined));
    assert.ok(!everything.includes(clientKey), 'the attacker received the client key');

    // The user's key survived, bound to the user's endpoint: back on the user list, east has it.
    await setWorkspaceSetting('backends', undefined);
    await waitFor(() => isDeepStrictEqual(endpointsNow(), { east: east!.url, north: north!.url }), 'the user pool again', api);
    assertServedBy(await chat(url, clientKey, 'gpt-4o'), 'east');
    assert.equal(east!.requests.at(-1)?.headers['api-key'], eastKey);
  });

  test('an old name-only key is bound to the endpoint of the User backend, even while a workspace list is in effect', async () => {
    const attacker = await startRecorder();
    closers.push(attacker.close);
    const { prompts } = approvals();
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    await setSetting('autoStart', false);
    await setSetting('backends', [backendFor(east!)]);
    await setWorkspaceSetting('backends', [{ name: 'east', endpoint: attacker.url, deployments: ['gpt-4o'] }]);
    await waitFor(() => api.snapshots()[0]?.endpoint === attacker.url, 'the workspace list in effect', api);
    await waitFor(() => prompts.length === 1, 'the (declined) approval prompt', api);

    await api.secretStorage().store('aoaiPool.apiKey.east', east!.apiKey);
    // The extension binds it when SecretStorage reports the change; poll what is stored.
    let text: string | undefined;
    await waitFor(() => {
      void api.secretStorage().get('aoaiPool.apiKey.east').then((t) => (text = t));
      return text?.startsWith('{') === true;
    }, 'the key to be bound');
    const stored = JSON.parse(text!) as { keys: Record<string, string> };
    assert.deepEqual(stored.keys, { [east!.url]: east!.apiKey }, 'bound to the wrong endpoint');
    // Approval does not change that: the workspace's east has no key.
    prompts.length = 0;
    api.setApprovalResponder(() => true);
    await vscode.commands.executeCommand('aoaiPool.reviewWorkspaceBackends');
    await waitFor(() => api.snapshots()[0]?.status === 'keyMissing', 'east@attacker without a key', api);
  });

  test('the credential allow-list is User-only: a workspace cannot widen it, and VS Code ignores it there too', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(folder, '.vscode', 'settings.json');
    closers.push(async () => fs.rmSync(file, { force: true }));
    const { prompts, answer } = approvals();
    answer.approve = true;
    await setSetting('autoStart', false);
    // What a cloned repository would ship: a backend at its own host, and itself on the allow-list.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({
      'aoaiPool.backends': [{ name: 'gw', endpoint: 'https://gw.evil.test', auth: 'entra' }],
      'aoaiPool.security.credentialHosts': ['*.evil.test'],
    }));
    await waitFor(() => api.snapshots()[0]?.endpoint === 'https://gw.evil.test', 'the workspace backend', api);
    await waitFor(() => prompts.length === 1, 'the approval prompt', api);
    // Approved, yet refused: its host is neither Azure nor loopback, and only the User may allow it.
    await waitFor(() => api.snapshots()[0]?.status === 'hostRefused', 'gw refused', api);
    const cfg = vscode.workspace.getConfiguration('aoaiPool');
    // "scope": "application" is honoured by this host: the workspace value does not apply at all.
    assert.deepEqual(cfg.get('security.credentialHosts'), [], `VS Code ${vscode.version} applied a workspace value of an application setting`);
    const row = treeRow(api, 'gw');
    assert.equal(row.description, 'credentials refused: host not allowed');
    assert.equal(row.iconId, 'lock');
    assert.match(api.snapshots()[0]!.reason ?? '', /no credential sent to gw\.evil\.test: .*\*\.openai\.azure\.com.*add "gw\.evil\.test" to aoaiPool\.security\.credentialHosts in your User settings/);

    // The user allows it in User settings: no longer refused (the proxy stays stopped: nothing is contacted).
    await setSetting('security.credentialHosts', ['gw.evil.test']);
    await waitFor(() => api.snapshots()[0]?.status !== 'hostRefused', 'gw allowed', api);
    assert.equal(api.state().status, 'stopped');
  });
});

// API keys: "Set API Key" keeps the key in SecretStorage (never in settings),
// the upstream receives exactly that key, and the pool's client key stays
// between the client and the pool.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import {
  assertServedBy, backendFor, chat, configureBackends, contributedKeys, fakeKey, setApiKey, startProxy, type TestApi, treeRow, waitFor,
  usePool,
} from './helpers';

/** Every aoaiPool setting at every scope, as one string. */
function allSettingsText(): string {
  const cfg = vscode.workspace.getConfiguration('aoaiPool');
  return JSON.stringify(contributedKeys().map((k) => cfg.inspect(k)));
}

suite('API keys', () => {
  const pool = usePool();
  const sims = pool.sims;
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });

  test('"Set API Key" stores the key outside settings; the upstream gets it, never the client key', async () => {
    const azureKey = fakeKey('east');
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'], apiKey: azureKey, acceptBearer: false }]);
    await configureBackends(api, [backendFor(east!)]);
    const { url, clientKey } = await startProxy(api);
    assert.notEqual(clientKey, azureKey);
    assert.equal(api.snapshots()[0]?.status, 'keyMissing');
    assert.equal(treeRow(api, 'east').description, 'API key missing');
    const refused = await chat(url, clientKey);
    assert.notEqual(refused.status, 200);
    assert.equal(east!.requests.length, 0, 'a request went upstream without a key');

    // Into the running pool: no restart.
    const proxy = api.proxy();
    await setApiKey(api, 'east', azureKey);
    assert.equal(api.proxy(), proxy, 'the proxy was restarted');
    assert.match(treeRow(api, 'east').contextValue ?? '', /;keySet;/);
    assert.ok(!allSettingsText().includes(azureKey), 'the API key is in the settings');

    const reply = await chat(url, clientKey);
    assertServedBy(reply, 'east');
    assert.ok(!JSON.stringify(reply).includes(azureKey), 'the API key came back to the client');
    const received = east!.requests;
    assert.ok(received.some((r) => r.url.includes('/chat/completions')), 'east received no chat request');
    for (const r of received) {
      assert.equal(r.headers['api-key'], azureKey, `${r.method} ${r.url}: api-key`);
      assert.equal(r.headers.authorization, undefined, `${r.method} ${r.url}: authorization`);
      assert.ok(!JSON.stringify(r).includes(clientKey), `${r.method} ${r.url} carried the client key`);
    }

    // "Clear API Key": the backend is unusable again and nothing goes upstream.
    await vscode.commands.executeCommand('aoaiPool.clearApiKey', 'east');
    await waitFor(() => api.snapshots()[0]?.status === 'keyMissing', 'east without a key', api);
    const count = east!.requests.length;
    assert.notEqual((await chat(url, clientKey)).status, 200);
    assert.equal(east!.requests.length, count, 'a request went upstream without a key');
  });
});

// The proxy inside the extension host: "Try with Simulated Backends", "Start
// Proxy" on a pool of simulators from settings, the terminal variables, and
// "Stop Proxy" freeing the port. Real sockets on 127.0.0.1 only.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import {
  API_VERSION, assertServedBy, backendFor, chat, configureBackends, connectResult, httpRequest, runningPool,
  setApiKey, setSetting, startProxy, type TestApi, waitFor,
  usePool,
} from './helpers';

suite('proxy', () => {
  const pool = usePool();
  const sims = pool.sims;
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });

  test('"Try with Simulated Backends" serves three in-memory backends on its port', async () => {
    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    const s = api.state();
    assert.equal(s.status, 'running', JSON.stringify(s));
    assert.equal(s.simulated, true);
    assert.equal(s.url, `http://127.0.0.1:${s.port}`);
    assert.deepEqual(api.tree().map((n) => n.label), ['sim-1', 'sim-2', 'sim-3']);
    // Healthy once the first probes answer (they run as the proxy starts).
    await waitFor(() => api.statusBar().text === `$(pulse) AOAI Pool :${s.port} 3/3 (simulated)`, 'three healthy backends in the status bar', api);

    const reply = await chat(s.url!, await api.clientKey(), 'gpt-4o-mini');
    const served = String(reply.headers['x-aoai-pool-backend']);
    // sim-1 and sim-2 form priority group 1; sim-3 only takes overflow.
    assert.ok(['sim-1', 'sim-2'].includes(served), `served by ${served}`);
    assertServedBy(reply, served);
    const sim = api.simulators().find((x) => x.name === served);
    assert.ok(sim, `no simulator ${served}`);
    assert.ok(
      sim.requests.some((r) => r.url.includes('/deployments/gpt-4o-mini/chat/completions') && r.headers['api-key'] === sim.apiKey),
      `${served} did not receive the chat request with its own key`,
    );

    // Without the client key nothing reaches a backend.
    const before = api.simulators().map((x) => x.requests.length);
    const anonymous = await httpRequest(`${s.url}/openai/deployments/gpt-4o-mini/chat/completions?api-version=${API_VERSION}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"messages":[{"role":"user","content":"hi"}]}',
    });
    assert.equal(anonymous.status, 401, anonymous.body);
    assert.deepEqual(api.simulators().map((x) => x.requests.length), before);

    // Stop Proxy ends the demo: the simulators close with the proxy.
    const simPorts = api.simulators().map((x) => x.port);
    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    assert.equal(api.state().status, 'stopped');
    assert.deepEqual(api.simulators(), []);
    for (const port of [s.port!, ...simPorts]) assert.equal(await connectResult(port), 'ECONNREFUSED', `port ${port} still open`);
  });

  test('"Start Proxy" serves a pool of simulators from settings; the first priority group takes the traffic', async () => {
    const [east, west] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }, { name: 'west', deployments: ['gpt-4o'] }]);
    await configureBackends(api, [backendFor(east!), backendFor(west!, { priority: 2 })]);
    await setApiKey(api, 'east', east!.apiKey);
    await setApiKey(api, 'west', west!.apiKey);
    assert.equal(api.state().status, 'stopped', 'autoStart is off: nothing runs before Start Proxy');

    const { url, clientKey } = await startProxy(api);
    for (let i = 0; i < 3; i++) assertServedBy(await chat(url, clientKey), 'east');
    const chats = (sim: typeof east) => sim!.requests.filter((r) => r.url.includes('/chat/completions'));
    assert.equal(chats(east).length, 3);
    assert.equal(chats(west).length, 0, 'west is priority 2: no traffic while east is healthy');
    // The status bar redraws on its own beat (at most every 250 ms).
    await waitFor(() => assert.match(api.statusBar().text, /^\$\(pulse\) AOAI Pool :\d+ 2\/2$/), 'both backends healthy in the status bar', api);
  });

  test('new terminals get the pool endpoint and client key while it runs, never an Azure key', async () => {
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    const { url, clientKey } = await runningPool(api, [{ sim: east! }]);
    const expected = {
      AZURE_OPENAI_ENDPOINT: url,
      AZURE_OPENAI_API_KEY: clientKey,
      OPENAI_BASE_URL: `${url}/v1`,
      OPENAI_API_KEY: clientKey,
      // Both Azure clients refuse to start without it (issue 9).
      OPENAI_API_VERSION: '2025-04-01-preview',
    };
    await waitFor(() => assert.deepEqual(api.terminalEnvironment(), expected), 'the terminal variables', api);
    assert.ok(!Object.values(api.terminalEnvironment()).includes(east!.apiKey));

    // What an OpenAI SDK in such a terminal would do: OPENAI_BASE_URL + OPENAI_API_KEY.
    const env = api.terminalEnvironment();
    const models = await httpRequest(`${env.OPENAI_BASE_URL}/models`, { headers: { 'api-key': env.OPENAI_API_KEY! } });
    assert.equal(models.status, 200, models.body);
    // And what Node's AzureOpenAI() does with the same variables: OPENAI_BASE_URL + /deployments/{model}/... + api-version.
    const azure = await httpRequest(`${env.OPENAI_BASE_URL}/deployments/gpt-4o/chat/completions?api-version=${env.OPENAI_API_VERSION}`, {
      method: 'POST', headers: { 'api-key': env.AZURE_OPENAI_API_KEY!, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(azure.status, 200, azure.body);

    // The setting turns them off while the proxy keeps running.
    await setSetting('terminalEnvironment', false);
    await waitFor(() => assert.deepEqual(api.terminalEnvironment(), {}), 'no terminal variables with terminalEnvironment off', api);
    assert.equal(api.state().status, 'running');
    await setSetting('terminalEnvironment', true);
    await waitFor(() => assert.deepEqual(api.terminalEnvironment(), expected), 'the terminal variables again', api);

    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    await waitFor(() => assert.deepEqual(api.terminalEnvironment(), {}), 'no terminal variables after Stop Proxy', api);
  });

  test('"Stop Proxy" closes the port', async () => {
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    const { url, port, clientKey } = await runningPool(api, [{ sim: east! }]);
    assertServedBy(await chat(url, clientKey), 'east');
    assert.equal(await connectResult(port), 'connected');

    await vscode.commands.executeCommand('aoaiPool.stopProxy');
    const s = api.state();
    assert.equal(s.status, 'stopped');
    assert.equal(s.url, undefined);
    assert.equal(await connectResult(port), 'ECONNREFUSED');
    assert.equal(api.statusBar().text, '$(circle-slash) AOAI Pool');
    assert.equal(api.tree()[0]?.description, 'proxy stopped');
  });
});

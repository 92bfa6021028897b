// Live settings: edits of aoaiPool.backends reach the running pool without a
// restart; a bad edit is reported with its path while the last good pool
// keeps serving.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import {
  assertServedBy, backendFor, chat, configureBackends, runningPool, setApiKey, setSetting, type TestApi, treeRow, waitFor,
  usePool,
} from './helpers';

suite('live settings', () => {
  const pool = usePool();
  const sims = pool.sims;
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });

  const names = () => api.snapshots().map((s) => s.name).sort();

  test('adding the first backend starts the proxy (autoStart)', async () => {
    const [east] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    await configureBackends(api, [backendFor(east!)], { autoStart: true });
    await waitFor(() => api.state().status === 'running', 'the proxy to start by itself', api);
    await setApiKey(api, 'east', east!.apiKey);
    assertServedBy(await chat(api.state().url!, await api.clientKey()), 'east');
  });

  test('an edited aoaiPool.backends takes the traffic without a restart', async () => {
    const [east, north] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }, { name: 'north', deployments: ['gpt-4o'] }]);
    const { url, port, clientKey } = await runningPool(api, [{ sim: east! }]);
    assertServedBy(await chat(url, clientKey), 'east');
    const proxy = api.proxy();

    // A new backend in front of east, as a user would type it in settings.json.
    await setSetting('backends', [backendFor(north!), backendFor(east!, { priority: 2 })]);
    await waitFor(() => assert.deepEqual(names(), ['east', 'north']), 'north in the pool', api);
    await setApiKey(api, 'north', north!.apiKey);
    const eastBefore = east!.requests.length;
    for (let i = 0; i < 3; i++) assertServedBy(await chat(url, clientKey), 'north');
    assert.equal(east!.requests.filter((r, i) => i >= eastBefore && r.url.includes('/chat/')).length, 0, 'east still took chat traffic');

    // Removing east entirely.
    await setSetting('backends', [backendFor(north!)]);
    await waitFor(() => assert.deepEqual(names(), ['north']), 'east gone', api);
    assert.deepEqual(api.tree().map((n) => n.label), ['north']);
    assertServedBy(await chat(url, clientKey), 'north');

    assert.equal(api.proxy(), proxy, 'the proxy was replaced: not a live reload');
    assert.equal(api.state().port, port);
    assert.equal(api.state().status, 'running');
  });

  test('a bad edit keeps the last good pool serving and lists the error with its path', async () => {
    const [east, west] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }, { name: 'west', deployments: ['gpt-4o'] }]);
    const { url, clientKey } = await runningPool(api, [{ sim: east! }]);
    const proxy = api.proxy();

    // Plain http is only allowed for loopback simulators.
    await setSetting('backends', [backendFor(east!), { name: 'west', endpoint: 'http://west.openai.azure.com' }]);
    await waitFor(() => api.state().configErrors.length > 0, 'the settings error', api);
    const errors = api.state().configErrors;
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.path, 'backends[1].endpoint');
    assert.match(errors[0]!.message, /https/);

    assert.equal(api.state().status, 'running');
    assert.equal(api.proxy(), proxy);
    assert.deepEqual(names(), ['east'], 'the pool changed although the settings are invalid');
    assertServedBy(await chat(url, clientKey), 'east');

    const errorRow = api.tree()[0]!;
    assert.equal(errorRow.label, 'aoaiPool.backends[1].endpoint');
    assert.match(errorRow.description ?? '', /https/);
    assert.equal(errorRow.contextValue, ';configError;');
    assert.equal(errorRow.iconId, 'error');
    assert.match(treeRow(api, 'east').description ?? '', /^healthy\b/);
    assert.match(api.statusBar().text, /\$\(warning\)$/);

    // Fixed: the error goes, west joins.
    await setSetting('backends', [backendFor(east!), backendFor(west!, { priority: 2 })]);
    await waitFor(() => api.state().configErrors.length === 0 && names().length === 2, 'the fixed settings', api);
    assert.deepEqual(api.tree().map((n) => n.label), ['east', 'west']);
    assert.doesNotMatch(api.statusBar().text, /warning/);
    assertServedBy(await chat(url, clientKey), 'east');
  });
});

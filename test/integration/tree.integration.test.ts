// The Backends tree as VS Code renders it (api.tree() reads the TreeItems the
// view provides): the configured backends and their live state.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import {
  assertServedBy, backendFor, chat, configureBackends, runningPool, setApiKey, startProxy,
  type TestApi, treeRow, waitFor,
  usePool,
} from './helpers';

/** "cooling down until 14:03:27" -> seconds from now until then (local time, as the row shows it). */
function countdown(description: string | undefined): number {
  const m = /^cooling down until (\d\d):(\d\d):(\d\d)$/.exec(description ?? '');
  assert.ok(m, `not a cooldown: ${JSON.stringify(description)}`);
  const at = new Date();
  at.setHours(Number(m[1]), Number(m[2]), Number(m[3]), 0);
  // Past midnight the clock time is tomorrow's.
  if (at.getTime() < Date.now() - 60_000) at.setDate(at.getDate() + 1);
  return Math.round((at.getTime() - Date.now()) / 1000);
}

suite('Backends tree', () => {
  const pool = usePool();
  const sims = pool.sims;
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });

  test('lists the configured backends by priority, with their key state, then live health', async () => {
    const [east, west, north] = await sims.start([
      { name: 'east', deployments: ['gpt-4o'] },
      { name: 'west', deployments: ['gpt-4o'] },
      { name: 'north', deployments: ['gpt-4o'] },
    ]);
    // Listed out of order: the tree sorts by priority, then name.
    await configureBackends(api, [backendFor(north!, { priority: 2 }), backendFor(west!), backendFor(east!)]);
    await setApiKey(api, 'east', east!.apiKey);
    await setApiKey(api, 'north', north!.apiKey);

    assert.deepEqual(api.tree().map((n) => n.label), ['east', 'west', 'north']);
    const idleWest = treeRow(api, 'west');
    assert.equal(idleWest.description, 'API key missing');
    assert.equal(idleWest.iconId, 'key');
    assert.match(idleWest.contextValue ?? '', /;keyMissing;.*;configured;/);
    const idleEast = treeRow(api, 'east');
    assert.equal(idleEast.description, 'proxy stopped');
    assert.match(idleEast.contextValue ?? '', /;keySet;/);
    assert.deepEqual(idleEast.children.map((c) => c.label), ['gpt-4o']);

    await setApiKey(api, 'west', west!.apiKey);
    await startProxy(api);
    for (const name of ['east', 'west', 'north']) {
      const row = treeRow(api, name);
      assert.match(row.description ?? '', /^healthy\b/, `${name}: ${row.description}`);
      assert.equal(row.iconId, 'pass');
    }
  });

  test('a 429 with Retry-After shows the backend cooling down with a countdown, and traffic fails over', async () => {
    const [east, west] = await sims.start([{ name: 'east', deployments: ['gpt-4o'] }, { name: 'west', deployments: ['gpt-4o'] }]);
    const { url, clientKey } = await runningPool(api, [{ sim: east! }, { sim: west!, extra: { priority: 2 } }]);
    assert.match(treeRow(api, 'east').description ?? '', /^healthy\b/);

    // Every request to east (health probes too) is throttled: Retry-After: 30.
    east!.setFaults({ rate429: 1, retryAfterMs: 30_000, retryHeader: 'retry-after' });
    assertServedBy(await chat(url, clientKey), 'west');
    assert.ok((east!.stats.byStatus[429] ?? 0) >= 1, 'east did not answer 429');

    await waitFor(() => countdown(treeRow(api, 'east').description), 'east cooling in the tree', api);
    const row = treeRow(api, 'east');
    const first = countdown(row.description);
    assert.ok(first >= 20 && first <= 31, `cooldown ends in ${first}s for Retry-After: 30`);
    assert.equal(row.iconId, 'watch');
    assert.match(row.contextValue ?? '', /;cooling;/);
    assert.match(treeRow(api, 'west').description ?? '', /^healthy\b/);
    // The status bar redraws at most every 250 ms.
    await waitFor(() => assert.match(api.statusBar().text, / 1\/2$/), '1 of 2 healthy in the status bar', api);

    // The row shows when the cooldown ends, so it is not redrawn every second (issue 13, item 2).
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(treeRow(api, 'east').description, row.description);
    assertServedBy(await chat(url, clientKey), 'west');
  });
});

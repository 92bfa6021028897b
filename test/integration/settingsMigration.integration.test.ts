// Issue 13, item 12: the timeouts and the queue wait are settings in seconds
// now. Settings still under their former millisecond names apply until the
// extension moves them (once on activation; here through the test API, which
// runs the same code), at the level they were set, with one log line.
// activation.integration.test.ts checks the move that activation itself made.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import * as vscode from 'vscode';
import { chat, assertServedBy, runningPool, setSetting, setWorkspaceSetting, type TestApi, usePool, waitFor } from './helpers';

const config = () => vscode.workspace.getConfiguration('aoaiPool');
const at = (key: string) => {
  const i = config().inspect(key);
  return { user: i?.globalValue, workspace: i?.workspaceValue };
};

suite('settings in seconds (issue 13, item 12)', () => {
  const pool = usePool();
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });

  test('item 12: former millisecond settings apply until moved, then move to seconds at their own level, in one log line', async () => {
    const [east] = await pool.sims.start([{ name: 'east', deployments: ['gpt-4o'] }]);
    const { url, clientKey } = await runningPool(api, [{ sim: east! }]);
    const proxy = api.proxy()!;

    // As an older version's user left them: User and Workspace settings, one already set under both names,
    // and a Workspace value under the old name over a User value under the new one.
    await setSetting('timeouts.connectMs', 7000);
    await setSetting('timeouts.headersMs', 5000);
    await setSetting('timeouts.headersSec', 3);
    await setSetting('timeouts.idleSec', 30);
    await setWorkspaceSetting('timeouts.idleMs', 45_000);
    await setWorkspaceSetting('queue.maxWaitMs', 1500);
    const expected = { connectMs: 7000, headersMs: 3000, idleMs: 45_000, maxWaitMs: 1500 };
    const inUse = () => {
      const c = proxy.config;
      return { connectMs: c.timeouts.connectMs, headersMs: c.timeouts.headersMs, idleMs: c.timeouts.idleMs, maxWaitMs: c.queue.maxWaitMs };
    };
    await waitFor(() => assert.deepEqual(inUse(), expected), 'the former settings in the running pool', api);
    assert.ok(api.logLines().some((l) => l.includes('aoaiPool.timeouts.connectMs: is deprecated: write timeouts.connectSec = 7 (seconds) instead')), api.logLines().join('\n'));

    const moves = await api.migrateSettings();
    assert.equal(moves.length, 4, JSON.stringify(moves));
    await waitFor(() => {
      assert.deepEqual(at('timeouts.connectSec'), { user: 7, workspace: undefined });
      assert.deepEqual(at('timeouts.headersSec'), { user: 3, workspace: undefined });
      assert.deepEqual(at('timeouts.idleSec'), { user: 30, workspace: 45 });
      assert.deepEqual(at('queue.maxWaitSec'), { user: undefined, workspace: 1.5 });
      for (const old of ['timeouts.connectMs', 'timeouts.headersMs', 'timeouts.idleMs', 'queue.maxWaitMs']) {
        assert.deepEqual(at(old), { user: undefined, workspace: undefined }, old);
      }
    }, 'the settings under their new names');
    // The log keeps its last 200 lines: find this move's line by its content (activation's names another setting).
    const lines = api.logLines().filter((l) => l.includes('Settings now in seconds') && l.includes('connectMs 7000'));
    assert.equal(lines.length, 1, api.logLines().slice(-20).join('\n'));
    assert.equal(lines[0]!.match(/ -> | removed /g)?.length, 4, lines[0]);
    assert.match(lines[0]!, /aoaiPool\.timeouts\.connectMs 7000 -> aoaiPool\.timeouts\.connectSec 7 in User settings/);
    assert.match(lines[0]!, /removed aoaiPool\.timeouts\.headersMs \(5000\) from User settings: aoaiPool\.timeouts\.headersSec is set there and wins/);
    assert.match(lines[0]!, /aoaiPool\.timeouts\.idleMs 45000 -> aoaiPool\.timeouts\.idleSec 45 in Workspace settings/);
    assert.match(lines[0]!, /aoaiPool\.queue\.maxWaitMs 1500 -> aoaiPool\.queue\.maxWaitSec 1\.5 in Workspace settings/);

    // The same durations, live (no restart), and no warning left.
    await api.whenIdle();
    assert.deepEqual(inUse(), expected);
    assert.equal(api.proxy(), proxy, 'the move restarted the proxy');
    assert.deepEqual(api.state().configErrors, []);
    assertServedBy(await chat(url, clientKey), 'east');
    // Nothing left to move.
    assert.deepEqual(await api.migrateSettings(), []);
  });
});

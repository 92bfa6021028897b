// "AOAI Pool: Open Dashboard" in the real extension host: the panel loads its
// chunk and page, updates about once a second while visible, and stops all
// work (no timer) while hidden. What the page shows is in the UI suite.
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { chat, type TestApi, usePool } from './helpers';

type Probe = { open: boolean; updates: number; timerRunning: boolean };

/** Polls the dashboard probe until `check` holds; throws with the last probe after `ms`. */
async function until(api: TestApi, check: (p: Probe) => boolean, what: string, ms = 15_000): Promise<Probe> {
  const end = Date.now() + ms;
  let p = await api.dashboard();
  while (!check(p)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; dashboard: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 50));
    p = await api.dashboard();
  }
  return p;
}

suite('dashboard', () => {
  const pool = usePool();
  let api: TestApi;
  suiteSetup(() => {
    api = pool.api;
  });
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('updates about once a second while visible, and has no timer while hidden', async () => {
    await vscode.commands.executeCommand('aoaiPool.trySimulated');
    const s = api.state();
    await chat(s.url!, await api.clientKey(), 'gpt-4o-mini');

    await vscode.commands.executeCommand('aoaiPool.openDashboard');
    const shown = await until(api, (p) => p.open && p.timerRunning && p.updates >= 3, 'three updates of the visible dashboard');
    assert.ok(shown.updates >= 3);

    // Another editor in front of it: the panel is hidden, the page discarded, the timer stopped.
    const doc = await vscode.workspace.openTextDocument({ content: 'in front of the dashboard' });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: false });
    const hidden = await until(api, (p) => !p.timerRunning, 'the timer to stop while hidden');
    assert.equal(hidden.open, true, 'hiding is not closing');

    // Shown again: the page asks for everything again and the updates resume.
    await vscode.commands.executeCommand('aoaiPool.openDashboard');
    await until(api, (p) => p.timerRunning && p.updates >= hidden.updates + 2, 'updates after showing it again');

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const closed = await until(api, (p) => !p.open, 'the panel to close');
    assert.equal(closed.timerRunning, false);
  });
});

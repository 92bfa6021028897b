import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import type { AoaiPoolApi } from '../../src/extension';
import { EXTENSION_ID, waitFor } from './helpers';

/** "^1.100.0" -> [1, 100, 0] */
function parseVersion(v: string): number[] {
  return v.replace(/^[\^~>=<\s]+/, '').split(/[.-]/).slice(0, 3).map(Number);
}

function atLeast(actual: number[], min: number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = actual[i] ?? 0;
    const m = min[i] ?? 0;
    if (a !== m) return a > m;
  }
  return true;
}

suite('activation', () => {
  test('the host meets engines.vscode', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in the test host`);
    const engine = (ext.packageJSON as { engines: { vscode: string } }).engines.vscode;
    assert.ok(atLeast(parseVersion(vscode.version), parseVersion(engine)), `VS Code ${vscode.version} < ${engine}`);
  });

  test('the extension activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in the test host`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  // runTests.ts opens a workspace whose settings still say "aoaiPool.queue.maxWaitMs": 4000, as
  // an older version left them; activation moves it, once (settingsMigration.integration.test.ts
  // covers every level and name).
  test('item 12: activation moved the workspace\'s former millisecond setting to seconds, and said so', async () => {
    const ext = vscode.extensions.getExtension<AoaiPoolApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    const config = () => vscode.workspace.getConfiguration('aoaiPool');
    await waitFor(() => config().inspect('queue.maxWaitSec')?.workspaceValue === 4 && config().inspect('queue.maxWaitMs')?.workspaceValue === undefined, 'queue.maxWaitSec = 4 in the workspace');
    const lines = api.logLines!().filter((l) => l.includes('Settings now in seconds'));
    assert.deepEqual(lines, ['[info] Settings now in seconds: aoaiPool.queue.maxWaitMs 4000 -> aoaiPool.queue.maxWaitSec 4 in Workspace settings.']);
  });
});

import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';

const EXTENSION_ID = 'aoai-pool.aoai-pool';

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
});

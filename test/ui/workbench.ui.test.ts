// UI smoke test: the extension in a real workbench, driven like a user.
// Run: npm run test:ui (VSCODE_VERSION=stable|min|all). Screenshots: test/output/ui/.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { flavorsFromEnv, Workbench } from './driver';

for (const flavor of flavorsFromEnv()) {
  describe(`workbench UI (VS Code ${flavor})`, { timeout: 180_000 }, () => {
    let wb: Workbench;

    before(async () => {
      wb = await Workbench.open({ flavor, files: { 'pool.jsonc': '{}\n', 'README.md': '# fixture\n' } });
    });
    after(async () => {
      await wb?.close();
    });

    it('shows the workspace files in the Explorer tree', async () => {
      await wb.clickActivityBar('Explorer');
      const items = await wb.treeItems('Explorer');
      assert.ok(items.includes('pool.jsonc') && items.includes('README.md'), `tree rows: ${items.join(', ')}`);
      await wb.screenshot('explorer');
    });

    it('lists the contributed commands in the command palette', async () => {
      const entries = await wb.commandPaletteEntries('AOAI Pool');
      assert.ok(entries.includes('AOAI Pool: Show Log'), `palette: ${entries.join(', ')}`);
    });

    // TODO(#3): run "AOAI Pool: Show Log" and check the output channel once
    // the handler is registered; a built-in command proves the driver until then.
    it('runs a command from F1', async () => {
      await wb.runCommand('View: Toggle Terminal');
      await wb.page.locator('.part.panel .terminal-wrapper').first().waitFor({ timeout: 30_000 });
      await wb.screenshot('terminal');
    });

    it('makes no requests beyond 127.0.0.1', () => {
      assert.deepEqual(wb.blocked, []);
    });
  });
}

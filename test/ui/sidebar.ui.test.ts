// UI test for issue 13's sidebar items that only a real workbench shows: the
// palette's `when` clauses (9), Add Backend's picks and messages and Set API
// Key with one backend (11), the demo asking before it replaces a pool (5),
// an open hover on a row that counts down (2), the demo backends' context
// menu (14), icon colours in the light theme (13); first, setting titles (12).
// The steps build on each other, as a user's session would.
// Run: npm run test:ui (VSCODE_VERSION=stable|min|all).
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../scripts/vscode-test/config.mjs';
import { flavorsFromEnv, Workbench, type TreeRow } from './driver';
import { SettingsEditor } from './settingsEditor';

const VIEW = 'aoaiPool.backends';
const STATUS_ITEM = 'aoai-pool.aoai-pool.aoaiPool.status';

const settings = {
  'aoaiPool.port': 0,
  'workbench.colorTheme': 'Default Dark Modern',
  'remote.autoForwardPorts': false,
  // Hovers show at once, so the test measures how long one stays, not how long it takes to come.
  'workbench.hover.delay': 100,
  // A DOM-rendered terminal with a short prompt, so the test can read it.
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.shellIntegration.enabled': false,
  'terminal.integrated.defaultProfile.linux': 'demo',
  'terminal.integrated.profiles.linux': { demo: { path: 'bash', args: ['--norc', '--noprofile'], env: { PS1: '$ ' } } },
  'typescript.disableAutomaticTypeAcquisition': true,
};

/** A few requests through the pool from a terminal (its variables point at the pool). */
const HIT_SCRIPT = `const { AZURE_OPENAI_ENDPOINT: endpoint, AZURE_OPENAI_API_KEY: key } = process.env;
for (let i = 0; i < 12; i++) {
  await fetch(\`\${endpoint}/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21\`, {
    method: 'POST', headers: { 'api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  });
}
console.log('hit done');
`;

const top = (rows: TreeRow[]) => rows.filter((r) => r.level === 1);

/** The extension's settings sections and how many settings the Settings editor lists (deprecated ones only when set). */
function contributedSettings(): { sections: string[]; listed: number } {
  type Section = { title: string; properties: Record<string, { deprecationMessage?: string }> };
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: Section[] } };
  const sections = pkg.contributes.configuration;
  return { sections: sections.map((s) => s.title), listed: sections.flatMap((s) => Object.values(s.properties)).filter((p) => !p.deprecationMessage).length };
}

/** WCAG contrast ratio of two `rgb(r, g, b)` / `#rrggbb` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.startsWith('#') ? [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) : (c.match(/\d+/g) ?? []).slice(0, 3).map(Number)).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

for (const flavor of flavorsFromEnv()) {
  describe(`sidebar UI, issue 13 (VS Code ${flavor})`, { timeout: 240_000 }, () => {
    let wb: Workbench;

    before(async () => {
      wb = await Workbench.open({ flavor, viewport: { width: 1280, height: 800 }, settings, files: { 'README.md': '# fixture\n', 'hit.mjs': HIT_SCRIPT } });
      await wb.clickActivityBar('AOAI Pool');
    });
    after(async () => {
      await wb?.close();
    });

    // First, while the welcome view (and its Settings link) shows. VS Code derives a setting's
    // title from its key; in the table of contents it drops what the id of the section starts
    // with (our sections are aoaiPool.<name>). A search, the @ext: filter included, lists
    // settings flat and keeps "Aoai Pool ›": no extension can change that (microsoft/vscode#191807).
    it('item 12: the Settings link opens our settings; under Extensions › AOAI Pool each reads by its own name, not "Aoai Pool"', async () => {
      const editor = new SettingsEditor(wb.page);
      const ours = contributedSettings();
      await wb.clickWelcomeLink(VIEW, 'Settings');
      await editor.waitOpen();
      // Exactly our settings, with our sections in the table of contents.
      assert.equal(await editor.query(), '@ext:aoai-pool.aoai-pool');
      assert.equal(await editor.resultCount(), `${ours.listed} Settings Found`);
      const filtered = await editor.rows();
      assert.ok(filtered.length > 0 && filtered.every((r) => r.key.startsWith('aoaiPool.')), JSON.stringify(filtered));
      assert.deepEqual((await editor.toc()).map((r) => r.label), ['Extensions', 'AOAI Pool', ...ours.sections]);
      console.log(`[item 12] the @ext: filter's titles (VS Code's, from the key): ${filtered.map((r) => r.title).join(' | ')}`);

      // The table of contents, as a user browses it.
      await editor.search('');
      await editor.clickToc('Extensions');
      await editor.clickToc('AOAI Pool', 'Extensions');
      const toc = await editor.toc();
      const at = toc.findIndex((r) => r.label === 'AOAI Pool');
      assert.deepEqual(toc.slice(at + 1, at + 1 + ours.sections.length).map((r) => r.label), ours.sections, JSON.stringify(toc));
      const titles = new Map<string, string>();
      for (const section of ours.sections) {
        await editor.clickToc(section, 'AOAI Pool');
        for (const r of await editor.rows()) if (r.key.startsWith('aoaiPool.')) titles.set(r.key, r.title);
      }
      console.log(`[item 12] under Extensions › AOAI Pool: ${[...titles.values()].join(' | ')}`);
      for (const [key, title] of titles) assert.doesNotMatch(title, /Aoai/i, `${key} reads "${title}"`);
      const expected = {
        'aoaiPool.port': 'Port', 'aoaiPool.backends': 'Backends', 'aoaiPool.entra.credential': 'Credential', 'aoaiPool.security.credentialHosts': 'Credential Hosts',
        'aoaiPool.queue.maxWaitSec': 'Queue: Max Wait Sec', 'aoaiPool.maxAttempts': 'Max Attempts', 'aoaiPool.timeouts.connectSec': 'Connect Sec', 'aoaiPool.apim.serviceName': 'Service Name',
      };
      for (const [key, title] of Object.entries(expected)) assert.equal(titles.get(key), title, key);
      await wb.runCommand('View: Close All Editors');
    });

    it('item 9: the palette lists only the commands that can apply, and says what the menu command does', async () => {
      const present = await wb.commandPaletteEntries('AOAI Pool: Add Backend');
      assert.ok(present.includes('AOAI Pool: Add Backend'), present.join(', '));
      assert.ok((await wb.commandPaletteEntries('AOAI Pool: Choose a Pool Action…')).includes('AOAI Pool: Choose a Pool Action…'));
      // With no backends none of these can do anything.
      for (const t of ['Start Proxy', 'Remove Backend', 'Enable Backend', 'Disable Backend', 'Set API Key', 'Clear API Key', 'Show Actions']) {
        const entries = await wb.commandPaletteEntries(`AOAI Pool: ${t}`, 3_000);
        assert.ok(!entries.includes(`AOAI Pool: ${t}`), `"AOAI Pool: ${t}" is listed with no backends`);
      }
    });

    it('item 11: Add Backend offers priority and weight as picks, names the field in its messages; Set API Key with one backend asks no pick', async () => {
      await wb.runCommand('AOAI Pool: Add Backend', /Add Backend/);
      await wb.fillQuickInput('https://ui-test.openai.azure.com');
      await wb.acceptQuickInput();
      await wb.page.waitForTimeout(300);
      assert.match((await wb.quickInputText()).message, /name/i);
      await wb.acceptQuickInput(); // the suggested name
      await wb.page.waitForTimeout(300);
      await wb.acceptQuickInput(); // API key
      await wb.page.waitForTimeout(300);
      await wb.fillQuickInput('gpt-4o');
      await wb.acceptQuickInput();
      await wb.page.waitForTimeout(300);
      const priorities = (await wb.quickPickRows()).map((r) => r.label);
      assert.deepEqual(priorities, ['1', '2', '3', 'Custom…']);
      await wb.fillQuickInput('Custom');
      await wb.acceptQuickInput();
      await wb.page.waitForTimeout(300);
      await wb.fillQuickInput('500');
      await wb.page.waitForTimeout(300);
      assert.match((await wb.quickInputText()).message, /^Priority must be 1-100/);
      await wb.fillQuickInput('2');
      await wb.acceptQuickInput();
      await wb.page.waitForTimeout(300);
      assert.deepEqual((await wb.quickPickRows()).map((r) => r.label), ['Equal share', '2', '5', '10', 'Custom…']);
      await wb.acceptQuickInput(); // equal share
      await wb.page.waitForTimeout(300);
      await wb.acceptQuickInput(); // user settings
      await wb.waitForQuickPick(/API key for ui-test/);
      await wb.cancelQuickInput();
      await wb.waitForTreeRows(VIEW, (r) => r.some((x) => x.label === 'ui-test'), 'the new backend in the tree');

      await wb.runCommand('AOAI Pool: Set API Key', /API key for ui-test/);
      assert.equal((await wb.quickInputText()).rows, 0, 'a pick list before the key prompt');
      await wb.cancelQuickInput();
    });

    it('item 5: the demo asks before it replaces the running pool', async () => {
      // Adding the first backend started the pool (aoaiPool.autoStart).
      for (const end = Date.now() + 20_000; !/:\d+/.test(await wb.statusBarItem(STATUS_ITEM));) {
        if (Date.now() > end) throw new Error(`the pool did not start: ${await wb.statusBarItem(STATUS_ITEM)}`);
        await wb.page.waitForTimeout(200);
      }
      await wb.runCommand('AOAI Pool: Try with Simulated Backends');
      await wb.answerDialog(/replaces your running pool/, 'Start Demo');
      await wb.waitForTreeRows(VIEW, (r) => top(r).length === 3 && top(r).every((x) => /^healthy\b/.test(x.description)), 'three healthy demo backends');
    });

    it('item 2: the hover of a cooling row stays open', async () => {
      const port = Number(/:(\d+)/.exec(await wb.statusBarItem(STATUS_ITEM))?.[1]);
      const health = (await (await fetch(`http://127.0.0.1:${port}/_pool/health`)).json()) as { backends: { name: string; endpoint: string }[] };
      const sim1 = health.backends.find((b) => b.name === 'sim-1')!.endpoint;
      const faults = await fetch(`${sim1}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate429: 1, retryAfterMs: 120_000, retryHeader: 'retry-after' }) });
      assert.equal(faults.status, 200, await faults.text());
      // sim-1 serves priority group 1 with sim-2: some of these requests reach it and get the 429.
      await wb.runInNewTerminal('node hit.mjs', /^hit done$/m);
      const rows = await wb.waitForTreeRows(VIEW, (r) => r.some((x) => x.label === 'sim-1' && /cooling/.test(x.description)), 'sim-1 cooling');
      const before = rows.find((x) => x.label === 'sim-1')!.description;

      const row = await wb.treeRowLocator(VIEW, 'sim-1');
      await row.hover();
      const box = await row.boundingBox();
      // A small move on the row, as a hand would, in case the first event came before the row was drawn.
      if (box) await wb.page.mouse.move(box.x + 40, box.y + box.height / 2, { steps: 3 });
      const hover = wb.page.locator('.monaco-hover, .workbench-hover, .monaco-hover-content').filter({ hasText: 'Endpoint' }).filter({ visible: true }).first();
      await hover.waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
        await wb.screenshot('sidebar-hover-missing');
        throw e;
      });
      // Longer than two seconds: a row redrawn every second (a ticking countdown) would close it.
      await wb.page.waitForTimeout(2_500);
      const now = (await wb.treeRows(VIEW)).find((x) => x.label === 'sim-1')!.description;
      assert.match(now, /cooling/, 'sim-1 stopped cooling: the test proves nothing');
      assert.ok(await hover.isVisible(), `the hover closed while sim-1 was cooling (${before} -> ${now})`);
      await wb.page.mouse.move(5, 5);
    });

    it('item 14: a demo backend has Disable and Enable in its context menu, and they work', async () => {
      await wb.treeContextMenu(VIEW, 'sim-2', 'Disable Backend');
      await wb.waitForTreeRows(VIEW, (r) => r.some((x) => x.label === 'sim-2' && /^disabled/.test(x.description)), 'sim-2 disabled');
      await wb.treeContextMenu(VIEW, 'sim-2', 'Enable Backend');
      await wb.waitForTreeRows(VIEW, (r) => r.some((x) => x.label === 'sim-2' && !/^disabled/.test(x.description)), 'sim-2 enabled again');
    });

    it('item 13: in the light theme a healthy icon has the theme\'s green and enough contrast', async () => {
      await wb.setColorTheme('Light Modern');
      await wb.waitForTreeRows(VIEW, (r) => r.some((x) => x.label === 'sim-3' && /^healthy\b/.test(x.description)), 'sim-3 healthy');
      const icon = (await wb.treeRowLocator(VIEW, 'sim-3')).locator('.custom-view-tree-node-item-icon').first();
      // The theme's colours are CSS variables on the workbench element.
      const read = () => icon.evaluate((el) => {
        type Doc = { defaultView: { getComputedStyle(e: unknown): { color: string; getPropertyValue(n: string): string } }; querySelector(s: string): unknown };
        const doc = (el as unknown as { ownerDocument: Doc }).ownerDocument;
        const vars = doc.defaultView.getComputedStyle(doc.querySelector('.monaco-workbench'));
        return { color: doc.defaultView.getComputedStyle(el).color, passed: vars.getPropertyValue('--vscode-charts-green').trim(), background: vars.getPropertyValue('--vscode-sideBar-background').trim() };
      });
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      // The theme applies a moment after it is picked.
      let seen = await read();
      for (const end = Date.now() + 5_000; seen.color !== rgb(seen.passed) && Date.now() < end; seen = await read()) await wb.page.waitForTimeout(200);
      const { color, passed, background } = seen;
      assert.ok(passed.startsWith('#'), `no --vscode-charts-green: ${JSON.stringify(seen)}`);
      assert.equal(color, rgb(passed), `icon ${color}, theme's charts.green ${passed}`);
      const ratio = contrast(color, background || '#f8f8f8');
      assert.ok(ratio >= 3, `contrast ${ratio.toFixed(2)} of ${color} on ${background}`);
      await wb.setColorTheme('Dark Modern');
    });
  });
}

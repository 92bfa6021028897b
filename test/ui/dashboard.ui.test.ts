// UI test: "AOAI Pool: Open Dashboard" in a real workbench. Traffic goes through
// the simulated pool with sim-1 throttled (the simulator's runtime faults), and
// the test asserts what a user sees: charts drawn from data, sim-1's 429s, and
// a request's routing timeline naming sim-1 with why it was skipped or rested.
// Screenshots in dark and light themes: test/output/ui/; UPDATE_SCREENSHOTS=1
// copies the stable ones to docs/images/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { repoRoot } from '../../scripts/vscode-test/config.mjs';
import { flavorsFromEnv, Workbench, type TreeRow } from './driver';

const VIEW = 'aoaiPool.backends';
const STATUS_ITEM = 'aoai-pool.aoai-pool.aoaiPool.status';
const REQUESTS = 36;

/** Steady traffic for a few seconds, half of it streamed, as a user's tool would send it. */
const LOAD_SCRIPT = `const { AZURE_OPENAI_ENDPOINT: endpoint, AZURE_OPENAI_API_KEY: key } = process.env;
const url = \`\${endpoint}/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21\`;
const statuses = {};
for (let i = 0; i < ${REQUESTS}; i++) {
  const stream = i % 2 === 1;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello!' }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
  });
  await res.text();
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  await new Promise((r) => setTimeout(r, 120));
}
console.log('load done', JSON.stringify(statuses));
`;

const settings = {
  // Any free port: this suite does not need 8787.
  'aoaiPool.port': 0,
  'workbench.colorTheme': 'Default Dark Modern',
  'editor.minimap.enabled': false,
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.shellIntegration.enabled': false,
  'terminal.integrated.suggest.enabled': false,
  'terminal.integrated.defaultProfile.linux': 'demo',
  'terminal.integrated.profiles.linux': { demo: { path: 'bash', args: ['--norc', '--noprofile'], env: { PS1: '\\W $ ' } } },
  'remote.autoForwardPorts': false,
  'typescript.disableAutomaticTypeAcquisition': true,
};

/** Polls `read` in the page until `check` accepts its value; throws with the last value. */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v: T | undefined;
  for (;;) {
    v = await read().catch(() => undefined);
    if (v !== undefined && check(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * How many pixels in the upper half of a chart's canvas have the theme's
 * `--vscode-charts-blue`, the colour of its first series. The grid and the
 * axes have other colours, and a series of zeros is a line along the bottom:
 * only values above zero put that colour up there.
 */
function seriesPixels(page: FrameLocator, chart: string): Promise<number> {
  type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
  return page.locator(chart).locator('canvas').first().evaluate((el) => {
    const c = el as unknown as Canvas;
    const doc = (el as unknown as { ownerDocument: { documentElement: unknown; defaultView: { getComputedStyle(e: unknown): { getPropertyValue(n: string): string } } } }).ownerDocument;
    const hex = doc.defaultView.getComputedStyle(doc.documentElement).getPropertyValue('--vscode-charts-blue').trim();
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const data = c.getContext('2d').getImageData(0, 0, c.width, Math.floor(c.height / 2)).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 60) n++;
    }
    return n;
  });
}

function keep(shot: string, name: string, flavor: string): void {
  if (flavor !== 'stable' || process.env.UPDATE_SCREENSHOTS !== '1') return;
  const docs = path.join(repoRoot, 'docs', 'images', `${name}.png`);
  fs.mkdirSync(path.dirname(docs), { recursive: true });
  fs.copyFileSync(shot, docs);
  console.log(`updated ${path.relative(repoRoot, docs)}`);
}

for (const flavor of flavorsFromEnv()) {
  describe(`dashboard UI (VS Code ${flavor})`, { timeout: 240_000 }, () => {
    let wb: Workbench;

    before(async () => {
      wb = await Workbench.open({ flavor, viewport: { width: 1400, height: 1000 }, settings, files: { 'load.mjs': LOAD_SCRIPT } });
    });
    after(async () => {
      await wb?.close();
    });

    it('shows traffic, a throttled backend\'s 429s and each request\'s route while the pool works', async () => {
      await wb.clickActivityBar('AOAI Pool');
      await wb.runCommand('AOAI Pool: Try with Simulated Backends');
      const top = (rows: TreeRow[]) => rows.filter((r) => r.level === 1);
      await wb.waitForTreeRows(VIEW, (r) => top(r).length === 3 && top(r).every((x) => /^healthy\b/.test(x.description)), 'three healthy backends');
      const port = Number(/:(\d+)/.exec(await wb.statusBarItem(STATUS_ITEM))?.[1]);
      assert.ok(port > 0, 'the status bar names the port');

      // sim-1 answers every request with 429 and "retry-after-ms: 1500", through the simulator's runtime faults.
      const health = (await (await fetch(`http://127.0.0.1:${port}/_pool/health`)).json()) as { backends: { name: string; endpoint: string }[] };
      const sim1 = health.backends.find((b) => b.name === 'sim-1')!.endpoint;
      const faults = await fetch(`${sim1}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rate429: 1, retryAfterMs: 1500, retryHeader: 'retry-after-ms' }) });
      assert.equal(faults.status, 200, await faults.text());

      await wb.runCommand('AOAI Pool: Open Dashboard');
      const page = wb.webview();
      await page.locator('.backend[data-backend="sim-1"]').waitFor({ timeout: 30_000 });
      await wb.runInNewTerminal('node load.mjs', /load done \{.*\}/, 60_000);
      const summary = /load done (\{.*\})/.exec(await wb.terminalText())![1]!;
      assert.deepEqual(JSON.parse(summary), { 200: REQUESTS }, 'sim-1\'s 429s never reach the client: the pool fails over');

      // The charts are drawn from data: sim-2 served, sim-1 throttled.
      const sim1Card = page.locator('.backend[data-backend="sim-1"]');
      const sim2Card = page.locator('.backend[data-backend="sim-2"]');
      const throttles = sim1Card.locator('.deployment[data-deployment="gpt-4o-mini"] figure.chart').nth(2);
      const served = sim2Card.locator('.deployment[data-deployment="gpt-4o-mini"] figure.chart').first();
      const throttleLabel = await eventually(() => throttles.getAttribute('aria-label'), (l) => /highest [1-9]/.test(l ?? ''), 'sim-1\'s 429 chart to show 429s');
      assert.match(throttleLabel!, /^429s and errors per 5 s for sim-1 gpt-4o-mini/);
      await eventually(() => served.getAttribute('aria-label'), (l) => /^Requests\/s for sim-2 gpt-4o-mini, last 15 minutes: now [\d.]+, highest [1-9]/.test(l ?? ''), 'sim-2\'s requests chart');
      const figure429 = await sim1Card.locator('.deployment[data-deployment="gpt-4o-mini"] .figure', { hasText: '429s' }).locator('dd').innerText();
      assert.ok(Number(figure429) > 0, `sim-1 shows its 429s: ${figure429}`);
      assert.ok(await seriesPixels(page, '.backend[data-backend="sim-2"] .deployment[data-deployment="gpt-4o-mini"] figure.chart >> nth=0') > 20, 'sim-2\'s requests are drawn on the canvas');
      // The pool's own view: no 429 reached a client.
      const pool429 = await page.locator('.pool .figure', { hasText: '429s' }).locator('dd').innerText();
      assert.equal(pool429, '0');

      // Readable when narrow: one column, nothing wider than the panel.
      await wb.page.setViewportSize({ width: 760, height: 1000 });
      await eventually(() => page.locator('body').evaluate((b) => ({ scroll: b.ownerDocument.documentElement.scrollWidth, width: b.ownerDocument.documentElement.clientWidth })),
        (w) => w.width < 460 && w.scroll <= w.width, 'the page to fit a narrow panel without sideways scrolling');
      await wb.page.setViewportSize({ width: 1400, height: 1000 });

      // The shots: no terminal or toasts in the way.
      await wb.clearNotifications();
      await wb.runCommand('View: Toggle Panel Visibility');
      await page.locator('.backend[data-backend="sim-1"] figure.chart').first().scrollIntoViewIfNeeded();
      keep(await wb.screenshot('dashboard-dark'), 'dashboard-dark', flavor);

      // A request that tried sim-1 first: click it; its timeline shows the 429 and the header that rested sim-1.
      const rows = page.locator('table.requests tbody tr');
      const failedOver = rows.filter({ has: page.locator('td.num', { hasText: /^2$/ }) }).first();
      await failedOver.click();
      const timeline = page.locator('aside.timeline');
      await timeline.locator('.step.attempt', { hasText: 'Attempt 1: sim-1' }).waitFor();
      assert.match(await timeline.innerText(), /Attempt 1: sim-1 · gpt-4o-mini\s+answered 429 in [\d.]+ m?s · rests 1[.,]?5 s until .*, as the retry-after-ms header said/);
      assert.match(await timeline.innerText(), /Outcome: 200 after .*\s+served by sim-2 after 1 failover/);

      // One that found sim-1 resting, opened from the keyboard: Enter on the focused row.
      const skipped = await eventually(async () => {
        for (let i = 0; i < (await rows.count()); i++) {
          const row = rows.nth(i);
          if ((await row.locator('td.num').first().innerText()) !== '1') continue;
          await row.click();
          await timeline.locator('.step').first().waitFor();
          if (/Skipped sim-1\s+cooling down/.test(await timeline.innerText())) return i;
        }
        return -1;
      }, (i) => i >= 0, 'a request that skipped sim-1 while it was cooling down');
      await rows.nth(skipped === 0 ? 1 : 0).click();
      await rows.nth(skipped).focus();
      await wb.page.keyboard.press('Enter');
      await eventually(() => timeline.innerText(), (t) => /Skipped sim-1\s+cooling down, [\d.]+ (m?s) more: 429 on gpt-4o-mini, resting 2 s \(retry-after-ms\)/.test(t), 'the keyboard to open the timeline with the skip reason');
      // Enter moved the focus to the timeline's heading, so a screen reader reads it next.
      assert.equal(await page.locator('#timeline-h').evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true);

      await wb.setColorTheme('Light Modern');
      await eventually(() => page.locator('body').getAttribute('class'), (c) => /vscode-light/.test(c ?? ''), 'the page to follow the light theme');
      // The shot shows the most telling route: sim-1's 429, then sim-2.
      await failedOver.click();
      await timeline.locator('.step.attempt', { hasText: 'Attempt 1: sim-1' }).waitFor();
      await page.locator('.requests-section').scrollIntoViewIfNeeded();
      keep(await wb.screenshot('dashboard-light'), 'dashboard-light', flavor);
    });

    it('makes no requests beyond 127.0.0.1', () => {
      assert.deepEqual(wb.blocked, []);
    });
  });
}

// Playwright driver for UI tests: the extension loaded in a real workbench
// (code-server + headless chromium, see scripts/vscode-test), driven through
// the DOM like a user would. Selectors target VS Code 1.100-1.139; when one
// breaks after a VS Code update, fix it here, not in the tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  launchChromium,
  makeRunDir,
  newWorkbenchPage,
  startCodeServer,
  workbenchUrl,
  type CodeServer,
} from '../../scripts/vscode-test/code-server.mjs';
import { repoRoot } from '../../scripts/vscode-test/config.mjs';

const outputDir = path.join(repoRoot, 'test', 'output', 'ui');
const verbose = process.env.VSCODE_TEST_VERBOSE === '1';

/** The VS Code flavors $VSCODE_VERSION asks for: stable (default), min, or all. */
export function flavorsFromEnv(): string[] {
  const requested = process.env.VSCODE_VERSION || 'stable';
  return requested === 'all' ? ['stable', 'min'] : [requested];
}

export interface OpenOptions {
  /** Files of a fresh workspace folder to open, by relative path. Default: an empty window. */
  files?: Record<string, string>;
  /** stable | min; default $VSCODE_VERSION or stable */
  flavor?: string;
  /** Whatever happens, everything is stopped after this long. Default 5 min. */
  timeoutMs?: number;
}

export class Workbench {
  private closing: Promise<void> | undefined;
  private readonly safety: NodeJS.Timeout;

  private constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: CodeServer,
    private readonly runDir: string,
    /** Requests to hosts other than code-server, which the page blocked. */
    readonly blocked: readonly string[],
    timeoutMs: number,
  ) {
    this.safety = setTimeout(() => {
      console.error(`[ui driver] still open after ${timeoutMs} ms: closing`);
      void this.close();
    }, timeoutMs);
    this.safety.unref();
  }

  /** Starts code-server with this extension and opens the workbench in chromium. */
  static async open(opts: OpenOptions = {}): Promise<Workbench> {
    const runDir = makeRunDir(`ui-${opts.flavor ?? process.env.VSCODE_VERSION ?? 'stable'}`);
    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    try {
      server = await startCodeServer({
        flavor: opts.flavor,
        runDir,
        onOutput: (line) => verbose && console.log(`[server] ${line}`),
      });
      browser = await launchChromium();
      let folder: string | undefined;
      if (opts.files) {
        folder = path.join(runDir, 'workspace');
        for (const [rel, text] of Object.entries(opts.files)) {
          fs.mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
          fs.writeFileSync(path.join(folder, rel), text);
        }
      }
      const blocked: string[] = [];
      const page = await newWorkbenchPage(browser, server, { onBlocked: (u) => blocked.push(u) });
      page.setDefaultTimeout(20_000);
      if (verbose) page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
      const wb = new Workbench(page, browser, server, runDir, blocked, opts.timeoutMs ?? 300_000);
      await page.goto(workbenchUrl(server, { folder, extensionDevelopmentPath: [repoRoot] }));
      await wb.whenRestored();
      return wb;
    } catch (err) {
      await browser?.close().catch(() => {});
      await server?.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** VS Code version of the workbench, e.g. "1.139". */
  get vscodeVersion(): string {
    return this.server.flavor.vscode;
  }

  private async whenRestored(): Promise<void> {
    await this.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    // The smoke-test driver (stable) knows when all workbench contributions exist.
    await this.page.evaluate(async () => {
      const driver = (globalThis as { driver?: { whenWorkbenchRestored?: () => Promise<void> } }).driver;
      await driver?.whenWorkbenchRestored?.();
    });
  }

  /**
   * Shows the view container with this activity bar title ("Explorer",
   * "Extensions", later "AOAI Pool"). A click on the active one would hide
   * the side bar, so that one is left alone.
   */
  async clickActivityBar(title: string): Promise<void> {
    const item = this.page
      .locator('.part.activitybar .action-item')
      .filter({ has: this.page.locator(`a.action-label[aria-label="${title}"], a.action-label[aria-label^="${title} ("]`) });
    await item.first().waitFor();
    const active = await item.first().evaluate((el) => el.classList.contains('checked'));
    const sidebarVisible = await this.page.locator('.part.sidebar').isVisible();
    if (!active || !sidebarVisible) await item.first().click();
    await this.page.locator('.part.sidebar .composite.title h2', { hasText: new RegExp(title, 'i') }).first().waitFor();
  }

  /** F1, the command's title ("View: Toggle Terminal"), Enter on exactly that entry. */
  async runCommand(title: string): Promise<void> {
    const row = await this.findInPalette(title);
    await row.click();
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /** The labels the command palette lists for `query` (the palette is closed again). */
  async commandPaletteEntries(query: string): Promise<string[]> {
    await this.openPalette(query);
    const rows = this.quickInput().locator('.monaco-list-row');
    // The list shows the unfiltered commands for a moment after typing.
    await rows
      .filter({ hasText: new RegExp(escapeRegExp(query), 'i') })
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => {});
    const labels = await rows.evaluateAll((els) =>
      els.map((el) => (el.querySelector('.label-name')?.textContent ?? el.getAttribute('aria-label') ?? '').trim()),
    );
    await this.page.keyboard.press('Escape');
    await this.quickInput().waitFor({ state: 'hidden' });
    return labels;
  }

  /**
   * Labels of the rendered rows of a tree view. `view` is the view's title as
   * in its section header ("Explorer" for the folder tree), or the id of a
   * view this extension contributes (mapped to its name via package.json).
   * Lists are virtualised: only rows that fit on screen are in the DOM.
   */
  async treeItems(view: string): Promise<string[]> {
    const title = contributedViewName(view) ?? view;
    const pane = this.page
      .locator('.part.sidebar .pane, .part.panel .pane, .part.auxiliarybar .pane')
      .filter({ has: this.page.locator(`.pane-header[aria-label^="${title} Section"]`) })
      .first();
    try {
      await pane.waitFor({ state: 'attached', timeout: 10_000 });
    } catch {
      const titles = await this.page
        .locator('.pane-header[aria-label]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
      throw new Error(`no view "${title}" is open; section headers: ${titles.join(' | ')}`);
    }
    const rows = pane.locator('.monaco-list-row');
    await rows.first().waitFor();
    return rows.evaluateAll((els) =>
      els.map((el) => (el.querySelector('.label-name')?.textContent ?? el.getAttribute('aria-label') ?? '').trim()),
    );
  }

  /** Saves a PNG under test/output/ui/ and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(outputDir, { recursive: true });
    const file = path.join(outputDir, `${name}-${this.server.flavor.name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Stops chromium and code-server (with its extension host) and deletes the profile. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.safety);
      await this.browser.close().catch(() => {});
      await this.server.stop();
      fs.rmSync(this.runDir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async openPalette(query: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput().locator('.quick-input-box input');
    await input.waitFor();
    // F1 pre-fills ">"; keep it, so the palette lists commands.
    await input.fill(`>${query}`);
  }

  private async findInPalette(title: string): Promise<Locator> {
    await this.openPalette(title);
    const row = this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
      .first();
    try {
      await row.waitFor({ timeout: 10_000 });
    } catch {
      await this.page.keyboard.press('Escape');
      throw new Error(`"${title}" is not in the command palette`);
    }
    return row;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The name of a view this extension contributes, from package.json. */
function contributedViewName(id: string): string | undefined {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    contributes?: { views?: Record<string, { id: string; name: string }[]> };
  };
  for (const views of Object.values(pkg.contributes?.views ?? {})) {
    const match = views.find((v) => v.id === id);
    if (match) return match.name;
  }
  return undefined;
}

// Playwright driver for UI tests: the extension loaded in a real workbench
// (code-server + headless chromium, see scripts/vscode-test), driven through
// the DOM like a user would. Selectors target VS Code 1.100-1.139; when one
// breaks after a VS Code update, fix it here, not in the tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import {
  launchChromium,
  linkDevelopmentPaths,
  makeRunDir,
  newWorkbenchPage,
  startCodeServer,
  workbenchUrl,
  type CodeServer,
} from '../../scripts/vscode-test/code-server.mjs';
import { repoRoot } from '../../scripts/vscode-test/config.mjs';

const outputDir = path.join(repoRoot, 'test', 'output', 'ui');
const verbose = process.env.VSCODE_TEST_VERBOSE === '1';
/** How long one look at the command palette waits before it is closed and opened again (Playwright reads a 0 timeout as none, hence the 1 ms floor where it is used). */
const PALETTE_TURN_MS = 2_500;

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
  /** Size of the browser window. Default 1600x1000. */
  viewport?: { width: number; height: number };
  /** User settings, merged over the run's offline defaults before the workbench loads. */
  settings?: Record<string, unknown>;
  /** More extension folders to load beside this one (fixtures such as a test sign-in provider). */
  extensions?: string[];
}

/** One rendered row of a tree view. */
export interface TreeRow {
  label: string;
  description: string;
  /** 1 for top-level rows. */
  level: number;
  /** undefined: the row has no children. */
  expanded: boolean | undefined;
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
    /** The workbench URL (another window opens it too). */
    private readonly url = '',
    /** False for a window from openAnotherWindow(): its close() closes only its page. */
    private readonly primary = true,
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
      if (opts.settings) mergeUserSettings(runDir, opts.settings);
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
      const page = await newWorkbenchPage(browser, server, { onBlocked: (u) => blocked.push(u), viewport: opts.viewport });
      page.setDefaultTimeout(20_000);
      if (verbose) page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
      const extensionDevelopmentPath = linkDevelopmentPaths([repoRoot, ...(opts.extensions ?? [])], runDir);
      const url = workbenchUrl(server, { folder, extensionDevelopmentPath });
      const wb = new Workbench(page, browser, server, runDir, blocked, opts.timeoutMs ?? 300_000, url);
      await page.goto(url);
      await wb.whenRestored();
      return wb;
    } catch (err) {
      await browser?.close().catch(() => {});
      await server?.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * A second window on the same code-server, user settings and browser
   * profile (so the same SecretStorage): a page of its own, which code-server
   * gives an extension host of its own, as desktop VS Code does a window.
   */
  async openAnotherWindow(): Promise<Workbench> {
    const page = await this.page.context().newPage();
    page.setDefaultTimeout(20_000);
    if (verbose) page.on('console', (m) => console.log(`[page 2 ${m.type()}] ${m.text()}`));
    const wb = new Workbench(page, this.browser, this.server, this.runDir, this.blocked, 300_000, this.url, false);
    await page.bringToFront();
    await page.goto(this.url);
    await wb.whenRestored();
    return wb;
  }

  /** Makes this window the front tab: a background tab may be laid out lazily (seen on 1.100). */
  async focusWindow(): Promise<void> {
    await this.page.bringToFront();
  }

  /** Closes this window only, as a user closes a browser tab (unload handlers run); code-server stays. */
  async closeWindow(): Promise<void> {
    await this.page.close({ runBeforeUnload: true });
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
    // 1.100 has no smoke-test driver, and under load its extension scan can
    // end well after the activity bar is drawn: until then none of our
    // commands is in the palette (seen in CI). The pool's activity bar entry
    // comes from the same scan.
    await this.activityBarItem('AOAI Pool').first().waitFor({ timeout: 60_000 });
  }

  private activityBarItem(title: string): Locator {
    return this.page
      .locator('.part.activitybar .action-item')
      .filter({ has: this.page.locator(`a.action-label[aria-label="${title}"], a.action-label[aria-label^="${title} ("]`) });
  }

  /**
   * Shows the view container with this activity bar title ("Explorer",
   * "Extensions", later "AOAI Pool"). A click on the active one would hide
   * the side bar, so that one is left alone.
   */
  async clickActivityBar(title: string): Promise<void> {
    const item = this.activityBarItem(title);
    await item.first().waitFor();
    const active = await item.first().evaluate((el) => el.classList.contains('checked'));
    const sidebarVisible = await this.page.locator('.part.sidebar').isVisible();
    if (!active || !sidebarVisible) await item.first().click();
    await this.page.locator('.part.sidebar .composite.title h2', { hasText: new RegExp(title, 'i') }).first().waitFor();
  }

  /** Drags the sash between the side bar and the editor until the side bar is `width` px wide. */
  async resizeSidebar(width: number): Promise<void> {
    const sidebar = this.page.locator('.part.sidebar');
    const box = await sidebar.boundingBox();
    if (!box) throw new Error('the side bar is not visible');
    const edge = box.x + box.width;
    // The vertical sash whose middle is on the side bar's right edge.
    const sashes = this.page.locator('.monaco-sash.vertical');
    let grip: { x: number; y: number } | undefined;
    for (let i = 0; i < (await sashes.count()); i++) {
      const b = await sashes.nth(i).boundingBox();
      if (b && b.height > box.height / 2 && Math.abs(b.x + b.width / 2 - edge) <= 4) grip = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    }
    if (!grip) throw new Error('no sash on the side bar edge');
    await this.page.mouse.move(grip.x, grip.y);
    await this.page.mouse.down();
    await this.page.mouse.move(grip.x + (width - box.width), grip.y, { steps: 5 });
    await this.page.mouse.up();
    const now = (await sidebar.boundingBox())?.width ?? 0;
    if (Math.abs(now - width) > 4) throw new Error(`the side bar is ${now} px wide, not ${width}`);
  }

  /**
   * F1, the command's title ("View: Toggle Terminal"), Enter on exactly that
   * entry. `opens`: the command shows a quick input with this title; wait
   * for that instead of for the palette to close.
   */
  async runCommand(title: string, opens?: string | RegExp): Promise<void> {
    const row = await this.findInPalette(title);
    await row.click();
    if (opens) await this.waitForQuickPick(opens);
    else await this.quickInput().waitFor({ state: 'hidden' });
  }

  /**
   * The labels the command palette lists for `query` (the palette is closed
   * again). `waitMs`: how long to wait for a row matching the query; shorter
   * when the caller expects none (after checking that a present one shows).
   */
  async commandPaletteEntries(query: string, waitMs = 10_000): Promise<string[]> {
    const end = Date.now() + waitMs;
    for (;;) {
      await this.openPalette(query);
      const rows = this.quickInput().locator('.monaco-list-row');
      // The list shows the unfiltered commands for a moment after typing, and
      // it is built when the palette opens: a command registered later shows
      // only after reopening, so wait in short turns.
      const found = await rows
        .filter({ hasText: new RegExp(escapeRegExp(query), 'i') })
        .first()
        .waitFor({ timeout: Math.max(1, Math.min(PALETTE_TURN_MS, end - Date.now())) })
        .then(() => true, () => false);
      const labels = await rows.evaluateAll((els) =>
        els.map((el) => (el.querySelector('.label-name')?.textContent ?? el.getAttribute('aria-label') ?? '').trim()),
      );
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden' });
      if (found || Date.now() >= end) return labels;
    }
  }

  /**
   * Labels of the rendered rows of a tree view. `view` is the view's title as
   * in its section header ("Explorer" for the folder tree), or the id of a
   * view this extension contributes (mapped to its name via package.json).
   * Lists are virtualised: only rows that fit on screen are in the DOM.
   */
  async treeItems(view: string): Promise<string[]> {
    return (await this.treeRows(view)).map((r) => r.label);
  }

  /** Label, description, depth and expansion of the rendered rows of a tree view (see treeItems). */
  async treeRows(view: string): Promise<TreeRow[]> {
    const rows = (await this.viewPane(view)).locator('.monaco-list-row');
    await rows.first().waitFor();
    return rows.evaluateAll((els) =>
      els.map((el) => {
        const expanded = el.getAttribute('aria-expanded');
        return {
          label: (el.querySelector('.label-name')?.textContent ?? el.getAttribute('aria-label') ?? '').trim(),
          description: (el.querySelector('.label-description')?.textContent ?? '').trim(),
          level: Number(el.getAttribute('aria-level') ?? 1),
          expanded: expanded === null ? undefined : expanded === 'true',
        };
      }),
    );
  }

  /** Polls treeRows until `check` accepts them; throws with the last rows otherwise. */
  async waitForTreeRows(view: string, check: (rows: TreeRow[]) => boolean, what: string, timeoutMs = 20_000): Promise<TreeRow[]> {
    const end = Date.now() + timeoutMs;
    let rows: TreeRow[] = [];
    for (;;) {
      rows = await this.treeRows(view).catch(() => []);
      if (check(rows)) return rows;
      if (Date.now() > end) break;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`timed out waiting for ${what}; rows: ${JSON.stringify(rows.map((r) => `${r.label} ${r.description}`))}`);
  }

  /** Expands a collapsed row of a tree view (a click on its twistie) and waits until it is open. */
  async expandTreeItem(view: string, label: string): Promise<void> {
    const row = (await this.viewPane(view))
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) })
      .first();
    await row.waitFor();
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    // Polled through the locator: the tree may re-render the row meanwhile.
    const end = Date.now() + 10_000;
    while ((await row.getAttribute('aria-expanded')) !== 'true') {
      if (Date.now() > end) throw new Error(`tree row "${label}" did not expand`);
      await this.page.waitForTimeout(100);
    }
  }

  /** The text of a view's welcome content ("viewsWelcome"), or throws if the view shows none. */
  async welcomeText(view: string): Promise<string> {
    const welcome = (await this.viewPane(view)).locator('.welcome-view-content');
    await welcome.waitFor();
    return (await welcome.innerText()).trim();
  }

  /** The buttons of a view's welcome content. */
  async welcomeButtons(view: string): Promise<string[]> {
    const buttons = (await this.viewPane(view)).locator('.welcome-view-content .monaco-button');
    await buttons.first().waitFor();
    return (await buttons.allInnerTexts()).map((t) => t.trim());
  }

  /** The accessible text of a status bar item contributed as `<extension id>.<item id>` (codicons dropped). */
  async statusBarItem(id: string): Promise<string> {
    const item = this.page.locator(`.part.statusbar [id="${id}"]`);
    await item.waitFor();
    return (await item.getAttribute('aria-label')) ?? (await item.innerText());
  }

  /** Opens a workspace file through Quick Open (F1 without ">"). */
  async openFile(name: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput().locator('.quick-input-box input');
    await input.waitFor();
    await input.fill(name);
    const row = this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) })
      .first();
    await row.click();
    await this.quickInput().waitFor({ state: 'hidden' });
    await this.page.locator(`.part.editor .tab.active[aria-label^="${name}"]`).first().waitFor();
  }

  /**
   * Opens a new integrated terminal, types `command` and Enter, and waits
   * until the terminal's text matches `until`; returns that text.
   */
  async runInNewTerminal(command: string, until: RegExp | ((text: string) => boolean), timeoutMs = 30_000): Promise<string> {
    const terminals = this.page.locator('.part.panel .terminal-wrapper');
    const before = await terminals.count();
    await this.runCommand('Terminal: Create New Terminal');
    await terminals.nth(before).waitFor({ timeout: 30_000 });
    const active = this.page.locator('.part.panel .terminal-wrapper.active .xterm');
    await active.waitFor();
    // The shell prints its prompt once it is ready for input; the new terminal has the focus.
    await this.waitForTerminal(/\S/, 15_000);
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
    return this.waitForTerminal(until, timeoutMs);
  }

  /**
   * The text of the active terminal's rows on screen. Needs the DOM renderer
   * (`"terminal.integrated.gpuAcceleration": "off"`) or screen reader mode:
   * the default canvas renderer leaves no text in the DOM.
   */
  async terminalText(): Promise<string> {
    return this.page
      .locator('.part.panel .terminal-wrapper.active .xterm')
      .evaluate((el) => {
        const rows = el.querySelector('.xterm-rows') ?? el.querySelector('.xterm-accessibility-tree');
        // Inline callbacks only: a named function here would be compiled to a __name() call the page does not have.
        return Array.from(rows?.children ?? [], (r: { textContent: string | null }) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd())
          .join('\n');
      });
  }

  private async waitForTerminal(until: RegExp | ((text: string) => boolean), timeoutMs: number): Promise<string> {
    const end = Date.now() + timeoutMs;
    const done = typeof until === 'function' ? until : (t: string) => until.test(t);
    let text = '';
    for (;;) {
      text = await this.terminalText().catch(() => '');
      if (done(text)) return text;
      if (Date.now() > end) break;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`the terminal did not show what was expected (${String(until)}) within ${timeoutMs} ms:\n${text}`);
  }

  /**
   * The lines of an output channel the Output panel shows (after e.g. a
   * "Show Log" command). Waits until the panel has switched to `channel`;
   * only the lines on screen are in the DOM.
   */
  async outputText(channel: string, timeoutMs = 10_000): Promise<string> {
    // The Output view's channel picker (in the panel's title bar; 1.139 has a hidden second one).
    const select = this.page
      .locator('.part.panel select.monaco-select-box')
      .filter({ visible: true })
      .filter({ has: this.page.locator(`option[value="${channel}"]`) })
      .first();
    await select.waitFor({ timeout: timeoutMs });
    const end = Date.now() + timeoutMs;
    for (let shown = await select.inputValue(); shown !== channel; shown = await select.inputValue()) {
      if (Date.now() > end) throw new Error(`the Output view shows "${shown}", not "${channel}"`);
      await this.page.waitForTimeout(100);
    }
    const lines = this.page.locator('.part.panel .monaco-editor .view-lines .view-line');
    await lines.first().waitFor({ timeout: timeoutMs });
    return lines.evaluateAll((els) =>
      els
        .map((el) => ({
          top: parseFloat((el as unknown as { style: { top: string } }).style.top) || 0,
          text: (el.textContent ?? '').replace(/\u00a0/g, ' '),
        }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text)
        .join('\n'),
    );
  }

  /** Waits (at most `timeoutMs`, then carries on) until no status bar item shows `text`, e.g. a language server's progress. */
  async whenStatusBarClear(text: string, timeoutMs = 10_000): Promise<void> {
    await this.page
      .locator('.part.statusbar .statusbar-item', { hasText: text })
      .first()
      .waitFor({ state: 'detached', timeout: timeoutMs })
      .catch(() => console.log(`[ui driver] the status bar still shows "${text}" after ${timeoutMs} ms`));
  }

  /** Closes every notification toast (they cover the lower right corner). */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {});
  }

  /** The pane of a view: its title as in the section header, or the id of a view this extension contributes. */
  private async viewPane(view: string): Promise<Locator> {
    const title = contributedViewName(view) ?? view;
    const pane = this.page
      .locator('.part.sidebar .pane, .part.panel .pane, .part.auxiliarybar .pane')
      // "Backends Section", or "Backends - :8787 simulated Section" while the view has a description.
      .filter({ has: this.page.locator(`.pane-header[aria-label^="${title} Section"], .pane-header[aria-label^="${title} - "]`) })
      .first();
    try {
      await pane.waitFor({ state: 'attached', timeout: 10_000 });
    } catch {
      const titles = await this.page
        .locator('.pane-header[aria-label]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
      throw new Error(`no view "${title}" is open; section headers: ${titles.join(' | ')}`);
    }
    return pane;
  }

  /**
   * The page inside the visible webview panel. VS Code nests it: an outer
   * iframe per webview, and the extension's page in its `#active-frame`.
   */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview.ready').filter({ visible: true }).first().contentFrame().locator('iframe#active-frame').contentFrame();
  }

  /** "Preferences: Color Theme", then the theme with this label, as a user picks it. */
  async setColorTheme(label: string): Promise<void> {
    const row = await this.findInPalette('Preferences: Color Theme');
    await row.click();
    const input = this.quickInput().locator('.quick-input-box input');
    await input.fill(label);
    await this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) })
      .first()
      .waitFor();
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /** The open quick pick: its rows as shown (separators prefixed "-- "), and whether each is checked. */
  async quickPickRows(): Promise<{ label: string; checked: boolean | undefined }[]> {
    const rows = this.quickInput().locator('.monaco-list-row');
    await rows.first().waitFor();
    return rows.evaluateAll((els) => els.map((el) => {
      const label = (el.querySelector('.label-name')?.textContent ?? '').trim();
      const separator = (el.querySelector('.quick-input-list-separator')?.textContent ?? '').trim();
      const aria = el.getAttribute('aria-checked');
      const checked = aria === null ? undefined : aria === 'true';
      return { label: label || (separator ? `-- ${separator}` : ''), checked };
    }));
  }

  /** Waits for a quick pick whose title contains `title`. */
  async waitForQuickPick(title: string | RegExp, timeoutMs = 30_000): Promise<void> {
    await this.quickInput().locator('.quick-input-title', { hasText: title }).waitFor({ timeout: timeoutMs });
  }

  /** Clicks the checkbox of the quick pick row labelled exactly `label`. */
  async toggleQuickPickRow(label: string): Promise<void> {
    const row = this.quickInput().locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();
    await row.locator('input[type=checkbox], .quick-input-list-checkbox, .monaco-checkbox').first().click();
  }

  /** Replaces the text of the open quick input (a filter in a pick, the value in an input box). */
  async fillQuickInput(text: string): Promise<void> {
    await this.quickInput().locator('.quick-input-box input').fill(text);
  }

  /** The open quick input's title and its message (an input box's prompt, or its validation message when one shows). */
  async quickInputText(): Promise<{ title: string; message: string; rows: number }> {
    const q = this.quickInput();
    await q.waitFor();
    return {
      title: ((await q.locator('.quick-input-title').textContent()) ?? '').trim(),
      message: ((await q.locator('.quick-input-message').filter({ visible: true }).first().textContent().catch(() => '')) ?? '').trim(),
      rows: await q.locator('.quick-input-list .monaco-list-row').filter({ visible: true }).count(),
    };
  }

  /** Escape in the open quick input; waits until it is gone. */
  async cancelQuickInput(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /** A rendered row of a tree view by its label. */
  async treeRowLocator(view: string, label: string): Promise<Locator> {
    const row = (await this.viewPane(view))
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) })
      .first();
    await row.waitFor();
    return row;
  }

  /** Right-clicks a tree row and clicks `item` in its context menu. */
  async treeContextMenu(view: string, label: string, item: string): Promise<void> {
    // An open hover could take the click.
    await this.page.keyboard.press('Escape');
    await (await this.treeRowLocator(view, label)).click({ button: 'right' });
    const menu = this.page.locator('.context-view .monaco-menu');
    await menu.waitFor();
    const entry = menu.getByRole('menuitem', { name: item, exact: true }).first();
    // The menu ignores clicks while it is still opening: click again until it closes.
    for (let i = 0; i < 5; i++) {
      await this.page.waitForTimeout(300);
      if (await entry.isVisible()) await entry.click().catch(() => {});
      if (await menu.waitFor({ state: 'detached', timeout: 2_000 }).then(() => true, () => false)) return;
    }
    throw new Error(`the context menu of "${label}" did not run "${item}"`);
  }

  /** Enter in the open quick input. */
  async acceptQuickInput(): Promise<void> {
    await this.quickInput().locator('.quick-input-box input').press('Enter');
  }

  /** Clicks `button` in a modal dialog whose text matches `text`. */
  async answerDialog(text: RegExp, button: string, timeoutMs = 20_000): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box', { hasText: text });
    await dialog.waitFor({ timeout: timeoutMs });
    await dialog.locator('.monaco-button', { hasText: new RegExp(`^${escapeRegExp(button)}$`) }).first().click();
    await dialog.waitFor({ state: 'hidden' });
  }

  /** Clicks a link inside the text of a view's welcome content ("All options are in [Settings](...)"). */
  async clickWelcomeLink(view: string, text: string): Promise<void> {
    await (await this.viewPane(view)).locator('.welcome-view-content a', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }).first().click();
  }

  /** Clicks a button of a view's welcome content. */
  async clickWelcomeButton(view: string, button: string): Promise<void> {
    await (await this.viewPane(view)).locator('.welcome-view-content .monaco-button', { hasText: button }).first().click();
  }

  /** Saves a PNG under test/output/ui/ and returns its path. */
  async screenshot(name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
    fs.mkdirSync(outputDir, { recursive: true });
    const file = path.join(outputDir, `${name}-${this.server.flavor.name}.png`);
    await this.page.screenshot({ path: file, ...opts });
    return file;
  }

  /** Stops chromium and code-server (with its extension host) and deletes the profile. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.safety);
      if (!this.primary) return void (await this.page.close().catch(() => {}));
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

  /** The palette's row for exactly `title`, the palette left open; reopened in turns as in commandPaletteEntries. */
  private async findInPalette(title: string): Promise<Locator> {
    const end = Date.now() + 10_000;
    for (;;) {
      await this.openPalette(title);
      const row = this.quickInput()
        .locator('.monaco-list-row')
        .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) })
        .first();
      const found = await row.waitFor({ timeout: Math.max(1, Math.min(PALETTE_TURN_MS, end - Date.now())) }).then(() => true, () => false);
      if (found) return row;
      await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden' });
      if (Date.now() >= end) throw new Error(`"${title}" is not in the command palette`);
    }
  }
}

/** Merges settings into the run's user settings.json (written by startCodeServer). */
function mergeUserSettings(runDir: string, settings: Record<string, unknown>): void {
  const file = path.join(runDir, 'user-data', 'User', 'settings.json');
  const current = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...current, ...settings }, null, 2)}\n`);
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

// The Settings editor (UI) as a user sees it: the search box, the table of
// contents and the rows, read through the DOM of VS Code 1.100-1.139. Kept
// apart from driver.ts (the workbench) so that file stays readable.
import type { Page } from 'playwright-core';

/** One rendered setting row: its key and its title as shown ("Timeouts: Connect Sec"). */
export interface SettingRow {
  key: string;
  title: string;
}

export class SettingsEditor {
  constructor(private readonly page: Page) {}

  private get root() {
    return this.page.locator('.settings-editor');
  }

  /** Waits until the Settings editor is open and has rendered rows. */
  async waitOpen(): Promise<void> {
    await this.root.waitFor();
    await this.root.locator('.settings-tree-container .setting-item-contents').first().waitFor();
  }

  /** The text in the search box. */
  async query(): Promise<string> {
    return (await this.root.locator('.settings-header .suggest-input-container .view-lines').innerText()).replace(/\u00a0/g, ' ').trim();
  }

  /** Replaces the search (an empty one leaves search mode: the table of contents view). */
  async search(query: string): Promise<void> {
    await this.root.locator('.settings-header .suggest-input-container').first().click();
    await this.page.keyboard.press('ControlOrMeta+A');
    if (query) await this.page.keyboard.type(query);
    else await this.page.keyboard.press('Backspace');
    // The list follows the search after a short debounce.
    await this.page.waitForTimeout(1000);
  }

  /** "29 Settings Found" while searching. */
  async resultCount(): Promise<string> {
    return (await this.root.locator('.settings-count-widget').innerText()).trim();
  }

  /** The rows on screen (the list is virtualised). */
  async rows(): Promise<SettingRow[]> {
    return this.root.locator('.settings-tree-container .setting-item-contents[data-key]').filter({ visible: true }).evaluateAll((els) =>
      els.map((el) => ({
        key: el.getAttribute('data-key') ?? '',
        title: (el.querySelector('.setting-item-title')?.querySelector('.setting-item-cat-label-container') ?? el.querySelector('.setting-item-title'))
          ?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      })));
  }

  /** The table of contents rows on screen: depth and label without the count ("AOAI Pool", not "AOAI Pool (29)"). */
  async toc(): Promise<{ level: number; label: string }[]> {
    return this.root.locator('.settings-toc-container .monaco-list-row').filter({ visible: true }).evaluateAll((els) =>
      els.map((el) => ({ level: Number(el.getAttribute('aria-level')), label: (el.textContent ?? '').replace(/\s*\(\d+\)\s*$/, '').trim() })));
  }

  /**
   * Clicks the table of contents entry labelled `label` (expanding it) and lets
   * the list scroll there. `under`: the entry must be inside this one (VS Code
   * has a "Security" of its own, for one).
   */
  async clickToc(label: string, under?: string): Promise<void> {
    const rows = await this.toc();
    const from = under === undefined ? -1 : rows.findIndex((r) => r.label === under);
    if (from < 0 && under !== undefined) throw new Error(`no "${under}" in the table of contents: ${rows.map((r) => r.label).join(' | ')}`);
    const end = under === undefined ? rows.length : rows.findIndex((r, i) => i > from && r.level <= rows[from]!.level);
    const index = rows.findIndex((r, i) => i > from && (end < 0 || i < end) && r.label === label);
    if (index < 0) throw new Error(`no "${label}"${under ? ` under "${under}"` : ''} in the table of contents: ${rows.map((r) => r.label).join(' | ')}`);
    await this.root.locator('.settings-toc-container .monaco-list-row').filter({ visible: true }).nth(index).click();
    await this.page.waitForTimeout(500);
  }
}

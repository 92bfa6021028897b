/**
 * `$(pulse) AOAI Pool :8787 3/3`: run state, port and healthy/total; a click
 * opens the actions quick pick. Redrawn at most every 250 ms: backend events
 * arrive once per request under load.
 */
import * as vscode from 'vscode';
import { statusBarModel, statusBarRedrawAt, type StatusBarModel } from '../core/view';
import type { PoolController } from './controller';

const REDRAW_MS = 250;

export class PoolStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('aoaiPool.status', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;
  /** Nothing reports a cooldown's end: redraw then, so healthy/total stays true. */
  private expiry: NodeJS.Timeout | undefined;
  private model: StatusBarModel | undefined;

  constructor(private readonly controller: PoolController) {
    this.item.name = 'AOAI Pool';
    this.item.command = 'aoaiPool.showActions';
    this.subscriptions = [
      controller.onDidChangeState(() => this.render()),
      controller.onDidChangePool(() => this.schedule()),
      controller.onDidChangeBackend(() => this.schedule()),
    ];
    this.render();
    this.item.show();
  }

  /** What the item shows now (for the test API). */
  current(): StatusBarModel {
    return this.model ?? statusBarModel(this.controller.current, this.controller.snapshots());
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.expiry);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.render(), REDRAW_MS);
  }

  private render(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const snapshots = this.controller.snapshots();
    const m = statusBarModel(this.controller.current, snapshots);
    this.model = m;
    const now = Date.now();
    const redrawAt = statusBarRedrawAt(snapshots, now);
    clearTimeout(this.expiry);
    this.expiry = redrawAt !== undefined ? setTimeout(() => this.render(), redrawAt - now + 50) : undefined;
    this.item.text = m.text;
    this.item.tooltip = new vscode.MarkdownString(m.tooltipMarkdown);
    this.item.backgroundColor = m.backgroundColorId ? new vscode.ThemeColor(m.backgroundColorId) : undefined;
    this.item.accessibilityInformation = { label: m.text.replace(/\$\([^)]*\)\s*/g, '') };
  }
}

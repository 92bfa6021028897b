/**
 * "AOAI Pool: Open Dashboard": one webview panel showing what the pool
 * records. While it is visible the host posts the bodies of /_pool/metrics
 * and /_pool/requests about once a second; while it is hidden there is no
 * timer and no work (the page itself is discarded: retainContextWhenHidden
 * stays off, and it asks for everything again when shown). Loaded on first
 * use as its own chunk (esbuild.js LAZY).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { dashboardHtml, isPageMessage, type HostMessage } from '../../core/view/dashboard';
import { DashboardSource } from '../../core/view/dashboardSource';
import type { Shell } from '../shell';

const REFRESH_MS = 1000;
const VIEW_TYPE = 'aoaiPool.dashboard';

let current: DashboardPanel | undefined;

/** Opens the dashboard, or brings the open one to the front. */
export function showDashboard(shell: Shell): void {
  if (current) {
    current.reveal();
    return;
  }
  const root = vscode.Uri.joinPath(shell.extensionUri, 'dist', 'webview');
  const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'AOAI Pool Dashboard', vscode.ViewColumn.Active, {
    enableScripts: true,
    // The page loads nothing but the bundle folder.
    localResourceRoots: [root],
    retainContextWhenHidden: false,
  });
  current = new DashboardPanel(panel, shell, root);
}

/** For tests: the open panel's update count and whether its timer runs. */
export function dashboardProbe(): { open: boolean; updates: number; timerRunning: boolean } {
  return { open: current !== undefined, updates: current?.updates ?? 0, timerRunning: current?.timerRunning ?? false };
}

class DashboardPanel {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private windowSec = 900;
  private readonly source: DashboardSource;
  private readonly subscriptions: vscode.Disposable[] = [];
  updates = 0;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    shell: Shell,
    root: vscode.Uri,
  ) {
    this.source = new DashboardSource(shell.controller);
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(shell.extensionUri, 'media', 'aoai-pool.svg');
    webview.html = dashboardHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.css')).toString(),
      nonce: randomBytes(18).toString('base64'),
    });
    this.subscriptions.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => this.schedule()),
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      // A start or stop shows at once, not at the next tick.
      shell.controller.onDidChangeState(() => void this.push()),
    );
  }

  get timerRunning(): boolean {
    return this.timer !== undefined;
  }

  reveal(): void {
    this.panel.reveal();
  }

  private onMessage(m: unknown): void {
    if (!isPageMessage(m)) return;
    if (m.type === 'ready') {
      // A new page (first load, or shown again after being hidden): send it everything.
      this.source.reset();
      this.schedule();
      void this.push();
    } else if (m.type === 'window') {
      this.windowSec = m.seconds;
      void this.push();
    } else {
      void vscode.commands.executeCommand(m.command);
    }
  }

  /** The timer runs only while the panel is visible. */
  private schedule(): void {
    if (this.panel.visible && !this.timer) this.timer = setInterval(() => void this.push(), REFRESH_MS);
    else if (!this.panel.visible && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async push(): Promise<void> {
    if (this.busy || !this.panel.visible) return;
    this.busy = true;
    try {
      const data = await this.source.read(this.windowSec);
      const message: HostMessage = { type: 'update', ...data };
      if (await this.panel.webview.postMessage(message)) this.updates++;
    } catch {
      // The panel was closed while reading: nothing to show it on.
    } finally {
      this.busy = false;
    }
  }

  private dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const s of this.subscriptions.splice(0)) s.dispose();
    if (current === this) current = undefined;
  }
}

/**
 * While the pool runs, new integrated terminals get the SDK variables
 * pointing at it (`clientEnvironment`: the same list `aoai-pool serve` prints). `persistent = false`: VS Code would otherwise restore them
 * after a restart, pointing terminals at a proxy that may not be running.
 */
import * as vscode from 'vscode';
import { clientEnvironment } from '../core/tools/env';
import type { PoolController } from './controller';
import type { Secrets } from './secrets';

export class TerminalEnvironment implements vscode.Disposable {
  private applied = '';
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly collection: vscode.GlobalEnvironmentVariableCollection,
    private readonly controller: PoolController,
    secrets: Secrets,
  ) {
    collection.persistent = false;
    collection.description = 'AOAI Pool: AZURE_OPENAI_*, OPENAI_BASE_URL, OPENAI_API_KEY and OPENAI_API_VERSION point at the local pool';
    collection.clear();
    this.subscriptions = [
      controller.onDidChangeState(() => void this.update()),
      secrets.onDidChange((e) => e.kind === 'clientKey' && void this.update()),
    ];
  }

  /** What new terminals get right now (for the test API): never an Azure key. */
  variables(): Record<string, string> {
    const out: Record<string, string> = {};
    this.collection.forEach((name, m) => (out[name] = m.value));
    return out;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.collection.clear();
  }

  private async update(): Promise<void> {
    const s = this.controller.current;
    const on = this.controller.shellSettings.terminalEnvironment && (s.status === 'running' || s.status === 'elsewhere') && s.url;
    const vars: Record<string, string> = on ? clientEnvironment(s.url!, await this.controller.clientKey()) : {};
    // The state changed while the key was read: that change's own update applies (a demo stopped at once
    // must not get its variables back from this late one).
    if (this.controller.current !== s) return;
    const key = JSON.stringify(vars);
    if (key === this.applied) return;
    this.applied = key;
    this.collection.clear();
    for (const [name, value] of Object.entries(vars)) this.collection.replace(name, value);
  }
}

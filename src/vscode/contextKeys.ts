/** Keeps the palette's context keys (core/view/contextKeys.ts) current; sets a key only when its value changes. */
import * as vscode from 'vscode';
import { contextKeyValues } from '../core/view';
import type { PoolController } from './controller';
import type { Secrets } from './secrets';

export class ContextKeys implements vscode.Disposable {
  private readonly last = new Map<string, boolean>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly controller: PoolController,
    private readonly secrets: Secrets,
  ) {
    const update = () => this.update();
    this.subscriptions = [controller.onDidChangePool(update), controller.onDidChangeState(update), secrets.onDidChange(update)];
    this.update();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  private update(): void {
    const c = this.controller;
    const values = contextKeyValues({
      backends: c.settingsConfig?.backends ?? [],
      simulated: c.current.simulated ? c.snapshots() : [],
      hasKey: (name, endpoint) => this.secrets.hasApiKey(name, endpoint),
    });
    for (const [key, value] of Object.entries(values)) {
      if (this.last.get(key) === value) continue;
      this.last.set(key, value);
      // Can fail while the window shuts down; nothing to do then.
      vscode.commands.executeCommand('setContext', key, value).then(undefined, () => undefined);
    }
  }
}

/**
 * API keys and the client key, kept only in SecretStorage. The core asks for
 * a key synchronously (CredentialSource.apiKey), so keys are cached in memory:
 * loaded before the proxy starts and refreshed on `secrets.onDidChange`, which
 * also fires when another window changes them.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Redactor } from '../core';

const API_KEY_PREFIX = 'aoaiPool.apiKey.';
const CLIENT_KEY = 'aoaiPool.clientKey';

export type SecretChange = { kind: 'apiKey'; backend: string } | { kind: 'clientKey' };

export class Secrets implements vscode.Disposable {
  private readonly keys = new Map<string, string | undefined>();
  private client: Promise<string> | undefined;
  private readonly changed = new vscode.EventEmitter<SecretChange>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly redactor: Redactor,
  ) {
    this.subscription = storage.onDidChange((e) => void this.reloadKey(e.key));
  }

  /** Loads the keys of these backends that are not cached yet. */
  async load(backends: readonly string[]): Promise<void> {
    await Promise.all(backends.filter((b) => !this.keys.has(b)).map((b) => this.fetch(b)));
  }

  /** Synchronous, for the core: undefined when no key is set (or not loaded yet). */
  apiKey(backend: string): string | undefined {
    return this.keys.get(backend);
  }

  hasApiKey(backend: string): boolean {
    return !!this.keys.get(backend);
  }

  async setApiKey(backend: string, key: string): Promise<void> {
    this.redactor.add(key);
    this.keys.set(backend, key);
    await this.storage.store(API_KEY_PREFIX + backend, key);
    this.changed.fire({ kind: 'apiKey', backend });
  }

  async deleteApiKey(backend: string): Promise<void> {
    this.keys.set(backend, undefined);
    await this.storage.delete(API_KEY_PREFIX + backend);
    this.changed.fire({ kind: 'apiKey', backend });
  }

  /** The key clients send to the pool: generated once per install, shared by all windows. */
  clientKey(): Promise<string> {
    this.client ??= (async () => {
      let key = await this.storage.get(CLIENT_KEY);
      if (!key) {
        key = `aoai-pool-${randomBytes(24).toString('base64url')}`;
        await this.storage.store(CLIENT_KEY, key);
      }
      this.redactor.add(key);
      return key;
    })();
    // A failed read is retried next time instead of being cached.
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  private async fetch(backend: string): Promise<void> {
    const key = await this.storage.get(API_KEY_PREFIX + backend);
    this.redactor.add(key);
    this.keys.set(backend, key || undefined);
  }

  private async reloadKey(id: string): Promise<void> {
    if (id === CLIENT_KEY) {
      this.client = undefined;
      await this.clientKey();
      this.changed.fire({ kind: 'clientKey' });
    } else if (id.startsWith(API_KEY_PREFIX)) {
      const backend = id.slice(API_KEY_PREFIX.length);
      const before = this.keys.get(backend);
      await this.fetch(backend);
      if (this.keys.get(backend) !== before) this.changed.fire({ kind: 'apiKey', backend });
    }
  }
}

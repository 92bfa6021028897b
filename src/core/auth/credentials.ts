/**
 * Where upstream credentials come from. The CLI reads keys from environment
 * variables; the extension from SecretStorage. Either way the core only sees
 * this interface, and every secret it hands out is registered with the
 * redactor first so it can never be logged.
 */
import type { BackendConfig } from '../config/types';
import { COGNITIVE_SERVICES_SCOPE } from '../config/types';
import type { Redactor } from '../log';
import { CachedToken, type TokenCredentialLike } from './token';

export interface CredentialSource {
  /** The api key for an `apiKey` backend, or undefined when none is set. */
  apiKey(backend: BackendConfig): string | undefined;
  /** Credential for `entra` backends; undefined = nobody signed in. */
  tokenCredential(): TokenCredentialLike | undefined;
}

/** CLI: keys from `apiKeyEnv`, tokens from whatever credential the CLI built. */
export function envCredentialSource(env: NodeJS.ProcessEnv, credential?: TokenCredentialLike): CredentialSource {
  return {
    apiKey: (b) => env[b.apiKeyEnv] || undefined,
    tokenCredential: () => credential,
  };
}

export type UpstreamAuthResult =
  | { ok: true; header: 'api-key' | 'authorization'; value: string }
  | { ok: false; state: 'keyMissing' | 'signedOut'; reason: string };

/** Builds each backend's own credential header, caching Entra tokens per credential. */
export class UpstreamAuth {
  private tokens = new WeakMap<TokenCredentialLike, CachedToken>();

  constructor(
    private readonly source: CredentialSource,
    private readonly redactor: Redactor,
  ) {}

  async headerFor(backend: BackendConfig): Promise<UpstreamAuthResult> {
    if (backend.auth === 'apiKey') {
      const key = this.source.apiKey(backend);
      if (!key) {
        return { ok: false, state: 'keyMissing', reason: `no API key: set the environment variable ${backend.apiKeyEnv} (CLI) or run "AOAI Pool: Set API Key" (VS Code)` };
      }
      this.redactor.add(key);
      return { ok: true, header: 'api-key', value: key };
    }
    const credential = this.source.tokenCredential();
    if (!credential) return { ok: false, state: 'signedOut', reason: 'not signed in to Azure: run "AOAI Pool: Sign in to Azure" (VS Code) or "az login" (CLI)' };
    let cached = this.tokens.get(credential);
    if (!cached) {
      cached = new CachedToken(credential, COGNITIVE_SERVICES_SCOPE);
      this.tokens.set(credential, cached);
    }
    try {
      const token = await cached.get();
      this.redactor.add(token);
      return { ok: true, header: 'authorization', value: `Bearer ${token}` };
    } catch (e) {
      return { ok: false, state: 'signedOut', reason: `could not get an Entra token: ${this.redactor.mask(String((e as Error)?.message ?? e))}` };
    }
  }

  /** Synchronous check used to show "key missing" before any request. */
  hasApiKey(backend: BackendConfig): boolean {
    return backend.auth !== 'apiKey' || !!this.source.apiKey(backend);
  }
}

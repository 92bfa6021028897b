/**
 * Where upstream credentials come from. The CLI reads keys from environment
 * variables; the extension from SecretStorage. Either way the core only sees
 * this interface, and every secret it hands out is registered with the
 * redactor first so it can never be logged.
 */
import type { BackendConfig } from '../config/types';
import { COGNITIVE_SERVICES_SCOPE } from '../config/types';
import { RotatingSecrets, type Redactor } from '../log';
import { CachedToken, type TokenCredentialLike } from './token';

export interface CredentialSource {
  /** The api key for an `apiKey` backend, or undefined when none is set. */
  apiKey(backend: BackendConfig): string | undefined;
  /** Credential for `entra` backends; undefined = nobody signed in. */
  tokenCredential(): TokenCredentialLike | undefined;
  /** How to fix a missing key, in the words of this host (CLI: an env var; VS Code: a command). */
  missingKeyHint?(backend: BackendConfig): string;
  /** How to sign in, in the words of this host. */
  signInHint?(): string;
}

/** CLI: keys from `apiKeyEnv`, tokens from whatever credential the CLI built. */
export function envCredentialSource(env: NodeJS.ProcessEnv, credential?: TokenCredentialLike): CredentialSource {
  return {
    apiKey: (b) => env[b.apiKeyEnv] || undefined,
    tokenCredential: () => credential,
    missingKeyHint: (b) => `set the environment variable ${b.apiKeyEnv}`,
    signInHint: () => 'run "az login", or set up another DefaultAzureCredential source',
  };
}

export type UpstreamAuthResult =
  | { ok: true; header: 'api-key' | 'authorization'; value: string }
  | { ok: false; state: 'keyMissing' | 'signedOut'; reason: string };

/** Builds each backend's own credential header, caching Entra tokens per credential. */
export class UpstreamAuth {
  private tokens = new WeakMap<TokenCredentialLike, CachedToken>();
  /** Tokens are replaced every hour or so: each leaves the masker once it cannot be in flight any more. */
  private readonly tokenMasks: RotatingSecrets;

  constructor(
    private readonly source: CredentialSource,
    private readonly redactor: Redactor,
  ) {
    this.tokenMasks = new RotatingSecrets(redactor);
  }

  /** Api-key backends answer without a promise: this runs on every request. */
  apiKeyHeader(backend: BackendConfig): UpstreamAuthResult {
    const key = this.source.apiKey(backend);
    if (!key) return { ok: false, state: 'keyMissing', reason: this.missingKeyReason(backend) };
    this.redactor.add(key);
    return { ok: true, header: 'api-key', value: key };
  }

  async headerFor(backend: BackendConfig): Promise<UpstreamAuthResult> {
    if (backend.auth === 'apiKey') return this.apiKeyHeader(backend);
    const credential = this.source.tokenCredential();
    if (!credential) return { ok: false, state: 'signedOut', reason: this.signedOutReason() };
    let cached = this.tokens.get(credential);
    if (!cached) {
      cached = new CachedToken(credential, COGNITIVE_SERVICES_SCOPE);
      this.tokens.set(credential, cached);
    }
    try {
      const token = await cached.get();
      this.tokenMasks.use(token);
      return { ok: true, header: 'authorization', value: `Bearer ${token}` };
    } catch (e) {
      return { ok: false, state: 'signedOut', reason: `could not get an Entra token: ${this.redactor.mask(String((e as Error)?.message ?? e))}` };
    }
  }

  /**
   * Synchronous check used to show "key missing" or "signed out" before any
   * request: undefined when the backend has what it needs to try.
   */
  missingCredential(backend: BackendConfig): { state: 'keyMissing' | 'signedOut'; reason: string } | undefined {
    if (backend.auth === 'apiKey') return this.source.apiKey(backend) ? undefined : { state: 'keyMissing', reason: this.missingKeyReason(backend) };
    return this.source.tokenCredential() ? undefined : { state: 'signedOut', reason: this.signedOutReason() };
  }

  missingKeyReason(backend: BackendConfig): string {
    const hint = this.source.missingKeyHint?.(backend) ?? `set the environment variable ${backend.apiKeyEnv} (CLI) or run "AOAI Pool: Set API Key" (VS Code)`;
    return `no API key: ${hint}`;
  }

  signedOutReason(): string {
    return `not signed in to Azure: ${this.source.signInHint?.() ?? 'run "AOAI Pool: Sign in to Azure" (VS Code) or "az login" (CLI)'}`;
  }
}

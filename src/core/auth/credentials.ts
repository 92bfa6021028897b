/**
 * Where upstream credentials come from. The CLI reads keys from environment
 * variables; the extension from SecretStorage. Either way the core only sees
 * this interface, and every secret it hands out is registered with the
 * redactor first so it can never be logged.
 *
 * Before any credential is looked up, `credentialProblem` decides whether the
 * backend may have one at all (issue 9): the host that asked to withhold it
 * (a workspace backend not yet approved) and the endpoint's host (Azure
 * OpenAI / AI Services, loopback, or allowed by the user). Requests and
 * probes both go through `UpstreamAuth`, so neither can get past it.
 */
import type { CredentialProblemState } from '../balancer/health';
import type { BackendConfig } from '../config/types';
import { RotatingSecrets, type Redactor } from '../log';
import { credentialHostVerdict, entraScopeFor, type HostVerdict } from './hosts';
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
  /**
   * Hosts besides Azure OpenAI / AI Services and loopback that may receive
   * credentials (`gw.contoso.com`, `*.contoso.com`, optional `:port`). It must
   * come from where only the user can set it, never from the pool config.
   */
  credentialHosts?(): readonly string[];
  /** How to allow `host`, in the words of this host (a user setting, a CLI flag). */
  allowHostHint?(host: string): string;
  /**
   * A reason to give this backend no credential for now (VS Code: it comes from
   * workspace settings the user has not approved), or undefined.
   */
  withheld?(backend: BackendConfig): { state: 'awaitingApproval'; reason: string } | undefined;
}

/** Where the CLI's extra credential hosts come from: never the config file, which may come from anywhere. */
export const CLI_CREDENTIAL_HOSTS_ENV = 'AOAI_POOL_CREDENTIAL_HOSTS';

/** CLI: keys from `apiKeyEnv`, tokens from whatever credential the CLI built, extra hosts from flags/env. */
export function envCredentialSource(env: NodeJS.ProcessEnv, credential?: TokenCredentialLike, credentialHosts: readonly string[] = []): CredentialSource {
  return {
    apiKey: (b) => env[b.apiKeyEnv] || undefined,
    tokenCredential: () => credential,
    missingKeyHint: (b) => `set the environment variable ${b.apiKeyEnv}`,
    signInHint: () => 'run "az login", or set up another DefaultAzureCredential source',
    credentialHosts: () => credentialHosts,
    allowHostHint: (host) => `if you trust it, start with --allow-credential-host ${host} (or add it to ${CLI_CREDENTIAL_HOSTS_ENV}, comma-separated)`,
  };
}

/** Splits `AOAI_POOL_CREDENTIAL_HOSTS` and repeated `--allow-credential-host` values into one list. */
export function cliCredentialHosts(env: NodeJS.ProcessEnv, flags: readonly string[] = []): string[] {
  return [...(env[CLI_CREDENTIAL_HOSTS_ENV] ?? '').split(','), ...flags].map((h) => h.trim()).filter(Boolean);
}

export type CredentialProblem = { state: CredentialProblemState; reason: string };

export type UpstreamAuthResult =
  | { ok: true; header: 'api-key' | 'authorization'; value: string }
  | { ok: false } & CredentialProblem;

/**
 * Why this backend may not have a credential, checked before one is looked up:
 * withheld by the host (approval), then the endpoint's host. Undefined = it
 * may; whether a key or a sign-in exists is checked after.
 */
export function gateProblem(source: CredentialSource, backend: BackendConfig): CredentialProblem | undefined {
  const withheld = source.withheld?.(backend);
  if (withheld) return withheld;
  const verdict = hostVerdict(backend, source.credentialHosts?.() ?? NO_HOSTS);
  if (verdict.ok) return undefined;
  const how = source.allowHostHint?.(verdict.host)
    ?? `if you trust it, add "${verdict.host}" to aoaiPool.security.credentialHosts in your User settings (VS Code) or pass --allow-credential-host ${verdict.host} (CLI)`;
  return { state: 'hostRefused', reason: `no credential sent to ${verdict.host}: ${verdict.reason}; ${how}` };
}

const NO_HOSTS: readonly string[] = [];
/** This runs on every request: the verdict is kept per backend object while the allow-list says the same. */
const verdicts = new WeakMap<BackendConfig, { hosts: string; verdict: HostVerdict }>();

function hostVerdict(backend: BackendConfig, hosts: readonly string[]): HostVerdict {
  const key = hosts.join('\n');
  const cached = verdicts.get(backend);
  if (cached?.hosts === key) return cached.verdict;
  const verdict = credentialHostVerdict(backend.endpoint, hosts);
  verdicts.set(backend, { hosts: key, verdict });
  return verdict;
}

/** Builds each backend's own credential header, caching Entra tokens per credential. */
export class UpstreamAuth {
  /** Per credential, one cached token per scope (sovereign clouds have their own audience: `entraScopeFor`). */
  private tokens = new WeakMap<TokenCredentialLike, Map<string, CachedToken>>();
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
    const gate = gateProblem(this.source, backend);
    if (gate) return { ok: false, ...gate };
    const key = this.source.apiKey(backend);
    if (!key) return { ok: false, state: 'keyMissing', reason: this.missingKeyReason(backend) };
    this.redactor.add(key);
    return { ok: true, header: 'api-key', value: key };
  }

  async headerFor(backend: BackendConfig): Promise<UpstreamAuthResult> {
    if (backend.auth === 'apiKey') return this.apiKeyHeader(backend);
    // Before the credential is even asked: a refused backend causes no token request at all.
    const gate = gateProblem(this.source, backend);
    if (gate) return { ok: false, ...gate };
    const credential = this.source.tokenCredential();
    if (!credential) return { ok: false, state: 'signedOut', reason: this.signedOutReason() };
    let byScope = this.tokens.get(credential);
    if (!byScope) {
      byScope = new Map();
      this.tokens.set(credential, byScope);
    }
    const scope = entraScopeFor(backend.endpoint);
    let cached = byScope.get(scope);
    if (!cached) {
      cached = new CachedToken(credential, scope);
      byScope.set(scope, cached);
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
   * Synchronous check used to show "key missing", "signed out", "host refused"
   * or "waiting for approval" before any request: undefined when the backend
   * has what it needs to try.
   */
  missingCredential(backend: BackendConfig): CredentialProblem | undefined {
    return credentialProblem(this.source, backend);
  }

  missingKeyReason(backend: BackendConfig): string {
    return missingKeyReason(this.source, backend);
  }

  signedOutReason(): string {
    return signedOutReason(this.source);
  }
}

/**
 * Everything that keeps a backend from a credential right now, without asking
 * for one: the gate, then a missing key or sign-in. The idle tree uses it too,
 * so a stopped proxy shows the same states a running one would.
 */
export function credentialProblem(source: CredentialSource, backend: BackendConfig): CredentialProblem | undefined {
  const gate = gateProblem(source, backend);
  if (gate) return gate;
  if (backend.auth === 'apiKey') return source.apiKey(backend) ? undefined : { state: 'keyMissing', reason: missingKeyReason(source, backend) };
  return source.tokenCredential() ? undefined : { state: 'signedOut', reason: signedOutReason(source) };
}

function missingKeyReason(source: CredentialSource, backend: BackendConfig): string {
  const hint = source.missingKeyHint?.(backend) ?? `set the environment variable ${backend.apiKeyEnv} (CLI) or run "AOAI Pool: Set API Key" (VS Code)`;
  return `no API key: ${hint}`;
}

function signedOutReason(source: CredentialSource): string {
  return `not signed in to Azure: ${source.signInHint?.() ?? 'run "AOAI Pool: Sign in to Azure" (VS Code) or "az login" (CLI)'}`;
}

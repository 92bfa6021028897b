/**
 * Entra tokens for upstream calls. The core depends only on this
 * TokenCredential-shaped interface: @azure/identity credentials fit it as they
 * are, and the extension adapts VS Code's Microsoft sign-in to it.
 */
export interface AccessTokenLike {
  token: string;
  expiresOnTimestamp: number;
  refreshAfterTimestamp?: number;
}

export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<AccessTokenLike | null>;
}

/** Refresh this long before expiry, so no request ever carries a token about to lapse. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Caches one scope's token. A token inside the refresh margin is still served
 * while one background refresh runs; an expired one waits for the refresh.
 * Concurrent callers share a single in-flight `getToken` call.
 */
export class CachedToken {
  private current: AccessTokenLike | undefined;
  private inflight: Promise<AccessTokenLike> | undefined;

  constructor(
    private readonly credential: TokenCredentialLike,
    private readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    const t = this.current;
    const now = this.now();
    if (t && t.expiresOnTimestamp - 30_000 > now) {
      const refreshAt = t.refreshAfterTimestamp ?? t.expiresOnTimestamp - REFRESH_MARGIN_MS;
      if (now >= refreshAt) this.refresh().catch(() => undefined);
      return t.token;
    }
    return (await this.refresh()).token;
  }

  /** Forget the cached token (sign-out, or a 401 that says it was revoked). */
  clear(): void {
    this.current = undefined;
  }

  private refresh(): Promise<AccessTokenLike> {
    this.inflight ??= (async () => {
      try {
        const t = await this.credential.getToken(this.scope);
        if (!t || !t.token) throw new Error('the credential returned no token');
        this.current = t;
        return t;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

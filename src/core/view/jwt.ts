/**
 * VS Code's Microsoft sign-in hands out an access token without its expiry.
 * Entra access tokens are JWTs, so the `exp` claim is read (never verified:
 * Azure checks the token, we only schedule the refresh); anything else is
 * assumed to last a conservative 50 minutes (Entra's minimum is 60).
 */
export const ASSUMED_TOKEN_LIFETIME_MS = 50 * 60_000;

/** Expiry in ms since the epoch from a JWT's `exp`, or undefined when it has none. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to treat a session token as expired: its `exp`, else the assumed
 * lifetime. An `exp` already past is kept, so the next request asks again
 * instead of sending a dead token for 50 minutes.
 */
export function sessionTokenExpiry(token: string, now: number): number {
  return jwtExpiry(token) ?? now + ASSUMED_TOKEN_LIFETIME_MS;
}

/**
 * VS Code's Microsoft sign-in hands out an access token without its expiry.
 * Entra access tokens are JWTs, so the `exp` claim is read (never verified:
 * Azure checks the token, we only schedule the refresh); anything else is
 * assumed to last a conservative 50 minutes (Entra's minimum is 60).
 */
export const ASSUMED_TOKEN_LIFETIME_MS = 50 * 60_000;

/** A JWT's payload claims (unverified), or undefined when the token is not a JWT. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Expiry in ms since the epoch from a JWT's `exp`, or undefined when it has none. */
export function jwtExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/**
 * When to treat a session token as expired: its `exp`, else the assumed
 * lifetime. An `exp` already past is kept, so the next request asks again
 * instead of sending a dead token for 50 minutes.
 */
export function sessionTokenExpiry(token: string, now: number): number {
  return jwtExpiry(token) ?? now + ASSUMED_TOKEN_LIFETIME_MS;
}

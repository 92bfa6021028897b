import { describe, expect, it } from 'vitest';
import { ASSUMED_TOKEN_LIFETIME_MS, jwtExpiry, sessionTokenExpiry } from '../../../src/core/view';

const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
const NOW = 1_700_000_000_000;

describe('session token expiry', () => {
  it('reads exp from a JWT without verifying it', () => {
    expect(jwtExpiry(jwt({ exp: 1_700_003_600 }))).toBe(1_700_003_600_000);
    expect(sessionTokenExpiry(jwt({ exp: 1_700_003_600 }), NOW)).toBe(1_700_003_600_000);
  });

  it('assumes 50 minutes for a token without exp', () => {
    for (const t of ['opaque-token', jwt({ sub: 'x' }), 'a.!!!.c', jwt({ exp: 'soon' })]) {
      expect(sessionTokenExpiry(t, NOW)).toBe(NOW + ASSUMED_TOKEN_LIFETIME_MS);
    }
  });

  it('keeps an exp already past, so the next request asks for a new token', () => {
    expect(sessionTokenExpiry(jwt({ exp: 1_600_000_000 }), NOW)).toBe(1_600_000_000_000);
  });
});

/**
 * The client key: accepted as `api-key` (Azure SDKs), `Authorization: Bearer`
 * (OpenAI SDKs) or `x-api-key`.
 */
import { timingSafeEqual } from 'node:crypto';
import { sendPoolError } from '../poolErrors';
import type { Stage } from '../context';

export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const pick = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const apiKey = pick(headers['api-key']);
  if (apiKey) return apiKey.trim();
  const auth = pick(headers.authorization);
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const x = pick(headers['x-api-key']);
  return x ? x.trim() : undefined;
}

/** The expected key as bytes, made once per key rather than once per request. */
let cached: { key: string; bytes: Buffer } | undefined;

/**
 * Constant time for a key of the right length. A wrong length answers at
 * once, which tells an attacker only the length: our keys have a fixed,
 * public format, so that is no secret (and it saves a hash per request).
 */
export function keysMatch(presented: string, expected: string): boolean {
  if (cached?.key !== expected) cached = { key: expected, bytes: Buffer.from(expected) };
  const given = Buffer.from(presented);
  return given.length === cached.bytes.length && timingSafeEqual(given, cached.bytes);
}

export const authenticateClient: Stage = (ctx) => {
  const key = presentedKey(ctx.req.headers);
  if (key === undefined) {
    sendPoolError(ctx.res, 'MissingClientKey', undefined, { 'www-authenticate': 'Bearer' });
    return true;
  }
  if (!keysMatch(key, ctx.settings.clientKey)) {
    sendPoolError(ctx.res, 'InvalidClientKey', undefined, { 'www-authenticate': 'Bearer' });
    return true;
  }
  return false;
};

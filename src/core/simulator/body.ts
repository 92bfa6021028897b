import type { IncomingMessage } from 'node:http';
import { badRequest } from './azure';

/** Bodies above this are refused with 413 (audio uploads are at most 25 MB at Azure). */
export const MAX_BODY_BYTES = 100 * 1024 * 1024;

export type BodyResult = { ok: true; raw: Buffer } | { ok: false; reason: 'gone' | 'too-large' };

/** Reads the whole request body; a client that disconnects midway yields 'gone' instead of an error. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining past the limit so the 413 can still be written to a healthy socket.
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > limit ? { ok: false, reason: 'too-large' } : { ok: true, raw: Buffer.concat(chunks) }));
    req.once('error', () => resolve({ ok: false, reason: 'gone' }));
    req.once('close', () => resolve({ ok: false, reason: 'gone' }));
  });
}

/** Parses a JSON object body; an empty body is `{}` so handlers report the missing parameter by name. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('We could not parse the JSON body of your request. The API expects a JSON payload, but what was sent was not valid JSON. (simulated)', null, 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Invalid type for request body: expected an object. (simulated)', null, 'invalid_type');
  }
  return value as Record<string, unknown>;
}

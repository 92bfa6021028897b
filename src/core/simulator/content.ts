import { createHash } from 'node:crypto';

/**
 * Deterministic fake model output. Replies name the backend so a test behind
 * the proxy can tell which backend answered; the same `chunks` setting gives
 * the same text streamed or not.
 */

const FILLER = ['This', 'is', 'a', 'simulated', 'reply,', 'streamed', 'in', 'small', 'pieces.'];

/** The reply split into `chunks` content pieces; joined, they are the full reply. */
export function replyPieces(backendName: string, chunks: number): string[] {
  const words = ['Hello', ' from', ` ${backendName}.`, ...FILLER.map((w) => ` ${w}`)];
  const n = Math.max(1, Math.floor(chunks));
  if (n >= words.length) {
    for (let i = words.length; i < n; i++) words.push(` ${FILLER[i % FILLER.length]!}`);
    return words;
  }
  const pieces: string[] = [];
  for (let k = 0; k < n; k++) {
    pieces.push(words.slice(Math.floor((k * words.length) / n), Math.floor(((k + 1) * words.length) / n)).join(''));
  }
  return pieces;
}

/** About four characters a token, as OpenAI's rule of thumb; never 0 for a non-empty prompt. */
export function estimateTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Math.ceil(text.length / 4);
}

const SAFE = { filtered: false, severity: 'safe' };

/** Azure adds content-filter annotations to completions; SDKs must cope with them. */
export const contentFilterResults = () => ({ hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE });

export const promptFilterResults = () => [{
  prompt_index: 0,
  content_filter_results: { ...contentFilterResults(), jailbreak: { filtered: false, detected: false } },
}];

/** Unit-length vector seeded by a hash of the input: same text, same vector, on every backend. */
export function embeddingVector(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${input}`).digest();
    for (const byte of digest) {
      if (values.length === dimensions) break;
      values.push(byte / 127.5 - 1);
    }
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => Number((v / norm).toFixed(6)));
}

/** OpenAI's base64 encoding is the little-endian float32 array. */
export function embeddingBase64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** A valid 1x1 PNG: the smallest real image to return for image generation. */
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** Simple multipart/form-data text fields (model, response_format); file parts are only detected. */
export function multipartFields(body: Buffer, contentType: string | undefined): Map<string, string> | undefined {
  const m = /^multipart\/form-data\s*;.*boundary="?([^";]+)"?/i.exec(contentType ?? '');
  if (!m) return undefined;
  const fields = new Map<string, string>();
  // latin1 maps bytes 1:1, so binary file parts cannot break the split.
  const parts = body.toString('latin1').split(`--${m[1]!}`);
  for (const part of parts) {
    const head = part.indexOf('\r\n\r\n');
    if (head < 0) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, head))?.[1];
    if (name === undefined) continue;
    const isFile = /filename=/i.test(part.slice(0, head));
    const value = part.slice(head + 4).replace(/\r\n$/, '');
    fields.set(name, isFile ? '' : Buffer.from(value, 'latin1').toString('utf8'));
  }
  return fields;
}

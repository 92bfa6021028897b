/**
 * What a request will be charged against a deployment's tokens-per-minute
 * limit, estimated the way Azure estimates it at admission (issue 10): the
 * prompt, plus the completion allowance (`max_completion_tokens`, else
 * `max_tokens`, else the Responses API's `max_output_tokens`, else a default)
 * times the completions asked for (`n`, or `best_of`, whichever is larger).
 * Source: https://learn.microsoft.com/azure/ai-services/openai/how-to/quota#understanding-rate-limits
 *
 * Prompt size. Azure's own rate-limit estimate is "based in part on the
 * character count of the API request", not on the tokenizer (same page), so
 * the number that decides admission is characters / 4 over the prompt text.
 * A tokenizer (`countTokens`, passed in) is used on prompts up to
 * `countUpToChars` and the larger of the two counts wins: it protects text
 * where a token is shorter than four characters (CJK, some code) without
 * ever estimating below what Azure counts. Beyond the cut-off only characters
 * are counted: walking the parsed body costs a few microseconds for any size,
 * while tokenizing 200 KB would cost milliseconds on every request for a
 * precision Azure itself does not apply. The benchmark measures both.
 */
import { collectText, textChars } from '../util/textChars';

export const DEFAULT_MAX_TOKENS = 4096;
/** Prompts up to this many characters go through the tokenizer (about 4k tokens). */
export const DEFAULT_COUNT_UP_TO_CHARS = 16_384;
const CHARS_PER_TOKEN = 4;
/** Fields of chat, completions, responses and embeddings bodies that carry prompt text. */
const PROMPT_FIELDS = ['messages', 'prompt', 'input', 'instructions', 'tools', 'functions'] as const;

/** `completion`: generates text (chat, completions, responses); `prompt`: input only (embeddings); `none`: requests only (images, audio, GETs). */
export type ChargeKind = 'completion' | 'prompt' | 'none';

export interface EstimateOptions {
  /** Token counter for the model family; when absent, characters / 4 alone. */
  countTokens?: (text: string) => number;
  countUpToChars?: number;
  /** Allowance when the request names none: the deployment's `maxOutputTokens` when known. */
  defaultMaxTokens?: number;
}

export interface ChargeEstimate {
  prompt: number;
  completion: number;
  total: number;
  /** How the prompt was sized. */
  method: 'tokenizer' | 'chars' | 'bytes' | 'none';
}

/** The charge kind of an upstream path (`.../chat/completions`, `/openai/v1/embeddings`, ...). */
export function chargeKind(path: string): ChargeKind {
  // Plain string tests, no split or regex: this runs on every request (issue 10's hot path).
  const q = path.indexOf('?');
  let end = q === -1 ? path.length : q;
  if (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--; // one trailing '/'
  if (path.endsWith('/embeddings', end)) return 'prompt';
  // `/chat/completions` ends with `/completions`.
  if (path.endsWith('/completions', end) || path.endsWith('/responses', end)) return 'completion';
  return 'none';
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Raw bodies above this are not parsed for the estimate: bytes / 4 and a key
 * scan instead (see `scanned`). Below it JSON syntax is a large share of the
 * bytes, and parsing costs a few microseconds; above it the syntax is a few
 * percent of the count (an overestimate, the safe side) and parsing costs
 * tens of microseconds on every request (5 % of the proxy's CPU at 20 KB
 * bodies, under the profiler).
 */
export const PARSE_UP_TO_BYTES = 4 * 1024;
/** Needles of the key scan, built once: three native passes over the body find all five keys. */
const MAX_PREFIX = Buffer.from('"max_');
/** What may follow `"max_`: the rest of each key, closing quote included. */
const MAX_KEYS = (['max_completion_tokens', 'max_tokens', 'max_output_tokens'] as const).map((key) => ({ key, rest: Buffer.from(`${key.slice(4)}"`) }));
const OTHER_KEYS = (['n', 'best_of'] as const).map((key) => ({ key, needle: Buffer.from(`"${key}"`) }));

type ScannedKey = (typeof MAX_KEYS)[number]['key'] | (typeof OTHER_KEYS)[number]['key'];

/**
 * The numeric fields of a large raw body without parsing it: a native byte
 * search for each `"key"` followed by `:` and an integer. Inside a string
 * the quotes are escaped (`\"key\"`), which that search cannot match; a key
 * nested deeper (a tool's schema) may be picked up, so the largest value
 * found wins: the estimate can only grow. The prompt is then bytes / 4, an
 * upper bound of its characters / 4 whose excess (JSON syntax) is a fraction
 * of a percent on a large prompt. Parsing 200 KB costs about a millisecond; this costs tens of
 * microseconds (bench/lib/estimateCost.ts). The three `max_` keys share one
 * pass (a pass per key was a third of the estimate's cost at 20 KB, issue 10).
 */
function scanned(body: Buffer): Partial<Record<ScannedKey, number>> {
  const out: Partial<Record<ScannedKey, number>> = {};
  for (let at = body.indexOf(MAX_PREFIX); at !== -1; at = body.indexOf(MAX_PREFIX, at + 1)) {
    const from = at + MAX_PREFIX.length;
    for (const { key, rest } of MAX_KEYS) {
      if (!startsAt(body, from, rest)) continue;
      record(out, key, valueAfter(body, from + rest.length));
      break;
    }
  }
  for (const { key, needle } of OTHER_KEYS) {
    for (let at = body.indexOf(needle); at !== -1; at = body.indexOf(needle, at + 1)) record(out, key, valueAfter(body, at + needle.length));
  }
  return out;
}

function startsAt(body: Buffer, at: number, bytes: Buffer): boolean {
  if (at + bytes.length > body.length) return false;
  for (let i = 0; i < bytes.length; i++) if (body[at + i] !== bytes[i]) return false;
  return true;
}

function record(out: Partial<Record<ScannedKey, number>>, key: ScannedKey, v: number): void {
  if (v > (out[key] ?? 0)) out[key] = v;
}

/** The integer after `:` at `i` (whitespace allowed around the colon); 0 when there is none. */
function valueAfter(body: Buffer, i: number): number {
  while (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d) i++;
  if (body[i] !== 0x3a) return 0; // ':'
  i++;
  while (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d) i++;
  let v = 0;
  for (let digits = 0; digits < 10 && body[i]! >= 0x30 && body[i]! <= 0x39; i++, digits++) v = v * 10 + body[i]! - 0x30;
  return v;
}

/**
 * Parses the body when no stage did. A body that is not a JSON object is
 * sized by its bytes (an upper bound of its characters).
 */
function parsed(json: Record<string, unknown> | undefined, body: Buffer | undefined): Record<string, unknown> | undefined {
  if (json || !body || body.length === 0 || body.length > PARSE_UP_TO_BYTES) return json;
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The charge of one request, from the parsed JSON the proxy has (`ctx.json`) or its raw body. */
export function estimateCharge(kind: ChargeKind, input: { json?: Record<string, unknown>; body?: Buffer }, opts: EstimateOptions = {}): ChargeEstimate {
  if (kind === 'none') return { prompt: 0, completion: 0, total: 0, method: 'none' };
  let json = parsed(input.json, input.body);
  let prompt: number;
  let method: ChargeEstimate['method'];
  if (!json) {
    prompt = Math.ceil((input.body?.length ?? 0) / CHARS_PER_TOKEN);
    method = 'bytes';
    if (input.body && input.body.length > PARSE_UP_TO_BYTES) json = scanned(input.body);
  } else {
    let chars = 0;
    for (const f of PROMPT_FIELDS) chars += textChars(json[f]);
    prompt = Math.ceil(chars / CHARS_PER_TOKEN);
    method = 'chars';
    if (opts.countTokens && chars > 0 && chars <= (opts.countUpToChars ?? DEFAULT_COUNT_UP_TO_CHARS)) {
      const parts: string[] = [];
      for (const f of PROMPT_FIELDS) collectText(json[f], parts);
      const counted = opts.countTokens(parts.join('\n'));
      if (counted > prompt) prompt = counted;
      method = 'tokenizer';
    }
  }
  if (kind === 'prompt') return { prompt, completion: 0, total: prompt, method };
  const allowance = positiveInt(json?.max_completion_tokens) ?? positiveInt(json?.max_tokens) ?? positiveInt(json?.max_output_tokens)
    ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const copies = Math.max(positiveInt(json?.n) ?? 1, positiveInt(json?.best_of) ?? 1);
  const completion = allowance * copies;
  return { prompt, completion, total: prompt + completion, method };
}

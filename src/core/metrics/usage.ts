/**
 * Token counts from the `usage` object a response ends with: chat and
 * completions (`prompt_tokens`, `completion_tokens`, `total_tokens`), the
 * Responses API (`input_tokens`, `output_tokens`), embeddings, and the last
 * SSE event of a stream that asked for `stream_options.include_usage`.
 * Only the tail of the last body chunks is scanned, byte by byte, so a large
 * answer costs no more than a small one and nothing is decoded or parsed.
 */

export interface TokenUsage {
  prompt: number | undefined;
  completion: number | undefined;
  total: number;
}

/** Where `readUsage` writes what it finds (-1 = not found): a recording's own fields, not a new object. */
export interface UsageTarget {
  totalTokens: number;
  promptTokens: number;
  completionTokens: number;
}

/** The usage object sits at the end of an answer; 4 KB of tail holds it with room to spare. */
const TAIL = 4096;
const USAGE = Buffer.from('"usage"');

/** Usage from the last chunk, else the one before it (the usage event may be followed by `data: [DONE]`). */
export function usageFromTail(last: Buffer | undefined, previous: Buffer | undefined): TokenUsage | undefined {
  const t: UsageTarget = { totalTokens: -1, promptTokens: -1, completionTokens: -1 };
  if (!readUsage(last, previous, t)) return undefined;
  const opt = (n: number) => (n < 0 ? undefined : n);
  return { prompt: opt(t.promptTokens), completion: opt(t.completionTokens), total: t.totalTokens };
}

/** Like `usageFromTail`, writing into `into`; false (and `into` untouched) when there is no usage. */
export function readUsage(last: Buffer | undefined, previous: Buffer | undefined, into: UsageTarget): boolean {
  return (last !== undefined && usageIn(last, into)) || (previous !== undefined && usageIn(previous, into));
}

/**
 * One native search for `"usage"` in the tail, then a walk over the object
 * that follows: its keys are read by length and last letters, its values
 * as integers, nested objects (`prompt_tokens_details`) are skipped.
 */
function usageIn(chunk: Buffer, into: UsageTarget): boolean {
  let i = chunk.indexOf(USAGE, Math.max(0, chunk.length - TAIL));
  if (i === -1) return false;
  i = skipSpace(chunk, i + USAGE.length);
  if (chunk[i] !== 0x3a) return false; // ':'
  i = skipSpace(chunk, i + 1);
  if (chunk[i] !== 0x7b) return false; // '{' (not null)
  let total = -1;
  let prompt = -1;
  let completion = -1;
  i++;
  while (i < chunk.length) {
    i = skipSpace(chunk, i);
    if (chunk[i] === 0x7d) break; // '}'
    if (chunk[i] === 0x2c) { // ','
      i++;
      continue;
    }
    if (chunk[i] !== 0x22) return false; // a key must start with '"'
    const keyStart = i + 1;
    i = chunk.indexOf(0x22, keyStart);
    if (i === -1) return false;
    const key = keyOf(chunk, keyStart, i);
    i = skipSpace(chunk, i + 1);
    if (chunk[i] !== 0x3a) return false;
    i = skipSpace(chunk, i + 1);
    if (chunk[i] === 0x7b || chunk[i] === 0x5b) {
      i = skipNested(chunk, i);
      continue;
    }
    let n = 0;
    const digits = i;
    for (let c = chunk[i]; c !== undefined && c >= 0x30 && c <= 0x39 && i - digits < 15; c = chunk[++i]) n = n * 10 + (c - 0x30);
    if (i === digits) {
      // Not a number (null, a string): step over it.
      while (i < chunk.length && chunk[i] !== 0x2c && chunk[i] !== 0x7d) i++;
      continue;
    }
    if (key === TOTAL) total = n;
    else if (key === PROMPT) prompt = n;
    else if (key === COMPLETION) completion = n;
  }
  if (total < 0) return false;
  into.totalTokens = total;
  into.promptTokens = prompt;
  into.completionTokens = completion;
  return true;
}

const TOTAL = 1;
const PROMPT = 2;
const COMPLETION = 3;

/** Which counter a key names, without making a string: total_tokens, prompt_/input_tokens, completion_/output_tokens. */
function keyOf(b: Buffer, from: number, to: number): number {
  const len = to - from;
  if (len === 12 && b[from] === 0x74 && b[to - 7] === 0x5f) return TOTAL; // total_tokens
  if ((len === 13 && b[from] === 0x70) || (len === 12 && b[from] === 0x69)) return b[to - 7] === 0x5f ? PROMPT : 0; // prompt_tokens, input_tokens
  if ((len === 17 && b[from] === 0x63) || (len === 13 && b[from] === 0x6f)) return b[to - 7] === 0x5f ? COMPLETION : 0; // completion_tokens, output_tokens
  return 0;
}

function skipSpace(b: Buffer, i: number): number {
  while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
  return i;
}

/** Past the end of the object or array that starts at `i` (strings inside are honoured). */
function skipNested(b: Buffer, i: number): number {
  let depth = 0;
  let inString = false;
  for (; i < b.length; i++) {
    const c = b[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return i;
}

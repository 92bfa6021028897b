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
const TOTAL = Buffer.from('"total_tokens"');
const PROMPT = [Buffer.from('"prompt_tokens"'), Buffer.from('"input_tokens"')];
const COMPLETION = [Buffer.from('"completion_tokens"'), Buffer.from('"output_tokens"')];

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

function usageIn(chunk: Buffer, into: UsageTarget): boolean {
  const from = Math.max(0, chunk.length - TAIL);
  const total = numberAfter(chunk, TOTAL, from);
  if (total === undefined) return false;
  into.totalTokens = total;
  into.promptTokens = firstNumber(chunk, PROMPT, from) ?? -1;
  into.completionTokens = firstNumber(chunk, COMPLETION, from) ?? -1;
  return true;
}

function firstNumber(chunk: Buffer, keys: Buffer[], from: number): number | undefined {
  for (const k of keys) {
    const n = numberAfter(chunk, k, from);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The integer after the first `"key"` (then optional spaces and a colon) at or after `from`. */
function numberAfter(chunk: Buffer, key: Buffer, from: number): number | undefined {
  const at = chunk.indexOf(key, from);
  if (at === -1) return undefined;
  let i = at + key.length;
  while (chunk[i] === 0x20) i++;
  if (chunk[i] !== 0x3a) return undefined; // ':'
  i++;
  while (chunk[i] === 0x20) i++;
  let n = 0;
  const start = i;
  for (let c = chunk[i]; c !== undefined && c >= 0x30 && c <= 0x39 && i - start < 15; c = chunk[++i]) n = n * 10 + (c - 0x30);
  return i > start ? n : undefined;
}

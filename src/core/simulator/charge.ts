/**
 * What Azure charges a request against its deployment's token limit at
 * admission: "an estimated max processed-token count" made of the prompt
 * text, the max_tokens setting and the best_of setting, where the prompt
 * part "is an estimate based in part on the character count of the API
 * request" and not the tokenizer's count
 * (https://learn.microsoft.com/azure/ai-services/openai/how-to/quota#understanding-rate-limits).
 *
 * So the simulator counts characters, not tokens: four characters a token
 * (the usual rule of thumb for English text), over every string in the
 * fields that carry the prompt. A real tokenizer
 * would be more exact about billing and less exact about admission, which is
 * what this emulates.
 *
 * Completion allowance: `max_completion_tokens`, else `max_tokens`, else the
 * Responses API's `max_output_tokens`, else `defaultMaxTokens` (Azure does not
 * document what it assumes when none is given; we assume a model's usual
 * output ceiling, 4096 by default). It is multiplied by the number of
 * completions generated: `best_of` (documented) or `n` (each of the n choices
 * may use max_tokens), whichever is larger.
 */
import { textChars } from '../util/textChars';
import type { Op } from './router';

export const DEFAULT_MAX_TOKENS = 4096;
const CHARS_PER_TOKEN = 4;
/** Body fields that hold prompt text, per operation family. */
const PROMPT_FIELDS = ['messages', 'prompt', 'input', 'instructions', 'tools', 'functions'] as const;

export interface Charge {
  prompt: number;
  completion: number;
  total: number;
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** The admission charge of a parsed request body for `op`. */
export function admissionCharge(op: Op, body: Record<string, unknown>, defaultMaxTokens = DEFAULT_MAX_TOKENS): Charge {
  let chars = 0;
  for (const f of PROMPT_FIELDS) chars += textChars(body[f]);
  const prompt = Math.ceil(chars / CHARS_PER_TOKEN);
  if (op !== 'chat' && op !== 'completions' && op !== 'responses') return { prompt, completion: 0, total: prompt };
  const allowance = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens) ?? positiveInt(body.max_output_tokens) ?? defaultMaxTokens;
  const copies = Math.max(positiveInt(body.n) ?? 1, positiveInt(body.best_of) ?? 1);
  const completion = allowance * copies;
  return { prompt, completion, total: prompt + completion };
}

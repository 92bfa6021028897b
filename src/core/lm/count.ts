/**
 * Tokens of a chat message for `provideTokenCount`. Text, tool calls and tool
 * results are counted with the model's real encoding; each message adds the
 * chat format's framing, 3 tokens in OpenAI's counting recipe
 * (https://cookbook.openai.com/examples/how_to_count_tokens_with_tiktoken).
 * An image counts as a 1024x1024 one at high detail, 85 + 4 x 170 = 765 tokens
 * (https://platform.openai.com/docs/guides/images-vision#calculating-costs):
 * its real size would need decoding it, and over-counting is the safe side.
 */
import { countTokens } from '../tokens';
import { partText } from './request';
import type { LmInputPart, LmMessage } from './types';

export const MESSAGE_OVERHEAD_TOKENS = 3;
export const IMAGE_TOKENS = 765;

export function countMessageTokens(input: string | LmMessage, model: string): number {
  if (typeof input === 'string') return countTokens(input, model);
  let n = MESSAGE_OVERHEAD_TOKENS;
  for (const p of input.content) n += partTokens(p, model);
  return n;
}

function partTokens(p: LmInputPart, model: string): number {
  switch (p.type) {
    case 'toolCall':
      return countTokens(p.name, model) + countTokens(JSON.stringify(p.input ?? {}), model) + MESSAGE_OVERHEAD_TOKENS;
    case 'toolResult':
      return MESSAGE_OVERHEAD_TOKENS + p.content.reduce((sum, c) => sum + partTokens(c, model), 0);
    case 'data':
      return p.mimeType.startsWith('image/') ? IMAGE_TOKENS : countTokens(partText(p), model);
    default:
      return countTokens(partText(p), model);
  }
}

/**
 * Which BPE encoding a model family uses. OpenAI's tiktoken maps gpt-4o,
 * gpt-4.1, gpt-4.5, gpt-5, the o-series and gpt-oss to `o200k_base`, and
 * gpt-4 / gpt-3.5-turbo / the text-embedding models to `cl100k_base`
 * (https://github.com/openai/tiktoken/blob/main/tiktoken/model.py,
 * MODEL_PREFIX_TO_ENCODING). Azure names the same models the same way, except
 * `gpt-35-turbo` without the dot.
 */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/** The newest families first: `gpt-4o` must win over `gpt-4`. */
const FAMILIES: readonly (readonly [RegExp, EncodingName])[] = [
  [/(^|[^a-z0-9])(gpt-?4o|gpt-?4\.[0-9]|gpt-?5|gpt-oss|o[1-9]([^0-9]|$)|codex|chatgpt-4o|gpt-chat|gpt-realtime|gpt-audio)/i, 'o200k_base'],
  [/(^|[^a-z0-9])(gpt-?4|gpt-?35|gpt-?3\.5|text-embedding)/i, 'cl100k_base'],
];

/**
 * The encoding for a model name, deployment name or alias (`gpt-4o-prod`,
 * `my-gpt-35-turbo`). Unknown or missing names get `o200k_base`: every model
 * Azure currently sells for chat uses it.
 */
export function encodingForModel(model?: string): EncodingName {
  if (model) for (const [pattern, encoding] of FAMILIES) if (pattern.test(model)) return encoding;
  return 'o200k_base';
}

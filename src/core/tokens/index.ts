/**
 * Token counting with a real tokenizer (gpt-tokenizer), for the language
 * model provider's `provideTokenCount` and, later, the quota estimator.
 *
 * The encodings are large (o200k_base is 2.4 MB of JavaScript) and only a
 * chat needs them, so nothing is loaded until the first count. The bundles
 * keep them out of dist/extension.js and dist/cli.js: esbuild.js maps
 * `gpt-tokenizer/encoding/*` to separate files in dist/tokenizer/. VS Code
 * asks for the same messages' counts again and again as a conversation
 * grows, so counts of long texts are remembered (see CountCache).
 */
import { CountCache } from './cache';
import { encodingForModel, type EncodingName } from './family';

export { encodingForModel, type EncodingName } from './family';

interface Encoding {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

// Plain require (not import()) keeps countTokens synchronous; esbuild turns it
// into a require of dist/tokenizer/<name>.js, loaded on first use.
const LOADERS: Record<EncodingName, () => Encoding> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, synchronous load of a 2 MB table
  o200k_base: () => require('gpt-tokenizer/encoding/o200k_base') as Encoding,
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, synchronous load of a 1 MB table
  cl100k_base: () => require('gpt-tokenizer/encoding/cl100k_base') as Encoding,
};

const loaded = new Map<EncodingName, Encoding>();
const cache = new CountCache();
/** User text may contain `<|endoftext|>`: count it as the text it is, never as a special token (the default throws). */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

function encoding(name: EncodingName): Encoding {
  let e = loaded.get(name);
  if (!e) {
    e = LOADERS[name]();
    loaded.set(name, e);
  }
  return e;
}

/** Whether an encoding has been loaded in this process (for tests and the benchmark). */
export function isEncodingLoaded(name: EncodingName): boolean {
  return loaded.has(name);
}

/** Whether any encoding has been loaded: lets a per-request caller skip naming the model's encoding. */
export function anyEncodingLoaded(): boolean {
  return loaded.size > 0;
}

/**
 * Tokens of `text` in the encoding of `model` (a model, deployment or alias
 * name; see encodingForModel). Exact for the text itself; chat framing
 * (per-message overhead) is the caller's business.
 */
export function countTokens(text: string, model?: string): number {
  if (text.length === 0) return 0;
  const name = encodingForModel(model);
  const hit = cache.get(name, text);
  if (hit !== undefined) return hit;
  const n = encoding(name).countTokens(text, AS_TEXT);
  cache.set(name, text, n);
  return n;
}

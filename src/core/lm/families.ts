/**
 * Default limits and capabilities per model family, used when the pool has no
 * discovered metadata for a deployment. Figures from Microsoft's model tables
 * ("Foundry Models sold directly by Azure",
 * https://learn.microsoft.com/azure/ai-foundry/foundry-models/concepts/models-sold-directly-by-azure,
 * and for retired families "Legacy models",
 * https://learn.microsoft.com/azure/ai-foundry/openai/concepts/legacy-models).
 * `context` is the whole window (prompt + answer), `output` the most the
 * model writes; the provider announces `context - output` as input.
 * Families that do not answer Chat Completions (embeddings, audio, images,
 * Responses-only models such as the codex and -pro ones) are `chat: false`
 * and stay out of the model picker: the provider speaks Chat Completions.
 * First match wins, so specific names come before their prefixes.
 */
export interface FamilySpec {
  family: string;
  pattern: RegExp;
  chat: boolean;
  images: boolean;
  tools: boolean;
  /** Limits, which for some families depend on the model version or the deployment sku. */
  limits(version?: string, sku?: string): { context: number; output: number };
}

const fixed = (context: number, output: number) => () => ({ context, output });

const notChat = (family: string, pattern: RegExp): FamilySpec => ({ family, pattern, chat: false, images: false, tools: false, limits: fixed(0, 0) });

const chat = (family: string, pattern: RegExp, context: number, output: number, images = true, tools = true): FamilySpec =>
  ({ family, pattern, chat: true, images, tools, limits: fixed(context, output) });

/** Names are matched lowercased, anywhere in the string: `gpt-4o-prod` and `team-gpt-4o` are gpt-4o. */
export const FAMILIES: readonly FamilySpec[] = [
  notChat('embeddings', /embedding|ada-002/),
  notChat('audio', /whisper|tts|transcribe|realtime|gpt-audio|audio-preview/),
  notChat('images', /dall-e|gpt-image|sora/),
  // Responses API only (the tables list no Chat Completions for these).
  notChat('responses-only', /codex|-pro\b|-pro-|computer-use|deep-research/),
  // "Context 128,000, Input 111,616, Output 16,384".
  chat('gpt-5-chat', /gpt-?5(\.\d+)?-chat|gpt-chat/, 128_000, 16_384),
  // "400,000, Input 272,000, Output 128,000".
  chat('gpt-5-mini', /gpt-?5(\.\d+)?-mini/, 400_000, 128_000),
  chat('gpt-5-nano', /gpt-?5(\.\d+)?-nano/, 400_000, 128_000),
  // gpt-5.4 and gpt-5.5: "1,050,000, Input 922,000, Output 128,000".
  chat('gpt-5', /gpt-?5\.([4-9]|\d\d)/, 1_050_000, 128_000),
  chat('gpt-5', /gpt-?5/, 400_000, 128_000),
  {
    // "1,047,576; 300,000 (standard deployments); 128,000 (provisioned managed and batch deployments)", output 32,768.
    family: 'gpt-4.1',
    pattern: /gpt-?4\.1/,
    chat: true,
    images: true,
    tools: true,
    limits: (_v, sku) => ({ context: sku && /provisioned|batch/i.test(sku) ? 128_000 : 300_000, output: 32_768 }),
  },
  // o-series: "Input: 200,000, Output: 100,000"; o1-mini 128,000 / 65,536; o3-mini text only; o1-mini and o1-preview without tools.
  chat('o1-mini', /(^|[^a-z0-9])o1-mini/, 128_000, 65_536, false, false),
  chat('o1-preview', /(^|[^a-z0-9])o1-preview/, 128_000, 32_768, false, false),
  chat('o3-mini', /(^|[^a-z0-9])o3-mini/, 200_000, 100_000, false),
  chat('o4-mini', /(^|[^a-z0-9])o4-mini/, 200_000, 100_000),
  chat('o3', /(^|[^a-z0-9])o3([^0-9]|$)/, 200_000, 100_000),
  chat('o1', /(^|[^a-z0-9])o1([^0-9]|$)/, 200_000, 100_000),
  chat('gpt-4o-mini', /gpt-?4o-mini/, 128_000, 16_384),
  {
    // "gpt-4o (2024-11-20), (2024-08-06): Input 128,000, Output 16,384"; 2024-05-13: Output 4,096.
    family: 'gpt-4o',
    pattern: /gpt-?4o/,
    chat: true,
    images: true,
    tools: true,
    limits: (version) => ({ context: 128_000, output: version === '2024-05-13' ? 4_096 : 16_384 }),
  },
  chat('gpt-4-32k', /gpt-?4-32k/, 32_768, 4_096, false),
  {
    // gpt-4 turbo-2024-04-09 (with vision): "Input 128,000, Output 4,096"; the legacy 0613 had 8,192.
    family: 'gpt-4',
    pattern: /gpt-?4/,
    chat: true,
    images: true,
    tools: true,
    limits: (version) => (version === '0613' || version === '0314' ? { context: 8_192, output: 4_096 } : { context: 128_000, output: 4_096 }),
  },
  // Legacy gpt-35-turbo (0125): 16,385 / 4,096.
  chat('gpt-35-turbo', /gpt-?3\.?5/, 16_385, 4_096, false),
];

/** Anything else that a backend serves by alias: most current chat deployments have 128k windows; the answer cap stays modest. */
export const UNKNOWN_FAMILY: FamilySpec = chat('unknown', /$^/, 128_000, 4_096, false);

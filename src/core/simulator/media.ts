import { badRequest, sendBody, sendJson } from './azure';
import { TINY_PNG_BASE64, embeddingBase64, embeddingVector, estimateTokens } from './content';
import type { Handler } from './router';

/** Embeddings, image generation, audio and the model list: JSON only, no streaming. */

const DEFAULT_DIMENSIONS = 8;
const MAX_DIMENSIONS = 4096;
const MAX_IMAGES = 10;
/** Listed by GET /models when any deployment name is accepted. */
const DEFAULT_LISTED = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'];

function embeddingInputs(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  // A token array is one input; an array of token arrays is many.
  if (input.every((v) => typeof v === 'number')) return [JSON.stringify(input)];
  if (input.every((v) => typeof v === 'string')) return input as string[];
  if (input.every((v) => Array.isArray(v) && v.every((t) => typeof t === 'number'))) return input.map((v) => JSON.stringify(v));
  return undefined;
}

export const handleEmbeddings: Handler = (ctx) => {
  const inputs = embeddingInputs(ctx.body.input);
  if (!inputs) throw badRequest("'input' must be a non-empty string, array of strings, or array of token arrays.", 'input', 'invalid_value');
  const dims = ctx.body.dimensions ?? DEFAULT_DIMENSIONS;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > MAX_DIMENSIONS) {
    throw badRequest(`'dimensions' must be an integer between 1 and ${MAX_DIMENSIONS}.`, 'dimensions', 'invalid_value');
  }
  const base64 = ctx.body.encoding_format === 'base64';
  const tokens = inputs.reduce((n, s) => n + estimateTokens(s), 0);
  sendJson(ctx.res, 200, {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = embeddingVector(text, dims);
      return { object: 'embedding', index, embedding: base64 ? embeddingBase64(vector) : vector };
    }),
    model: ctx.deployment,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  }, ctx.headers);
};

export const handleImages: Handler = (ctx) => {
  const { prompt, n = 1, response_format: format } = ctx.body;
  if (typeof prompt !== 'string' || prompt === '') throw badRequest("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_IMAGES) {
    throw badRequest(`'n' must be an integer between 1 and ${MAX_IMAGES}.`, 'n', 'invalid_value');
  }
  // The url form points back at this simulator, so a client can really download it.
  const image = format === 'url' ? { url: `${ctx.baseUrl}/_sim/image.png` } : { b64_json: TINY_PNG_BASE64 };
  sendJson(ctx.res, 200, {
    created: Math.floor(Date.now() / 1000),
    data: Array.from({ length: n }, () => ({ ...image, revised_prompt: prompt })),
  }, ctx.headers);
};

/** Transcriptions and translations: multipart in, text out in the requested format. */
export const handleAudio: Handler = (ctx) => {
  if (!ctx.fields.has('file')) throw badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
  const task = ctx.route.op === 'translations' ? 'translate' : 'transcribe';
  const text = `Hello from ${ctx.name}. This is a simulated ${task === 'translate' ? 'translation' : 'transcription'}.`;
  const format = ctx.fields.get('response_format') ?? 'json';
  if (format === 'text' || format === 'srt' || format === 'vtt') {
    const body = format === 'text' ? text
      : format === 'srt' ? `1\n00:00:00,000 --> 00:00:01,000\n${text}\n`
        : `WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n${text}\n`;
    return sendBody(ctx.res, 200, body, { ...ctx.headers, 'content-type': 'text/plain; charset=utf-8' });
  }
  const payload = format === 'verbose_json'
    ? { task, language: 'english', duration: 1, text, segments: [{ id: 0, seek: 0, start: 0, end: 1, text, tokens: [], temperature: 0, avg_logprob: 0, compression_ratio: 1, no_speech_prob: 0 }] }
    : { text };
  sendJson(ctx.res, 200, payload, ctx.headers);
};

export const handleModels: Handler = (ctx) => {
  const created = Math.floor(Date.now() / 1000);
  const names = ctx.deployments ?? DEFAULT_LISTED;
  sendJson(ctx.res, 200, {
    object: 'list',
    data: names.map((id) => ({
      id,
      object: 'model',
      created_at: created,
      status: 'succeeded',
      lifecycle_status: 'generally-available',
      capabilities: id.includes('embedding')
        ? { embeddings: true, chat_completion: false, completion: false, inference: true, fine_tune: false }
        : { embeddings: false, chat_completion: true, completion: true, inference: true, fine_tune: false },
    })),
  }, ctx.headers);
};

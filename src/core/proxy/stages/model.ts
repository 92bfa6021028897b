/**
 * Finds the model alias: from the path (Azure style), from `model` in a JSON
 * body (Azure v1 and OpenAI style), or from the `model` field of a multipart
 * upload (audio, images). Prepares the body rewrite that puts the chosen
 * backend's deployment name in place of the alias.
 */
import { DEPLOYMENT_NAME_PATTERN } from '../../config/schema';
import { sendPoolError } from '../poolErrors';
import { findField, multipartBoundary, replaceField } from '../multipart';
import type { ProxyContext, Stage } from '../context';

const DEPLOYMENT = new RegExp(DEPLOYMENT_NAME_PATTERN);
const STREAM_KEY = Buffer.from('"stream"');

/**
 * `"stream": true` without parsing or decoding a large prompt: a byte search
 * for the key, then a look at what follows it. A `"stream"` inside a string
 * value could fool it; the cost of that is only the shorter header timeout.
 */
export function asksForStream(body: Buffer): boolean {
  for (let at = body.indexOf(STREAM_KEY); at !== -1; at = body.indexOf(STREAM_KEY, at + 1)) {
    let i = at + STREAM_KEY.length;
    while (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d) i++;
    if (body[i] !== 0x3a) continue; // ':'
    i++;
    while (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d) i++;
    if (body[i] === 0x74 && body[i + 1] === 0x72 && body[i + 2] === 0x75 && body[i + 3] === 0x65) return true; // true
  }
  return false;
}

export const resolveModel: Stage = (ctx) => {
  const route = ctx.route!;
  const body = ctx.body;
  const type = String(ctx.req.headers['content-type'] ?? '');
  const isJson = body !== undefined && (/json/i.test(type) || (type === '' && body[0] === 0x7b));

  if (route.kind === 'deployment') {
    ctx.alias = route.alias;
    ctx.stream = isJson && asksForStream(body);
    return false;
  }
  if (route.kind !== 'v1' && route.kind !== 'openai') return false;

  if (isJson) {
    const json = parseJson(ctx, body);
    if (json === undefined) return true;
    ctx.json = json;
    ctx.stream = json.stream === true;
    const model = json.model;
    if (model === undefined) return false;
    if (typeof model !== 'string' || !DEPLOYMENT.test(model) || model.includes('..')) {
      sendPoolError(ctx.res, 'InvalidModel', { aliases: ctx.pool.aliases });
      return true;
    }
    ctx.alias = model;
    ctx.rewriteBody = (deployment) => (deployment === model ? body : Buffer.from(JSON.stringify({ ...json, model: deployment })));
    return false;
  }

  const boundary = multipartBoundary(type);
  if (boundary && body) {
    const field = findField(body, boundary, 'model');
    if (!field) return false;
    const model = field.value.trim();
    if (!DEPLOYMENT.test(model)) {
      sendPoolError(ctx.res, 'InvalidModel', { aliases: undefined });
      return true;
    }
    ctx.alias = model;
    ctx.rewriteBody = (deployment) => (deployment === model ? body : replaceField(body, field, deployment));
  }
  return false;
};

/** Deeper than any real request (tool schemas nest a few dozen levels at most). */
export const MAX_JSON_DEPTH = 128;

/** True when brackets nest deeper than `max`, counting only outside strings. One pass, no allocation. */
export function jsonTooDeep(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function parseJson(ctx: ProxyContext, body: Buffer): Record<string, unknown> | undefined {
  if (jsonTooDeep(body, MAX_JSON_DEPTH)) {
    sendPoolError(ctx.res, 'InvalidJson', { reason: `the request body nests deeper than ${MAX_JSON_DEPTH} levels` });
    return undefined;
  }
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    // Deeply nested input throws RangeError: still the caller's bad JSON.
    const why = e instanceof SyntaxError ? e.message : 'nested too deeply';
    sendPoolError(ctx.res, 'InvalidJson', { reason: `the request body is not valid JSON (${why.slice(0, 120)})` });
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    sendPoolError(ctx.res, 'InvalidJson', { reason: 'the request body must be a JSON object' });
    return undefined;
  }
  return v as Record<string, unknown>;
}

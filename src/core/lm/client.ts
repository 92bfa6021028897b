/**
 * One chat request through the running pool, over HTTP like any other
 * client, so balancing, failover, cooldowns, the request log and the tree
 * all see it. Streams the answer as it arrives; aborting the signal destroys
 * the connection at once, which makes the proxy abort its upstream request.
 */
import { request, type IncomingMessage } from 'node:http';
import { LmError, stoppedError, throttledError } from './errors';
import type { ChatRequestBody } from './request';
import { ChatStreamDecoder } from './stream';
import type { LmResponsePart } from './types';

/** GA api-version with tools, images, streaming and max_completion_tokens (https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle). */
export const LM_API_VERSION = '2024-10-21';
/** Headers of a streaming answer take as long as the first token; the pool's own timeouts decide beyond that. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface ChatCall {
  /** `http://127.0.0.1:PORT` of the running pool. */
  url: string;
  clientKey: string;
  alias: string;
  body: ChatRequestBody;
  signal: AbortSignal;
  onPart: (part: LmResponsePart) => void;
  /** Masks secrets in error text (the shared Redactor). */
  mask?: (text: string) => string;
}

/** Which backend answered, from the pool's `x-aoai-pool-backend`. */
export interface ChatResult {
  backend: string | undefined;
  finishReason: string | undefined;
}

/** Sends `body` to `/openai/deployments/{alias}/chat/completions` and reports parts until the stream ends. */
export async function streamChat(call: ChatCall): Promise<ChatResult> {
  const mask = call.mask ?? ((t: string) => t);
  const res = await open(call);
  const backend = header(res, 'x-aoai-pool-backend');
  if (res.statusCode !== 200) throw await statusError(call.alias, res, call.url, mask);
  const decoder = new ChatStreamDecoder(call.onPart);
  const text = new TextDecoder();
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown) => {
      res.destroy();
      reject(e);
    };
    res.on('data', (chunk: Buffer) => {
      try {
        decoder.push(text.decode(chunk, { stream: true }));
      } catch (e) {
        fail(e);
      }
    });
    res.once('end', () => {
      try {
        decoder.push(text.decode());
        decoder.end();
        resolve();
      } catch (e) {
        reject(e);
      }
    });
    // The pool destroys a stream that broke upstream: a cut, never a clean end.
    const cut = () => reject(call.signal.aborted ? abortError() : new LmError('stream', `the answer from ${backend ?? 'the pool'} broke off mid-stream; send the request again`));
    res.once('close', () => {
      if (!res.complete) cut();
    });
    res.once('error', cut);
  });
  return { backend, finishReason: decoder.finishReason };
}

function open(call: ChatCall): Promise<IncomingMessage> {
  if (call.signal.aborted) return Promise.reject(abortError());
  const payload = JSON.stringify(call.body);
  const url = `${call.url}/openai/deployments/${encodeURIComponent(call.alias)}/chat/completions?api-version=${LM_API_VERSION}`;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      // A connection of its own: destroying it on cancel touches no other request.
      agent: false,
      headers: { 'api-key': call.clientKey, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), accept: 'text/event-stream' },
      signal: call.signal,
    }, resolve);
    const connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    req.once('socket', (s) => s.once('connect', () => clearTimeout(connectTimer)));
    req.once('response', () => clearTimeout(connectTimer));
    req.once('close', () => clearTimeout(connectTimer));
    req.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (call.signal.aborted) reject(abortError());
      else if (e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT') reject(stoppedError(call.url));
      else reject(new LmError('stream', `cannot reach AOAI Pool at ${call.url}: ${e.message}`));
    });
    req.end(payload);
  });
}

async function statusError(alias: string, res: IncomingMessage, url: string, mask: (t: string) => string): Promise<LmError> {
  const body = await readSmall(res);
  if (res.statusCode === 429) return throttledError(alias, res.headers);
  let detail = '';
  try {
    const e = (JSON.parse(body) as { error?: { message?: string; code?: string } }).error;
    detail = e?.message ?? e?.code ?? '';
  } catch {
    detail = body.slice(0, 200);
  }
  detail = mask(detail);
  if (res.statusCode === 401) {
    return new LmError('unauthorized', `AOAI Pool at ${url} refused this window's client key (HTTP 401): that pool was started by another VS Code profile; stop it there or start the proxy here on another port.`);
  }
  if (res.statusCode === 404) return new LmError('notFound', `AOAI Pool: no backend serves "${alias}" any more${detail ? ` (${detail})` : ''}; pick another model.`);
  return new LmError('upstream', `AOAI Pool: "${alias}" failed with HTTP ${res.statusCode}${detail ? `: ${detail}` : ''}`);
}

function readSmall(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      if (s.length < 16_384) s += c;
    });
    res.once('end', () => resolve(s));
    res.once('error', () => resolve(s));
    res.once('aborted', () => resolve(s));
  });
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Same shape as what VS Code throws for a cancelled request, so callers see one kind of cancel. */
function abortError(): Error {
  const e = new Error('Canceled');
  e.name = 'Canceled';
  return e;
}

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
  // The body is read from the moment the response arrives: no await between the
  // response and its listeners, so no chunk can pass by unread.
  const { res, done } = await open(call, (res) => (res.statusCode === 200 ? consume(res, call) : Promise.resolve(undefined)));
  if (res.statusCode !== 200) throw await statusError(call.alias, res, call.url, mask);
  const finishReason = await done;
  return { backend: header(res, 'x-aoai-pool-backend'), finishReason };
}

/** Feeds the body to the decoder as it arrives; resolves with the finish reason at a clean end. */
function consume(res: IncomingMessage, call: ChatCall): Promise<string | undefined> {
  const mask = call.mask ?? ((t: string) => t);
  const backend = header(res, 'x-aoai-pool-backend');
  const decoder = new ChatStreamDecoder(call.onPart);
  const text = new TextDecoder();
  return new Promise<string | undefined>((resolve, reject) => {
    let settled = false;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e === undefined) resolve(decoder.finishReason);
      else reject(e);
    };
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        decoder.push(text.decode(chunk, { stream: true }));
      } catch (e) {
        settle(e);
        res.destroy();
      }
    });
    res.once('end', () => {
      try {
        decoder.push(text.decode());
        decoder.end();
        settle();
      } catch (e) {
        settle(e);
      }
    });
    // The pool destroys a stream that broke upstream: a cut, never a clean end.
    const cut = (e?: Error) => settle(call.signal.aborted ? abortError()
      : new LmError('stream', `the answer from ${backend ?? 'the pool'} broke off mid-stream${e ? ` (${mask(e.message)})` : ''}; send the request again`));
    res.once('close', () => {
      if (!res.complete) cut();
    });
    res.once('error', cut);
  });
}

function open<T>(call: ChatCall, onResponse: (res: IncomingMessage) => T): Promise<{ res: IncomingMessage; done: T }> {
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
    }, (res) => resolve({ res, done: onResponse(res) }));
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

/**
 * The aliases a running pool serves, from its `GET /v1/models` (for a pool
 * another window runs: this window does not have its config). Undefined when
 * it does not answer in time.
 */
export function listPoolAliases(url: string, clientKey: string, timeoutMs = 2_000): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/models`, { agent: false, headers: { 'api-key': clientKey }, timeout: timeoutMs }, (res) => {
      void readSmall(res).then((body) => {
        try {
          const data = (JSON.parse(body) as { data?: { id?: unknown }[] }).data;
          resolve(res.statusCode === 200 && Array.isArray(data) ? data.map((m) => m.id).filter((id): id is string => typeof id === 'string') : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

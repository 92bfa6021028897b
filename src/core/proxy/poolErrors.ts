/**
 * Every error the pool answers itself (not one relayed from a backend), in one
 * catalogue: a stable code, its HTTP status, the OpenAI-style `type`, when it
 * happens and the message template. The body is the Azure OpenAI error shape
 * `{"error": {"code", "message", "type"}}`, which both the Azure and the
 * OpenAI SDKs surface as they surface Azure's own errors
 * (https://learn.microsoft.com/azure/ai-foundry/openai/reference#error-response).
 *
 * Clients and tests may rely on the codes; the README's "Error codes" table
 * lists them and a test keeps it in step with this file.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { azureErrorBody } from '../errors';
import { sendJson } from './http';

interface Entry<P> {
  status: number;
  /** The OpenAI-style error class, for clients that branch on `error.type`. */
  type: 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'rate_limit_error' | 'server_error';
  /** When the pool answers with it (the README row). */
  when: string;
  message: (p: P) => string;
}

const list = (names: readonly string[]) => names.join(', ') || '(none configured)';

/** The catalogue. Add a code here, then a row in the README's "Error codes" table. */
export const POOL_ERRORS = {
  HostNotAllowed: {
    status: 403, type: 'permission_error',
    when: 'the Host header is not exactly 127.0.0.1, localhost or [::1] (DNS rebinding protection)',
    message: () => 'this proxy only answers requests addressed to 127.0.0.1, localhost or [::1] (DNS rebinding protection)',
  } as Entry<void>,
  BrowserRequestRefused: {
    status: 403, type: 'permission_error',
    when: 'the request carries Origin or a cross-site Sec-Fetch-Site (it comes from a web page)',
    message: () => 'requests from web pages are refused: a page must never spend your Azure quota. Call the proxy from a local program instead',
  } as Entry<void>,
  InvalidRequest: {
    status: 400, type: 'invalid_request_error',
    when: 'the request target or framing is refused (absolute URL, dot segments, encoded slashes, control characters, bad deployment name)',
    message: (p: { reason: string }) => p.reason,
  } as Entry<{ reason: string }>,
  RouteNotFound: {
    status: 404, type: 'not_found_error',
    when: 'the path is none of the routes the pool serves',
    message: (p: { path: string }) => `no route for ${p.path.slice(0, 100)}: use /openai/deployments/NAME/..., /openai/v1/... or /v1/...`,
  } as Entry<{ path: string }>,
  MethodNotAllowed: {
    status: 405, type: 'invalid_request_error',
    when: 'a pool endpoint (/_pool/*, the model list) is called with a method other than GET',
    message: (p: { hint: string }) => p.hint,
  } as Entry<{ hint: string }>,
  InvalidPoolQuery: {
    status: 400, type: 'invalid_request_error',
    when: 'GET /_pool/requests or /_pool/metrics has an unknown query parameter or a value out of range',
    message: (p: { reason: string }) => p.reason,
  } as Entry<{ reason: string }>,
  MissingClientKey: {
    status: 401, type: 'authentication_error',
    when: 'no client key in api-key, Authorization: Bearer or x-api-key',
    message: () => 'missing client key: send the AOAI Pool client key as the "api-key" header or "Authorization: Bearer <key>"',
  } as Entry<void>,
  InvalidClientKey: {
    status: 401, type: 'authentication_error',
    when: 'the client key is wrong (an Azure key is never accepted here)',
    message: () => 'wrong client key: use the key AOAI Pool printed at start (CLI) or "AOAI Pool: Copy Client Key" (VS Code). Azure keys are not accepted here',
  } as Entry<void>,
  RequestTimeout: {
    status: 408, type: 'invalid_request_error',
    when: 'the request body stalled, or the whole request did not arrive in time',
    message: (p: { reason: string }) => p.reason,
  } as Entry<{ reason: string }>,
  RequestEntityTooLarge: {
    status: 413, type: 'invalid_request_error',
    when: 'the body is larger than maxRequestBodyMB',
    message: (p: { mb: number }) => `the request body is larger than ${p.mb} MB; raise "maxRequestBodyMB" in the config if you need more`,
  } as Entry<{ mb: number }>,
  InvalidJson: {
    status: 400, type: 'invalid_request_error',
    when: 'a JSON body does not parse, is not an object, or nests too deeply',
    message: (p: { reason: string }) => p.reason,
  } as Entry<{ reason: string }>,
  InvalidModel: {
    status: 400, type: 'invalid_request_error',
    when: '"model" (body or form field) is not a valid deployment name or alias',
    message: (p: { aliases: readonly string[] | undefined }) => p.aliases
      ? `"model" must be a deployment name or alias (letters, digits, ".", "_", "-"); the pool serves: ${p.aliases.join(', ') || 'any deployment name'}`
      : 'the "model" form field must be a deployment name or alias',
  } as Entry<{ aliases: readonly string[] | undefined }>,
  ModelNotFound: {
    status: 404, type: 'not_found_error',
    when: 'GET /v1/models/{id} or /openai/models/{id} names a model the pool does not serve',
    message: (p: { id: string; aliases: readonly string[] }) => `the pool has no model "${p.id.slice(0, 64)}"; models: ${list(p.aliases)}`,
  } as Entry<{ id: string; aliases: readonly string[] }>,
  DeploymentNotFound: {
    status: 404, type: 'not_found_error',
    when: 'no backend in the pool serves the requested alias, or every backend that does answered 404 DeploymentNotFound for it within the last minute',
    message: (p: { alias: string; aliases: readonly string[]; detail?: string }) => p.detail ?? `no backend in the pool serves "${p.alias}"; aliases: ${list(p.aliases)}`,
  } as Entry<{ alias: string; aliases: readonly string[]; detail?: string }>,
  StateNotFound: {
    status: 404, type: 'not_found_error',
    when: 'a stateful id (previous_response_id, file, thread, ...) is known to no backend in the pool',
    message: (p: { ids: readonly string[]; detail?: string }) => p.detail ?? `no backend in the pool knows ${p.ids.join(', ')}`,
  } as Entry<{ ids: readonly string[]; detail?: string }>,
  StateConflict: {
    status: 409, type: 'invalid_request_error',
    when: 'one request names stateful ids that live on different backends',
    message: (p: { ids: readonly string[]; owners: readonly string[] }) => `${p.ids.join(', ')} live on different backends (${p.owners.join(', ')}); one request cannot use them together`,
  } as Entry<{ ids: readonly string[]; owners: readonly string[] }>,
  StateBackendUnavailable: {
    status: 503, type: 'server_error',
    when: 'the backend that holds a stateful id cannot take requests now',
    message: (p: { ids: readonly string[]; owner: string; reason: string }) => `${p.ids.join(', ')} lives on backend "${p.owner}", which cannot take requests now (${p.reason})`,
  } as Entry<{ ids: readonly string[]; owner: string; reason: string }>,
  PoolThrottled: {
    status: 429, type: 'rate_limit_error',
    when: 'every backend that serves the alias is resting (throttled or failing); Retry-After and retry-after-ms say when the first is back',
    message: (p: { alias: string | undefined; seconds: number }) =>
      `every backend${p.alias ? ` serving "${p.alias}"` : ''} is cooling down after throttling or errors; retry after ${p.seconds} s`,
  } as Entry<{ alias: string | undefined; seconds: number }>,
  QuotaBusy: {
    status: 429, type: 'rate_limit_error',
    when: 'quota routing: the request would wait for quota longer than queue.maxWaitSec; Retry-After, retry-after-ms and x-ms-retry-after-ms say when a request of its size fits',
    message: (p: { alias: string | undefined; charge: number; ms: number; maxWaitMs: number }) =>
      `every deployment${p.alias ? ` serving "${p.alias}"` : ''} is at its tokens-per-minute quota: a request of this size (about ${p.charge} tokens) fits in ${p.ms} ms, ` +
      `longer than the pool holds requests (queue.maxWaitSec ${p.maxWaitMs / 1000} s); retry after ${p.ms} ms`,
  } as Entry<{ alias: string | undefined; charge: number; ms: number; maxWaitMs: number }>,
  QuotaTooSmall: {
    status: 429, type: 'rate_limit_error',
    when: 'quota routing: the request\'s estimated charge is larger than the tokens-per-minute limit of every deployment serving it, so it never fits',
    message: (p: { alias: string | undefined; charge: number }) =>
      `this request is charged about ${p.charge} tokens (prompt plus max_tokens times n), more than the tokens-per-minute quota of every deployment${p.alias ? ` serving "${p.alias}"` : ''}; ` +
      'lower max_tokens (or max_completion_tokens) or shorten the prompt',
  } as Entry<{ alias: string | undefined; charge: number }>,
  NoBackendAvailable: {
    status: 503, type: 'server_error',
    when: 'no backend can take the request (all disabled, missing credentials, or failed with errors that are not throttling)',
    message: (p: { why: string }) => `no backend can take the request (${p.why})`,
  } as Entry<{ why: string }>,
  BadGateway: {
    status: 502, type: 'server_error',
    when: 'every backend tried failed at the connection level (refused, reset, host not found)',
    message: (p: { why: string }) => `no backend answered (${p.why})`,
  } as Entry<{ why: string }>,
  GatewayTimeout: {
    status: 504, type: 'server_error',
    when: 'the last backend tried timed out',
    message: (p: { why: string }) => `no backend answered in time (${p.why})`,
  } as Entry<{ why: string }>,
  UpstreamBodyUnreadable: {
    status: 502, type: 'server_error',
    when: 'a backend answered an error with a body the pool cannot decode (an unknown or stacked Content-Encoding, corrupt, or over 1 MB decoded), so it could not be masked',
    message: (p: { backend: string; status: number; coding: string }) =>
      `backend "${p.backend}" answered HTTP ${p.status} with a body the pool cannot decode (content-encoding: ${p.coding}); it is not passed on because secrets in it could not be masked`,
  } as Entry<{ backend: string; status: number; coding: string }>,
  InternalError: {
    status: 500, type: 'server_error',
    when: 'a bug in the proxy; the log has the details',
    message: (p: { message: string }) => p.message,
  } as Entry<{ message: string }>,
} as const;

export type PoolErrorName = keyof typeof POOL_ERRORS;
type ParamsOf<K extends PoolErrorName> = Parameters<(typeof POOL_ERRORS)[K]['message']>[0];

/**
 * Answers with a catalogued error; the status comes from the catalogue, so a
 * code and its status can never disagree.
 */
export function sendPoolError<K extends PoolErrorName>(
  res: ServerResponse,
  code: K,
  params: ParamsOf<K>,
  headers?: Record<string, string>,
): void {
  const entry = POOL_ERRORS[code] as Entry<ParamsOf<K>>;
  sendJson(res, entry.status, azureErrorBody(code, entry.message(params), { type: entry.type }), headers);
}

/** The status a catalogued code answers with. */
export function poolErrorStatus(code: PoolErrorName): number {
  return POOL_ERRORS[code].status;
}

/**
 * A catalogued error as raw HTTP/1.1 bytes that close the connection, for the
 * socket-level answers Node's parser hands us (no ServerResponse exists yet).
 */
export function rawPoolError<K extends PoolErrorName>(code: K, params: ParamsOf<K>): string {
  const entry = POOL_ERRORS[code] as Entry<ParamsOf<K>>;
  const body = azureErrorBody(code, entry.message(params), { type: entry.type });
  return `HTTP/1.1 ${entry.status} ${STATUS_CODES[entry.status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `cache-control: no-store\r\nconnection: close\r\n\r\n${body}`;
}

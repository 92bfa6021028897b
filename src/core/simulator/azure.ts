import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { azureErrorBody } from '../errors';
import { encodeBody, encodedHeaders, responseEncoding } from './encoding';

/**
 * Azure OpenAI's wire details that clients (and our proxy) key on: error
 * shapes, request-id and rate-limit headers. Messages paraphrase what Azure
 * sends; the codes and statuses match it.
 */

/** An error the request pipeline turns into an Azure-shaped response. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra?: { type?: string; param?: string | null },
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}


export const unauthorized = (): SimError => new SimError(401, '401',
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.');

// Azure answers 404 (not 400) when api-version is missing: MicrosoftDocs/azure-docs#114602.
/** A valid Entra token whose principal lacks the data action (no "Cognitive Services OpenAI User" role). */
export const permissionDenied = (op: string, method: string, path: string): SimError => new SimError(403, 'PermissionDenied',
  `The principal lacks the required data action \`Microsoft.CognitiveServices/accounts/OpenAI/deployments/${op === 'chat' ? 'chat/completions' : op}/action\` to perform \`${method} ${path}\` operation. (simulated)`);

export const resourceNotFound = (): SimError => new SimError(404, '404', 'Resource not found');

export const deploymentNotFound = (): SimError => new SimError(404, 'DeploymentNotFound',
  'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.');

export const badRequest = (message: string, param: string | null = null, code = 'BadRequest'): SimError =>
  new SimError(400, code, message, { type: 'invalid_request_error', param });

const OPERATION_NAMES: Record<string, string> = {
  chat: 'ChatCompletions_Create', completions: 'Completions_Create', embeddings: 'Embeddings_Create',
  responses: 'Responses_Create', images: 'ImageGenerations_Create', transcriptions: 'Transcriptions_Create',
  translations: 'Translations_Create',
};

export function throttled(waitMs: number, op: string | undefined, apiVersion: string | undefined, headers: Record<string, string>): SimError {
  const secs = Math.max(1, Math.ceil(waitMs / 1000));
  const opName = op ? OPERATION_NAMES[op] : undefined;
  const message = opName
    ? `Requests to the ${opName} Operation under Azure OpenAI API version ${apiVersion ?? 'v1'} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${secs} seconds. (simulated)`
    : `Rate limit is exceeded. Try again in ${secs} seconds. (simulated)`;
  return new SimError(429, '429', message, undefined, headers);
}

/**
 * A request whose estimate exceeds the deployment's whole minute can never be
 * admitted; Azure still answers 429, without a time to retry
 * (https://learn.microsoft.com/answers/questions/2263211: "Request too large
 * ... Limit 30000, Requested 42638").
 */
export function tooLarge(tokens: number, limit: number): SimError {
  return new SimError(429, 'rate_limit_exceeded',
    `Request too large for this deployment on tokens per min (TPM): Limit ${limit}, Requested ${tokens}. The input or output tokens must be reduced in order to run successfully. (simulated)`);
}

const SERVER_ERRORS: Record<number, [string, string]> = {
  500: ['InternalServerError', 'The server had an error while processing your request. Sorry about that! (simulated)'],
  502: ['BadGateway', 'Bad gateway. (simulated)'],
  503: ['ServiceUnavailable', 'The service is temporarily unable to process your request. Please try again later. (simulated)'],
  504: ['GatewayTimeout', 'The operation timed out. (simulated)'],
};

/** A generic error for a status the caller chose (faults, failNext). */
export function statusError(status: number, headers?: Record<string, string>): SimError {
  const [code, message] = SERVER_ERRORS[status] ?? [String(status), `${STATUS_CODES[status] ?? 'Error'} (simulated)`];
  return new SimError(status, code, message, undefined, headers);
}

export function sendError(res: ServerResponse, err: SimError, headers: Record<string, string>): void {
  const extra = err.extra ? { param: err.extra.param ?? null, type: err.extra.type } : undefined;
  sendJson(res, err.status, azureErrorBody(err.code, err.message, extra), { ...headers, ...err.headers });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  sendBody(res, status, typeof body === 'string' ? body : JSON.stringify(body), { ...headers, 'content-type': 'application/json' });
}

/** A whole body, in the coding negotiated for this response (./encoding.ts) if any. */
export function sendBody(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  const coding = responseEncoding(res);
  const body = coding ? encodeBody(coding, Buffer.from(text, 'utf8')) : Buffer.from(text, 'utf8');
  res.writeHead(status, { ...(coding ? encodedHeaders(headers, coding) : headers), 'content-length': String(body.length) });
  res.end(body);
}

/** Headers Azure puts on every data-plane answer, errors included. */
export function requestIdHeaders(): Record<string, string> {
  const id = randomUUID();
  return { 'x-request-id': id, 'apim-request-id': id, 'x-ms-region': 'Sim Region' };
}

export const newId = (prefix: string, bytes = 16): string => `${prefix}${randomBytes(bytes).toString('hex')}`;

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './types';

/** Data-plane operations the simulator knows. */
export type Op =
  | 'chat' | 'completions' | 'embeddings' | 'images' | 'transcriptions' | 'translations'
  | 'responses' | 'responses.get' | 'responses.delete' | 'models';

export interface Route {
  op: Op;
  /** `/openai/v1/...`: no api-version needed, deployment from the body's `model`. */
  v1: boolean;
  /** From the path of `/openai/deployments/{deployment}/...`. */
  deployment?: string;
  /** Response id of `/responses/{id}`. */
  id?: string;
}

/** Operations whose deployment comes from the body's `model` when not in the path. */
export const MODEL_FROM_BODY: ReadonlySet<Op> = new Set<Op>(['chat', 'completions', 'embeddings', 'images', 'transcriptions', 'translations', 'responses']);

/** Operations that generate text and so can stream. */
export const GENERATIVE: ReadonlySet<Op> = new Set<Op>(['chat', 'completions', 'responses']);

const SCOPED_OPS: Record<string, Op> = {
  'chat/completions': 'chat',
  completions: 'completions',
  embeddings: 'embeddings',
  'images/generations': 'images',
  'audio/transcriptions': 'transcriptions',
  'audio/translations': 'translations',
};

const METHODS: Record<Op, string> = {
  chat: 'POST', completions: 'POST', embeddings: 'POST', images: 'POST', transcriptions: 'POST', translations: 'POST',
  responses: 'POST', 'responses.get': 'GET', 'responses.delete': 'DELETE', models: 'GET',
};

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Maps method and path to an operation; undefined means Azure's "Resource not found". */
export function matchRoute(method: string, pathname: string): Route | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname;
  let route: Route | undefined;
  const scoped = /^\/openai\/deployments\/([^/]+)\/(.+)$/.exec(path);
  if (scoped) {
    const op = SCOPED_OPS[scoped[2]!];
    const deployment = decode(scoped[1]!);
    if (op && deployment) route = { op, v1: false, deployment };
  } else {
    const m = /^\/openai\/(v1\/)?(.+)$/.exec(path);
    if (m) {
      const v1 = m[1] !== undefined;
      const rest = m[2]!;
      const byId = /^responses\/([^/]+)$/.exec(rest);
      if (v1 && SCOPED_OPS[rest]) route = { op: SCOPED_OPS[rest]!, v1 };
      else if (rest === 'responses') route = { op: 'responses', v1 };
      else if (rest === 'models') route = { op: 'models', v1 };
      else if (byId && decode(byId[1]!)) route = { op: method === 'DELETE' ? 'responses.delete' : 'responses.get', v1, id: decode(byId[1]!)! };
    }
  }
  return route && METHODS[route.op] === method ? route : undefined;
}

/** Everything a handler needs for one request. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  /** Backend name, echoed in replies. */
  name: string;
  baseUrl: string;
  route: Route;
  /** Resolved deployment; '' for operations without one. */
  deployment: string;
  /** Parsed JSON body; {} for GET and multipart. */
  body: Record<string, unknown>;
  raw: Buffer;
  /** Multipart text fields of audio uploads. */
  fields: Map<string, string>;
  /** Request-id and rate-limit headers every answer carries. */
  headers: Record<string, string>;
  faults: Faults;
  /** This stream is to be destroyed half-way (midStreamResetRate drew it). */
  cutStream: boolean;
  /** Aborts when the backend closes. */
  signal: AbortSignal;
  /** Stored Responses API objects, for GET /responses/{id}. */
  responses: Map<string, Record<string, unknown>>;
  /** Configured deployments, or undefined for "any". */
  deployments: readonly string[] | undefined;
}

export type Handler = (ctx: Ctx) => void | Promise<void>;

/** Parses the target, and answers what the pool knows itself: health and the model list. */
import { parseTarget } from '../routes';
import { sendJson } from '../http';
import { sendPoolError } from '../poolErrors';
import type { ProxyContext, Stage } from '../context';

export const resolveRoute: Stage = (ctx) => {
  const r = parseTarget(ctx.req.url ?? '/');
  if (!r.ok) {
    if (r.code === 'InvalidRequest') sendPoolError(ctx.res, 'InvalidRequest', { reason: r.message });
    else sendPoolError(ctx.res, 'RouteNotFound', { path: r.message });
    return true;
  }
  ctx.route = r.route;
  return false;
};

/** The local answers are read-only: anything but GET/HEAD gets 405. */
export function refuseUnlessGet(ctx: ProxyContext, hint: string): boolean {
  if (ctx.req.method === 'GET' || ctx.req.method === 'HEAD') return false;
  sendPoolError(ctx.res, 'MethodNotAllowed', { hint }, { allow: 'GET' });
  return true;
}

/** `GET /_pool/health`: the whole state, no secrets. Loopback-only like everything else. */
export const serveHealth: Stage = (ctx) => {
  if (ctx.route?.kind !== 'health') return false;
  if (refuseUnlessGet(ctx, 'use GET /_pool/health')) return true;
  const backends = ctx.pool.snapshots();
  sendJson(ctx.res, 200, {
    status: backends.some((b) => b.status === 'healthy') ? 'ok' : 'degraded',
    healthy: backends.filter((b) => b.status === 'healthy').length,
    total: backends.length,
    aliases: ctx.pool.aliases,
    backends,
  });
  return true;
};

/** `GET /v1/models`, `/openai/models`: the pool's aliases, in the OpenAI list shape. */
export const serveModels: Stage = (ctx) => {
  if (ctx.route?.kind !== 'models') return false;
  if (refuseUnlessGet(ctx, 'use GET to list models')) return true;
  const model = (id: string) => ({ id, object: 'model', created: 0, owned_by: 'aoai-pool' });
  const id = ctx.route.id;
  if (id !== undefined) {
    if (!ctx.pool.aliases.includes(id)) {
      sendPoolError(ctx.res, 'ModelNotFound', { id, aliases: ctx.pool.aliases });
    } else {
      sendJson(ctx.res, 200, model(id));
    }
    return true;
  }
  sendJson(ctx.res, 200, { object: 'list', data: ctx.pool.aliases.map(model) });
  return true;
};

/**
 * The pool's own answers while forwarding: when no backend can take a
 * request, and when every attempt failed. All of them come from the error
 * catalogue (`poolErrors.ts`); the backend's own answer is preferred whenever
 * one is worth relaying.
 */
import { everyoneRestingUntil, restsOf } from '../balancer/route';
import type { Rest } from '../balancer/health';
import type { ProxyContext } from './context';
import type { Attempts } from './attempt';
import { sendPoolError } from './poolErrors';
import type { QuotaRefusal } from './quotaRoute';

/** No backend serves the alias at all. */
export function answerNotServed(ctx: ProxyContext): void {
  ctx.record.status = 404;
  sendPoolError(ctx.res, 'DeploymentNotFound', { alias: ctx.alias ?? '', aliases: ctx.pool.aliases });
}

export function answerStateConflict(ctx: ProxyContext, ids: readonly string[], owners: readonly string[]): void {
  ctx.record.status = 409;
  sendPoolError(ctx.res, 'StateConflict', { ids, owners });
}

/** The backend that holds the ids left the pool (or no longer serves the alias). */
export function answerStateGone(ctx: ProxyContext, ids: readonly string[], owner: string): void {
  ctx.record.status = 404;
  sendPoolError(ctx.res, 'StateNotFound', { ids, detail: `${ids.join(', ')} was created on backend "${owner}", which is no longer in the pool${ctx.alias ? ` for "${ctx.alias}"` : ''}` });
}

export function answerStateBackendUnavailable(ctx: ProxyContext, ids: readonly string[], owner: string, reason: string): void {
  ctx.record.status = 503;
  sendPoolError(ctx.res, 'StateBackendUnavailable', { ids, owner, reason });
}

/**
 * Every attempt failed, or none could be made. In order of preference: a
 * state lookup that found nobody; "everyone is throttled, back at T"; the last
 * backend answer kept in reserve, as it is; a transport failure; why nobody
 * could take the request.
 */
export async function answerAfterAttempts(ctx: ProxyContext, run: Attempts): Promise<void> {
  const { record } = ctx;
  const now = Date.now();
  const held = run.held;
  run.held = undefined;
  const candidates = run.targets.candidates;
  const refused = run.route.refused;
  if (refused) {
    // Quota routing's own answer: true for this request's size, better than any one backend's 429.
    held?.exchange.discard();
    answerRefused(ctx, refused);
    return;
  }
  if (held && run.targets.probe404 && held.head.statusCode === 404) {
    held.exchange.discard();
    record.status = 404;
    sendPoolError(ctx.res, 'StateNotFound', { ids: ctx.stateIds ?? [] });
    return;
  }
  const restingUntil = everyoneRestingUntil(candidates, now);
  // Better than one backend's Retry-After, or its "no such deployment" while
  // another that has it is only throttled: when the first of them is back.
  const back = held?.head.statusCode === 429 ? restingUntil : held?.deploymentMissing ? backByWaiting(restsOf(candidates, now)) : undefined;
  if (held && back !== undefined) {
    held.exchange.discard();
    throttled(ctx, back, now);
    return;
  }
  if (held) {
    record.backend = held.candidate.name;
    record.status = held.head.statusCode;
    if (run.budgetRefused) record.error = 'retry budget exhausted';
    ctx.gone.current = held.exchange;
    await held.exchange.relay(ctx.res, held.candidate.name, ctx.settings.mask);
    return;
  }
  if (run.lastTransport) {
    const timeout = run.lastTransport.kind === 'timeout';
    sendPoolError(ctx.res, timeout ? 'GatewayTimeout' : 'BadGateway', { why: failoverSummary(ctx) });
    return;
  }
  if (run.budgetRefused) record.error = 'retry budget exhausted';
  if (run.tried.size === 0 && run.retryAt !== undefined) {
    // Nobody could be asked, but someone will be back (or, with admission, the request will fit) then.
    throttled(ctx, run.retryAt, now);
    return;
  }
  if (restingUntil === undefined && run.tried.size > 0) {
    sendPoolError(ctx.res, 'NoBackendAvailable', { why: failoverSummary(ctx) });
    return;
  }
  unavailable(ctx, restsOf(candidates, now), now);
}

/** When the first candidate resting for throttling or failures is back (undefined: none is). */
function backByWaiting(rests: readonly { rest: Rest }[]): number | undefined {
  let back = Infinity;
  for (const { rest } of rests) if ((rest.reason === 'throttled' || rest.reason === 'ejected') && rest.until < back) back = rest.until;
  return Number.isFinite(back) ? back : undefined;
}

/** Nobody could be asked: say why, in the most useful form for the client. */
function unavailable(ctx: ProxyContext, rests: { name: string; rest: Rest }[], now: number): void {
  const back = backByWaiting(rests);
  if (back !== undefined) {
    throttled(ctx, back, now);
    return;
  }
  if (rests.length > 0 && rests.every((r) => r.rest.reason === 'notFound')) {
    ctx.record.status = 404;
    const names = rests.map((r) => r.name).join(', ');
    sendPoolError(ctx.res, 'DeploymentNotFound', {
      alias: ctx.alias ?? '', aliases: ctx.pool.aliases,
      detail: `every backend serving "${ctx.alias}" (${names}) answered 404 DeploymentNotFound: the deployment does not exist on that resource; asked again ${Math.max(1, Math.ceil((Math.min(...rests.map((r) => r.rest.until)) - now) / 1000))} s from now`,
    });
    return;
  }
  ctx.record.status = 503;
  const why = rests.length ? rests.map((r) => `${r.name}: ${r.rest.text}`).join('; ') : 'no backend is enabled';
  sendPoolError(ctx.res, 'NoBackendAvailable', { why });
}

function throttled(ctx: ProxyContext, until: number, now: number): void {
  const waitMs = Math.max(1, until - now);
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  ctx.record.status = 429;
  sendPoolError(ctx.res, 'PoolThrottled', { alias: ctx.alias, seconds }, { 'retry-after': String(seconds), 'retry-after-ms': String(waitMs) });
}

/**
 * Quota routing refused the request: it would wait longer than
 * `queue.maxWaitSec` (429 with the time a request of its size fits, in every
 * header the SDKs read), or it is larger than any deployment's minute (429
 * without a retry time, as Azure answers it: waiting does not help).
 */
function answerRefused(ctx: ProxyContext, r: QuotaRefusal): void {
  ctx.record.status = 429;
  if (r.reason === 'tooLarge' || r.retryAfterMs === undefined) {
    sendPoolError(ctx.res, 'QuotaTooSmall', { alias: ctx.alias, charge: r.charge });
    return;
  }
  const ms = Math.max(1, Math.ceil(r.retryAfterMs));
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  sendPoolError(ctx.res, 'QuotaBusy', { alias: ctx.alias, charge: r.charge, ms, maxWaitMs: ctx.pool.config.queue.maxWaitMs },
    { 'retry-after': String(seconds), 'retry-after-ms': String(ms), 'x-ms-retry-after-ms': String(ms) });
}

function failoverSummary(ctx: ProxyContext): string {
  return ctx.record.failovers.map((f) => `${f.backend}: ${f.reason}`).join('; ');
}

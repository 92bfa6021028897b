/**
 * Picks a backend, sends the request with that backend's own credential, and
 * fails over at once (no sleeping) on 429, 408, 5xx, connection errors and
 * timeouts, as long as nothing has reached the client. Every outcome updates
 * the backend's health.
 */
import { pick, soonestAvailable } from '../../balancer/pick';
import { parseRemaining, throttleDelay } from '../../balancer/throttle';
import { ANY_DEPLOYMENT } from '../../balancer/health';
import { sendPoolError } from '../poolErrors';
import { upstreamRequestHeaders } from '../headers';
import { Exchange, type ResponseHead } from '../exchange';
import { upstreamPath } from '../routes';
import { createdId } from '../sticky';
import { describeUpstreamError } from '../upstream';
import type { PoolCandidate } from '../pool';
import type { ProxyContext, Stage } from '../context';

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

export const forward: Stage = async (ctx) => {
  const { pool, record } = ctx;
  const budget = ctx.settings.retryBudget;
  budget.recordRequest();
  const target = chooseTargets(ctx);
  if (!target) return true;
  const { usable, probe404 } = target;
  const rr = pool.roundRobin(ctx.alias ?? ANY_DEPLOYMENT);
  const tried = new Set<string>();
  // Looking for the owner of an unknown id may ask every backend once.
  const maxAttempts = probe404 ? usable.length : Math.min(pool.config.maxAttempts, usable.length);
  let held: { exchange: Exchange; head: ResponseHead; candidate: PoolCandidate } | undefined;
  let lastTransportError: { kind: string; message: string } | undefined;
  let budgetSpent = false;

  while (tried.size < maxAttempts && !ctx.gone.aborted) {
    const c = pick(usable, Date.now(), rr, tried);
    if (!c) break;
    if (tried.size > 0 && !probe404 && !budget.tryRetry()) {
      // A pool-wide outage must not turn every request into maxAttempts requests.
      budgetSpent = true;
      break;
    }
    tried.add(c.name);
    if (held) {
      // A retryable answer we kept in case nothing better came; something might now.
      held.exchange.discard();
      held = undefined;
    }
    record.attempts++;
    const auth = c.backend.auth === 'apiKey' ? pool.auth.apiKeyHeader(c.backend) : await pool.auth.headerFor(c.backend);
    if (!auth.ok) {
      c.health.setCredential(auth.state, auth.reason);
      pool.changed(c.health);
      record.failovers.push({ backend: c.name, reason: auth.reason });
      continue;
    }
    const body = ctx.rewriteBody && ctx.body ? ctx.rewriteBody(c.deployment) : ctx.body;
    const started = performance.now();
    const exchange = new Exchange();
    ctx.gone.current = exchange;
    let head: ResponseHead;
    try {
      pool.upstreams.dispatch({
        origin: c.backend.endpoint,
        path: upstreamPath(ctx.route!, c.deployment === ANY_DEPLOYMENT ? undefined : c.deployment),
        method: ctx.req.method ?? 'GET',
        headers: upstreamRequestHeaders(ctx.req.headers, auth, body?.length),
        body,
        headersTimeout: ctx.stream ? pool.config.timeouts.streamHeadersMs : pool.config.timeouts.headersMs,
        bodyTimeout: pool.config.timeouts.idleMs,
      }, exchange);
      head = await exchange.response;
    } catch (e) {
      const d = describeUpstreamError(e);
      // The client left: not the backend's fault, and nobody to answer.
      if (ctx.gone.aborted || d.kind === 'aborted') return true;
      backendFailed(ctx, c, d.message, d.message);
      lastTransportError = d;
      continue;
    }
    const status = head.statusCode;
    observe(ctx, c, head, performance.now() - started);
    if (isRetryableStatus(status) || (probe404 && status === 404)) {
      record.failovers.push({ backend: c.name, reason: `HTTP ${status}` });
      held = { exchange, head, candidate: c };
      continue;
    }
    record.backend = c.name;
    record.status = status;
    const r = await exchange.relay(ctx.res, c.name, ctx.settings.mask, learnCreatedId(ctx, c.name, status));
    if (r.kind === 'failedBeforeBody') {
      const d = describeUpstreamError(r.error);
      backendFailed(ctx, c, `${d.message} before the body`, d.message);
      record.backend = undefined;
      lastTransportError = d;
      continue;
    }
    if (r.kind === 'failedMidStream') {
      const d = describeUpstreamError(r.error);
      backendFailed(ctx, c, `${d.message} mid-stream`);
      record.error = `${d.message} mid-stream`;
    }
    return true;
  }

  if (ctx.gone.aborted) {
    held?.exchange.discard();
    return true;
  }
  const now = Date.now();
  const fresh = pool.candidates(ctx.alias).usable;
  const everyoneResting = fresh.length > 0 && fresh.every((c) => c.availableAt > now);
  if (held && probe404 && held.head.statusCode === 404) {
    held.exchange.discard();
    ctx.record.status = 404;
    sendPoolError(ctx.res, 'StateNotFound', { ids: ctx.stateIds! });
    return true;
  }
  if (held && held.head.statusCode === 429 && everyoneResting) {
    // Better than one backend's Retry-After: when the first of them is back.
    held.exchange.discard();
    allThrottled(ctx, fresh);
    return true;
  }
  if (held) {
    record.backend = held.candidate.name;
    record.status = held.head.statusCode;
    if (budgetSpent) record.error = 'retry budget exhausted';
    ctx.gone.current = held.exchange;
    await held.exchange.relay(ctx.res, held.candidate.name, ctx.settings.mask);
    return true;
  }
  if (lastTransportError) {
    const timeout = lastTransportError.kind === 'timeout';
    sendPoolError(ctx.res, timeout ? 'GatewayTimeout' : 'BadGateway', { why: failoverSummary(ctx) });
    return true;
  }
  if (everyoneResting || tried.size === 0) {
    allThrottled(ctx, fresh.length > 0 ? fresh : usable);
    return true;
  }
  if (budgetSpent) record.error = 'retry budget exhausted';
  sendPoolError(ctx.res, 'NoBackendAvailable', { why: failoverSummary(ctx) });
  return true;
};

/** A transport failure: counts against the backend; `failover` is what the request log shows. */
function backendFailed(ctx: ProxyContext, c: PoolCandidate, reason: string, failover?: string): void {
  c.health.recordFailure(reason, Date.now());
  ctx.pool.changed(c.health);
  if (failover !== undefined) ctx.record.failovers.push({ backend: c.name, reason: failover });
}

function failoverSummary(ctx: ProxyContext): string {
  return ctx.record.failovers.map((f) => `${f.backend}: ${f.reason}`).join('; ');
}

/** Passive health: latency, throttle, rate headers, misconfiguration. */
function observe(ctx: ProxyContext, c: PoolCandidate, response: ResponseHead, latencyMs: number): void {
  const { pool } = ctx;
  const h = c.health;
  const status = response.statusCode;
  const now = Date.now();
  h.recordResponse(c.deployment, status, Math.round(latencyMs));
  h.recordRateHeaders(parseRemaining(response.headers['x-ratelimit-remaining-requests']), parseRemaining(response.headers['x-ratelimit-remaining-tokens']));
  if (status === 429) {
    const cd = pool.config.cooldown;
    const d = throttleDelay(response.headers, now, cd.defaultSec * 1000, cd.maxSec * 1000);
    h.recordThrottle(c.deployment, now + d.ms, `429 on ${c.deployment === ANY_DEPLOYMENT ? 'the backend' : c.deployment}, resting ${Math.ceil(d.ms / 1000)} s (${d.source})`);
  } else if (status === 401 || status === 403) {
    h.recordMisconfigured(status, status === 401 ? 'the backend refused our credential' : 'our credential lacks access (for Entra: the "Cognitive Services OpenAI User" role)', now);
  } else if (status >= 500 || status === 408) {
    h.recordFailure(`HTTP ${status}`, now);
  } else if (status === 404 && ctx.route?.kind === 'deployment') {
    h.recordDeploymentNotFound(c.deployment);
  }
  pool.changed(h);
}

function allThrottled(ctx: ProxyContext, candidates: readonly PoolCandidate[]): void {
  const now = Date.now();
  const soonest = soonestAvailable(candidates);
  const waitMs = Number.isFinite(soonest) ? Math.max(0, soonest - now) : ctx.pool.config.cooldown.defaultSec * 1000;
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  ctx.record.status = 429;
  sendPoolError(ctx.res, 'PoolThrottled', { alias: ctx.alias, seconds },
    { 'retry-after': String(seconds), 'retry-after-ms': String(Math.max(1, waitMs)) });
}

function noCandidates(ctx: ProxyContext, unusable: { name: string; reason: string }[]): void {
  const { pool } = ctx;
  if (unusable.length === 0 && ctx.alias !== undefined) {
    ctx.record.status = 404;
    sendPoolError(ctx.res, 'DeploymentNotFound', { alias: ctx.alias, aliases: pool.aliases });
    return;
  }
  ctx.record.status = 503;
  const why = unusable.length ? unusable.map((u) => `${u.name}: ${u.reason}`).join('; ') : 'no backend is enabled';
  sendPoolError(ctx.res, 'NoBackendAvailable', { why });
}

/**
 * The backends this request may go to. A request naming a stateful id that
 * we saw created goes only to the backend that created it; one naming ids we
 * never saw asks the backends in turn (`probe404`). Answers the request itself
 * (and returns undefined) when nobody can take it.
 */
function chooseTargets(ctx: ProxyContext): { usable: PoolCandidate[]; probe404: boolean } | undefined {
  const { pool } = ctx;
  const { usable, unusable } = pool.candidates(ctx.alias);
  if (ctx.stateIds) {
    const owners = new Set(ctx.stateIds.map((id) => ctx.settings.sticky.get(id)).filter((o): o is string => o !== undefined));
    if (owners.size > 1) {
      ctx.record.status = 409;
      sendPoolError(ctx.res, 'StateConflict', { ids: ctx.stateIds, owners: [...owners] });
      return undefined;
    }
    const owner = [...owners][0];
    if (owner !== undefined) {
      const pinned = usable.filter((c) => c.name === owner);
      if (pinned.length) return { usable: pinned, probe404: false };
      const why = unusable.find((u) => u.name === owner)?.reason;
      ctx.record.status = why ? 503 : 404;
      if (why) sendPoolError(ctx.res, 'StateBackendUnavailable', { ids: ctx.stateIds, owner, reason: why });
      else sendPoolError(ctx.res, 'StateNotFound', { ids: ctx.stateIds, detail: `${ctx.stateIds.join(', ')} was created on backend "${owner}", which is no longer in the pool${ctx.alias ? ` for "${ctx.alias}"` : ''}` });
      return undefined;
    }
  }
  if (usable.length === 0) {
    noCandidates(ctx, unusable);
    return undefined;
  }
  return { usable, probe404: ctx.stateIds !== undefined };
}

/** Remembers which backend created the object a successful response announces. */
function learnCreatedId(ctx: ProxyContext, backend: string, status: number): ((first: Buffer) => void) | undefined {
  const kind = ctx.route?.kind;
  if (status >= 300 || ctx.req.method !== 'POST' || (kind !== 'v1' && kind !== 'openai')) return undefined;
  return (first) => {
    const id = createdId(first);
    if (id) ctx.settings.sticky.set(id, backend);
  };
}

/**
 * Turns a finished request's trace into its timeline: every backend of the
 * pool as a candidate (in the order the balancer considers them), why each
 * one that got nothing got nothing, each attempt, and the outcome.
 */
import type { RequestRecord, SkipCode, TimelineEntry } from '../events';
import { AttemptStep, SkipStep, type Trace } from './trace';

/** Seconds (or ms under one second) from now until `until`, for reasons read later. */
export function restFor(until: number, now: number): string {
  const ms = Math.max(0, until - now);
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** The timeline of a finished request, from its trace and its record. */
export function buildTimeline(trace: Trace, record: RequestRecord): TimelineEntry[] {
  const { pool, mask } = trace;
  const out: TimelineEntry[] = [];
  if (!pool || (!trace.routed && trace.steps.length === 0)) return out;
  const alias = record.alias;

  // Candidates: every backend, lowest priority number first (the stable sort keeps config order inside a group).
  const listed = new Map(trace.listed.map((c) => [c.name, c]));
  const backends = [...pool.backends].sort((a, b) => a.priority - b.priority);
  const skipped = new Set<string>();
  const noDeployment: TimelineEntry[] = [];
  for (const b of backends) {
    const c = listed.get(b.name);
    const deployment = c ? c.deployment : alias === undefined ? undefined : b.deployments ? b.deployments[alias] : alias;
    out.push({ type: 'candidate', backend: b.name, deployment: deployment === '*' ? undefined : deployment, priority: b.priority, weight: b.weight });
    if (c) continue;
    skipped.add(b.name);
    noDeployment.push(skip(b.name, 'noDeployment', `has no deployment for "${alias ?? ''}"`));
  }
  out.push(...noDeployment);

  // Skips and attempts as they happened.
  let n = 0;
  for (const s of trace.steps) {
    skipped.add(s.backend);
    if (!(s instanceof AttemptStep)) {
      out.push(restEntry(s, mask));
      continue;
    }
    out.push({
      type: 'attempt', n: ++n, backend: s.backend, deployment: s.deployment === '*' ? undefined : s.deployment,
      status: s.status === 0 ? undefined : s.status,
      error: s.error !== undefined ? mask(s.error) : s.status === 0 ? 'no answer (the client left)' : undefined,
      ms: Math.round(s.latencyUs / 1000), ttfbMs: s.ttfbUs < 0 ? undefined : Math.round(s.ttfbUs / 1000), bytes: s.bytes,
      throttle: s.throttle,
    });
  }

  // Candidates the request never reached, and why.
  const winner = record.backend !== undefined ? backends.find((b) => b.name === record.backend) : undefined;
  for (const b of backends) {
    if (skipped.has(b.name)) continue;
    const [code, reason] = untried(b, trace, winner);
    out.push(skip(b.name, code, reason));
  }
  out.push({ type: 'outcome', status: record.status, backend: record.backend, attempts: n, ms: record.ms, error: record.error !== undefined ? mask(record.error) : undefined, summary: summary(record, n, trace) });
  return out;
}

/** How each rest reads: "cooling down, 4.2 s more: 429 on gpt-4o, resting 7 s (retry-after-ms)". */
const REST_WORDS: Partial<Record<SkipCode, string>> = {
  cooling: 'cooling down', ejected: 'ejected', misconfigured: 'misconfigured', notFound: 'deployment not found', quota: 'does not fit its quota',
};

function restEntry(s: SkipStep, mask: (text: string) => string): TimelineEntry {
  if (s.code === 'disabled') return skip(s.backend, 'disabled', 'disabled in the config');
  const words = REST_WORDS[s.code];
  if (words === undefined || !Number.isFinite(s.until)) return skip(s.backend, s.code, mask(s.reason));
  return skip(s.backend, s.code, `${words}, ${restFor(s.until, s.at)} more: ${mask(s.reason)}`, s.until);
}

function skip(backend: string, code: SkipCode, reason: string, until?: number): TimelineEntry {
  return until === undefined ? { type: 'skip', backend, code, reason } : { type: 'skip', backend, code, reason, until };
}

function untried(b: { name: string; priority: number }, trace: Trace, winner: { name: string; priority: number } | undefined): [SkipCode, string] {
  if (trace.clientGone) return ['clientGone', 'not tried: the client left'];
  if (trace.pinnedTo !== undefined && trace.pinnedTo !== b.name) return ['pinned', `the request's stored objects live on ${trace.pinnedTo}`];
  if (trace.budgetRefused) return ['retryBudget', 'not tried: the pool-wide retry budget is spent (an outage must not multiply requests)'];
  if (trace.attemptLimit > 0) return ['attemptLimit', `not tried: ${trace.attemptLimit} attempts is the limit (maxAttempts)`];
  if (winner && b.priority > winner.priority) return ['notNeeded', `priority group ${b.priority} not needed: ${winner.name} (priority ${winner.priority}) answered`];
  if (winner) return ['notNeeded', `not needed: ${winner.name} answered`];
  return ['notNeeded', 'not tried'];
}

function summary(r: RequestRecord, attempts: number, trace: Trace): string {
  if (trace.clientGone && r.backend === undefined) return 'the client left before an answer came';
  const after = attempts > 1 ? ` after ${attempts - 1} failover${attempts > 2 ? 's' : ''}` : '';
  if (r.backend !== undefined) {
    if (trace.budgetRefused) return `${r.backend}'s ${r.status} passed on${after}: the retry budget allowed no further attempt`;
    if (r.error !== undefined) return `${r.backend} answered ${r.status}${after}, then: ${r.error}`;
    return r.status < 400 ? `served by ${r.backend}${after}` : `${r.backend}'s ${r.status} passed on${after}: no better answer came`;
  }
  switch (r.status) {
    case 429: return trace.steps.some((s) => s instanceof SkipStep && s.code === 'quota')
      ? 'no deployment has quota for it within queue.maxWaitSec: the pool answered 429 with the time a request of its size fits'
      : 'every candidate is resting: the pool answered 429 with the time until the first is back';
    case 404: return attempts ? 'not found on any backend' : 'no backend serves this alias';
    case 409: return 'the stored objects live on different backends';
    case 502: return 'no backend answered';
    case 503: return 'no backend could take the request';
    case 504: return 'no backend answered in time';
    default: return r.status >= 400 ? `the pool answered ${r.status} itself` : `answered by the pool (${r.status})`;
  }
}

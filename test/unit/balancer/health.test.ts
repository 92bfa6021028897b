/**
 * The health state table (balancer/health.ts) and the one rule that feeds it
 * (balancer/observe.ts), without sockets or timers.
 */
import { describe, expect, it } from 'vitest';
import { ANY_DEPLOYMENT, BackendHealth, MAX_UNLISTED_DEPLOYMENTS, MISCONFIGURED_RETRY_MS, NOT_FOUND_REST_MS, type HealthChange } from '../../../src/core/balancer/health';
import { observe, type Observation, type Outcome } from '../../../src/core/balancer/observe';
import { PoolHealth } from '../../../src/core/balancer/poolHealth';
import { validateConfig } from '../../../src/core/config/validate';
import type { BackendConfig } from '../../../src/core/config/types';

const T = 1_700_000_000_000;

function backend(raw: Record<string, unknown> = {}): BackendConfig {
  const r = validateConfig({ backends: [{ name: 'b', endpoint: 'https://b.openai.azure.com', deployments: ['gpt-4o', 'mini'], ...raw }] });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config.backends[0]!;
}

function health(raw?: Record<string, unknown>) {
  const changes: HealthChange[] = [];
  const h = new BackendHealth(backend(raw), (_h, what) => changes.push(what));
  return { h, changes };
}

const at = (now: number, source: Observation['source'] = 'request', deployment = 'gpt-4o'): Observation =>
  ({ source, deployment, now, cooldown: { defaultSec: 10, maxSec: 300 } });
const answer = (status: number, headers: Record<string, string> = {}, errorCode?: string): Outcome =>
  ({ kind: 'answer', status, headers, latencyMs: 12, errorCode });
const refused: Outcome = { kind: 'transport', failure: 'connect', message: 'connection refused' };
const reset: Outcome = { kind: 'transport', failure: 'reset', message: 'connection reset by the backend' };

describe('backend status (the table in health.ts)', () => {
  it('starts unknown, and is healthy only after a success', () => {
    const { h } = health();
    expect(h.snapshot(T)).toMatchObject({ status: 'unknown', deployments: [{ status: 'unknown' }, { status: 'unknown' }] });
    observe(h, answer(400), at(T));
    expect(h.snapshot(T).status).toBe('unknown'); // the caller's mistake proves nothing
    observe(h, answer(429, { 'retry-after': '1' }), at(T));
    expect(h.snapshot(T + 2_000).status).toBe('unknown'); // quota, not health
    observe(h, answer(200), at(T));
    expect(h.snapshot(T)).toMatchObject({ status: 'healthy', deployments: [{ status: 'cooling' }, { status: 'healthy' }] });
    expect(h.snapshot(T + 2_000)).toMatchObject({ status: 'healthy', deployments: [{ status: 'healthy' }, { status: 'healthy' }] });
  });

  it('is unhealthy from the first failure, with its reason, until a success; ejected at once for connect failures', () => {
    const { h } = health();
    observe(h, answer(200), at(T));
    const v = observe(h, refused, at(T));
    expect(v).toEqual({ failover: true, reason: 'connection refused' });
    expect(h.snapshot(T)).toMatchObject({ status: 'unhealthy', reason: 'connection refused', ejectedUntil: T + 5_000, deployments: [{ status: 'unavailable' }, { status: 'unavailable' }] });
    // The ejection ends: traffic may try again, the status stays.
    expect(h.availableAt('gpt-4o')).toBe(T + 5_000);
    expect(h.snapshot(T + 6_000)).toMatchObject({ status: 'unhealthy', reason: 'connection refused', ejectedUntil: 0 });
    observe(h, answer(404), at(T + 6_000)); // an answer, but no success
    expect(h.snapshot(T + 6_000).status).toBe('unhealthy');
    observe(h, answer(204), at(T + 6_000, 'probe', ANY_DEPLOYMENT));
    expect(h.snapshot(T + 6_000)).toMatchObject({ status: 'healthy', reason: undefined, ejectedUntil: 0 });
  });

  it('ejects other failures after three in a row, for 5 s doubling; an answer ends the streak', () => {
    const { h } = health();
    observe(h, answer(503), at(T));
    observe(h, reset, at(T));
    expect(h.snapshot(T)).toMatchObject({ status: 'unhealthy', reason: 'connection reset by the backend', ejectedUntil: 0 });
    observe(h, answer(400), at(T));
    observe(h, answer(500), at(T));
    observe(h, answer(502), at(T));
    expect(h.ejectedUntil).toBe(0);
    observe(h, answer(408), at(T));
    expect(h.ejectedUntil).toBe(T + 5_000);
    for (let i = 0; i < 3; i++) observe(h, answer(500), at(T + 10_000));
    expect(h.ejectedUntil).toBe(T + 10_000 + 10_000);
  });

  it('is misconfigured after a 401/403 or a probe 404, retried after a minute, and shown until a success', () => {
    const { h } = health();
    expect(observe(h, answer(401), at(T))).toEqual({ failover: true, reason: 'HTTP 401' });
    expect(h.snapshot(T)).toMatchObject({ status: 'misconfigured', reason: '401: the backend refused our credential' });
    expect(h.availableAt('mini')).toBe(T + MISCONFIGURED_RETRY_MS);
    expect(h.snapshot(T + MISCONFIGURED_RETRY_MS + 1).status).toBe('misconfigured');
    observe(h, answer(200), at(T + MISCONFIGURED_RETRY_MS + 1));
    expect(h.snapshot(T).status).toBe('healthy');
    observe(h, answer(404), at(T, 'probe', ANY_DEPLOYMENT));
    expect(h.snapshot(T)).toMatchObject({ status: 'misconfigured', reason: '404: probe: no Azure OpenAI API at this endpoint' });
  });

  it('shows credential and config states before health, and deployments as unavailable then', () => {
    const { h } = health();
    observe(h, answer(200), at(T));
    observe(h, { kind: 'credential', state: 'keyMissing', reason: 'no API key: set X' }, at(T));
    expect(h.snapshot(T)).toMatchObject({ status: 'keyMissing', reason: 'no API key: set X', deployments: [{ status: 'unavailable' }, { status: 'unavailable' }] });
    expect(h.usable()).toBe(false);
    observe(h, { kind: 'credential', state: 'ok' }, at(T));
    expect(h.snapshot(T).status).toBe('healthy');
    const off = health({ enabled: false }).h;
    expect(off.snapshot(T)).toMatchObject({ status: 'disabled', reason: 'disabled in the config' });
    expect(off.rest('gpt-4o', T)).toMatchObject({ reason: 'disabled', until: Infinity });
  });
});

describe('deployments', () => {
  it('a 429 rests that deployment as the headers say; the backend is cooling only when all rest', () => {
    const { h } = health();
    observe(h, answer(200), at(T));
    const v = observe(h, answer(429, { 'retry-after-ms': '7000' }), at(T));
    expect(v).toEqual({ failover: true, reason: 'HTTP 429', rest: { ms: 7000, source: 'retry-after-ms' } });
    expect(h.availableAt('gpt-4o')).toBe(T + 7_000);
    expect(h.availableAt('mini')).toBe(0);
    expect(h.snapshot(T)).toMatchObject({ status: 'healthy', deployments: [{ status: 'cooling', cooldownUntil: T + 7_000 }, { status: 'healthy' }] });
    expect(h.rest('gpt-4o', T)).toMatchObject({ reason: 'throttled', until: T + 7_000 });
    expect(h.downUntil('gpt-4o')).toBe(0); // for a router that rests by size itself
    observe(h, answer(429, { 'retry-after': '3' }), at(T, 'request', 'mini'));
    expect(h.snapshot(T)).toMatchObject({ status: 'cooling', cooldownUntil: T + 7_000 });
    expect(h.snapshot(T + 7_001)).toMatchObject({ status: 'healthy', cooldownUntil: 0 });
  });

  it('a 404 DeploymentNotFound rests that deployment and shows it until a success on it; other 404s are the caller\'s', () => {
    const { h } = health();
    observe(h, answer(200), at(T, 'request', 'mini'));
    expect(observe(h, answer(404, {}, '404'), at(T))).toEqual({ failover: false, reason: '' });
    expect(h.snapshot(T).deployments[0]!.status).toBe('healthy');
    expect(observe(h, answer(404, {}, 'DeploymentNotFound'), at(T))).toEqual({ failover: true, reason: 'HTTP 404 DeploymentNotFound' });
    expect(h.availableAt('gpt-4o')).toBe(T + NOT_FOUND_REST_MS);
    expect(h.downUntil('gpt-4o')).toBe(T + NOT_FOUND_REST_MS);
    expect(h.rest('gpt-4o', T)).toMatchObject({ reason: 'notFound' });
    expect(h.availableAt('mini')).toBe(0);
    const later = T + NOT_FOUND_REST_MS + 1;
    expect(h.availableAt('gpt-4o')).toBeLessThan(later); // traffic may try it again ...
    expect(h.snapshot(later).deployments.map((d) => d.status)).toEqual(['misconfigured', 'healthy']); // ... it still shows
    expect(h.snapshot(later).status).toBe('healthy'); // mini serves
    observe(h, answer(200), at(later));
    expect(h.snapshot(later).deployments[0]!.status).toBe('healthy');
    // With every deployment missing, the backend is misconfigured.
    observe(h, answer(404, {}, 'DeploymentNotFound'), at(later));
    observe(h, answer(404, {}, 'DeploymentNotFound'), at(later, 'request', 'mini'));
    expect(h.snapshot(later)).toMatchObject({ status: 'misconfigured', reason: 'every deployment answered 404 DeploymentNotFound' });
  });

  it('probes and requests agree: a probe 404 is about the endpoint, a request 404 about the request', () => {
    const a = health().h;
    const b = health().h;
    observe(a, answer(200), at(T));
    observe(b, answer(200), at(T));
    observe(a, answer(404), at(T, 'probe', ANY_DEPLOYMENT));
    observe(b, answer(404), at(T, 'request', ANY_DEPLOYMENT));
    expect([a.snapshot(T).status, b.snapshot(T).status]).toEqual(['misconfigured', 'healthy']);
  });

  it('keeps state for a bounded number of names a pass-through backend is asked for, least recently used first', () => {
    const { h } = health({ deployments: undefined });
    observe(h, answer(429, { 'retry-after': '30' }), at(T, 'request', 'hot'));
    for (let i = 0; i < 1_000; i++) {
      observe(h, answer(200), at(T, 'request', `name-${i}`));
      if (i % 10 === 0) observe(h, answer(429, { 'retry-after': '30' }), at(T, 'request', 'hot')); // still in use
    }
    expect(h.deploymentCount).toBe(MAX_UNLISTED_DEPLOYMENTS);
    expect(h.availableAt('hot')).toBe(T + 30_000); // recently used: kept, and still resting
    expect(h.availableAt('name-0')).toBe(0);
    expect(h.snapshot(T).deployments.map((d) => d.alias)).toContain('name-999');
    // A client's invented name is not the backend's misconfiguration.
    observe(h, answer(404, {}, 'DeploymentNotFound'), at(T, 'request', 'typo'));
    expect(h.availableAt('typo')).toBe(T + NOT_FOUND_REST_MS);
    expect(h.snapshot(T).deployments.find((d) => d.alias === 'typo')!.status).not.toBe('misconfigured');
  });
});

describe('announcements', () => {
  it('every change announces itself: status changes as such, the rest as counters', () => {
    const { h, changes } = health();
    observe(h, answer(200), at(T));
    expect(changes).toEqual(['counters', 'status']);
    changes.length = 0;
    observe(h, answer(200), at(T));
    expect(changes).toEqual(['counters']); // healthy stays healthy
    changes.length = 0;
    observe(h, answer(500), at(T));
    observe(h, answer(429), at(T));
    observe(h, { kind: 'credential', state: 'ok' }, at(T)); // no change: no event
    expect(changes).toEqual(['counters', 'status', 'counters', 'status']);
  });

  it('PoolHealth keeps state across reloads for unchanged backends and names each change', () => {
    const pool = new PoolHealth();
    const heard: string[] = [];
    pool.on('changed', (name, what) => heard.push(`${name}:${what}`));
    const b = backend();
    pool.reconcile([b]);
    const first = pool.get('b')!;
    observe(first, refused, at(T));
    pool.reconcile([{ ...b, weight: 7 }]);
    expect(pool.get('b')).toBe(first); // same object: in-flight requests report into it
    expect(pool.snapshot('b', T)).toMatchObject({ weight: 7, status: 'unhealthy' });
    pool.reconcile([{ ...b, endpoint: 'https://elsewhere.openai.azure.com' }]);
    expect(pool.get('b')).not.toBe(first);
    expect(pool.snapshot('b', T)!.status).toBe('unknown');
    heard.length = 0;
    observe(first, answer(200), at(T)); // a request of the old endpoint, still in flight
    expect(heard).toEqual([]);
    observe(pool.get('b')!, answer(200), at(T));
    expect(heard).toEqual(['b:counters', 'b:status']);
  });
});

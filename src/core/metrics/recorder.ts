/**
 * The pool's memory of its traffic: a time series per backend deployment,
 * one for the pool as its clients see it, and the most recent requests with
 * their timelines. All of it has a fixed upper size: the number of series is
 * capped (clients may invent any number of model names for pass-through
 * backends), each series is a fixed ring, and so is the request list.
 */
import type { RequestRecord } from '../events';
import { Series, SLOTS, BUCKET_MS } from './series';
import { RequestRing } from './ring';
import { AttemptStep, type TimelinePool, type Trace } from './trace';
import { readUsage } from './usage';

/** Most deployment series kept; further ones share one `(other)` series. */
export const MAX_SERIES = 40;
/** Requests kept for `/_pool/requests` and the dashboard. */
export const RECENT_REQUESTS = 500;
export const OTHER = '(other)';

export class PoolMetrics {
  /** Epoch ms: rates over "the last minute" never divide by time before this. */
  readonly createdAt = Date.now();
  /** The pool as clients see it: one sample per request, with the status they got. */
  readonly pool = new Series('', '', undefined);
  readonly requests = new RequestRing(RECENT_REQUESTS);
  private readonly byBackend = new Map<string, Map<string, Series>>();
  private count = 0;
  private other: Series | undefined;
  /** A reused sample for the pool series: no allocation per request. */
  private readonly sample = new PoolSample();

  /** Every deployment series, the `(other)` one last. */
  series(): Series[] {
    const all: Series[] = [];
    for (const m of this.byBackend.values()) all.push(...m.values());
    if (this.other) all.push(this.other);
    return all;
  }

  /**
   * Records a finished request: its attempts in their series, the pool
   * sample, and the record in the ring (its timeline is built when read).
   * Positional arguments: this runs once per request, and allocates nothing.
   */
  finish(record: RequestRecord, trace: Trace, startedAt: number, requestBytes: number, pool: TimelinePool,
    pinnedTo: string | undefined, clientGone: boolean, mask: (text: string) => string): void {
    const now = Date.now();
    let winner: AttemptStep | undefined;
    for (const s of trace.steps) {
      if (!(s instanceof AttemptStep)) continue;
      settle(s, startedAt);
      this.get(s.backend, s.deployment, record.alias, now).record(now, s);
      if (s.backend === record.backend) winner = s;
    }
    trace.winner = winner;
    trace.pool = pool;
    trace.pinnedTo = pinnedTo;
    trace.clientGone = clientGone;
    trace.mask = mask;
    record.requestBytes = requestBytes;
    if (winner) record.responseBytes = winner.bytes;
    this.sample.set(record, winner, clientGone);
    this.pool.record(now, this.sample);
    this.requests.push(record);
  }

  /** The series of one backend deployment, made on first use within the cap. */
  get(backend: string, deployment: string, alias: string | undefined, now: number): Series {
    let m = this.byBackend.get(backend);
    const found = m?.get(deployment);
    if (found) return found;
    if (this.count >= MAX_SERIES && !this.evictStale(now)) return (this.other ??= new Series(OTHER, OTHER, undefined));
    if (!m) this.byBackend.set(backend, (m = new Map()));
    const s = new Series(backend, deployment, alias);
    m.set(deployment, s);
    this.count++;
    return s;
  }

  /** Drops the least recently used series if it saw nothing in the whole window. */
  private evictStale(now: number): boolean {
    let oldest: Series | undefined;
    for (const m of this.byBackend.values()) for (const s of m.values()) if (!oldest || s.lastAt < oldest.lastAt) oldest = s;
    if (!oldest || oldest.lastAt > now - SLOTS * BUCKET_MS) return false;
    const m = this.byBackend.get(oldest.backend)!;
    m.delete(oldest.deployment);
    if (m.size === 0) this.byBackend.delete(oldest.backend);
    this.count--;
    return true;
  }
}

/** Reads an attempt's exchange into its sample fields, once, and lets the exchange go. */
function settle(s: AttemptStep, requestStartedAt: number): void {
  const x = s.exchange;
  if (!x) return;
  s.exchange = undefined;
  s.bytes = x.bytes;
  s.status = x.statusCode;
  s.broken = s.error !== undefined && x.statusCode !== 0;
  // A relayed answer took until its end; one held back and dropped (a 429 we failed over) until its status line.
  // (An attempt cut off before any of these, by a client that left, ends now.)
  const end = (x.firstByteAt ? x.endAt : x.headAt || x.endAt) || performance.now();
  s.latencyUs = us(end - x.startedAt);
  if (x.firstByteAt) {
    s.ttfbUs = us(x.firstByteAt - x.startedAt);
    s.requestTtfbUs = us(x.firstByteAt - requestStartedAt);
  }
  const h = x.headers;
  if (h) {
    s.limitTokens = wholeNumber(h['x-ratelimit-limit-tokens']);
    s.remainingTokens = wholeNumber(h['x-ratelimit-remaining-tokens']);
  }
  if (x.statusCode < 400) readUsage(x.lastChunk, x.previousChunk, s);
}

/** A header that holds a whole number (`x-ratelimit-*`), else -1. No regex, no string made: this runs per request. */
function wholeNumber(v: string | string[] | undefined): number {
  const s = typeof v === 'string' ? v : v?.[0];
  if (s === undefined || s.length === 0 || s.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function us(ms: number): number {
  return ms > 0 ? Math.round(ms * 1000) : 0;
}

/** The pool-level sample: the status the client got, the whole request's time, its first byte. */
class PoolSample {
  status = 0;
  broken = false;
  latencyUs = 0;
  ttfbUs = -1;
  totalTokens = -1;
  promptTokens = -1;
  completionTokens = -1;
  limitTokens = -1;
  remainingTokens = -1;

  set(r: RequestRecord, winner: AttemptStep | undefined, clientGone: boolean): void {
    this.status = r.status;
    // A stream that broke is the pool's failure; a client that left is not.
    this.broken = !clientGone && r.error !== undefined && r.status < 400;
    this.latencyUs = r.ms * 1000;
    this.ttfbUs = winner ? winner.requestTtfbUs : -1;
    this.totalTokens = winner ? winner.totalTokens : -1;
    this.promptTokens = winner ? winner.promptTokens : -1;
    this.completionTokens = winner ? winner.completionTokens : -1;
  }
}

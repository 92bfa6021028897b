/**
 * The pool's memory of its traffic: a time series per backend deployment,
 * one for the pool as its clients see it, and the most recent requests with
 * their timelines. All of it has a fixed upper size: the number of series is
 * capped (clients may invent any number of model names for pass-through
 * backends), each series is a fixed ring, and so is the request list.
 */
import type { RequestRecord } from '../events';
import { parseRemaining } from '../balancer/throttle';
import { Series, SLOTS, BUCKET_MS } from './series';
import { RequestRing } from './ring';
import { buildTimeline, type TimelinePool } from './timeline';
import { AttemptStep, type Trace } from './trace';
import { usageFromTail } from './usage';

/** Most deployment series kept; further ones share one `(other)` series. */
export const MAX_SERIES = 40;
/** Requests kept for `/_pool/requests` and the dashboard. */
export const RECENT_REQUESTS = 500;
export const OTHER = '(other)';

/** What `finish` needs from a request that went through the pipeline. */
export interface FinishedContext {
  readonly record: RequestRecord;
  readonly trace: Trace;
  /** `performance.now()` when the request arrived. */
  readonly startedAt: number;
  readonly requestBytes: number;
  readonly pool: TimelinePool;
  readonly pinnedTo: string | undefined;
  readonly clientGone: boolean;
  readonly mask: (text: string) => string;
}

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

  /** Records a finished request: its attempts in their series, the pool sample, the timeline, the ring. */
  finish(ctx: FinishedContext): void {
    const { record, trace } = ctx;
    const now = Date.now();
    const nowPerf = performance.now();
    let winner: AttemptStep | undefined;
    for (const s of trace.steps) {
      if (!(s instanceof AttemptStep)) continue;
      settle(s, nowPerf);
      this.get(s.backend, s.deployment, record.alias, now).record(now, s);
      if (s.backend === record.backend) winner = s;
    }
    record.requestBytes = ctx.requestBytes;
    if (winner) {
      record.responseBytes = winner.exchange.bytes;
      if (!Number.isNaN(winner.totalTokens)) {
        record.tokens = { prompt: nanToUndefined(winner.promptTokens), completion: nanToUndefined(winner.completionTokens), total: winner.totalTokens };
      }
    }
    this.sample.set(record, winner, ctx.startedAt, ctx.clientGone);
    this.pool.record(now, this.sample);
    record.timeline = buildTimeline({ trace, record, pool: ctx.pool, pinnedTo: ctx.pinnedTo, clientGone: ctx.clientGone, mask: ctx.mask });
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

/** Reads an attempt's exchange into its sample fields, once. */
function settle(s: AttemptStep, nowPerf: number): void {
  const x = s.exchange;
  s.status = x.statusCode;
  s.broken = s.error !== undefined && x.statusCode !== 0;
  // A relayed answer took until its end; one held back and dropped (a 429 we failed over) until its status line.
  const end = x.firstByteAt ? x.endAt || nowPerf : x.headAt || x.endAt || nowPerf;
  s.latencyMs = Math.max(0, end - x.startedAt);
  s.ttfbMs = x.firstByteAt ? x.firstByteAt - x.startedAt : NaN;
  const h = x.headers;
  if (h) {
    s.limitTokens = parseRemaining(h['x-ratelimit-limit-tokens']) ?? NaN;
    s.remainingTokens = parseRemaining(h['x-ratelimit-remaining-tokens']) ?? NaN;
  }
  if (x.statusCode < 400 && x.lastChunk) {
    const u = usageFromTail(x.lastChunk, x.previousChunk);
    if (u) {
      s.totalTokens = u.total;
      s.promptTokens = u.prompt ?? NaN;
      s.completionTokens = u.completion ?? NaN;
    }
  }
}

function nanToUndefined(n: number): number | undefined {
  return Number.isNaN(n) ? undefined : n;
}

/** The pool-level sample: the status the client got, the whole request's time, its first byte. */
class PoolSample {
  status = 0;
  broken = false;
  latencyMs = 0;
  ttfbMs = NaN;
  totalTokens = NaN;
  promptTokens = NaN;
  completionTokens = NaN;
  limitTokens = NaN;
  remainingTokens = NaN;

  set(r: RequestRecord, winner: AttemptStep | undefined, startedAt: number, clientGone: boolean): void {
    this.status = r.status;
    // A stream that broke is the pool's failure; a client that left is not.
    this.broken = !clientGone && r.error !== undefined && r.status < 400;
    this.latencyMs = r.ms;
    const first = winner?.exchange.firstByteAt ?? 0;
    this.ttfbMs = first ? first - startedAt : NaN;
    this.totalTokens = winner ? winner.totalTokens : NaN;
    this.promptTokens = winner ? winner.promptTokens : NaN;
    this.completionTokens = winner ? winner.completionTokens : NaN;
  }
}

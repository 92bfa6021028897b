/**
 * The record of one request, as the proxy fills it in. Its timeline and
 * token counts are built from the request's trace only when someone reads
 * them (`/_pool/requests`, the dashboard, a `request` listener), once: the
 * hot path pays for the trace's few field writes, not for formatting.
 */
import type { RequestRecord, TimelineEntry, TokenUsage } from '../events';
import { buildTimeline } from './timeline';
import type { Trace } from './trace';

export class TracedRecord implements RequestRecord {
  alias: string | undefined = undefined;
  backend: string | undefined = undefined;
  attempts = 0;
  status = 0;
  ms = 0;
  failovers: { backend: string; reason: string }[] = [];
  stream = false;
  error: string | undefined = undefined;
  requestBytes = 0;
  responseBytes = 0;
  private built: TimelineEntry[] | undefined;

  constructor(
    readonly id: string,
    readonly method: string,
    readonly route: string,
    readonly at: number,
    /** Undefined when recording is off. */
    readonly trace: Trace | undefined,
  ) {}

  get tokens(): TokenUsage | undefined {
    const w = this.trace?.winner;
    if (!w || w.totalTokens < 0) return undefined;
    return { prompt: opt(w.promptTokens), completion: opt(w.completionTokens), total: w.totalTokens };
  }

  get timeline(): TimelineEntry[] {
    return (this.built ??= this.trace ? buildTimeline(this.trace, this) : []);
  }

  /** The plain record, as `/_pool/requests` and listeners serialise it. */
  toJSON(): RequestRecord {
    return {
      id: this.id, method: this.method, route: this.route, alias: this.alias, backend: this.backend, attempts: this.attempts,
      status: this.status, ms: this.ms, failovers: this.failovers, stream: this.stream, error: this.error, at: this.at,
      requestBytes: this.requestBytes, responseBytes: this.responseBytes, tokens: this.tokens, timeline: this.timeline,
    };
  }
}

function opt(n: number): number | undefined {
  return n < 0 ? undefined : n;
}

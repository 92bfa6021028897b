/**
 * The most recent requests, in a fixed-size ring: the oldest record is
 * overwritten, so memory is bounded by the capacity whatever the traffic.
 */
import type { RequestRecord } from '../events';

/** Filters for `/_pool/requests` (all optional). */
export interface RequestQuery {
  /** At most this many, newest first. */
  limit?: number;
  /** Only requests with a larger id (a client that polls passes the newest id it has). */
  after?: number;
  backend?: string;
  alias?: string;
  /** An exact status, or a class: `4xx`, `5xx`. `error` = status >= 400 or a transport error. */
  status?: string;
}

export class RequestRing {
  private readonly items: (RequestRecord | undefined)[];
  private next = 0;
  /** Requests recorded since the ring was made (also those already overwritten). */
  total = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<RequestRecord | undefined>(capacity).fill(undefined);
  }

  push(r: RequestRecord): void {
    this.items[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Newest first, filtered. */
  list(q: RequestQuery = {}): RequestRecord[] {
    const limit = Math.min(q.limit ?? this.capacity, this.capacity);
    const match = statusMatcher(q.status);
    const out: RequestRecord[] = [];
    for (let i = 1; i <= this.capacity && out.length < limit; i++) {
      const r = this.items[(this.next - i + this.capacity) % this.capacity];
      if (!r) break;
      if (q.after !== undefined && Number(r.id) <= q.after) break;
      if (q.alias !== undefined && r.alias !== q.alias) continue;
      if (q.backend !== undefined && r.backend !== q.backend && !r.timeline.some((e) => e.type === 'attempt' && e.backend === q.backend)) continue;
      if (!match(r)) continue;
      out.push(r);
    }
    return out;
  }
}

function statusMatcher(status: string | undefined): (r: RequestRecord) => boolean {
  if (status === undefined) return () => true;
  if (status === 'error') return (r) => r.status >= 400 || r.error !== undefined;
  const cls = /^([1-5])xx$/i.exec(status);
  if (cls) return (r) => Math.floor(r.status / 100) === Number(cls[1]);
  const n = Number(status);
  return (r) => r.status === n;
}

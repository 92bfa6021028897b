/**
 * Stateful objects live on the resource that created them: a Responses API
 * response (`previous_response_id`), files, batches, assistants, threads,
 * vector stores. A request that names one must go to that backend; any other
 * backend would answer 404 for an id it never saw. We learn id -> backend from
 * the responses that create them, and read the ids a request refers to from
 * its path and the well-known body fields.
 */
import type { Transform } from 'node:stream';
import { bodyCoding, createDecoder, type Coding } from './encoding';

/** Prefixes of OpenAI/Azure OpenAI object ids that are bound to one resource. */
const PREFIXES = ['resp', 'file', 'batch', 'asst', 'thread', 'msg', 'run', 'step', 'vs', 'vsfb', 'ftjob', 'ft', 'conv', 'upload', 'cntr', 'assistant'];
const ID = new RegExp(`^(?:${PREFIXES.join('|')})[-_][A-Za-z0-9_-]{4,200}$`);
/** `"id": "resp_..."` as the first id in a response body or SSE event; `"previous_response_id"` does not match. */
const CREATED_ID = new RegExp(`"id"\\s*:\\s*"((?:${PREFIXES.join('|')})[-_][A-Za-z0-9_-]{4,200})"`);
const BODY_FIELDS = ['previous_response_id', 'file_id', 'input_file_id', 'thread_id', 'assistant_id', 'vector_store_id', 'conversation', 'response_id'];
const BODY_LIST_FIELDS = ['file_ids', 'vector_store_ids'];

export function isStatefulId(s: string): boolean {
  return ID.test(s);
}

/** The stateful ids a request refers to: in its path, then in its JSON body. */
export function referencedIds(path: string, json: Record<string, unknown> | undefined): string[] {
  const ids: string[] = [];
  for (const seg of path.split('?')[0]!.split('/')) if (ID.test(seg)) ids.push(seg);
  if (json) {
    for (const f of BODY_FIELDS) {
      const v = json[f];
      const s = typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : undefined;
      if (s !== undefined && ID.test(s)) ids.push(s);
    }
    for (const f of BODY_LIST_FIELDS) {
      const v = json[f];
      if (Array.isArray(v)) for (const s of v) if (typeof s === 'string' && ID.test(s)) ids.push(s);
    }
  }
  return ids;
}

/** The id a creating response announces in its first bytes, if any (decoded text). */
export function createdId(firstBytes: Buffer): string | undefined {
  return CREATED_ID.exec(firstBytes.toString('latin1', 0, Math.min(firstBytes.length, SCAN_DECODED_BYTES)))?.[1];
}

/** The id sits at the top of a body: scan this much decoded text, then stop. */
const SCAN_DECODED_BYTES = 64 * 1024;
/** And feed a decoder at most this much compressed input. */
const SCAN_ENCODED_BYTES = 1024 * 1024;
/** Text kept from one chunk to the next, longer than any `"id": "…"` match, so an id split across chunks is still found. */
const CARRY = 512;

/**
 * Finds the id a creating response announces, in a body seen chunk by chunk
 * as it is relayed: split across chunks or not, compressed (gzip, deflate,
 * br: decoded on the side by a streaming decoder, while the original bytes go
 * to the client untouched) or not. Bounded in memory and CPU: it looks at the
 * first 64 KiB of decoded text (and 1 MiB of compressed input), then lets go
 * of the decoder.
 */
export class CreatedIdScanner {
  private carry = '';
  private scanned = 0;
  private fed = 0;
  private decoder: Transform | undefined;
  /** A first byte held back until the second arrives. */
  private head: Buffer | undefined;
  private finished = false;
  /** Callbacks of pushes the decoder has not worked through yet. */
  private readonly waiting: (() => void)[] = [];
  private readonly coding: Coding | 'identity' | undefined;

  /** `contentEncoding` is the response's Content-Encoding header. */
  constructor(contentEncoding: string | string[] | undefined, private readonly onId: (id: string) => void) {
    this.coding = bodyCoding(contentEncoding);
    // A coding we cannot read: nothing to learn from this body.
    if (this.coding === undefined) this.finished = true;
  }

  /** True once the id was found, or the scan gave up: later chunks need not be pushed. */
  get done(): boolean {
    return this.finished;
  }

  /**
   * Scans a chunk of the body exactly as the backend sent it. Returns true
   * when that is done already; false when the chunk went to the decoder
   * (which works off the event loop): `then` is called once it has been
   * decoded and scanned.
   */
  push(chunk: Buffer, then: () => void): boolean {
    if (this.finished || chunk.length === 0) return true;
    if (this.coding === 'identity') {
      this.scan(chunk);
      return true;
    }
    if (!this.decoder) {
      // Two bytes tell zlib-wrapped deflate from raw deflate: wait for them.
      if (this.head) chunk = Buffer.concat([this.head, chunk]);
      if (chunk.length < 2) {
        this.head = chunk;
        return true;
      }
      this.head = undefined;
      const d = createDecoder(this.coding!, chunk);
      d.on('data', (out: Buffer) => this.scan(out));
      d.on('error', () => this.stop()); // corrupt: the client will see it; we just learn nothing
      this.decoder = d;
    }
    // Enough fed: the rest of the body is not ours to read.
    if (this.fed >= SCAN_ENCODED_BYTES) {
      this.stop();
      return true;
    }
    this.fed += chunk.length;
    this.waiting.push(then);
    // Its callback runs once the chunk is decoded and its output scanned.
    this.decoder.write(chunk, () => this.waiting.shift()?.());
    return false;
  }

  /** Stops scanning and frees the decoder (the body ended or broke, or the client left). */
  close(): void {
    this.waiting.length = 0;
    this.stop();
  }

  private scan(chunk: Buffer): void {
    if (this.finished) return;
    const take = Math.min(chunk.length, SCAN_DECODED_BYTES - this.scanned);
    const text = this.carry + chunk.toString('latin1', 0, take);
    this.scanned += take;
    const m = CREATED_ID.exec(text);
    if (m) {
      this.onId(m[1]!);
      return this.stop();
    }
    if (this.scanned >= SCAN_DECODED_BYTES) return this.stop();
    this.carry = text.slice(-CARRY);
  }

  private stop(): void {
    if (this.finished) return;
    this.finished = true;
    this.carry = '';
    this.head = undefined;
    this.decoder?.destroy();
    // Nothing more will be decoded: release whoever waits on a chunk.
    for (const f of this.waiting.splice(0)) f();
  }
}

/**
 * Which answers teach the map who holds the ids they carry: a success to a
 * POST that creates an object, and to a GET that reveals one (`GET
 * /openai/v1/responses/{id}`) or lists them (`GET /openai/files`), on the
 * routes where stateful objects live. Deployment routes are stateless.
 */
export function teachesOwner(method: string | undefined, routeKind: string | undefined, status: number): boolean {
  return status >= 200 && status < 300 && (method === 'POST' || method === 'GET') && (routeKind === 'v1' || routeKind === 'openai');
}

/**
 * What to do with each id the scanner (CreatedIdScanner, which Exchange runs
 * on a relayed body) finds in an answer that teaches: remember `backend` as
 * its owner. The one place the learning policy meets the scanner.
 */
export function ownerLearner(sticky: StickyMap, backend: string): (id: string) => void {
  return (id) => sticky.set(id, backend);
}

export class StickyMap {
  private readonly map = new Map<string, string>();

  constructor(private readonly max = 50_000) {}

  get(id: string): string | undefined {
    return this.map.get(id);
  }

  /** The owner of ids we found by asking the backends in turn: remembered like a created one. */
  setAll(ids: readonly string[], backend: string): void {
    for (const id of ids) this.set(id, backend);
  }

  set(id: string, backend: string): void {
    this.map.delete(id);
    this.map.set(id, backend);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  get size(): number {
    return this.map.size;
  }
}

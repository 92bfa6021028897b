/**
 * One attempt at one backend, on undici's dispatch API: the response's bytes
 * go from undici's parser straight to the client's socket, with no Readable
 * or async iterator in between (those were a quarter of the proxy's CPU per
 * request, issue 6).
 *
 * The status line is held back until the first body byte (or the end) is in
 * hand: a backend that resets right after its headers can still be failed
 * over, because the client has seen nothing yet. After that, bytes flow with
 * backpressure (a full client socket pauses the upstream one), and a break
 * mid-way destroys the client's response: an error, never a clean end with a
 * fake `[DONE]`.
 *
 * Compressed bodies (issue 9): a relayed body goes through byte for byte
 * whatever its Content-Encoding. When it is scanned for a created id, a
 * decoder runs on the side (off the event loop) and each chunk waits for its
 * scan before it goes out, so the id is known before the client can use it;
 * that wait ends with the scan (the id found, or the first 64 KiB read). An error body, which is
 * masked, is decoded first and sent on as identity with its real length:
 * re-encoding it would cost CPU for a few hundred bytes, and identity is
 * acceptable to every client. One we cannot decode is replaced by a pool
 * error rather than passed on unmasked.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { downstreamResponseHeaders } from './headers';
import { bodyCoding, decodeBody } from './encoding';
import { CreatedIdScanner } from './sticky';
import { sendPoolError } from './poolErrors';
import type { ObservedExchange } from '../metrics/trace';

type Controller = Dispatcher.DispatchController;

export type RelayResult =
  | { kind: 'done' }
  /** Nothing reached the client: the caller may try another backend. */
  | { kind: 'failedBeforeBody'; error: unknown }
  | { kind: 'failedMidStream'; error: unknown }
  | { kind: 'clientGone' };

export interface ResponseHead {
  statusCode: number;
  headers: IncomingHttpHeaders;
}

function uncork(socket: Socket): void {
  socket.uncork();
}

/** Error bodies are small and rare: they are read whole (and decoded, up to this size too) so secrets a backend echoed can be masked. */
const MAX_ERROR_BODY = 1024 * 1024;

function maskHeaders(headers: OutgoingHttpHeaders, mask: (s: string) => string): void {
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v === 'string') headers[k] = mask(v);
    else if (Array.isArray(v)) headers[k] = v.map(mask);
  }
}

export class Exchange implements Dispatcher.DispatchHandler, ObservedExchange {
  // What the request's trace reads when the request is done (performance.now() stamps, 0 = not yet).
  readonly startedAt = performance.now();
  headAt = 0;
  firstByteAt = 0;
  endAt = 0;
  /** Body bytes relayed (or read, for an error body), as they came from the backend. */
  bytes = 0;
  /** The last two relayed chunks: a `usage` object sits at the end of an answer. */
  lastChunk: Buffer | undefined;
  previousChunk: Buffer | undefined;
  private controller: Controller | undefined;
  private mode: 'head' | 'held' | 'peek' | 'peeked' | 'discard' | 'relay' | 'buffer' | 'over' = 'head';
  private peeked: ((body: Buffer) => void) | undefined;
  private head: ResponseHead | undefined;
  private res: ServerResponse | undefined;
  private backend = '';
  private mask: (s: string) => string = (s) => s;
  private scanner: CreatedIdScanner | undefined;
  /** Chunks held until the scanner has seen them, in order; and how many scans are pending. */
  private queued: Buffer[] = [];
  private scanning = 0;
  private bodyEnded = false;
  private started = false;
  private chunks: Buffer[] = [];
  private size = 0;
  private resolveHead!: (h: ResponseHead) => void;
  private rejectHead!: (e: unknown) => void;
  private finish: ((r: RelayResult) => void) | undefined;
  private cancelled = false;
  /** Settles when the response head arrives, or rejects on a transport error before it. */
  readonly response: Promise<ResponseHead>;

  constructor() {
    this.response = new Promise((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    // A head that is never awaited (the client left) must not be an unhandled rejection.
    this.response.catch(() => undefined);
  }

  get statusCode(): number {
    return this.head?.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders | undefined {
    return this.head?.headers;
  }

  /** The client went away: stop the upstream request now, whatever stage it is in. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.scanner?.close();
    this.controller?.abort(new Error('client disconnected'));
    if (this.mode === 'head') {
      // Nobody will hear from undici once we stop caring: answer the waiter ourselves.
      this.mode = 'over';
      this.rejectHead(new Error('client disconnected'));
    } else if (this.mode !== 'over') {
      this.endPeek();
      this.settle({ kind: 'clientGone' });
    }
  }

  /**
   * Reads a held error answer whole (up to MAX_ERROR_BODY, as it came: maybe
   * compressed) without sending anything, so the caller can look inside it
   * (a 404 that says DeploymentNotFound fails over); `relay()` then sends
   * what was read, or `discard()` drops it.
   */
  peekBody(): Promise<Buffer> {
    return new Promise((resolve) => {
      if (this.mode !== 'held') return resolve(Buffer.alloc(0));
      this.peeked = resolve;
      this.mode = 'peek';
      this.controller?.resume();
    });
  }

  /** Throws the response away, keeping the connection for reuse when it is small. */
  discard(): void {
    const ended = this.mode === 'peeked';
    this.mode = 'discard';
    if (!ended) this.controller?.resume();
  }

  /**
   * Streams the held response to the client. `onCreatedId` hears the id a
   * successful body announces (`"id": "resp_…"`), whatever its encoding or
   * chunking.
   */
  relay(res: ServerResponse, backend: string, mask: (s: string) => string, onCreatedId?: (id: string) => void): Promise<RelayResult> {
    this.res = res;
    this.backend = backend;
    this.mask = mask;
    const h = this.head!;
    const sse = String(h.headers['content-type'] ?? '').includes('event-stream');
    return new Promise((resolve) => {
      this.finish = resolve;
      if (this.cancelled) return this.settle({ kind: 'clientGone' });
      if (this.mode === 'peeked') return this.sendBuffered(); // an error body, read already
      this.mode = h.statusCode >= 400 && !sse ? 'buffer' : 'relay';
      if (this.mode === 'relay' && onCreatedId) this.scanner = new CreatedIdScanner(h.headers['content-encoding'], onCreatedId);
      res.on('drain', this.onDrain);
      this.controller?.resume();
    });
  }

  // ---- undici's side ------------------------------------------------------

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(new Error('client disconnected'));
  }

  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders): void {
    // Wait for the caller to decide between relay() and discard().
    controller.pause();
    this.headAt = performance.now();
    this.mode = 'held';
    this.head = { statusCode, headers };
    this.resolveHead(this.head);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    switch (this.mode) {
      case 'relay': {
        const res = this.res!;
        if (!this.started) this.start();
        this.bytes += chunk.length;
        this.previousChunk = this.lastChunk;
        this.lastChunk = chunk;
        const s = this.scanner;
        if (s && !s.done && !s.push(chunk, this.onScanned)) this.scanning++;
        if (this.scanning > 0) {
          // The client must not hold a body whose id we have not learned yet.
          this.queued.push(chunk);
          controller.pause();
          return;
        }
        if (!res.write(chunk)) controller.pause();
        return;
      }
      case 'peek':
      case 'buffer':
        if (this.size === 0 && this.firstByteAt === 0) this.firstByteAt = performance.now();
        this.bytes += chunk.length;
        this.size += chunk.length;
        if (this.size <= MAX_ERROR_BODY) this.chunks.push(chunk);
        return;
      default:
        return; // discard
    }
  }

  onResponseEnd(): void {
    this.endAt = performance.now();
    if (this.mode === 'peek') {
      this.endPeek();
    } else if (this.mode === 'relay') {
      if (this.scanning > 0) this.bodyEnded = true; // onScanned ends it
      else this.endRelay();
    } else if (this.mode === 'buffer') {
      this.sendBuffered();
    } else {
      this.mode = 'over';
    }
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.endAt = performance.now();
    if (this.mode === 'head') {
      this.mode = 'over';
      this.rejectHead(error);
      return;
    }
    this.scanner?.close();
    if (this.mode === 'peek') return this.endPeek(); // a broken error body: what we have
    if (this.cancelled || this.res?.destroyed) return this.settle({ kind: 'clientGone' });
    if (this.mode === 'buffer') {
      // A broken error body: send what we have.
      this.sendBuffered();
      return;
    }
    if (this.mode !== 'relay') {
      this.mode = 'over';
      return;
    }
    if (!this.started) return this.settle({ kind: 'failedBeforeBody', error });
    // Cut the client's connection: a truncated chunked body is an error to
    // every HTTP client, while res.end() would look like success.
    this.res!.destroy(error);
    this.settle({ kind: 'failedMidStream', error });
  }

  // ---- helpers ------------------------------------------------------------

  private readonly onDrain = (): void => {
    if (this.mode === 'relay' && this.scanning === 0) this.controller?.resume();
  };

  /** A held chunk has been scanned: once none is pending, let the queue go. */
  private readonly onScanned = (): void => {
    if (--this.scanning > 0 || this.mode !== 'relay') return;
    const res = this.res!;
    let ok = true;
    for (const c of this.queued) ok = res.write(c);
    this.queued = [];
    if (this.bodyEnded) this.endRelay();
    else if (ok) this.controller?.resume(); // otherwise 'drain' resumes
  };

  /** The body is complete (and scanned): end the client's response. */
  private endRelay(): void {
    this.scanner?.close();
    if (!this.started) this.start();
    this.res!.end();
    this.settle({ kind: 'done' });
  }

  private start(): void {
    this.started = true;
    this.firstByteAt = performance.now();
    // Headers, the first chunk and (for a small body parsed in the same
    // tick) the end leave in one write: cork until the parser is done.
    const res = this.res!;
    res.writeHead(this.head!.statusCode, downstreamResponseHeaders(this.head!.headers, this.backend));
    // The socket, not the response: since Node 22 a corked ServerResponse
    // holds chunked writes in a buffer of its own, and an end() inside the
    // cork puts the terminating 0-chunk on the wire before the buffered chunks
    // (clients then see a clean end after the first SSE event).
    const socket = res.socket;
    if (socket) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
  }

  private sendBuffered(): void {
    const res = this.res!;
    if (res.destroyed) return this.settle({ kind: 'clientGone' });
    const raw = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    const header = this.head!.headers['content-encoding'];
    const coding = bodyCoding(header);
    if (coding === 'identity') return this.sendMasked(raw);
    if (coding === undefined) return this.sendUnreadable(String(header));
    decodeBody(raw, coding, MAX_ERROR_BODY, (err, decoded) => {
      if (this.mode === 'over') return; // the client left meanwhile
      if (err) this.sendUnreadable(`${String(header)}, ${err instanceof RangeError ? `larger than ${MAX_ERROR_BODY / 1024 / 1024} MB decoded` : 'corrupt'}`);
      else this.sendMasked(decoded);
    });
  }

  /** An error body in plain text: masked, and sent as identity with its own length. */
  private sendMasked(body: Buffer): void {
    const res = this.res!;
    if (res.destroyed) return this.settle({ kind: 'clientGone' });
    const out = Buffer.from(this.mask(body.toString('utf8')), 'utf8');
    const headers = downstreamResponseHeaders(this.head!.headers, this.backend);
    maskHeaders(headers, this.mask);
    delete headers['content-encoding'];
    delete headers['transfer-encoding'];
    headers['content-length'] = out.length;
    res.writeHead(this.head!.statusCode, headers);
    res.end(out);
    this.settle({ kind: 'done' });
  }

  /** An error body we cannot read cannot be masked either: say so instead of passing it on. */
  private sendUnreadable(coding: string): void {
    sendPoolError(this.res!, 'UpstreamBodyUnreadable', { backend: this.backend, status: this.head!.statusCode, coding: this.mask(coding).slice(0, 100) }, { 'x-aoai-pool-backend': this.backend });
    this.settle({ kind: 'done' });
  }

  private endPeek(): void {
    const p = this.peeked;
    this.peeked = undefined;
    if (this.mode === 'peek') this.mode = 'peeked';
    p?.(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
  }

  private settle(r: RelayResult): void {
    if (this.mode === 'over' && !this.finish) return;
    this.mode = 'over';
    this.res?.off('drain', this.onDrain);
    const f = this.finish;
    this.finish = undefined;
    f?.(r);
  }
}

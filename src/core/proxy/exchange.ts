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
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { downstreamResponseHeaders } from './headers';

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

function uncork(res: ServerResponse): void {
  res.uncork();
}

/** Error bodies are small and rare: they are read whole so secrets a backend echoed can be masked. */
const MAX_ERROR_BODY = 1024 * 1024;

export class Exchange implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private mode: 'head' | 'held' | 'peek' | 'peeked' | 'discard' | 'relay' | 'buffer' | 'over' = 'head';
  private peeked: ((body: Buffer) => void) | undefined;
  private head: ResponseHead | undefined;
  private res: ServerResponse | undefined;
  private backend = '';
  private mask: (s: string) => string = (s) => s;
  private onFirst: ((first: Buffer) => void) | undefined;
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

  /** The client went away: stop the upstream request now, whatever stage it is in. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
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
   * Reads a held error answer whole (up to MAX_ERROR_BODY) without sending
   * anything, so the caller can look inside it (a 404 that says
   * DeploymentNotFound fails over); `relay()` then sends what was read, or
   * `discard()` drops it.
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

  /** Streams the held response to the client. */
  relay(res: ServerResponse, backend: string, mask: (s: string) => string, onFirst?: (first: Buffer) => void): Promise<RelayResult> {
    this.res = res;
    this.backend = backend;
    this.mask = mask;
    this.onFirst = onFirst;
    const h = this.head!;
    const sse = String(h.headers['content-type'] ?? '').includes('event-stream');
    return new Promise((resolve) => {
      this.finish = resolve;
      if (this.cancelled) return this.settle({ kind: 'clientGone' });
      if (this.mode === 'peeked') {
        if (this.chunks.length) onFirst?.(this.chunks[0]!);
        return this.sendBuffered();
      }
      this.mode = h.statusCode >= 400 && !sse ? 'buffer' : 'relay';
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
    this.mode = 'held';
    this.head = { statusCode, headers };
    this.resolveHead(this.head);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    switch (this.mode) {
      case 'relay': {
        const res = this.res!;
        if (!this.started) this.start(chunk);
        if (!res.write(chunk)) controller.pause();
        return;
      }
      case 'peek':
      case 'buffer':
        if (this.size === 0 && this.mode === 'buffer') this.onFirst?.(chunk);
        this.size += chunk.length;
        if (this.size <= MAX_ERROR_BODY) this.chunks.push(chunk);
        return;
      default:
        return; // discard
    }
  }

  onResponseEnd(): void {
    if (this.mode === 'peek') {
      this.endPeek();
    } else if (this.mode === 'relay') {
      if (!this.started) this.start(undefined);
      this.res!.end();
      this.settle({ kind: 'done' });
    } else if (this.mode === 'buffer') {
      this.sendBuffered();
    } else {
      this.mode = 'over';
    }
  }

  onResponseError(_controller: Controller, error: Error): void {
    if (this.mode === 'head') {
      this.mode = 'over';
      this.rejectHead(error);
      return;
    }
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
    if (this.mode === 'relay') this.controller?.resume();
  };

  private start(first: Buffer | undefined): void {
    this.started = true;
    if (first) this.onFirst?.(first);
    // Headers, the first chunk and (for a small body parsed in the same
    // tick) the end leave in one write: cork until the parser is done.
    const res = this.res!;
    res.writeHead(this.head!.statusCode, downstreamResponseHeaders(this.head!.headers, this.backend));
    res.cork();
    process.nextTick(uncork, res);
  }

  private sendBuffered(): void {
    const res = this.res!;
    if (res.destroyed) return this.settle({ kind: 'clientGone' });
    const body = Buffer.from(this.mask(Buffer.concat(this.chunks).toString('utf8')), 'utf8');
    const headers = downstreamResponseHeaders(this.head!.headers, this.backend);
    for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') headers[k] = this.mask(v);
    delete headers['content-encoding'];
    delete headers['transfer-encoding'];
    headers['content-length'] = body.length;
    res.writeHead(this.head!.statusCode, headers);
    res.end(body);
    this.settle({ kind: 'done' });
  }

  private endPeek(): void {
    const p = this.peeked;
    this.peeked = undefined;
    if (this.mode === 'peek') this.mode = 'peeked';
    p?.(Buffer.concat(this.chunks));
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
